"""The sandbox operator's IMAP server: pymap on loopback, implicit TLS, client certificate.

pymap serves IMAP from an on-disk Maildir (its ``maildir`` backend, so that the demo mailbox
and the mail sent in earlier demo runs survive a restart, with stable UIDVALIDITYs). What an
MSSanté operator adds is done here, around pymap:

- TLS from the first byte (the 993 kind) with a *required* client certificate checked
  against the sandbox PKI: pymap itself only knows opportunistic STARTTLS without client
  certificates, so the listener is created here with our ``ssl.SSLContext`` and handed
  pymap's connection handler;
- SASL EXTERNAL only: the login is the certificate's identity (``serialNumber``, as
  Dovecot's ``auth_ssl_username_from_cert`` is set up in the lab), mapped to its mailbox.
  pysasl parses EXTERNAL; pymap leaves its verification to the backend
  (``ExternalCredentials``), which ``_CertificateLogin`` does from the TLS peer certificate
  pymap exposes per connection (``pymap.context.socket_info``).

With ``bearer`` (a token check) it is also an operator of the API LPS: SASL XOAUTH2 and
OAUTHBEARER with Pro Santé Connect tokens (``app.sandbox.imap_oauth``), on a second
listener whose TLS asks for no client certificate (``bearer_tls``; ``bearer_port``).

The server runs its own event loop in a background thread. ``deliver`` appends a message to a
mailbox from any thread (the submission server's delivery callback uses it).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from argparse import Namespace
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from proxyprotocol.reader import ProxyProtocolReader
from proxyprotocol.version import ProxyProtocolVersion
from pymap.backend.maildir import Config as MaildirConfig
from pymap.backend.maildir import Identity as MaildirIdentity
from pymap.backend.maildir import Login as MaildirLogin
from pymap.context import socket_info
from pymap.exceptions import AuthorizationFailure, InvalidAuth, MailboxConflict
from pymap.frozen import frozendict
from pymap.imap import IMAPServer
from pymap.interfaces.login import IdentityInterface
from pymap.parsing.message import AppendMessage
from pymap.parsing.specials.flag import Flag
from pymap.user import UserMetadata
from pysasl import SASLAuth
from pysasl.creds.external import ExternalCredentials
from pysasl.creds.server import ServerCredentials
from pysasl.mechanism.external import ExternalMechanism

from app.sandbox.bearer import TokenCheck
from app.sandbox.imap_oauth import BearerCredentials, bearer_mechanisms
from app.sandbox.submission import certificate_identity

_TIMEOUT = 10.0


class _Config(MaildirConfig):
    """pymap's maildir configuration: EXTERNAL (and the bearer mechanisms with a token
    check), no STARTTLS (TLS is implicit)."""

    bearer: TokenCheck | None = None

    @property
    def tls_auth(self) -> SASLAuth:
        extra = bearer_mechanisms(self.bearer) if self.bearer is not None else []
        return SASLAuth([ExternalMechanism(), *extra])

    @property
    def initial_auth(self) -> SASLAuth:
        return self.tls_auth

    @property
    def greeting(self) -> bytes:
        return b"Operateur MSSante de demonstration (bac a sable Caducee) pret"


class _CertificateLogin(MaildirLogin):
    """SASL EXTERNAL: the TLS client certificate says who logs in."""

    def __init__(self, config: _Config, mailboxes: Mapping[str, str]) -> None:
        super().__init__(config)
        self.mailboxes = dict(mailboxes)  # certificate identity -> user (mailbox address)

    async def authenticate(self, credentials: ServerCredentials) -> MaildirIdentity:
        if isinstance(credentials, BearerCredentials):  # a PSC token, checked by then
            mailbox = credentials.authzid.lower()
            if not credentials.accepted or mailbox not in self.mailboxes.values():
                raise InvalidAuth()
            return MaildirIdentity(self.config, self.tokens, mailbox, None, frozenset())
        if not isinstance(credentials, ExternalCredentials):
            raise InvalidAuth()
        identity = certificate_identity(socket_info.get().peercert)  # type: ignore[arg-type]
        user = self.mailboxes.get(identity or "")
        if user is None:
            raise InvalidAuth()
        return MaildirIdentity(self.config, self.tokens, user, None, frozenset())

    async def authorize(self, authenticated: IdentityInterface, authzid: str) -> MaildirIdentity:
        if authzid not in ("", authenticated.name):
            raise AuthorizationFailure()
        return MaildirIdentity(self.config, self.tokens, authenticated.name, None, frozenset())


@dataclass(frozen=True)
class ImapEndpoint:
    host: str
    port: int


class SandboxImapServer:
    """pymap over a Maildir tree in ``directory``; one mailbox per certificate identity."""

    def __init__(
        self,
        directory: Path,
        tls: ssl.SSLContext,
        mailboxes: Mapping[str, str],
        *,
        host: str = "127.0.0.1",
        bearer: TokenCheck | None = None,
        bearer_tls: ssl.SSLContext | None = None,
    ) -> None:
        """``mailboxes``: certificate identity (serialNumber) -> mailbox address."""
        if tls.verify_mode != ssl.CERT_REQUIRED:
            raise ValueError("the sandbox IMAP server must require a client certificate")
        self.directory = directory
        self._tls = tls
        self._host = host
        self._mailboxes = dict(mailboxes)
        self._bearer, self._bearer_tls = bearer, bearer_tls
        self.bearer_port: int | None = None
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._stack = AsyncExitStack()
        self._config: _Config | None = None
        self._login: _CertificateLogin | None = None

    def _make_config(self) -> _Config:
        args = Namespace(passlib_cfg=None, proxy_protocol=None, inherited_sockets=None)
        return _Config(
            args,
            host=self._host,
            port=0,
            base_dir=str(self.directory),
            layout="++",
            colon=None,
            ssl_context=self._tls,
            tls_enabled=False,
            reject_dnsbl=False,
            invalid_user_sleep=0.0,
            max_append_len=64 * 1024 * 1024,
        )

    def start(self) -> ImapEndpoint:
        self.directory.mkdir(parents=True, exist_ok=True)
        listener = socket.create_server((self._host, 0))
        bearer_listener = socket.create_server((self._host, 0)) if self._bearer_tls else None
        self._config = self._make_config()
        self._config.bearer = self._bearer
        self._login = _CertificateLogin(self._config, self._mailboxes)
        handler = ProxyProtocolReader(ProxyProtocolVersion.get(None)).get_callback(
            IMAPServer(self._login, self._config)
        )

        async def serve() -> None:
            for address in self._mailboxes.values():
                await self._ensure_user(address)
            server = await asyncio.start_server(handler, sock=listener, ssl=self._tls)
            await self._stack.enter_async_context(server)
            if bearer_listener is not None:
                tokens = await asyncio.start_server(
                    handler, sock=bearer_listener, ssl=self._bearer_tls
                )
                await self._stack.enter_async_context(tokens)

        self._thread = threading.Thread(
            target=self._loop.run_forever, name="sandbox-imap", daemon=True
        )
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(serve(), self._loop).result(timeout=_TIMEOUT)
        except BaseException:
            listener.close()
            if bearer_listener is not None:
                bearer_listener.close()
            self.stop()
            raise
        if bearer_listener is not None:
            self.bearer_port = bearer_listener.getsockname()[1]
        return ImapEndpoint(self._host, listener.getsockname()[1])

    async def _ensure_user(self, address: str) -> None:
        config, login = self._require()
        admin = MaildirIdentity(config, login.tokens, address, None, frozenset({"admin"}))
        user = UserMetadata(config, address, params=frozendict({"mailbox_path": address}))
        try:
            await admin.get()
        except Exception:  # noqa: BLE001 - pymap's UserNotFound and friends: create it
            await admin.set(user)

    def _require(self) -> tuple[_Config, _CertificateLogin]:
        if self._config is None or self._login is None:
            raise RuntimeError("the sandbox IMAP server is not started")
        return self._config, self._login

    def create_folders(self, address: str, names: tuple[str, ...]) -> None:
        """Create folders of the mailbox ``address`` that do not exist yet."""

        async def create() -> None:
            async with self._identity(address).new_session() as session:
                for name in names:
                    with contextlib.suppress(MailboxConflict):
                        await session.create_mailbox(name)

        asyncio.run_coroutine_threadsafe(create(), self._loop).result(timeout=_TIMEOUT)

    def _identity(self, address: str) -> MaildirIdentity:
        config, login = self._require()
        return MaildirIdentity(config, login.tokens, address, None, frozenset())

    def deliver(
        self,
        address: str,
        message: bytes,
        *,
        folder: str = "INBOX",
        flags: tuple[str, ...] = (),
        when: datetime | None = None,
    ) -> None:
        """Append ``message`` to ``folder`` of the mailbox ``address`` (from any thread)."""

        async def append() -> None:
            async with self._identity(address).new_session() as session:
                if folder != "INBOX":
                    with contextlib.suppress(MailboxConflict):
                        await session.create_mailbox(folder)
                appended = AppendMessage(
                    message,
                    when or datetime.now(UTC),
                    frozenset(Flag(f.encode()) for f in flags),
                )
                await session.append_messages(folder, [appended])

        asyncio.run_coroutine_threadsafe(append(), self._loop).result(timeout=_TIMEOUT)

    def stop(self) -> None:
        if self._thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._stack.aclose(), self._loop).result(
                timeout=_TIMEOUT
            )
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=_TIMEOUT)
            if not self._thread.is_alive():
                self._loop.close()
            self._thread = None

    def __enter__(self) -> ImapEndpoint:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

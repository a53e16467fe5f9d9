"""An SMTP submission server that requires a client certificate, on loopback.

Used by the sandbox operator (demo) and the test lab. Two listeners, as an MSSanté operator
has: implicit TLS (the 465 kind) and STARTTLS (the 587 kind, TLS mandatory before MAIL).
The TLS context must require a client certificate; the identity it carries
(``serialNumber``, else ``CN``) decides which sender addresses the client may use, and
accepted mail is handed to a delivery callback (LMTP into Dovecot, or the sandbox store).

With ``passwords`` it is instead the submission server of an ordinary mail provider: SMTP
AUTH (PLAIN, LOGIN) over TLS is required, and the login is the identity.
"""

from __future__ import annotations

import asyncio
import email.utils
import hmac
import logging
import re
import socket
import ssl
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from app.sandbox.reports import DsnSMTP

log = logging.getLogger(__name__)


def _not_the_client_certificate_warning(record: logging.LogRecord) -> bool:
    # aiosmtpd warns on every connection that requiring a client certificate "might cause
    # client connection problems": requiring one is the whole point here.
    return not record.getMessage().startswith("tls_context.verify_mode not in")


logging.getLogger("mail.log").addFilter(_not_the_client_certificate_warning)

_TRACE_UNSAFE = re.compile(r"[^\x21-\x7e]")  # no CR/LF or spaces in a trace field
Authorize = Callable[[str, str], bool]
"""(client identity from the certificate, envelope sender) -> may this client send as that?"""


class DeliveryError(Exception):
    """Raised by a delivery callback; ``reply`` is the SMTP reply given to the client."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


Deliver = Callable[[str, list[str], bytes], None]
"""(envelope sender, recipients, message bytes) -> None, or raise DeliveryError."""


def certificate_identity(peer_certificate: dict[str, Any] | None) -> str | None:
    """The client identity in an ``SSLSocket.getpeercert()`` dict: serialNumber, else CN."""
    if not peer_certificate:
        return None
    fields: dict[str, str] = {}
    for rdn in peer_certificate.get("subject", ()):
        for name, value in rdn:
            fields.setdefault(name, value)
    return fields.get("serialNumber") or fields.get("commonName")


class _Handler:
    def __init__(
        self, hostname: str, authorize: Authorize, deliver: Deliver, *, by_login: bool
    ) -> None:
        self.hostname = hostname
        self.authorize = authorize
        self.deliver = deliver
        self.by_login = by_login

    @staticmethod
    def _ssl_object(server: SMTP) -> ssl.SSLObject | None:
        if server.transport is None:
            return None
        ssl_object: ssl.SSLObject | None = server.transport.get_extra_info("ssl_object")
        return ssl_object

    def _peer_identity(self, server: SMTP) -> str | None:
        ssl_object = self._ssl_object(server)
        return certificate_identity(ssl_object.getpeercert() if ssl_object else None)

    async def handle_MAIL(  # aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.by_login:
            identity = session.auth_data if isinstance(session.auth_data, str) else None
        else:
            identity = self._peer_identity(server)
        if identity is None:
            return (
                "530 5.7.0 Authentication required"
                if self.by_login
                else ("530 5.7.0 Client certificate required")
            )
        if not self.authorize(identity, address):
            log.info("sender refused for client %s", identity)
            return "553 5.7.1 Sender address not owned by the certificate holder"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_DATA(  # aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        ssl_object = self._ssl_object(server)
        cipher = (ssl_object.cipher() if ssl_object else None) or ("no TLS",)
        tls = f"{ssl_object.version() if ssl_object else ''} {cipher[0]}".strip()
        peer = session.peer[0] if isinstance(session.peer, tuple) else session.peer
        helo = _TRACE_UNSAFE.sub("?", session.host_name or "unknown")[:255]  # client-chosen
        received = (
            f"Received: from {helo} ({peer})\r\n"
            f"\tby {self.hostname} with ESMTPS ({tls})\r\n"
            f"\tfor <{envelope.rcpt_tos[0]}>; {email.utils.formatdate()}\r\n"
        ).encode()
        content = envelope.original_content or b""
        try:
            await asyncio.get_running_loop().run_in_executor(
                None,
                self.deliver,
                envelope.mail_from or "",
                list(envelope.rcpt_tos),
                received + content,
            )
        except DeliveryError as error:
            return error.reply
        except RuntimeError as error:
            if "shutdown" not in str(error):
                raise
            # The server is stopping (its executor is shut down): "later", not "no".
            return "421 4.3.2 Service shutting down, try again later"
        return "250 2.0.0 OK delivered"


@dataclass(frozen=True)
class Endpoints:
    host: str
    implicit_tls_port: int
    starttls_port: int


class SubmissionServer:
    """Runs both listeners on an event loop in a background thread. ``smtp_class``: the
    aiosmtpd protocol, with delivery status notifications (``app.sandbox.reports``; the
    lab's fault campaign extends it to report each reply)."""

    smtp_class: type[SMTP] = DsnSMTP

    def __init__(
        self,
        tls: ssl.SSLContext,
        authorize: Authorize,
        deliver: Deliver,
        *,
        hostname: str = "localhost",
        host: str = "127.0.0.1",
        data_size_limit: int = 32 * 1024 * 1024,
        passwords: Mapping[str, str] | None = None,
    ) -> None:
        if passwords is None and tls.verify_mode != ssl.CERT_REQUIRED:
            raise ValueError("the submission server must require a client certificate")
        self._tls = tls
        self._passwords = dict(passwords) if passwords is not None else None
        self._handler = _Handler(hostname, authorize, deliver, by_login=passwords is not None)
        self._hostname = hostname
        self._host = host
        self._size = data_size_limit
        self._loop = asyncio.new_event_loop()  # closed by stop(), or by start() on failure
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.AbstractServer] = []

    def _protocol(self, *, starttls: bool) -> SMTP:
        with warnings.catch_warnings():  # see auth_require_tls below
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return self.smtp_class(
                self._handler,
                hostname=self._hostname,
                data_size_limit=self._size,
                tls_context=self._tls if starttls else None,
                require_starttls=starttls,
                decode_data=False,
                loop=self._loop,
                auth_required=self._passwords is not None,
                # The implicit-TLS listener is TLS from the first byte, which aiosmtpd only
                # knows of connections upgraded by STARTTLS.
                auth_require_tls=starttls,
                authenticator=self._check_password if self._passwords is not None else None,
            )

    def _check_password(
        self, _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword) or self._passwords is None:
            return AuthResult(success=False, handled=False)
        login = data.login.decode(errors="replace")
        expected = self._passwords.get(login)
        ok = expected is not None and hmac.compare_digest(expected.encode(), data.password)
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    def start(self) -> Endpoints:
        implicit = socket.create_server((self._host, 0))
        starttls = socket.create_server((self._host, 0))

        async def serve() -> None:
            self._servers = [
                await self._loop.create_server(
                    lambda: self._protocol(starttls=False), sock=implicit, ssl=self._tls
                ),
                await self._loop.create_server(
                    lambda: self._protocol(starttls=True), sock=starttls
                ),
            ]

        self._thread = threading.Thread(
            target=self._loop.run_forever, name="submission-server", daemon=True
        )
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(serve(), self._loop).result(timeout=10)
        except BaseException:
            implicit.close()
            starttls.close()
            self.stop()
            raise
        return Endpoints(self._host, implicit.getsockname()[1], starttls.getsockname()[1])

    def stop(self) -> None:
        if self._thread is None:
            return

        async def close() -> None:
            for server in self._servers:
                server.close()
                await server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
            asyncio.run_coroutine_threadsafe(
                self._loop.shutdown_default_executor(), self._loop
            ).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():  # closing a running loop would raise
                self._loop.close()
            self._thread = None

    def __enter__(self) -> Endpoints:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def server_tls_context(
    chain_pem: str, key_pem: str, client_ca: str, *, check_client_crl: bool = True
) -> ssl.SSLContext:
    """TLS ≥ 1.2 server context that requires a client certificate from ``client_ca``.

    ``client_ca`` is a PEM file with the authorities and, when ``check_client_crl``, their
    CRLs: a revoked client certificate is then refused during the handshake.
    """
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=client_ca)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(chain_pem, key_pem)
    context.verify_mode = ssl.CERT_REQUIRED
    if check_client_crl:
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_CHAIN
    return context

"""IMAP connections (the only module, with its siblings ``imap_*``, that imports imapclient).

This first part opens an authenticated connection for MSSanté (TLS client certificate +
SASL EXTERNAL) or a generic provider (password after TLS); the sync engine builds on it.
"""

from __future__ import annotations

import base64
import functools
import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from cryptography import x509
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.imap_utf7 import decode as decode_utf7
from imapclient.response_parser import parse_fetch_response, parse_response

from app.core.errors import (
    AuthenticationError,
    ClientCertificateRefusedError,
    ProtocolError,
    TlsError,
    TransportError,
)
from app.transport import sasl
from app.transport.credentials import ClientCredential
from app.transport.endpoints import Endpoint, Security
from app.transport.imap_fetch import FetchedHeader, flags_of, header_responses
from app.transport.tls import TrustPolicy, classify, translated

DEFAULT_TIMEOUT = 30.0


@dataclass
class ImapConnection:
    client: IMAPClient
    endpoint: Endpoint
    tls_version: str
    cipher: str
    server_chain: list[x509.Certificate]
    credential: ClientCredential | None
    # What the server said it can do once TLS was up, for the login: imapclient would ask
    # again at each look before the login after STARTTLS (a round trip each, 20-50 ms to
    # her operator), when imaplib has just asked. After the login, imapclient's (cached).
    before_login: tuple[str, ...] = ()

    @property
    def capabilities(self) -> tuple[str, ...]:
        if self.before_login and self.client._imap.state == "NONAUTH":
            return self.before_login
        return tuple(c.decode(errors="replace") for c in self.client.capabilities())

    def authenticate_external(self, authorization: str = "") -> None:
        """SASL EXTERNAL: the identity is the TLS client certificate."""
        if "AUTH=EXTERNAL" not in self.capabilities:
            raise AuthenticationError(
                "server does not offer AUTH=EXTERNAL",
                user_message="Le serveur ne propose pas l'authentification par certificat "
                "(SASL EXTERNAL).",
            )
        with translated(self.credential):
            try:
                self._sasl_login("EXTERNAL", authorization.encode())
            except LoginError as error:
                raise _login_error(error, certificate=True) from error

    def authenticate_password(self, username: str, password: str) -> None:
        """AUTHENTICATE PLAIN (UTF-8) when offered, else LOGIN (ASCII only, RFC 3501)."""
        with translated(self.credential):
            try:
                if "AUTH=PLAIN" in self.capabilities:
                    self._sasl_login("PLAIN", f"\0{username}\0{password}".encode())
                elif (username + password).isascii():
                    self.client.login(username, password)
                else:
                    raise AuthenticationError(
                        "non-ASCII credentials without AUTH=PLAIN",
                        user_message="Ce serveur n'accepte que des identifiants et mots de "
                        "passe sans accents ni caractères spéciaux.",
                    )
            except LoginError as error:
                raise _login_error(error, certificate=False) from error

    def authenticate_bearer(self, user: str, token: str, *, initial_response: bool = True) -> str:
        """XOAUTH2 or OAUTHBEARER with a PSC access token (chosen from CAPABILITY); the
        mechanism used. The initial response goes with the command when the server offers
        SASL-IR and ``initial_response``; the server's error challenge is answered as the
        mechanism says. Raises ``sasl.BearerRefusedError`` on refusal."""
        if not isinstance(self.client.socket(), ssl.SSLSocket):  # never a token in clear
            raise TlsError("bearer token over a connection without TLS")
        offered = [c[5:] for c in self.capabilities if c.upper().startswith("AUTH=")]
        mechanism = sasl.choose(offered)
        if mechanism is None:
            raise sasl.NoBearerMechanismError(f"offered: {offered}")
        payload = sasl.response(mechanism, user, token, self.endpoint.host, self.endpoint.port)
        challenges: list[sasl.Challenge] = []
        sent = [False]

        def answer(challenge: bytes) -> bytes:
            if not sent[0]:
                sent[0] = True
                return payload
            challenges.append(sasl.Challenge.parse(challenge))
            return sasl.abort_reply(mechanism)

        with_ir = initial_response and "SASL-IR" in {c.upper() for c in self.capabilities}
        with translated(self.credential):
            try:
                if with_ir:
                    sent[0] = True
                    self._authenticate_with_ir(mechanism, payload, answer)
                else:
                    self.client.sasl_login(mechanism, answer)
            except (LoginError, imaplib.IMAP4.error, ValueError) as error:
                found = challenges[0].fields if challenges else None
                detail = challenges[0].describe() if challenges else str(error)[:200]
                raise sasl.BearerRefusedError(
                    f"{mechanism} refused: {detail}", challenge=found
                ) from error
        return mechanism

    def _sasl_login(self, mechanism: str, payload: bytes) -> None:
        """A one-step mechanism (PLAIN, EXTERNAL): with SASL-IR, the response goes with the
        command (one round trip, not two: 20-50 ms to her operator); else as imapclient
        does. Raises LoginError when refused."""
        if "SASL-IR" not in {c.upper() for c in self.capabilities}:
            self.client.sasl_login(mechanism, lambda _challenge: payload)
            return
        try:
            self._authenticate_with_ir(mechanism, payload, lambda _challenge: b"")
        except imaplib.IMAP4.error as error:
            raise LoginError(str(error)) from error

    def _authenticate_with_ir(
        self, mechanism: str, payload: bytes, answer: Callable[[bytes], bytes]
    ) -> None:
        """AUTHENTICATE with an initial response (RFC 4959): imaplib has no such call. (The
        command line holds the secret: imapclient's log of imaplib redacts it.)"""
        connection = self.client._imap
        connection.literal = imaplib._Authenticator(answer).process
        initial = base64.b64encode(payload).decode() if payload else "="
        kind, data = connection._simple_command("AUTHENTICATE", mechanism, initial)
        if kind != "OK":
            raise imaplib.IMAP4.error(data[-1].decode("utf-8", "replace") if data else kind)
        connection.state = "AUTH"

    def close(self) -> None:
        try:
            self.client.logout()
        except (IMAPClientError, imaplib.IMAP4.error, OSError):
            self.abort()

    def abort(self) -> None:
        """Drop the connection without LOGOUT (which could wait on a half-read response)."""
        with suppress(OSError):
            self.client.shutdown()

    def __enter__(self) -> ImapConnection:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if kind is None or issubclass(kind, Exception):
            self.close()
        else:  # Ctrl-C or exit: leave at once
            self.abort()


def _login_error(error: LoginError, *, certificate: bool) -> AuthenticationError:
    text = str(error)
    if certificate and "certificate" in text.lower():
        return ClientCertificateRefusedError(text)  # type: ignore[return-value]
    message = (
        "Le serveur a refusé l'authentification par certificat."
        if certificate
        else "Identifiant ou mot de passe refusé par le serveur."
    )
    return AuthenticationError(text, user_message=message)


def connect(
    endpoint: Endpoint,
    policy: TrustPolicy,
    credential: ClientCredential | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> ImapConnection:
    """TCP, TLS (implicit or STARTTLS), server chain and revocation; not yet logged in."""
    context = policy.context(credential)  # raises CaduceeError subclasses only
    try:
        return _connect(endpoint, policy, credential, context, timeout)
    except (imaplib.IMAP4.error, IMAPClientError) as error:
        # imaplib reports a connection closed under it as "abort: socket error: EOF"
        raise ProtocolError(
            f"{type(error).__name__}: {error}",
            user_message="Le serveur a fermé la connexion de façon inattendue.",
        ) from error


def _quiet_imaplib(client: IMAPClient) -> None:
    """Turn off imaplib's own debug output unless someone asked for it.

    imapclient sets imaplib's debug level to 5 and routes it to the "imapclient.imaplib"
    logger, which drops it when that logger is not enabled. But imaplib formats every
    message before handing it over, ``repr()`` of each FETCH literal included: a full sync
    spent over a third of its time building text for nobody (docs/performance.md).
    """
    if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
        client._imap.debug = 0


def _connect(
    endpoint: Endpoint,
    policy: TrustPolicy,
    credential: ClientCredential | None,
    context: ssl.SSLContext,
    timeout: float,
) -> ImapConnection:
    with translated(credential):
        if endpoint.security is Security.IMPLICIT:
            client = IMAPClient(
                endpoint.host, endpoint.port, ssl=True, ssl_context=context, timeout=timeout
            )
        else:
            client = IMAPClient(endpoint.host, endpoint.port, ssl=False, timeout=timeout)
        _quiet_imaplib(client)
        try:
            if endpoint.security is Security.STARTTLS:
                if b"STARTTLS" not in client.capabilities():
                    raise TlsError(
                        "STARTTLS not offered",
                        user_message="Le serveur ne propose pas STARTTLS : connexion "
                        "non sécurisée refusée.",
                    )
                client.starttls(context)
            sock = client.socket()
            chain = policy.check_revocation(sock)
            # After STARTTLS, imaplib has just asked (the exchange where a TLS 1.3 refusal
            # of our certificate shows up); with implicit TLS, the greeting's, if it had them.
            if endpoint.security is Security.STARTTLS:
                before_login = tuple(str(c).upper() for c in client._imap.capabilities)
            else:
                before_login = tuple(c.decode(errors="replace") for c in client.capabilities())
            version, cipher = sock.version() or "", (sock.cipher() or ("",))[0]
        except BaseException:
            client.shutdown()
            raise
    return ImapConnection(client, endpoint, version, cipher, chain, credential, before_login)


# -- mailbox operations (typed results; imapclient stays in this module) -------------------

_SPECIAL_USE = {b"\\sent", b"\\drafts", b"\\trash", b"\\junk", b"\\archive", b"\\all", b"\\flagged"}


@dataclass(frozen=True)
class FolderInfo:
    name: str
    delimiter: str | None
    special_use: str | None
    selectable: bool


@dataclass(frozen=True)
class FolderStatus:
    uidvalidity: int
    uidnext: int | None
    messages: int
    highestmodseq: int | None


def _modseq(data: dict[bytes, Any]) -> int | None:
    value = data.get(b"MODSEQ")
    if isinstance(value, tuple | list) and value:
        return int(value[0])
    return int(value) if isinstance(value, int) else None


def parse_uid_set(text: str | bytes) -> set[int]:
    """A UID set as servers send it (``1:5,8``, ranges in either order) -> the UIDs.

    ``*`` has no meaning without the mailbox at hand, and VANISHED never carries it.
    """
    if isinstance(text, bytes):
        text = text.decode("ascii", errors="replace")
    found: set[int] = set()
    for part in text.strip().split(","):
        first, _, last = part.strip().partition(":")
        try:
            low, high = int(first), int(last or first)
        except ValueError as error:
            raise ProtocolError(
                f"bad UID set: {text[:200]!r}",
                user_message="Le serveur a envoyé une réponse incompréhensible.",
            ) from error
        if low > high:
            low, high = high, low
        if low < 1:
            raise ProtocolError(
                f"UID 0 in a UID set: {text[:200]!r}",
                user_message="Le serveur a envoyé une réponse incompréhensible.",
            )
        found.update(range(low, high + 1))
    return found


def uid_set(uids: Iterable[int]) -> str:
    """UIDs as a compact IMAP set: ``1:5,8``."""
    ranges: list[str] = []
    ordered = sorted(set(uids))
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        low, high = ordered[start], ordered[end]
        ranges.append(str(low) if low == high else f"{low}:{high}")
        start = end + 1
    return ",".join(ranges)


@dataclass(frozen=True)
class Resync:
    """What ``SELECT folder (QRESYNC (...))`` reported (RFC 7162 §3.2.5).

    ``resynced`` is False when the server ignored the QRESYNC parameters (the UIDVALIDITY
    given is not the folder's any more, or the folder has no mod-sequences): then
    ``vanished`` and ``changed`` say nothing and the caller must resync the long way.
    """

    uidvalidity: int
    uidnext: int | None
    highestmodseq: int | None
    exists: int
    resynced: bool
    vanished: frozenset[int]  # expunged since the mod-sequence given
    changed: dict[int, tuple[tuple[str, ...], int | None]]  # uid -> (flags, modseq)


KNOWN_UIDS_MAX_CHARS = 8000  # beyond this, "1:highest" (servers limit the command line)
UID_CHUNK = 1000
_Result = TypeVar("_Result")


def _translated_errors(
    operation: Callable[..., _Result],
) -> Callable[..., _Result]:
    """IMAP, socket and TLS failures during a mailbox operation, as French errors."""

    @functools.wraps(operation)
    def wrapper(*args: Any, **kwargs: Any) -> _Result:
        try:
            return operation(*args, **kwargs)
        except imaplib.IMAP4.abort as error:  # the connection died under the command
            raise TransportError(
                f"connection lost: {error}",
                user_message="La connexion au serveur a été coupée ; la synchronisation "
                "reprendra là où elle s'est arrêtée.",
            ) from error
        except (imaplib.IMAP4.error, IMAPClientError) as error:
            raise ProtocolError(
                f"{type(error).__name__}: {error}",
                user_message=f"Le serveur a refusé une commande : {error}",
            ) from error
        except (OSError, EOFError) as error:
            raise classify(error) from error

    return wrapper


class Mailbox:
    """IMAP commands used by the sync engine, on an authenticated ``ImapConnection``."""

    def __init__(self, connection: ImapConnection) -> None:
        self.connection = connection
        self.client = connection.client
        self.client.normalise_times = False  # aware datetimes, as the server sent them
        capabilities = set(connection.capabilities)
        self.condstore = "CONDSTORE" in capabilities or "QRESYNC" in capabilities
        self.qresync = False
        if "QRESYNC" in capabilities and "ENABLE" in capabilities:
            # QRESYNC implies CONDSTORE (RFC 7162 §3.2.3); from here on the server reports
            # expunges in the selected folder as VANISHED instead of EXPUNGE.
            enabled = {
                (c.decode() if isinstance(c, bytes) else str(c)).upper()
                for c in self.client.enable("QRESYNC")
            }
            self.qresync = "QRESYNC" in enabled
        if self.condstore and not self.qresync:
            self.client.enable("CONDSTORE")
        self.list_status = "LIST-STATUS" in capabilities  # RFC 5819

    @_translated_errors
    def folders(self) -> list[FolderInfo]:
        return self._folder_infos(self.client.list_folders())

    @_translated_errors
    def folders_and_status(self) -> tuple[list[FolderInfo], dict[str, FolderStatus]]:
        """The folders and, with LIST-STATUS (RFC 5819), each one's status in the same round
        trip (``LIST "" "*" RETURN (STATUS (...))``): a sync that finds nothing new then
        costs one command for every folder together, not a STATUS each. Without it, no
        status: the caller asks ``status`` per folder."""
        if not self.list_status:
            return self.folders(), {}
        imap = self.client._imap
        command = "LIST"
        typ, data = imap._simple_command(
            command, b'""', b'"*"', b"RETURN", b"(STATUS (%s))" % b" ".join(self._status_items())
        )
        self.client._checkok(command, typ, data)
        statuses = imap.untagged_responses.pop("STATUS", [])
        typ, data = imap._untagged_response(typ, data, command)
        folders = self._folder_infos(self.client._proc_folder_list(data))
        found: dict[str, FolderStatus] = {}
        parsed = parse_response([line for line in statuses if line not in (b"", None)])
        for name, items in zip(parsed[::2], parsed[1::2], strict=True):
            text = str(name) if isinstance(name, int) else name
            if isinstance(text, bytes):
                text = decode_utf7(text) if self.client.folder_encode else text.decode()
            found[text] = self._folder_status(dict(zip(items[::2], items[1::2], strict=True)))
        return folders, found

    @staticmethod
    def _folder_infos(listed: Iterable[tuple[Any, Any, str]]) -> list[FolderInfo]:
        found = []
        for flags, delimiter, name in listed:
            lowered = {f.lower() for f in flags}
            special = next(
                (f.decode()[1:].capitalize() for f in flags if f.lower() in _SPECIAL_USE), None
            )
            if special is None and name.upper() == "INBOX":
                special = "Inbox"
            found.append(
                FolderInfo(
                    name=name,
                    delimiter=delimiter.decode() if isinstance(delimiter, bytes) else delimiter,
                    special_use=special,
                    selectable=b"\\noselect" not in lowered and b"\\nonexistent" not in lowered,
                )
            )
        return found

    def _status_items(self) -> list[bytes]:
        items = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"]
        if self.condstore:
            items.append(b"HIGHESTMODSEQ")
        return items

    @_translated_errors
    def status(self, name: str) -> FolderStatus:
        return self._folder_status(self.client.folder_status(name, self._status_items()))

    @staticmethod
    def _folder_status(data: dict[bytes, Any]) -> FolderStatus:
        modseq = data.get(b"HIGHESTMODSEQ")
        return FolderStatus(
            int(data[b"UIDVALIDITY"]),
            int(data.get(b"UIDNEXT") or 0) or None,
            int(data.get(b"MESSAGES") or 0),
            int(modseq) if modseq is not None else None,
        )

    @_translated_errors
    def select(self, name: str) -> int | None:
        """EXAMINE (read-only); returns the folder's UIDVALIDITY as the server just said."""
        answer = self.client.select_folder(name, readonly=True)
        value = answer.get(b"UIDVALIDITY")
        return int(value) if value is not None else None

    @_translated_errors
    def select_writable(self, name: str) -> int | None:
        """SELECT (read-write); returns the folder's UIDVALIDITY as the server just said."""
        answer = self.client.select_folder(name, readonly=False)
        value = answer.get(b"UIDVALIDITY")
        return int(value) if value is not None else None

    @_translated_errors
    def select_qresync(
        self,
        name: str,
        uidvalidity: int,
        modseq: int,
        known: Iterable[int] = (),
        *,
        known_up_to: int | None = None,
    ) -> Resync:
        """EXAMINE with QRESYNC: the expunges and flag changes since ``modseq`` come with the
        SELECT response itself, without listing every UID of the folder. The UIDs the
        client knows: ``known``, or every one up to ``known_up_to`` (``1:N``).

        imapclient neither sends SELECT parameters nor parses VANISHED: the command goes
        through imaplib's ``select`` (which flushes the previous folder's responses and
        moves the connection to the selected state), its untagged responses are read here.
        """
        if not self.qresync:
            raise ProtocolError(
                "QRESYNC not enabled", user_message="Le serveur ne propose pas QRESYNC."
            )
        ordered = sorted(known)
        known_uids = uid_set(ordered)
        if len(known_uids) > KNOWN_UIDS_MAX_CHARS:
            known_uids = f"1:{ordered[-1]}"
        if known_up_to is not None and known_up_to > 0:
            known_uids = f"1:{known_up_to}"
        parameters = f"{uidvalidity} {modseq}" + (f" {known_uids}" if known_uids else "")
        imap = self.client._imap
        folder = self.client._normalise_folder(name)
        typ, data = imap.select(folder + f" (QRESYNC ({parameters}))".encode(), True)
        if typ != "OK":
            raise IMAPClientError(f"select failed: {data[0]!r}")
        responses = imap.untagged_responses
        vanished_lines = responses.pop("VANISHED", [])
        fetch_lines = responses.pop("FETCH", [])  # never to be mixed with a later FETCH

        def number(key: str) -> int | None:
            values = responses.get(key) or [None]
            return int(values[-1]) if values[-1] is not None else None

        current = number("UIDVALIDITY")
        if current is None:
            raise IMAPClientError("SELECT response without UIDVALIDITY")
        resynced = current == uidvalidity and "NOMODSEQ" not in responses
        vanished: set[int] = set()
        changed: dict[int, tuple[tuple[str, ...], int | None]] = {}
        if resynced:
            for line in vanished_lines:
                text = line.decode("ascii", errors="replace") if isinstance(line, bytes) else line
                text = text.strip()
                if text.upper().startswith("(EARLIER)"):
                    text = text[len("(EARLIER)") :]
                vanished |= parse_uid_set(text)
            if fetch_lines:  # keyed by sequence number: a line without UID is no use
                for values in parse_fetch_response(fetch_lines, False, False).values():
                    if b"UID" in values and b"FLAGS" in values:
                        changed[int(values[b"UID"])] = (flags_of(values[b"FLAGS"]), _modseq(values))
        return Resync(
            uidvalidity=current,
            uidnext=number("UIDNEXT"),
            highestmodseq=number("HIGHESTMODSEQ"),
            exists=number("EXISTS") or 0,
            resynced=resynced,
            vanished=frozenset(vanished),
            changed={uid: c for uid, c in changed.items() if uid not in vanished},
        )

    @_translated_errors
    def uids_from(self, first: int) -> set[int]:
        """UIDs from ``first`` up (``UID first:*`` also names the last message: dropped)."""
        found = self.client.search(["UID", f"{first}:*"])
        return {int(uid) for uid in found if int(uid) >= first}

    @_translated_errors
    def store_flags(self, uid: int, add: Sequence[str], remove: Sequence[str]) -> bool:
        """Change one message's flags (folder selected writable); False if it is gone."""
        if uid not in {int(u) for u in self.client.search(["UID", str(uid)])}:
            return False
        if add:
            self.client.add_flags([uid], [f.encode() for f in add], silent=True)
        if remove:
            self.client.remove_flags([uid], [f.encode() for f in remove], silent=True)
        return True

    @_translated_errors
    def uid_exists(self, uid: int) -> bool:
        return uid in {int(u) for u in self.client.search(["UID", str(uid)])}

    @_translated_errors
    def move(self, uid: int, target: str) -> int | None:
        """Move one message (folder selected writable); its UID in ``target`` when the
        server tells (UIDPLUS), else None. Without MOVE: COPY, then delete the original."""
        if "MOVE" not in self.connection.capabilities:
            new_uid = self.copy(uid, target)
            self.expunge(uid)
            return new_uid
        untagged = self.client._imap.untagged_responses  # MOVE's COPYUID comes untagged
        untagged.pop("COPYUID", None)
        self.client.move([uid], target)
        found = untagged.pop("COPYUID", [])
        return _copied_uid(b"COPYUID " + found[-1]) if found else None

    @_translated_errors
    def copy(self, uid: int, target: str) -> int | None:
        """Copy one message; its UID in ``target`` when the server tells (UIDPLUS)."""
        return _copied_uid(self.client.copy([uid], target) or b"")

    @_translated_errors
    def expunge(self, uid: int) -> None:
        """Delete one message for good (folder selected writable)."""
        self.client.add_flags([uid], [b"\\Deleted"], silent=True)
        if "UIDPLUS" in self.connection.capabilities:
            self.client.uid_expunge([uid])
        else:  # also removes what other clients marked deleted, as any client would
            self.client.expunge()

    @_translated_errors
    def find_message_id(self, message_id: str) -> int | None:
        """The newest message of the selected folder with this Message-ID, if any."""
        value = f"<{message_id}>"
        if not value.isascii() or any(c in value for c in "\r\n\0"):
            return None  # a quoted string is 7-bit only; such an id is not looked up
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        found = self.client.search(f'HEADER Message-ID "{quoted}"')  # sent as written
        return max(int(u) for u in found) if found else None

    @_translated_errors
    def folder_exists(self, name: str) -> bool:
        return bool(self.client.folder_exists(name))

    @_translated_errors
    def create_folder(self, name: str) -> None:
        self.client.create_folder(name)

    @_translated_errors
    def rename_folder(self, old: str, new: str) -> None:
        self.client.rename_folder(old, new)

    @_translated_errors
    def delete_folder(self, name: str) -> None:
        self.client.delete_folder(name)

    @_translated_errors
    def all_uids(self) -> set[int]:
        return {int(uid) for uid in self.client.search(["ALL"])}

    @_translated_errors
    def flags(
        self, uids: Sequence[int], changed_since: int | None = None
    ) -> dict[int, tuple[tuple[str, ...], int | None]]:
        """Flags (and mod-sequences) of ``uids``, or only of those changed since a modseq.

        By chunks: imapclient sends every UID of a command in full, and servers limit the
        length of a command line.
        """
        items = [b"FLAGS"] + ([b"MODSEQ"] if self.condstore else [])
        modifiers = [f"CHANGEDSINCE {changed_since}"] if changed_since is not None else None
        found: dict[int, tuple[tuple[str, ...], int | None]] = {}
        ordered = sorted(uids)
        for start in range(0, len(ordered), UID_CHUNK):
            chunk = ordered[start : start + UID_CHUNK]
            data = self.client.fetch(chunk, items, modifiers=modifiers)
            for uid, values in data.items():
                found[int(uid)] = (flags_of(values.get(b"FLAGS", ())), _modseq(values))
        return found

    @_translated_errors
    def headers(self, uids: Sequence[int]) -> list[FetchedHeader]:
        items = b"(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER]"
        items += b" MODSEQ)" if self.condstore else b")"
        imap = self.client._imap
        tag = imap._command("UID", "FETCH", uid_set(uids), items)
        typ, data = imap._command_complete("FETCH", tag)
        self.client._checkok("fetch", typ, data)
        typ, data = imap._untagged_response(typ, data, "FETCH")
        asked = set(uids)
        lean = header_responses(data)
        if lean is not None:  # the usual answer, read here (imapclient's reader: 3x the time)
            return sorted((h for h in lean if h.uid in asked), key=lambda h: h.uid)
        parsed = parse_fetch_response(data, False, True)
        data = {uid: d for uid, d in parsed.items() if uid in asked}
        return [
            FetchedHeader(
                int(uid),
                flags_of(d.get(b"FLAGS", ())),
                d.get(b"INTERNALDATE"),
                int(d.get(b"RFC822.SIZE", 0)),
                _modseq(d),
                d.get(b"BODY[HEADER]") or b"",
            )
            for uid, d in sorted(data.items())
        ]

    @_translated_errors
    def bodies(self, uids: Sequence[int]) -> dict[int, bytes]:
        data = self.client.fetch(list(uids), [b"BODY.PEEK[]"])
        return {int(uid): d[b"BODY[]"] for uid, d in data.items() if b"BODY[]" in d}


_COPYUID = re.compile(rb"COPYUID \d+ (\d+) (\d+)")


def _copied_uid(text: bytes | str) -> int | None:
    """The new UID of one copied message from ``[COPYUID validity old new]``."""
    raw = text.encode() if isinstance(text, str) else text
    match = _COPYUID.search(raw)
    return int(match.group(2)) if match else None


def append_message(mailbox: Mailbox, folder: str, data: bytes, flags: Sequence[str]) -> None:
    """Store a copy (the Sent copy of a message just submitted); creates the folder if needed."""
    try:
        if not mailbox.client.folder_exists(folder):
            mailbox.client.create_folder(folder)
        mailbox.client.append(folder, data, flags=[f.encode() for f in flags])
    except (imaplib.IMAP4.error, IMAPClientError) as error:
        raise ProtocolError(
            f"APPEND refused: {error}", user_message=f"Le serveur a refusé la copie : {error}"
        ) from error


IDLE_SLICE_SECONDS = 60.0  # IDLE is renewed this often (RFC 2177 allows up to 29 minutes)


@_translated_errors
def idle_wait(mailbox: Mailbox, seconds: float) -> bool:
    """IDLE on the selected folder for up to ``seconds``; True when the server reported a
    change (new message, expunge, flags). Leaves IDLE before returning.

    With QRESYNC enabled an expunge comes as ``VANISHED uids`` instead of ``n EXPUNGE``."""
    if "IDLE" not in mailbox.connection.capabilities:
        raise ProtocolError("no IDLE", user_message="Le serveur ne propose pas IDLE.")
    mailbox.client.idle()
    responses: list[Any] = []
    try:
        responses += mailbox.client.idle_check(timeout=seconds)
    finally:
        # A notification read together with IDLE's continuation line waits in imaplib's
        # buffer, where polling the socket cannot see it; DONE's responses include it.
        _text, after = mailbox.client.idle_done()
        responses += after
    return any(
        isinstance(r, tuple)
        and len(r) > 1
        and (r[1] in (b"EXISTS", b"EXPUNGE", b"FETCH", b"RECENT") or r[0] == b"VANISHED")
        for r in responses
    )

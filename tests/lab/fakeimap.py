"""A scripted IMAP server on loopback, for protocol cases the lab's Dovecot never produces.

Dovecot is the reference for behaviour; this server exists for the edge cases: a server
without CONDSTORE or QRESYNC, a STORE refused with NO, a VANISHED reply chosen by the test,
a UIDVALIDITY that changes between STATUS and SELECT. It speaks just the IMAP4rev1 subset
the sync engine uses (RFC 3501, CONDSTORE/QRESYNC of RFC 7162, ENABLE, IDLE), over implicit
TLS so that ``app.transport.imap.connect`` reaches it the way it reaches a real server.

The mailbox state is plain data (``FakeFolder``) that a test changes as another client would
(``set_flags``, ``expunge``, ``rebuild``); ``hook`` runs code just before a command is
answered, and ``commands`` records every command line received.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

ALL_CAPABILITIES = ("IMAP4rev1", "ENABLE", "IDLE", "CONDSTORE", "QRESYNC")
USER, PASSWORD = "fake", "Fake-2026"
_INTERNAL_DATE = "16-Nov-2026 09:00:00 +0100"


@dataclass
class FakeMessage:
    uid: int
    raw: bytes
    flags: set[str]
    modseq: int

    @property
    def header(self) -> bytes:
        end = self.raw.find(b"\r\n\r\n")
        return self.raw if end < 0 else self.raw[: end + 4]


@dataclass
class FakeFolder:
    name: str
    uidvalidity: int
    uidnext: int = 1
    highestmodseq: int = 1
    messages: list[FakeMessage] = field(default_factory=list)  # by UID, as sequence numbers
    expunged: list[tuple[int, int]] = field(default_factory=list)  # (uid, modseq)
    vanished_reply: str | None = None  # sent as is in VANISHED (EARLIER) by the next QRESYNC

    def by_uid(self, uid: int) -> FakeMessage | None:
        return next((m for m in self.messages if m.uid == uid), None)

    def bump(self) -> int:
        self.highestmodseq += 1
        return self.highestmodseq


def _tokens(text: str) -> list[object]:
    """Command arguments: atoms, quoted strings, parenthesised lists (nested lists)."""
    stack: list[list[object]] = [[]]
    position = 0
    while position < len(text):
        char = text[position]
        if char == " ":
            position += 1
        elif char == "(":
            stack.append([])
            position += 1
        elif char == ")":
            done = stack.pop()
            stack[-1].append(done)
            position += 1
        elif char == '"':
            match = re.compile(r'"((?:[^"\\]|\\.)*)"').match(text, position)
            if match is None:
                raise ValueError("unterminated string")
            stack[-1].append(re.sub(r"\\(.)", r"\1", match.group(1)))
            position = match.end()
        else:
            match = re.compile(r"[^ ()]+(?:\[[^\]]*\](?:<[0-9.]+>)?)?").match(text, position)
            if match is None:
                raise ValueError(f"cannot read {text[position:]!r}")
            stack[-1].append(match.group(0))
            position = match.end()
    if len(stack) != 1:
        raise ValueError("unbalanced parentheses")
    return stack[0]


def _uids(text: str, highest: int) -> set[int]:
    found: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition(":")
        low = highest if first == "*" else int(first)
        high = highest if last == "*" else int(last or first)
        found.update(range(min(low, high), max(low, high) + 1))
    return found


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Bad(Exception):
    """A command this server does not understand: answered BAD."""


class FakeImapServer:
    def __init__(
        self,
        context: ssl.SSLContext,
        *,
        capabilities: tuple[str, ...] = ALL_CAPABILITIES,
        starttls: bool = False,
    ) -> None:
        self.context = context
        self.capabilities = capabilities
        self.starttls = starttls  # in clear first, TLS after STARTTLS (else TLS at once)
        self.user, self.password = USER, PASSWORD
        self.folders: dict[str, FakeFolder] = {}
        self.refuse_store: set[int] | None = set()  # UIDs whose STORE gets NO (None: all)
        self.commands: list[str] = []
        self.idle_events: list[str] = []  # untagged lines sent to a client in IDLE
        self.lock = threading.RLock()
        self._hooks: dict[str, list[Callable[[], None]]] = {}
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- the mailbox, as the test (or another client) changes it --------------------------

    def add_folder(self, name: str, uidvalidity: int = 1000) -> FakeFolder:
        with self.lock:
            folder = self.folders[name] = FakeFolder(name, uidvalidity)
            return folder

    def append(self, name: str, raw: bytes, flags: tuple[str, ...] = ()) -> int:
        with self.lock:
            folder = self.folders[name]
            uid = folder.uidnext
            folder.uidnext += 1
            folder.messages.append(FakeMessage(uid, raw, set(flags), folder.bump()))
            return uid

    def set_flags(self, name: str, uid: int, flags: set[str]) -> None:
        with self.lock:
            folder = self.folders[name]
            message = folder.by_uid(uid)
            assert message is not None
            message.flags = set(flags)
            message.modseq = folder.bump()

    def expunge(self, name: str, uids: set[int]) -> None:
        with self.lock:
            folder = self.folders[name]
            modseq = folder.bump()
            folder.expunged += [(m.uid, modseq) for m in folder.messages if m.uid in uids]
            folder.messages = [m for m in folder.messages if m.uid not in uids]

    def rebuild(self, name: str, uidvalidity: int, messages: list[bytes]) -> None:
        """The operator rebuilt the folder: new UIDVALIDITY, UIDs from 1 again."""
        with self.lock:
            self.folders[name] = FakeFolder(name, uidvalidity, highestmodseq=1)
            for raw in messages:
                self.append(name, raw)

    def hook(self, verb: str, action: Callable[[], None]) -> None:
        """Run ``action`` once, just before the next ``verb`` command is answered."""
        self._hooks.setdefault(verb.upper(), []).append(action)

    def sent(self, verb: str) -> list[str]:
        """The command lines received for ``verb`` (``UID SEARCH`` counts as SEARCH)."""
        found = []
        for line in self.commands:
            words = line.split(" ")
            if words[0].upper() == "UID":
                words = words[1:]
            if words and words[0].upper() == verb.upper():
                found.append(line)
        return found

    # -- life cycle -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def __enter__(self) -> FakeImapServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, connection: socket.socket) -> None:
        try:
            connection.settimeout(10)
            if self.starttls:
                with connection:
                    _Session(self, connection).run()
                return
            with self.context.wrap_socket(connection, server_side=True) as tls:
                _Session(self, tls).run()
        except (OSError, ssl.SSLError):
            with contextlib.suppress(OSError):
                connection.close()


class _Session:
    def __init__(self, server: FakeImapServer, tls: socket.socket) -> None:
        self.server = server
        self.tls = tls  # in clear until STARTTLS when the server is a STARTTLS one
        self.reader = tls.makefile("rb")
        self.clear = not isinstance(tls, ssl.SSLSocket)
        self.logged_in = False
        self.enabled: set[str] = set()
        self.selected: FakeFolder | None = None
        self.readonly = True

    def send(self, *lines: str | bytes) -> None:
        data = b"".join(
            (line if isinstance(line, bytes) else line.encode()) + b"\r\n" for line in lines
        )
        self.tls.sendall(data)

    @property
    def capabilities(self) -> tuple[str, ...]:
        if self.clear:
            return ("IMAP4rev1", "STARTTLS", "LOGINDISABLED")
        return self.server.capabilities

    def run(self) -> None:
        self.send(f"* OK [CAPABILITY {' '.join(self.capabilities)}] fake IMAP ready")
        while not self.server._stop.is_set():
            line = self.reader.readline()
            if not line:
                return
            text = line.decode("utf-8", errors="replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            verb, _, arguments = rest.partition(" ")
            verb = verb.upper()
            uid = verb == "UID"
            if uid:
                verb, _, arguments = arguments.partition(" ")
                verb = verb.upper()
            with self.server.lock:
                self.server.commands.append(rest)
                for action in self.server._hooks.pop(verb, []):
                    action()
            try:
                if self.answer(tag, verb, arguments, uid) == "logout":
                    return
            except (_Bad, ValueError, IndexError, KeyError) as error:
                self.send(f"{tag} BAD {error}")

    def answer(self, tag: str, verb: str, arguments: str, uid: bool) -> str | None:
        server = self.server
        if verb == "CAPABILITY":
            self.send(f"* CAPABILITY {' '.join(self.capabilities)}", f"{tag} OK done")
        elif verb == "STARTTLS" and self.clear:
            self.send(f"{tag} OK begin TLS")
            self.tls = server.context.wrap_socket(self.tls, server_side=True)
            self.reader = self.tls.makefile("rb")
            self.clear = False
        elif self.clear and verb not in ("NOOP", "LOGOUT"):
            self.send(f"{tag} BAD STARTTLS first")
        elif verb == "NOOP":
            self.send(f"{tag} OK done")
        elif verb == "LOGOUT":
            self.send("* BYE fake IMAP", f"{tag} OK bye")
            return "logout"
        elif verb == "LOGIN":
            user, password = _tokens(arguments)
            self.logged_in = (user, password) == (server.user, server.password)
            self.send(f"{tag} OK logged in" if self.logged_in else f"{tag} NO wrong password")
        elif not self.logged_in:
            self.send(f"{tag} BAD log in first")
        elif verb == "ENABLE" and "ENABLE" in server.capabilities:
            wanted = {str(t).upper() for t in _tokens(arguments)}
            granted = wanted & {"CONDSTORE", "QRESYNC"} & set(server.capabilities)
            self.enabled |= granted | ({"CONDSTORE"} if "QRESYNC" in granted else set())
            self.send(f"* ENABLED {' '.join(sorted(granted))}".rstrip(), f"{tag} OK enabled")
        elif verb == "LIST":
            with server.lock:
                names = list(server.folders)
            self.send(*[f'* LIST (\\HasNoChildren) "/" {_quote(n)}' for n in names])
            self.send(f"{tag} OK listed")
        elif verb == "STATUS":
            self.status(tag, arguments)
        elif verb in ("SELECT", "EXAMINE"):
            self.select(tag, verb, arguments)
        elif self.selected is None:
            self.send(f"{tag} BAD select a folder first")
        elif verb == "SEARCH" and uid:
            self.search(tag, arguments)
        elif verb == "FETCH" and uid:
            self.fetch(tag, arguments)
        elif verb == "STORE" and uid:
            self.store(tag, arguments)
        elif verb == "IDLE":
            self.idle(tag)
        else:
            raise _Bad(f"{verb} not handled by the fake server")
        return None

    @property
    def condstore(self) -> bool:
        return "CONDSTORE" in self.server.capabilities

    def status(self, tag: str, arguments: str) -> None:
        name, items = _tokens(arguments)
        with self.server.lock:
            folder = self.server.folders.get(str(name))
            if folder is None:
                self.send(f"{tag} NO no such folder")
                return
            values = {
                "MESSAGES": len(folder.messages),
                "UIDNEXT": folder.uidnext,
                "UIDVALIDITY": folder.uidvalidity,
                "UNSEEN": sum(1 for m in folder.messages if "\\Seen" not in m.flags),
            }
            if self.condstore:
                values["HIGHESTMODSEQ"] = folder.highestmodseq
        assert isinstance(items, list)
        answer = " ".join(f"{i.upper()} {values[i.upper()]}" for i in map(str, items))
        self.send(f"* STATUS {_quote(folder.name)} ({answer})", f"{tag} OK status")

    def select(self, tag: str, verb: str, arguments: str) -> None:
        tokens = _tokens(arguments)
        name = str(tokens[0])
        qresync: list[object] | None = None
        if len(tokens) > 1:
            parameters = tokens[1]
            assert isinstance(parameters, list)
            if str(parameters[0]).upper() == "QRESYNC":
                if "QRESYNC" not in self.enabled:
                    raise _Bad("QRESYNC not enabled")
                qresync = parameters[1]  # type: ignore[assignment]
        with self.server.lock:
            folder = self.server.folders.get(name)
            if folder is None:
                self.selected = None
                self.send(f"{tag} NO no such folder")
                return
            self.selected = folder
            self.readonly = verb == "EXAMINE"
            lines = [
                "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
                f"* {len(folder.messages)} EXISTS",
                "* 0 RECENT",
                f"* OK [UIDVALIDITY {folder.uidvalidity}] UIDs valid",
                f"* OK [UIDNEXT {folder.uidnext}] predicted next UID",
            ]
            if self.condstore:
                lines.append(f"* OK [HIGHESTMODSEQ {folder.highestmodseq}] highest")
            if qresync is not None and int(str(qresync[0])) == folder.uidvalidity:
                lines += self._resync_lines(folder, qresync)
        mode = "READ-ONLY" if self.readonly else "READ-WRITE"
        self.send(*lines, f"{tag} OK [{mode}] selected")

    def _resync_lines(self, folder: FakeFolder, qresync: list[object]) -> list[str]:
        since = int(str(qresync[1]))
        known = _uids(str(qresync[2]), folder.uidnext) if len(qresync) > 2 else None
        lines = []
        if folder.vanished_reply is not None:
            lines.append(f"* VANISHED (EARLIER) {folder.vanished_reply}")
            folder.vanished_reply = None
        else:
            gone = [u for u, modseq in folder.expunged if modseq > since]
            gone = [u for u in gone if known is None or u in known]
            if gone:
                lines.append(f"* VANISHED (EARLIER) {','.join(map(str, sorted(gone)))}")
        for number, message in enumerate(folder.messages, start=1):
            if message.modseq > since and (known is None or message.uid in known):
                lines.append(
                    f"* {number} FETCH (UID {message.uid} FLAGS ({' '.join(sorted(message.flags))})"
                    f" MODSEQ ({message.modseq}))"
                )
        return lines

    def _matching(self, text: str) -> list[tuple[int, FakeMessage]]:
        assert self.selected is not None
        messages = self.selected.messages
        highest = messages[-1].uid if messages else 0
        wanted = _uids(text, highest)
        return [(n, m) for n, m in enumerate(messages, start=1) if m.uid in wanted]

    def search(self, tag: str, arguments: str) -> None:
        tokens = [str(t).upper() for t in _tokens(arguments)]
        with self.server.lock:
            assert self.selected is not None
            if tokens == ["ALL"]:
                found = [m.uid for m in self.selected.messages]
            elif len(tokens) == 2 and tokens[0] == "UID":
                found = [m.uid for _n, m in self._matching(tokens[1])]
            else:
                raise _Bad(f"SEARCH {arguments} not handled")
        self.send(f"* SEARCH {' '.join(map(str, found))}".rstrip(), f"{tag} OK searched")

    def fetch(self, tag: str, arguments: str) -> None:
        tokens = _tokens(arguments)
        items = tokens[1] if isinstance(tokens[1], list) else [tokens[1]]
        since = None
        if len(tokens) > 2:
            modifier = tokens[2]
            assert isinstance(modifier, list) and str(modifier[0]).upper() == "CHANGEDSINCE"
            if "CONDSTORE" not in self.server.capabilities:
                raise _Bad("no CONDSTORE here")
            since = int(str(modifier[1]))
        with self.server.lock:
            out: list[bytes] = []
            for number, message in self._matching(str(tokens[0])):
                if since is not None and message.modseq <= since:
                    continue
                parts = [f"UID {message.uid}".encode()]
                for item in (str(i).upper() for i in items):
                    if item == "UID":
                        continue
                    if item == "FLAGS":
                        parts.append(f"FLAGS ({' '.join(sorted(message.flags))})".encode())
                    elif item == "MODSEQ":
                        parts.append(f"MODSEQ ({message.modseq})".encode())
                    elif item == "INTERNALDATE":
                        parts.append(f'INTERNALDATE "{_INTERNAL_DATE}"'.encode())
                    elif item == "RFC822.SIZE":
                        parts.append(f"RFC822.SIZE {len(message.raw)}".encode())
                    elif item in ("BODY.PEEK[HEADER]", "BODY.PEEK[]"):
                        data = message.header if item.endswith("[HEADER]") else message.raw
                        name = item.replace(".PEEK", "")
                        parts.append(f"{name} {{{len(data)}}}\r\n".encode() + data)
                    else:
                        raise _Bad(f"FETCH item {item} not handled")
                if since is not None and "MODSEQ" not in {str(i).upper() for i in items}:
                    parts.append(f"MODSEQ ({message.modseq})".encode())  # implied (RFC 7162)
                out.append(f"* {number} FETCH (".encode() + b" ".join(parts) + b")")
        self.send(*out, f"{tag} OK fetched")

    def store(self, tag: str, arguments: str) -> None:
        tokens = _tokens(arguments)
        action = str(tokens[1]).upper()
        flags = {str(f) for f in tokens[2]} if isinstance(tokens[2], list) else {str(tokens[2])}
        with self.server.lock:
            assert self.selected is not None
            if self.readonly:
                self.send(f"{tag} NO mailbox is read-only")
                return
            matching = self._matching(str(tokens[0]))
            refused = self.server.refuse_store
            if refused is None or any(m.uid in refused for _n, m in matching):
                self.send(f"{tag} NO [CANNOT] flag change refused by policy")
                return
            for _number, message in matching:
                if action.startswith("+"):
                    message.flags |= flags
                elif action.startswith("-"):
                    message.flags -= flags
                else:
                    message.flags = set(flags)
                message.modseq = self.selected.bump()
        self.send(f"{tag} OK stored")

    def idle(self, tag: str) -> None:
        self.send("+ idling")
        with self.server.lock:
            events, self.server.idle_events = self.server.idle_events, []
        self.send(*events)
        line = self.reader.readline()
        if line.strip().upper() != b"DONE":
            raise _Bad("expected DONE")
        self.send(f"{tag} OK idle done")

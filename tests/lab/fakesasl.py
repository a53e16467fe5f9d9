"""A scripted IMAP or SMTP server that only signs in, for the SASL bearer edge cases real
servers do not produce on demand: a refusal that hangs up right after its JSON challenge
(as Mailiz's SMTP does), a server without SASL-IR, a hostile challenge, no STARTTLS; and
the one-step PLAIN and EXTERNAL, with or without SASL-IR.

``accept(token) -> bool`` decides each login; ``received`` keeps every line (decoded
SASL responses in ``responses``), so a test can check what went over the wire.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Callable

CHALLENGE = json.dumps({"status": "401", "schemes": "bearer", "scope": "mail"}).encode()


class FakeSaslServer:
    def __init__(
        self,
        protocol: str,  # "imap" or "smtp"
        context: ssl.SSLContext | None,  # None: plain text, and no STARTTLS offered
        accept: Callable[[str], bool],
        *,
        mechanisms: tuple[str, ...] = ("XOAUTH2", "OAUTHBEARER"),
        sasl_ir: bool = True,
        hang_up_after_challenge: bool = False,
        challenge: bytes = CHALLENGE,
    ) -> None:
        self.protocol = protocol
        self.context = context
        self.accept = accept
        self.mechanisms = mechanisms
        self.sasl_ir = sasl_ir
        self.hang_up = hang_up_after_challenge
        self.challenge = challenge
        self.received: list[str] = []
        self.responses: list[bytes] = []
        self.logins: list[tuple[str, bool]] = []  # (mechanism, accepted)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def __enter__(self) -> FakeSaslServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(10)
        sock: socket.socket = connection
        try:
            if self.context is not None:
                sock = self.context.wrap_socket(connection, server_side=True)
            reader = sock.makefile("rb")
            (self._imap if self.protocol == "imap" else self._smtp)(sock, reader)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                sock.close()

    def _line(self, reader: object) -> str:
        line = reader.readline(65536)  # type: ignore[attr-defined]
        if not line:
            raise EOFError
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        self.received.append(text)
        return text

    def _decide(self, mechanism: str, response: bytes) -> bool:
        self.responses.append(response)
        text = response.decode("utf-8", "replace")
        token = (
            text.split("auth=Bearer ", 1)[1].split("\x01", 1)[0] if "auth=Bearer " in text else ""
        )
        if mechanism == "PLAIN":  # authzid NUL user NUL password: the password decides
            token = text.split("\x00")[-1]
        elif mechanism == "EXTERNAL":
            token = "(certificate)"
        accepted = bool(token) and self.accept(token)
        self.logins.append((mechanism, accepted))
        return accepted

    # -- IMAP -----------------------------------------------------------------------------

    def _imap(self, sock: socket.socket, reader: object) -> None:
        caps = (
            "IMAP4rev1"
            + (" SASL-IR" if self.sasl_ir else "")
            + "".join(f" AUTH={m}" for m in self.mechanisms)
        )
        sock.sendall(f"* OK [CAPABILITY {caps}] fake ready\r\n".encode())
        while True:
            try:
                line = self._line(reader)
            except EOFError:
                return
            tag, _, rest = line.partition(" ")
            verb, _, arguments = rest.partition(" ")
            verb = verb.upper()
            if verb == "CAPABILITY":
                sock.sendall(f"* CAPABILITY {caps}\r\n{tag} OK done\r\n".encode())
            elif verb == "LOGOUT":
                sock.sendall(f"* BYE\r\n{tag} OK bye\r\n".encode())
                return
            elif verb == "AUTHENTICATE":
                mechanism, _, initial = arguments.partition(" ")
                if initial and not self.sasl_ir:
                    sock.sendall(f"{tag} BAD no SASL-IR here\r\n".encode())
                    continue
                if not initial:
                    sock.sendall(b"+ \r\n")
                    initial = self._line(reader)
                if self._decide(mechanism.upper(), base64.b64decode(initial)):
                    sock.sendall(f"{tag} OK [CAPABILITY IMAP4rev1 IDLE] signed in\r\n".encode())
                    continue
                sock.sendall(b"+ " + base64.b64encode(self.challenge) + b"\r\n")
                if self.hang_up:
                    return
                self._line(reader)  # the client's answer to the challenge
                sock.sendall(f"{tag} NO [AUTHENTICATIONFAILED] refused\r\n".encode())
            else:
                sock.sendall(f"{tag} BAD unknown\r\n".encode())

    # -- SMTP -----------------------------------------------------------------------------

    def _smtp(self, sock: socket.socket, reader: object) -> None:
        sock.sendall(b"220 fake ESMTP\r\n")
        while True:
            try:
                line = self._line(reader)
            except EOFError:
                return
            verb, _, arguments = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                auth = " ".join(self.mechanisms)
                sock.sendall(f"250-fake\r\n250-SIZE 1000000\r\n250 AUTH {auth}\r\n".encode())
            elif verb == "QUIT":
                sock.sendall(b"221 bye\r\n")
                return
            elif verb == "AUTH":
                mechanism, _, initial = arguments.partition(" ")
                if not initial:
                    sock.sendall(b"334 \r\n")
                    initial = self._line(reader)
                if self._decide(mechanism.upper(), base64.b64decode(initial)):
                    sock.sendall(b"235 2.7.0 accepted\r\n")
                    continue
                sock.sendall(b"334 " + base64.b64encode(self.challenge) + b"\r\n")
                if self.hang_up:
                    return
                self._line(reader)
                sock.sendall(b"535 5.7.8 refused\r\n")
            elif verb in ("MAIL", "RCPT"):
                sock.sendall(b"250 ok\r\n")
            elif verb == "DATA":
                sock.sendall(b"354 go\r\n")
                while self._line(reader) != ".":
                    pass
                sock.sendall(b"250 queued\r\n")
            else:
                sock.sendall(b"502 unknown\r\n")

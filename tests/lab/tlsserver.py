"""A bare TLS server on loopback presenting a chosen certificate (for trust tests)."""

from __future__ import annotations

import socket
import ssl
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _answer_like_imap(tls: ssl.SSLSocket) -> None:
    """Just enough IMAP for a client to connect, ask CAPABILITY and log out."""
    tls.sendall(b"* OK [CAPABILITY IMAP4rev1] test server\r\n")
    reader = tls.makefile("rb")
    for line in reader:
        tag, _, command = line.strip().partition(b" ")
        verb = command.split(b" ")[0].upper()
        if verb == b"CAPABILITY":
            tls.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
        elif verb == b"LOGOUT":
            tls.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
            return
        else:
            tls.sendall(tag + b" BAD not here\r\n")


@contextmanager
def tls_server(
    chain: Path,
    key: Path,
    *,
    maximum_version: ssl.TLSVersion | None = None,
    ciphers: str | None = None,
) -> Iterator[int]:
    """Accepts connections, completes (or fails) the handshake and sends an IMAP greeting.

    ``maximum_version=TLSv1_1`` makes an outdated server (TLS 1.0/1.1 only);
    ``maximum_version=TLSv1_2, ciphers="AES128-GCM-SHA256"`` one offering that suite only.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(chain), str(key))
    if maximum_version is not None:
        with warnings.catch_warnings():  # outdated on purpose
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = maximum_version
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS < 1.2 otherwise
    if ciphers is not None:
        context.set_ciphers(ciphers)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                connection.settimeout(5)
                with context.wrap_socket(connection, server_side=True) as tls:
                    _answer_like_imap(tls)
            except (OSError, ssl.SSLError):
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()

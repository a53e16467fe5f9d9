"""A TCP proxy on loopback, to inject network faults between the client and a lab server.

TLS passes through untouched (the client still talks to the real server). Faults, per
connection, in either direction:

- ``cut``: nothing more passes; both ends get an orderly close (FIN);
- ``reset``: nothing more passes; both ends get a TCP reset (RST, ``SO_LINGER`` 0);
- ``stall``: nothing more passes, nor is read (the senders' buffers fill up), the
  connections stay open (``stall_seconds``, then closed): the client's timeout ends it.

Where: after a number of bytes in one direction (``Fault.after_bytes``: inside the TLS
handshake, say), or at a point of the SMTP dialogue (``Fault.at``). The proxy cannot read
the SMTP inside TLS: the lab's submission server tells it (``tap(port, phase)``, see
``tests.lab.smtp.TappedSubmissionServer``) just before it writes its reply to ``phase``
("greeting", "EHLO", "MAIL", "RCPT", "DATA" for the 354, "END" for the reply to the end of
DATA, "QUIT"). Direction ``down``: that reply never reaches the client (the server did
the work). Direction ``up``: the reply reaches the client, and the client's next command
never reaches the server.

``plan(index)`` chooses the fault of each new connection (0, 1, ...); ``cut_after`` is the
older way (every connection cut after that many bytes from the server). Loopback only,
every wait bounded.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

_POLL = 0.05

PHASES = ("greeting", "EHLO", "MAIL", "RCPT", "DATA", "END", "QUIT")


@dataclass(frozen=True)
class Fault:
    action: str  # "cut", "reset" or "stall"
    direction: str = "down"  # "down": server -> client, "up": client -> server
    at: str | None = None  # an SMTP phase reported by the server (see the module doc)
    after_bytes: int | None = None  # or: after this many bytes in ``direction``
    occurrence: int = 1  # the n-th time ``at`` is reached (RCPT: once per recipient)

    def __post_init__(self) -> None:
        if self.action not in ("cut", "reset", "stall"):
            raise ValueError(f"unknown fault action {self.action!r}")
        if self.direction not in ("down", "up"):
            raise ValueError(f"unknown direction {self.direction!r}")
        if (self.at is None) == (self.after_bytes is None):
            raise ValueError("a fault is at a phase or after a number of bytes")

    def describe(self) -> str:
        where = f"{self.at}" if self.at is not None else f"{self.after_bytes}B"
        return f"{self.action}-{self.direction}@{where}"


class _Link:
    """One proxied connection, pumped by one thread."""

    def __init__(
        self,
        proxy: FaultyProxy,
        index: int,
        client: socket.socket,
        server: socket.socket,
        fault: Fault | None,
    ) -> None:
        self.proxy = proxy
        self.index = index
        self.client = client
        self.server = server
        self.fault = fault
        self.lock = threading.Lock()
        self.sent = {"down": 0, "up": 0}
        self.seen: Counter[str] = Counter()
        self.armed_up = False  # drop the client's next bytes, then act
        self.triggered = False
        self.stall_until: float | None = None
        self.closed = False

    # -- called by the server's tap, in its thread ----------------------------------------

    def phase(self, phase: str) -> None:
        fault = self.fault
        with self.lock:
            self.seen[phase] += 1
            if fault is None or self.triggered or fault.at != phase:
                return
            if self.seen[phase] != fault.occurrence:
                return
            if fault.direction == "down":
                self._trigger()  # before the reply is written: it will be dropped
            else:
                self.armed_up = True

    # -- the pump ---------------------------------------------------------------------------

    def _trigger(self) -> None:
        """With the lock held: from now on nothing passes; the action is done by the pump."""
        self.triggered = True
        fault = self.fault
        assert fault is not None
        self.proxy._count(fault)
        if fault.action == "stall":
            self.stall_until = time.monotonic() + self.proxy.stall_seconds

    def run(self) -> None:
        selector = selectors.DefaultSelector()
        try:
            selector.register(self.client, selectors.EVENT_READ, "up")
            selector.register(self.server, selectors.EVENT_READ, "down")
            while not self.proxy._stopping.is_set():
                with self.lock:
                    if self._act_if_due():
                        return
                    stalled = self.triggered  # a stall: nothing read either, buffers fill
                if stalled:
                    time.sleep(_POLL)
                    continue
                for key, _events in selector.select(_POLL):
                    source = self.client if key.data == "up" else self.server
                    try:
                        data = source.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        with self.lock:
                            self._close(reset=False)
                        return
                    if self._forward(key.data, data):
                        return
        finally:
            selector.close()
            with self.lock:
                self._close(reset=False)

    def _forward(self, direction: str, data: bytes) -> bool:
        """True when the link is finished. Decided with the lock held, sent without it (a
        server blocked on the tap must never wait for a proxy blocked on that server)."""
        sink = self.server if direction == "up" else self.client
        fault = self.fault
        with self.lock:
            if self.triggered:
                return self._act_if_due()  # dropped
            if direction == "up" and self.armed_up:
                self._trigger()
                return self._act_if_due()
            limit = None
            if fault is not None and fault.after_bytes is not None and fault.direction == direction:
                room = max(fault.after_bytes - self.sent[direction], 0)
                if len(data) >= room:
                    limit = room
            self.sent[direction] += len(data) if limit is None else limit
        try:
            sink.sendall(data if limit is None else data[:limit])
        except OSError:
            with self.lock:
                self._close(reset=False)
            return True
        if limit is None:
            return False
        with self.lock:
            if not self.triggered:
                self._trigger()
            return self._act_if_due()

    def _act_if_due(self) -> bool:
        """With the lock held: do the triggered action if its time has come."""
        if not self.triggered:
            return False
        fault = self.fault
        assert fault is not None
        if fault.action == "stall":
            if self.stall_until is not None and time.monotonic() < self.stall_until:
                return False
            self._close(reset=False)
            return True
        self._close(reset=fault.action == "reset")
        if fault.action == "cut":
            self.proxy.cuts += 1
        return True

    def _close(self, *, reset: bool) -> None:
        if self.closed:
            return
        self.closed = True
        for end in (self.client, self.server):
            with contextlib.suppress(OSError):
                if reset:  # close() with a zero linger time sends RST instead of FIN
                    end.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    end.shutdown(socket.SHUT_RDWR)
            end.close()
        self.proxy._forget(self)

    def kill(self) -> None:
        """Cut from outside (a server restart)."""
        with self.lock:
            if not self.closed:
                self.triggered = True
                self._close(reset=False)


class FaultyProxy:
    def __init__(self, target_port: int, *, stall_seconds: float = 30.0) -> None:
        self.target_port = target_port
        self.cut_after: int | None = None  # bytes server -> client, per connection
        self.cuts = 0
        self.stall_seconds = stall_seconds
        self.plan: Callable[[int], Fault | None] | None = None
        self.connections = 0
        self.injected: Counter[str] = Counter()  # fault description -> times triggered
        self._links: dict[int, _Link] = {}  # by the local port of the upstream socket
        self._early: dict[int, list[str]] = {}  # phases told before the link was known
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for link in self.links():
            link.kill()
        for thread in self._threads:
            thread.join(timeout=5)

    def links(self) -> list[_Link]:
        with self._lock:
            return list(self._links.values())

    def cut_all(self) -> int:
        """Close every live connection (what a server restart does to its clients)."""
        links = [link for link in self.links() if not link.closed]
        for link in links:
            link.kill()
        return len(links)

    def index_of(self, port: int) -> int | None:
        """The number of the live connection whose upstream side is ``port``."""
        with self._lock:
            link = self._links.get(port)
        return link.index if link is not None else None

    def tap(self, port: int, phase: str) -> None:
        """The server is about to reply to ``phase`` on the connection from ``port``."""
        with self._lock:
            link = self._links.get(port)
            if link is None:
                self._early.setdefault(port, []).append(phase)
                return
        link.phase(phase)

    def _forget(self, link: _Link) -> None:
        with self._lock:
            for port, known in list(self._links.items()):
                if known is link:
                    del self._links[port]

    def _count(self, fault: Fault) -> None:
        with self._lock:
            self.injected[fault.describe()] += 1

    def _fault(self, index: int) -> Fault | None:
        if self.plan is not None:
            return self.plan(index)
        if self.cut_after is not None:
            return Fault("cut", "down", after_bytes=self.cut_after)
        return None

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            index = self.connections
            self.connections += 1
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:  # the server is down: the client sees its connection closed
                client.close()
                continue
            client.setblocking(True)
            server.setblocking(True)
            link = _Link(self, index, client, server, self._fault(index))
            with self._lock:
                port = server.getsockname()[1]
                self._links[port] = link
                early = self._early.pop(port, [])
            for phase in early:
                link.phase(phase)
            thread = threading.Thread(target=link.run, daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()

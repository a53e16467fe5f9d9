"""Ephemeral loopback ports for servers that must be told their port in advance."""

from __future__ import annotations

import socket
import time


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out; held together so that they are distinct."""
    sockets = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    try:
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_listening(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False

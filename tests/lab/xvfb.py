"""A real X server for the window's tests: Xvfb on a display number it picks itself.

Qt's ``offscreen`` platform, which the other UI tests use, loads none of what a desktop
needs (the xcb plugin and its libraries, a connection to a server): the window is opened
under Xvfb with ``QT_QPA_PLATFORM=xcb`` to see it as a user would.
"""

from __future__ import annotations

import os
import select
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.lab.availability import require_program, unavailable

SOCKETS = Path("/tmp/.X11-unix")  # where every local X server listens


@dataclass
class XServer:
    display: str  # ":N"
    process: subprocess.Popen[bytes]

    @property
    def env(self) -> dict[str, str]:
        """What a Qt program needs to open its window on this server."""
        return {"QT_QPA_PLATFORM": "xcb", "DISPLAY": self.display}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_xvfb(size: str = "1400x900x24", timeout: float = 30) -> XServer:
    """Xvfb with the first free display number (``-displayfd``: no race with another run),
    local connections only."""
    program = require_program("Xvfb", "xvfb")
    read, write = os.pipe()
    try:
        process = subprocess.Popen(
            # -noreset: no server reset when the last client leaves (a client connecting
            # during one is refused: seen as "could not connect to display")
            [
                program,
                "-displayfd",
                str(write),
                "-nolisten",
                "tcp",
                "-noreset",
                "-screen",
                "0",
                size,
            ],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        write = -1
        number = _read_line(read, timeout)
    finally:
        for fd in (read, write):
            if fd >= 0:
                os.close(fd)
    if not number.isdigit():
        process.kill()
        process.wait(timeout=10)
        unavailable(f"Xvfb did not start (exit {process.returncode})")
    return XServer(f":{number.decode()}", process)


def _read_line(fd: int, timeout: float) -> bytes:
    """The display number, written once the server accepts clients (digits, then a newline
    in a second write: the pipe must stay open until then, or Xvfb dies of it); b"" on EOF
    (it exited) or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        chunk = os.read(fd, 32) if ready else b""
        if not chunk:
            return b""
        line += chunk
    return line.strip()


def free_display() -> str:
    """A display number no X server uses (for "nobody answers there")."""
    for number in range(250, 1000):
        lock = Path(f"/tmp/.X{number}-lock")
        if not (SOCKETS / f"X{number}").exists() and not lock.exists():
            return f":{number}"
    raise RuntimeError("no free X display number")

"""A lock between processes (and threads) that the OS releases when its holder dies.

One per purpose and scope, as a file in the profile: ``locks/outbox-<account>.lock`` lets
one deliverer at a time send an account's outbox, whether it runs in the window, ``caducee
sync``, ``send`` or ``outbox --flush``. The lock is an advisory lock on the open file
(``flock`` on POSIX, ``msvcrt.locking`` on Windows): a crash, a kill or a power cut can never
leave it taken, unlike a "lock file exists" convention. The file holds the holder's pid, for
messages only ("une relève est en cours dans un autre processus (pid N)").

Each ``ProcessLock`` opens its own file description, so two threads of one process exclude
each other too.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from pathlib import Path
from types import TracebackType

_POLL_SECONDS = 0.05


class ProcessLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @classmethod
    def named(cls, directory: Path, purpose: str, scope: str = "") -> ProcessLock:
        """The lock for ``purpose`` (e.g. "outbox") and ``scope`` (e.g. an address) in
        ``directory``; the scope is hashed into the name (an address is not a file name)."""
        suffix = f"-{hashlib.sha256(scope.lower().encode()).hexdigest()[:16]}" if scope else ""
        return cls(directory / f"{purpose}{suffix}.lock")

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, timeout: float | None = None) -> bool:
        """Take the lock: wait at most ``timeout`` seconds (None: as long as it takes, 0: do
        not wait). True when taken; False when another holder kept it."""
        if self._fd is not None:
            raise RuntimeError("ProcessLock is not reentrant")
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while not _try_lock(fd):
                if deadline is not None and time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(_POLL_SECONDS)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        with contextlib.suppress(OSError):  # the pid is informative only
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, str(os.getpid()).encode())
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        _unlock(fd)
        os.close(fd)

    def holder(self) -> int | None:
        """The pid written by the current holder, if any and readable."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None

    def __enter__(self) -> ProcessLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

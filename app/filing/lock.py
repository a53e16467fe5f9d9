"""The patients root's lock: one filing (or registry change) at a time, across processes
and across the practice's PCs, on a local disk or a network share (SMB, NFS).

A lock file ``<root>/.caducee/lock`` created with ``O_CREAT | O_EXCL`` (atomic on SMB and on
NFSv3+, unlike byte-range locks, which some shares and mounts ignore). It holds who holds
it (host, pid, OS user, a random token, when) so that a waiting PC can name the holder and
take over a lock left by a crash:

- stale when its holder is a process of *this* host that no longer exists (POSIX), or when
  it is older than ``stale_after`` seconds by the share's own clock (its mtime against a
  probe file's: the PCs' clocks need not agree); a filing holds it well under a second;
- taking over goes through a second exclusive file, ``lock.takeover``: only its holder
  removes a stale lock, after reading it again (same token), so two waiters never both
  remove it and never remove a fresh lock; a ``lock.takeover`` older than 30 s (a crash in
  those few instructions) is removed by anyone;
- release removes the file only if it still holds this holder's token.

Reentrant within one :class:`RootLock` object (one connection, one thread).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.clocks import folder_now
from app.core.errors import Scope
from app.filing.errors import FilingError

log = logging.getLogger(__name__)

LOCK_NAME = "lock"
TAKEOVER_STALE = 30.0


class RootBusyError(FilingError):
    """Another PC or process kept the patients root locked longer than we waited."""

    scope = Scope.APPLICATION
    default_message = "Le dossier des patients est occupé : réessayez dans un instant."


def host_name() -> str:
    return socket.gethostname() or "?"


def os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (service account, container)
        return "?"


def _pid_gone(pid: int) -> bool:
    if os.name != "posix" or pid <= 0:
        return False  # Windows: os.kill(pid, 0) would terminate it; age only there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, another user's
        return False
    return False


class RootLock:
    def __init__(
        self,
        directory: Path,
        *,
        timeout: float = 60.0,
        stale_after: float = 120.0,
        name: str = LOCK_NAME,
    ) -> None:
        self.directory = directory
        self.path = directory / name
        self.timeout = timeout
        self.stale_after = stale_after
        self.depth = 0
        self.token = ""

    # -- holding ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def acquire(self) -> None:
        if self.depth:
            self.depth += 1
            return
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            if self._create():
                self.depth = 1
                return
            if self._take_over_if_stale():
                continue
            if time.monotonic() >= deadline:
                holder = self.holder() or {}
                raise RootBusyError(
                    "patients root locked",
                    user_message="Le dossier des patients est occupé par un autre classement "
                    f"({holder.get('user', '?')} sur {holder.get('host', '?')}) : "
                    "réessayez dans un instant.",
                )
            time.sleep(delay + secrets.randbelow(1000) / 100_000)
            delay = min(delay * 2, 0.1)

    def release(self) -> None:
        if self.depth == 0:
            return
        self.depth -= 1
        if self.depth:
            return
        holder = self.holder()
        if holder is not None and holder.get("token") == self.token:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        else:  # taken over meanwhile (we were too slow): never remove another's lock
            log.warning("patients root lock was taken over while held")

    def _create(self) -> bool:
        token = secrets.token_hex(8)
        info = {
            "host": host_name(),
            "pid": os.getpid(),
            "user": os_user(),
            "token": token,
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            return False
        except PermissionError as error:
            if os.name == "nt":  # a lock being deleted this instant ("delete pending")
                return False
            raise FilingError(
                "cannot create the root's lock file",
                user_message=f"Impossible de verrouiller le dossier des patients "
                f"({error.strerror}) : vérifiez vos droits d'écriture sur {self.directory}.",
            ) from error
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(json.dumps(info).encode())
                stream.flush()
                os.fsync(stream.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                self.path.unlink()  # ours, just created: never left behind half-written
            raise
        self.token = token
        return True

    # -- looking at another's lock ----------------------------------------------------------

    def holder(self) -> dict[str, Any] | None:
        """What the lock file says (None: no lock, or being written this instant)."""
        try:
            data = json.loads(self.path.read_bytes() or b"null")
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _age(self, path: Path) -> float | None:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        return folder_now(self.directory, ".clock-", ".tmp") - mtime

    def _stale(self) -> tuple[bool, str | None]:
        holder = self.holder()
        age = self._age(self.path)
        if age is None:
            return False, None  # gone: the next create wins
        if holder is not None and holder.get("host") == host_name():
            pid = holder.get("pid")
            if isinstance(pid, int) and _pid_gone(pid):
                return True, holder.get("token")
        token = holder.get("token") if holder else None
        return age > self.stale_after, token

    def _take_over_if_stale(self) -> bool:
        stale, token = self._stale()
        if not stale:
            return False
        takeover = self.path.with_name(f"{self.path.name}.takeover")
        try:
            fd = os.open(takeover, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            age = self._age(takeover)
            if age is not None and age > TAKEOVER_STALE:
                with contextlib.suppress(FileNotFoundError):
                    takeover.unlink()
            return False
        os.close(fd)
        try:
            still, again = self._stale()
            if still and again == token:
                log.warning("stale patients root lock taken over")
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                return True
            return False
        finally:
            with contextlib.suppress(FileNotFoundError):
                takeover.unlink()

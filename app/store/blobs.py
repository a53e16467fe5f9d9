"""Raw messages on disk, named by the SHA-256 of their content (``messages/ab/cdef….eml``).

Content addressing makes a message stored in two folders one file, lets a crash leave at
worst an unreferenced file (removed by ``collect``), and lets a read check that the file is
intact (its hash, or, sealed, its authentication tag): synced mail is a cache that the
next sync fetches again if a file is damaged.
A sealed message file is written in place (``_create``): its tag tells a write cut short.
Other writes go to a temporary file in the same directory, then an atomic rename: the
durable store's (the outbox: nothing to fetch again), a clear store's, a damaged file's
replacement.

With a ``key`` (the profile's ``files`` key: always, in a profile) every file is sealed
with AES-256-GCM (``app.core.crypto``), its digest as associated data: a file moved under
another digest's name, cut or altered does not open and reads as damaged (None, logged),
never as a message. The name stays the SHA-256 of the clear content (the rows refer to
it): it tells nothing of the content, but lets someone holding a given message check that
the profile has it too.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from app.core import crypto
from app.core.clocks import folder_now

log = logging.getLogger(__name__)

COLLECT_GRACE = 3600.0  # seconds: while other writers may run, younger files are kept
SWEEP_EVERY = 24 * 3600.0  # seconds between two full listings of the files (``collect``)
SWEPT = ".swept"  # its date: the last full listing


def _fsync_directory(directory: Path) -> None:
    if os.name == "nt":  # Windows has no directory fsync; NTFS journals the rename
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class BlobStore:
    """``durable``: every write reaches the disk (fsync of the file and its directory) before
    ``put`` returns — for what cannot be fetched again (the outbox)."""

    def __init__(self, root: Path, *, durable: bool = False, key: bytes | None = None) -> None:
        self.root = root
        self.durable = durable
        self.key = key
        self._overhead = crypto.OVERHEAD if key is not None else 0
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._directories: set[str] = set()  # the ab/ directories known to exist

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError("not a SHA-256 digest")
        return self.root / digest[:2] / f"{digest[2:]}.eml"

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        try:
            if target.stat().st_size == len(data) + self._overhead:
                with contextlib.suppress(OSError):  # new again: a concurrent ``collect``
                    os.utime(target)  # leaves it (grace period)
                return digest
        except FileNotFoundError:
            if self.key is not None and not self.durable:
                self._create(target, self._sealed(digest, data))
                return digest
        self._write(target, self._sealed(digest, data))  # replaces a damaged one
        return digest

    def _create(self, target: Path, sealed: bytes) -> None:
        """A new sealed file written in place, no temporary file and rename: its tag is its
        integrity (a write cut by a crash does not open, and ``forget`` removes it). Another
        writer of the same message may be halfway through it: then it is replaced whole,
        atomically, as before (``_write``)."""
        self._directory(target)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            handle = os.open(target, flags, 0o600)
        except (FileExistsError, FileNotFoundError):  # another writer; no directory
            self._write(target, sealed)
            return
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(sealed)
        except BaseException:
            target.unlink(missing_ok=True)
            raise

    def forget(self, digest: str) -> None:
        """Remove a file found damaged (``get`` gave None for it), so that the next ``put``
        of its message writes it again instead of finding it there."""
        with contextlib.suppress(OSError, ValueError):
            self.path(digest).unlink()

    def _directory(self, target: Path) -> None:
        if target.parent.name not in self._directories:  # one mkdir per directory, not per file
            target.parent.mkdir(mode=0o700, exist_ok=True)
            self._directories.add(target.parent.name)

    def _sealed(self, digest: str, data: bytes) -> bytes:
        return data if self.key is None else crypto.seal(self.key, data, digest.encode())

    def _write(self, target: Path, data: bytes, durable: bool = False) -> None:
        durable = durable or self.durable
        self._directory(target)
        try:
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        except FileNotFoundError:  # the directory was removed behind our back
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                if durable:
                    out.flush()
                    os.fsync(out.fileno())
            Path(temporary).replace(target)
            if durable:
                _fsync_directory(target.parent)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, digest: str) -> bytes | None:
        """The content, or None if the file is missing or damaged (then: fetch it again)."""
        try:
            data = self.path(digest).read_bytes()
        except (FileNotFoundError, ValueError):
            return None
        if self.key is None:
            return data if hashlib.sha256(data).hexdigest() == digest else None
        try:  # sealed under its digest: authenticated as what its name says, no hash again
            return crypto.unseal(self.key, data, digest.encode())
        except crypto.TamperedError:
            log.warning("a message file failed its authentication: set aside as damaged")
            return None

    def _young_after(self, older_than: float) -> float:
        """The file date after which a file is kept as possibly another writer's (by the
        disk's own clock); infinity when ``older_than`` is 0: every file may go."""
        return folder_now(self.root, ".tmp-clock-") - older_than if older_than else math.inf

    def discard(
        self, digests: Iterable[str], *, older_than: float = 0.0, at_once: Iterable[str] = ()
    ) -> tuple[int, set[str]]:
        """Remove these files (no row refers to them), each once ``older_than`` seconds old
        (``collect``'s grace: another writer may be about to refer to a young one) unless in
        ``at_once``. Returns how many went, and the digests kept for later."""
        now = set(at_once)
        limit = self._young_after(older_than)
        removed, kept = 0, set()
        for digest in digests:
            try:
                target = self.path(digest)
                if digest not in now and target.stat().st_mtime > limit:
                    kept.add(digest)
                    continue
                target.unlink()
            except (FileNotFoundError, ValueError):
                continue  # already gone, or not a digest: nothing to keep
            removed += 1
        return removed, kept

    def sweep_due(self, every: float = SWEEP_EVERY) -> bool:
        """A full ``collect`` has not run for ``every`` seconds (or never)."""
        try:
            last = (self.root / SWEPT).stat().st_mtime
        except FileNotFoundError:
            return True
        return folder_now(self.root, ".tmp-clock-") - last >= every

    def swept(self) -> None:
        (self.root / SWEPT).touch()

    def damaged(self) -> list[str]:
        """The digests whose file does not open as what its name says (``profile check``)."""
        return [
            directory.name + file.name.removesuffix(".eml")
            for directory in sorted(self.root.iterdir())
            if directory.is_dir()
            for file in sorted(directory.glob("*.eml"))
            if self.get(directory.name + file.name.removesuffix(".eml")) is None
        ]

    def seal_all(self, visited: Callable[[Path], None] | None = None) -> int:
        """Seal the files still in clear (a profile being encrypted; resumable: one file at
        a time, each replaced atomically); a clear file that is not what its name says is
        left for ``collect`` / the next sync. ``visited``: told of each file as its turn
        comes (progress). Returns how many were sealed."""
        if self.key is None:
            raise ValueError("no key")
        sealed = 0
        for directory in sorted(self.root.iterdir()):
            if not directory.is_dir():
                continue
            for file in sorted(directory.glob("*.eml")):
                if visited is not None:
                    visited(file)
                digest = directory.name + file.name.removesuffix(".eml")
                with file.open("rb") as handle:
                    if crypto.is_sealed(handle.read(len(crypto.MAGIC))):
                        continue
                data = file.read_bytes()
                if hashlib.sha256(data).hexdigest() != digest:
                    log.warning("a clear message file does not match its name: removed")
                    file.unlink(missing_ok=True)
                    continue
                self._write(
                    file, self._sealed(digest, data), durable=True
                )  # replaces the clear one
                sealed += 1
        return sealed

    def collect(
        self,
        referenced: Iterable[str],
        *,
        older_than: float = 0.0,
        at_once: Iterable[str] = (),
        young: set[str] | None = None,
    ) -> int:
        """Remove files no message refers to, and leftovers of interrupted writes, once
        ``older_than`` seconds old: while another process may be writing (a sync of another
        account), a young one may be its file, written and not yet recorded
        (``COLLECT_GRACE``); their digests are added to ``young`` when given. The
        unreferenced files of ``at_once`` (a removed account's) go whatever their age."""
        keep = set(referenced)
        now = set(at_once) - keep
        limit = self._young_after(older_than)
        removed = 0
        for directory in self.root.iterdir():
            if not directory.is_dir():
                continue
            for file in directory.iterdir():
                digest = directory.name + file.name.removesuffix(".eml")
                if not (file.name.startswith(".tmp-") or digest not in keep):
                    continue
                try:
                    if digest not in now and file.stat().st_mtime > limit:
                        if young is not None and not file.name.startswith(".tmp-"):
                            young.add(digest)
                        continue
                    file.unlink()
                except FileNotFoundError:
                    continue
                removed += 1
        return removed

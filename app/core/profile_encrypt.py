"""A profile encrypted where it lies: a new one at its first use, an older clear one in
place, resumable after a crash at any point.

Order (each step repeatable, the marker written atomically):

1. a new key, kept where its mode says (``profile_key.store_new``); then
   ``encryption.json`` with state ``"migrating"`` — nothing is encrypted before it exists,
   so a crash before it only leaves a key nobody uses (replaced on the next try);
2. each clear database: a checkpoint of its WAL, an encrypted copy beside it
   (``….encrypting``, SQLCipher's ``sqlcipher_export``, its schema version kept), fsynced,
   renamed over the clear one. A crash before the rename leaves the clear database whole
   (the copy is made again), after it the encrypted one (skipped: not clear any more);
3. each clear message file (``messages/``, ``outbox/``) and the favourites, sealed one by
   one, each replaced atomically;
4. the audit trail: each clear file of it sealed line by line and replaced atomically, then
   its head and its identities (``AuditTrail.seal_in_place``);
5. ``encryption.json`` state ``"done"``.

``encryption.lock`` keeps two processes from doing it at once; the engine opens no
database of the profile before it is done (``profile_key.keys_for``).

A large profile takes a while (minutes for gigabytes): ``progress`` is told how far it is,
in bytes of the profile's data. The window runs it on a thread behind a progress dialog
(``app.ui.profile_migration``); the command line prints it on stderr
(``report_progress_to``, set by ``app.cli.main``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.core import crypto, profile_key, sqlite
from app.core.audit import DIRECTORY as AUDIT_DIRECTORY
from app.core.audit import IDENTITIES_IDENTITY, IDENTITIES_NAME, AuditTrail
from app.core.crypto import ProfileKeys
from app.core.errors import CaduceeError
from app.core.private import fsync_directory, fsync_file, private_directory, write_atomically
from app.core.proclock import ProcessLock

DATABASES = ("store.sqlite3", "filing.sqlite3")  # what the profile keeps (app.store, app.filing)
SEALED_DIRECTORIES = ("messages", "outbox")
FAVOURITES = "directory-favourites.json"  # app.directory.favourites.FILE_NAME


Progress = Callable[[int, int], None]
"""(done, total): bytes of the profile's data encrypted so far, of all to go through."""

_reporter: Progress | None = None  # used when a caller gives none (the command line's)


def report_progress_to(progress: Progress | None) -> None:
    """This process's migrations report to ``progress`` unless their caller gives one."""
    global _reporter
    _reporter = progress


def needs_migration(data_dir: Path) -> bool:
    """Whether opening the profile will first encrypt data already in it (a clear profile
    of an older Caducée, or a migration interrupted): worth showing its progress."""
    try:
        marker = profile_key.read_marker(data_dir)
    except profile_key.ProfileKeyError:
        return False  # said by whatever opens it next
    if marker is not None:
        return marker.get("state") != "done"
    return any((data_dir / name).exists() for name in DATABASES) or any(
        (data_dir / name).is_dir() for name in SEALED_DIRECTORIES
    )


class ProfileBusyError(CaduceeError):
    default_message = (
        "Le profil est en cours de chiffrement par une autre fenêtre de Caducée, ou une "
        "ancienne version de Caducée l'utilise encore : fermez-les, puis réessayez."
    )


def protect(
    data_dir: Path, passphrase: str | None = None, progress: Progress | None = None
) -> ProfileKeys:
    """The profile's keys, once everything in it is encrypted (see the module)."""
    private_directory(data_dir)
    with ProcessLock.named(data_dir, "encryption"):
        marker = profile_key.read_marker(data_dir)
        if marker is None:
            master = crypto.new_key()
            marker = profile_key.store_new(data_dir, master, passphrase)
            profile_key.write_marker(data_dir, marker)
        else:
            master = profile_key.master_of(data_dir, marker)
        keys = ProfileKeys.derive(master)
        if marker.get("state") != "done":
            encrypt_in_place(data_dir, keys, progress or _reporter)
            marker["state"] = "done"
            profile_key.write_marker(data_dir, marker)
    return keys


def encrypt_in_place(data_dir: Path, keys: ProfileKeys, progress: Progress | None = None) -> None:
    from app.store.blobs import BlobStore  # the store builds on app.core, not the reverse

    tally = _Tally(data_dir, progress)
    for name in DATABASES:
        size = _size(data_dir / name) + _size(data_dir / f"{name}-wal")
        encrypt_database(data_dir / name, keys.database)
        tally.add(size)
    for name in SEALED_DIRECTORIES:
        if (data_dir / name).is_dir():
            BlobStore(data_dir / name, key=keys.files).seal_all(tally.visited)
    tally.add(_size(data_dir / FAVOURITES))
    seal_file(data_dir / FAVOURITES, keys.files, FAVOURITES.encode())
    trail = AuditTrail.of(data_dir, keys.audit)
    trail.seal_in_place()
    seal_file(trail.directory / IDENTITIES_NAME, keys.audit, IDENTITIES_IDENTITY)
    tally.finish()


class _Tally:
    """How far a migration is, told to ``progress`` at each thousandth (nothing is counted
    without one: listing a large profile's files costs a walk)."""

    def __init__(self, data_dir: Path, progress: Progress | None) -> None:
        self.progress = progress
        self.done, self.total, self._told = 0, 0, -1
        if progress is None:
            return
        names = [*DATABASES, *(f"{name}-wal" for name in DATABASES), FAVOURITES]
        self.total = sum(_size(data_dir / name) for name in names)
        for name in (*SEALED_DIRECTORIES, AUDIT_DIRECTORY):
            if (data_dir / name).is_dir():
                self.total += sum(_size(f) for f in (data_dir / name).rglob("*") if f.is_file())
        self._tell()

    def visited(self, path: Path) -> None:
        self.add(_size(path))

    def add(self, size: int) -> None:
        if self.progress is not None:
            self.done = min(self.total, self.done + size)
            self._tell()

    def finish(self) -> None:
        if self.progress is not None:
            self.done = self.total
            self._tell()

    def _tell(self) -> None:
        told = 1000 * self.done // self.total if self.total else 1000
        if self.progress is not None and told != self._told:
            self._told = told
            self.progress(self.done, self.total)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def encrypt_database(path: Path, key: bytes) -> bool:
    """``path`` encrypted with ``key`` if it is a clear SQLite file; False if it was not."""
    building = path.with_name(path.name + ".encrypting")
    for leftover in (building, *_companions(building)):
        leftover.unlink(missing_ok=True)
    if not sqlite.is_clear(path):
        return False
    connection = sqlite.raw_connect(path)
    try:
        busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            raise ProfileBusyError(f"{path.name}: checkpoint blocked")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        connection.execute(
            "ATTACH DATABASE ? AS encrypted KEY ?", (str(building), sqlite.key_pragma(key))
        )
        connection.execute("SELECT sqlcipher_export('encrypted')")
        connection.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        connection.execute("DETACH DATABASE encrypted")
    finally:
        connection.close()  # the last connection: its -wal (empty) and -shm go away
    fsync_file(building)
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        building.unlink(missing_ok=True)
        raise ProfileBusyError(f"{path.name}: written to during the export")
    for companion in _companions(path):
        companion.unlink(missing_ok=True)
    building.replace(path)
    fsync_directory(path.parent)
    return True


def seal_file(path: Path, key: bytes, identity: bytes) -> bool:
    """A small clear file sealed in place (atomically); False if absent or sealed."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    if crypto.is_sealed(data):
        return False
    write_atomically(path, crypto.seal(key, data, identity))
    return True


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]

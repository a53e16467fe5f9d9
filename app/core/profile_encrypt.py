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
"""

from __future__ import annotations

import os
from pathlib import Path

from app.core import crypto, profile_key, sqlite
from app.core.audit import IDENTITIES_IDENTITY, IDENTITIES_NAME, AuditTrail
from app.core.crypto import ProfileKeys
from app.core.errors import CaduceeError
from app.core.private import fsync_directory, private_directory, write_atomically
from app.core.proclock import ProcessLock

DATABASES = ("store.sqlite3", "filing.sqlite3")  # what the profile keeps (app.store, app.filing)
SEALED_DIRECTORIES = ("messages", "outbox")
FAVOURITES = "directory-favourites.json"  # app.directory.favourites.FILE_NAME


class ProfileBusyError(CaduceeError):
    default_message = (
        "Le profil est en cours de chiffrement par une autre fenêtre de Caducée, ou une "
        "ancienne version de Caducée l'utilise encore : fermez-les, puis réessayez."
    )


def protect(data_dir: Path, passphrase: str | None = None) -> ProfileKeys:
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
            encrypt_in_place(data_dir, keys)
            marker["state"] = "done"
            profile_key.write_marker(data_dir, marker)
    return keys


def encrypt_in_place(data_dir: Path, keys: ProfileKeys) -> None:
    from app.store.blobs import BlobStore  # the store builds on app.core, not the reverse

    for name in DATABASES:
        encrypt_database(data_dir / name, keys.database)
    for name in SEALED_DIRECTORIES:
        if (data_dir / name).is_dir():
            BlobStore(data_dir / name, key=keys.files).seal_all()
    seal_file(data_dir / FAVOURITES, keys.files, FAVOURITES.encode())
    trail = AuditTrail.of(data_dir, keys.audit)
    trail.seal_in_place()
    seal_file(trail.directory / IDENTITIES_NAME, keys.audit, IDENTITIES_IDENTITY)


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
    _fsync(building)
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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

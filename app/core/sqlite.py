"""What every SQLite file of Caducée does the same way: one place opens them (``connect``:
SQLCipher, encrypted with the profile's key for what is in the profile), numbered
migrations, and write transactions taken at once (``BEGIN IMMEDIATE``: a writer waits at
the start, never half-way).

The driver is ``sqlcipher3`` (SQLCipher 4: AES-256 pages, an HMAC-SHA512 per page, FTS5),
the standard ``sqlite3`` module's API: its connections are typed here as
``sqlite3.Connection`` and its rows as ``sqlite3.Row``, but its exceptions are its own —
catch ``Error`` / ``IntegrityError`` from this module, never ``sqlite3``'s. Without a key
it opens a clear SQLite file (what a shared patients root keeps, readable by every PC).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from sqlcipher3 import dbapi2 as driver

from app.core.errors import CaduceeError
from app.core.private import private_database

# What a connection of ``connect`` raises (not ``sqlite3``'s: the directory's offline index,
# a plain ``sqlite3`` cache, raises those).
Error = driver.Error
IntegrityError = driver.IntegrityError
Row = driver.Row
DatabaseError = driver.DatabaseError
CLEAR_HEADER = b"SQLite format 3\x00"


class DatabaseUnreadableError(CaduceeError, OSError):
    default_message = (
        "Une base de données du profil ne peut pas être lue : elle a été modifiée en dehors "
        "de Caducée, ou la clé de chiffrement n'est pas la sienne. Rien n'en est affiché. "
        "Restaurez une sauvegarde du profil, ou contactez le support."
    )


def is_clear(path: Path) -> bool:
    """A plain SQLite file (its header in clear); False for an encrypted or absent one."""
    try:
        with path.open("rb") as file:
            return file.read(len(CLEAR_HEADER)) == CLEAR_HEADER
    except OSError:
        return False


def key_pragma(key: bytes) -> str:
    """The SQLCipher raw key (no key derivation: the key is already 256 random bits)."""
    return f"x'{key.hex()}'"


def raw_connect(path: Path) -> sqlite3.Connection:
    """A bare connection of the driver (no key, no pragma): the migration's export."""
    return cast(sqlite3.Connection, driver.connect(str(path), isolation_level=None, timeout=30))


def connect(path: Path, key: bytes | None, *, synchronous: str = "NORMAL") -> sqlite3.Connection:
    """``path`` (created private if missing), WAL, foreign keys on, rows by name; encrypted
    with ``key`` (SQLCipher), clear without. A file that does not open with that key — a
    page changed, another key — raises :class:`DatabaseUnreadableError` (French)."""
    private_database(path)  # its -wal and -shm follow its mode
    connection = raw_connect(path)
    try:
        if key is not None:
            connection.execute(f'PRAGMA key = "{key_pragma(key)}"')
        connection.row_factory = driver.Row
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(f"PRAGMA synchronous = {synchronous}")
        connection.execute("PRAGMA foreign_keys = ON")
    except DatabaseError as error:
        connection.close()
        raise DatabaseUnreadableError(f"{path.name}: {error}") from None
    return connection


# A step starting with this comment rebuilds a table others refer to (SQLite's "12-step"
# ALTER TABLE): it runs with foreign keys off (a DROP TABLE would otherwise cascade into
# the rows that refer to it), and commits only if ``PRAGMA foreign_key_check`` finds nothing.
FOREIGN_KEYS_OFF = "-- foreign keys off"


def migrate(connection: sqlite3.Connection, migrations: Sequence[str], what: str) -> int:
    """Bring the schema to the latest of ``migrations`` (``PRAGMA user_version`` counts
    the ones applied), each step atomic; refuse a schema newer than this Caducée."""
    version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > len(migrations):
        raise RuntimeError(
            f"{what} schema {version} is newer than this Caducée ({len(migrations)})"
        )
    for number, script in enumerate(migrations[version:], start=version + 1):
        relaxed = script.lstrip().startswith(FOREIGN_KEYS_OFF)
        enforced = connection.execute("PRAGMA foreign_keys").fetchone()[0]
        if relaxed:
            connection.execute("PRAGMA foreign_keys = OFF")  # outside any transaction
        # executescript() commits first; the explicit BEGIN makes the step atomic.
        try:
            connection.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};")
            if relaxed and connection.execute("PRAGMA foreign_key_check").fetchone():
                broken = f"{what} step {number}: foreign keys broken"
                standard = isinstance(connection, sqlite3.Connection)
                raise (sqlite3.IntegrityError if standard else driver.IntegrityError)(broken)
            connection.execute("COMMIT")
        except (sqlite3.Error, Error):
            if connection.in_transaction:
                connection.rollback()
            raise
        finally:
            if relaxed and enforced:
                connection.execute("PRAGMA foreign_keys = ON")
    return len(migrations)


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")

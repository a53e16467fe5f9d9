"""What every SQLite file of Caducée does the same way: numbered migrations, and write
transactions taken at once (``BEGIN IMMEDIATE``: a writer waits at the start, never
half-way)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

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
                raise sqlite3.IntegrityError(f"{what} step {number}: foreign keys broken")
            connection.execute("COMMIT")
        except sqlite3.Error:
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

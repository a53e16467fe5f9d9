"""What every SQLite file of Caducée does the same way: numbered migrations, and write
transactions taken at once (``BEGIN IMMEDIATE``: a writer waits at the start, never
half-way)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


def migrate(connection: sqlite3.Connection, migrations: Sequence[str], what: str) -> int:
    """Bring the schema to the latest of ``migrations`` (``PRAGMA user_version`` counts
    the ones applied), each step atomic; refuse a schema newer than this Caducée."""
    version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > len(migrations):
        raise RuntimeError(
            f"{what} schema {version} is newer than this Caducée ({len(migrations)})"
        )
    for number, script in enumerate(migrations[version:], start=version + 1):
        # executescript() commits first; the explicit BEGIN makes the step atomic.
        try:
            connection.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.Error:
            if connection.in_transaction:
                connection.rollback()
            raise
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

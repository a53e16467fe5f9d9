"""A profile's database opened as Caducée opens it (encrypted with the profile's key), for
tests that look inside or change it behind the application's back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.core import sqlite
from app.core.profile_key import keys_for


def open_db(path: Path) -> sqlite3.Connection:
    """Rows as tuples, as a bare ``sqlite3.connect`` gives them."""
    connection = sqlite.connect(path, keys_for(path.parent).database)
    connection.row_factory = None
    return connection

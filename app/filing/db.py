"""``<profile>/filing.sqlite3``: the patient registry, the filing journal and the queue.

One database (WAL, ``synchronous = FULL``: the journal is precious, architecture "Data") so
that one transaction can cover a patient, a journal entry and the queue. Numbered
migrations, append only, each in its own transaction with ``user_version`` bumped inside.

Patients belong to a *patients root* (the folder given by ``--patients-dir`` or the setting
``[classement] dossier_patients``): table ``roots`` keeps each root's resolved path, a
patient's ``folder`` is relative to its root. Moving the whole root elsewhere means pointing
``--patients-dir`` at the new place once and running ``patients import --folders``.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path

from app.core import sqlite
from app.core.private import private_directory
from app.core.profile_key import keys_for

FILE_NAME = "filing.sqlite3"

MIGRATIONS: list[str] = [
    # 1: roots, patients, journal (entries + files), the "À classer" queue
    """
    CREATE TABLE roots (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE
    );
    CREATE TABLE patients (
        id TEXT PRIMARY KEY,                 -- short stable id, e.g. "k7q2mx" (--patient ID)
        root_id INTEGER NOT NULL REFERENCES roots(id),
        ins TEXT,                            -- 15-character matricule, or NULL
        ins_oid TEXT,
        birth_name TEXT NOT NULL,
        used_name TEXT,
        first_names TEXT NOT NULL,           -- space separated, in order
        birth_date TEXT,                     -- ISO
        sex TEXT NOT NULL DEFAULT 'U' CHECK (sex IN ('F', 'M', 'U')),
        folder TEXT NOT NULL,                -- relative to the root, one component
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        UNIQUE (root_id, folder COLLATE NOCASE)
    );
    CREATE UNIQUE INDEX patients_by_ins ON patients (root_id, ins, ins_oid)
        WHERE ins IS NOT NULL;
    CREATE TABLE journal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        who TEXT NOT NULL,                   -- account address and OS user
        account TEXT NOT NULL,
        message_id TEXT NOT NULL,
        document INTEGER NOT NULL DEFAULT 0, -- index of the document in the message
        root_id INTEGER REFERENCES roots(id),
        patient_id TEXT,
        status TEXT NOT NULL CHECK (status IN
            ('pending', 'filed', 'queued', 'duplicate', 'refused', 'undone', 'interrupted')),
        content_hash TEXT,                   -- sha256 over the document's files
        detail TEXT NOT NULL DEFAULT '',     -- why (French), never shown in logs
        undone_at TEXT
    );
    CREATE INDEX journal_by_message ON journal (account, message_id);
    CREATE INDEX journal_by_hash ON journal (content_hash) WHERE status = 'filed';
    CREATE TABLE journal_files (
        entry_id INTEGER NOT NULL REFERENCES journal(id),
        path TEXT NOT NULL,                  -- relative to the root
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        written INTEGER NOT NULL DEFAULT 0,  -- 0: planned, 1: on disk
        PRIMARY KEY (entry_id, path)
    );
    CREATE TABLE queue (
        account TEXT NOT NULL,
        message_id TEXT NOT NULL,
        document INTEGER NOT NULL,
        root_id INTEGER NOT NULL REFERENCES roots(id),
        subject TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL,                -- queued, test-ins, conflict, no-match
        error_code INTEGER,                  -- 902-905 for an MDN when refused
        proposal TEXT,                       -- best patient id, if any
        confidence REAL,
        explanation TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        PRIMARY KEY (account, message_id, document, root_id)
    );
    """,
    # 2: whether the patient's identity is qualified (INS checked with the INSi service and
    # an identity document): only then may the INS be used to write to the patient
    """
    ALTER TABLE patients ADD COLUMN identity_qualified INTEGER NOT NULL DEFAULT 0
        CHECK (identity_qualified IN (0, 1));
    """,
]


def migrate(connection: sqlite3.Connection) -> None:
    sqlite.migrate(connection, MIGRATIONS, "filing")


class FilingDb:
    """One connection (one thread) to ``filing.sqlite3``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    @classmethod
    def open(cls, directory: Path, *, shared: bool = False) -> FilingDb:
        """The profile's (encrypted with its key; a profile not yet encrypted is encrypted
        first), or with ``shared`` a patients root's (clear by design: every PC of the
        practice reads it, docs/encryption.md)."""
        private_directory(directory)
        key = None if shared else keys_for(directory).database
        # synchronous FULL: a journal entry survives power loss
        connection = sqlite.connect(directory / FILE_NAME, key, synchronous="FULL")
        migrate(connection)
        return cls(connection)

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite.transaction(self.db)

    def root_id(self, root: Path) -> int:
        """The id of a patients root (its resolved path), created on first use."""
        path = str(root)
        with self.transaction() as db:
            db.execute("INSERT INTO roots (path) VALUES (?) ON CONFLICT (path) DO NOTHING", (path,))
            row = db.execute("SELECT id FROM roots WHERE path = ?", (path,)).fetchone()
        return int(row[0])

    def root_path(self, root_id: int) -> Path | None:
        row = self.db.execute("SELECT path FROM roots WHERE id = ?", (root_id,)).fetchone()
        return Path(row[0]) if row else None

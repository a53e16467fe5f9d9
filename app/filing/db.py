"""The filing databases: ``<root>/.caducee/filing.sqlite3`` and ``<profile>/filing.sqlite3``.

The **root's database** holds the patient registry, the filing journal and the duplicates
index of one patients root, beside the patients' folders: every PC of a group practice
filing into that root (a network share) sees and writes the same registry and journal.
It is made for a share: rollback journal (``journal_mode = DELETE``; WAL needs shared
memory, which does not work across PCs), ``synchronous = FULL``, and every write
transaction, and each whole filing (duplicate check, files, journal), taken under the
root's lock file (``app.filing.lock``: ``O_CREAT | O_EXCL``, which works on SMB and NFS
where byte-range locks may not). It has one root, id 1 (the PCs see it under different
paths: ``\\serveur\\patients``, ``P:\\``).

The **profile's database** (WAL, this PC's disk) keeps the "À classer" queue: it lists
this profile's messages, which the other PCs do not have. Before issue 19 it also held the
registry and journal of each root (table ``roots`` keyed by resolved path): they are
imported into the root's database once (``app.filing.root_import``) and left there unused.

Numbered migrations, append only, each in its own transaction with ``user_version`` bumped
inside; the two databases have their own lists.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

from app.core import sqlite
from app.core.private import private_directory, set_mode, shared_modes
from app.core.profile_key import keys_for
from app.filing.errors import PatientsRootError
from app.filing.lock import RootLock

FILE_NAME = "filing.sqlite3"
ROOT_DIR = ".caducee"  # in the patients root: its database, its lock
SHARED_ROOT_ID = 1
PROFILE_LOCK = "filing.lock"

_ROOTS = """
    CREATE TABLE roots (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE
    );
"""
_PATIENTS = """
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
"""
_JOURNAL = """
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
"""
_QUEUE = """
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
    """
# whether the patient's identity is qualified (INS checked with the INSi service and an
# identity document): only then may the INS be used to write to the patient
_QUALIFIED = """
    ALTER TABLE patients ADD COLUMN identity_qualified INTEGER NOT NULL DEFAULT 0
        CHECK (identity_qualified IN (0, 1));
    """

MIGRATIONS: list[str] = [
    # 1: roots, patients, journal (entries + files), the "À classer" queue
    "".join((_ROOTS, _PATIENTS, _JOURNAL, _QUEUE)),
    # 2: identity_qualified
    _QUALIFIED,
    # 3: which roots' registry and journal moved into the root's own database (root.py),
    # and this profile's id (the source name of that import)
    """
    CREATE TABLE moved (
        root_id INTEGER PRIMARY KEY REFERENCES roots(id),
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]

# ``<root>/.caducee/filing.sqlite3``: the same registry and journal, one root (id 1, path
# "."), plus who filed (OS user, PC), the document's identity (duplicates index) and its
# versions (replacements), and the profiles imported into it.
_ROOT_EXTRAS = """
    ALTER TABLE journal ADD COLUMN os_user TEXT;
    ALTER TABLE journal ADD COLUMN host TEXT;
    ALTER TABLE journal ADD COLUMN set_id TEXT;
    ALTER TABLE journal ADD COLUMN version INTEGER;
    ALTER TABLE journal ADD COLUMN replaces INTEGER REFERENCES journal(id);
    ALTER TABLE journal ADD COLUMN replaced_by INTEGER REFERENCES journal(id);
    CREATE INDEX journal_by_set ON journal (set_id) WHERE set_id IS NOT NULL;
    CREATE TABLE identities (
        entry_id INTEGER NOT NULL REFERENCES journal(id),
        kind TEXT NOT NULL CHECK (kind IN ('id', 'content')),  -- document id, file sha256
        value TEXT NOT NULL,
        PRIMARY KEY (entry_id, kind, value)
    );
    CREATE INDEX identities_by_value ON identities (kind, value);
    CREATE TABLE imports (
        source TEXT PRIMARY KEY,             -- "<profile id>:<its root id>"
        host TEXT,
        patients INTEGER NOT NULL,
        entries INTEGER NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    INSERT INTO roots (id, path) VALUES (1, '.');
    """
ROOT_MIGRATIONS: list[str] = ["".join((_ROOTS, _PATIENTS, _JOURNAL, _QUALIFIED, _ROOT_EXTRAS))]


def migrate(connection: sqlite3.Connection) -> None:
    sqlite.migrate(connection, MIGRATIONS, "filing")


def _connect(path: Path, journal_mode: str) -> sqlite3.Connection:
    """A patients root's database: clear (no key), through the same driver as every other,
    so that its errors are ``app.core.sqlite.Error`` too."""
    connection = sqlite.raw_connect(path)
    connection.row_factory = sqlite.Row
    connection.execute(f"PRAGMA journal_mode = {journal_mode}")
    connection.execute("PRAGMA synchronous = FULL")  # a journal entry survives power loss
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


class FilingDb:
    """One connection (one thread) to a ``filing.sqlite3``: the profile's (the "À classer"
    queue; before issue 19 also the registry and journal) or a patients root's
    (:meth:`open_root`: the registry and the journal, shared by the practice's PCs)."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        lock: RootLock | None = None,
        root: Path | None = None,
    ) -> None:
        self.db = connection
        self.lock = lock  # the root's lock file: every write transaction takes it
        self.root = root  # the patients root whose database this is (None: a profile's)

    @classmethod
    def open(cls, directory: Path) -> FilingDb:
        """The profile's database, encrypted with its key (a profile not yet encrypted is
        encrypted first; WAL: it is on this PC's own disk). A patients root's is
        :meth:`open_root`: clear by design, every PC of the practice reads it
        (docs/encryption.md)."""
        if directory.name == ROOT_DIR:  # a root's database opened as a profile's: a bug
            raise ValueError("a patients root's database is not a profile's")
        private_directory(directory)
        # synchronous FULL: what is queued survives power loss
        connection = sqlite.connect(
            directory / FILE_NAME, keys_for(directory).database, synchronous="FULL"
        )
        try:
            # two processes opening a new profile at once: one creates the tables
            with RootLock(directory, name=PROFILE_LOCK).held():
                migrate(connection)
        except BaseException:
            connection.close()
            raise
        return cls(connection)

    @classmethod
    def open_root(cls, root: Path, profile_dir: Path | None = None) -> FilingDb:
        """``<root>/.caducee/filing.sqlite3``, created on first use; the registry and journal
        ``profile_dir``'s database kept for this root before are imported into it once
        (``app.filing.root_import``). ``root`` must be a checked, resolved patients root."""
        from app.filing.root_import import import_profile  # it needs FilingDb

        directory = root / ROOT_DIR
        folder_mode, file_mode = shared_modes(root)
        try:
            directory.mkdir(mode=0o700, exist_ok=True)
            set_mode(directory, folder_mode)
        except OSError as error:
            raise PatientsRootError(
                "cannot create the root's database folder",
                user_message=f"Impossible de créer {directory} ({error.strerror}).",
            ) from error
        lock = RootLock(directory)
        with lock.held():
            path = directory / FILE_NAME
            new = not path.exists()
            # No WAL: its shared memory does not work across the PCs of a network share.
            connection = _connect(path, "DELETE")
            if new:
                set_mode(path, file_mode)
            db = cls(connection, lock, root)
            try:
                sqlite.migrate(connection, ROOT_MIGRATIONS, "filing root")
                if profile_dir is not None and (profile_dir / FILE_NAME).exists():
                    import_profile(db, root, profile_dir)
            except BaseException:
                connection.close()
                raise
        return db

    @property
    def shared(self) -> bool:
        """A patients root's own database (one root, id 1)."""
        return self.lock is not None

    def close(self) -> None:
        self.db.close()

    def locked(self) -> AbstractContextManager[None]:
        """The root's lock held (a whole filing: check, write, journal); nothing to take
        for a profile database."""
        return self.lock.held() if self.lock is not None else contextlib.nullcontext()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.locked(), sqlite.transaction(self.db) as db:
            yield db

    def root_id(self, root: Path) -> int:
        """The id of a patients root (its resolved path), created on first use; always 1
        in a root's own database (the PCs of the practice see it under different paths)."""
        if self.shared:
            return SHARED_ROOT_ID
        path = str(root)
        with self.transaction() as db:
            db.execute("INSERT INTO roots (path) VALUES (?) ON CONFLICT (path) DO NOTHING", (path,))
            row = db.execute("SELECT id FROM roots WHERE path = ?", (path,)).fetchone()
        return int(row[0])

    def root_path(self, root_id: int) -> Path | None:
        row = self.db.execute("SELECT path FROM roots WHERE id = ?", (root_id,)).fetchone()
        return Path(row[0]) if row else None

"""A profile's registry and journal of one patients root, imported once into the root's
own database (issue 19: they used to live in each PC's profile).

Run by ``FilingDb.open_root`` under the root's lock. Idempotent: the root's ``imports``
table names each (profile, root) imported, in the same transaction as the rows; the
profile's ``moved`` table then spares the next opening even that look. Several PCs'
profiles may each have kept a registry of the same shared root: they are merged by content
— a patient whose folder (or INS) is already registered is the same patient (her journal
entries follow her id there), a new one keeps her id (a new one only if taken). Journal
entries keep their ids when free (her ``--undo`` numbers stay true on a first PC), with
their files and a duplicates index built from their files' hashes (the IHE_XDM.ZIP
container and the HTML rendering excepted, as for new filings). The profile's rows are
left as they were.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from app.filing.lock import host_name
from app.filing.patients import new_patient_id

if TYPE_CHECKING:
    from app.filing.db import FilingDb

log = logging.getLogger(__name__)

_PATIENT_COLUMNS = (
    "ins, ins_oid, birth_name, used_name, first_names, birth_date, sex, folder, created_at, "
    "identity_qualified"
)
_JOURNAL_COLUMNS = (
    "at, who, account, message_id, document, patient_id, status, content_hash, detail, undone_at"
)


def profile_id(profile: FilingDb) -> str:
    """This profile's random id (created once), naming what it imported."""
    row = profile.db.execute("SELECT value FROM meta WHERE key = 'id'").fetchone()
    if row is not None:
        return str(row[0])
    with profile.transaction() as db:
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('id', ?) ON CONFLICT (key) DO NOTHING",
            (secrets.token_hex(8),),
        )
        return str(db.execute("SELECT value FROM meta WHERE key = 'id'").fetchone()[0])


def import_profile(db: FilingDb, root: Path, profile_dir: Path) -> bool:
    """Import ``profile_dir``'s registry and journal of ``root`` into ``db`` (the root's);
    True when something was imported now."""
    from app.filing.db import FilingDb

    profile = FilingDb.open(profile_dir)
    try:
        row = profile.db.execute("SELECT id FROM roots WHERE path = ?", (str(root),)).fetchone()
        if row is None:
            return False
        old_root = int(row[0])
        if profile.db.execute("SELECT 1 FROM moved WHERE root_id = ?", (old_root,)).fetchone():
            return False
        source = f"{profile_id(profile)}:{old_root}"
        with db.transaction() as target:
            done = target.execute("SELECT 1 FROM imports WHERE source = ?", (source,)).fetchone()
            if done is None:
                patients = _patients(profile.db, target, old_root)
                entries = _journal(profile.db, target, old_root, patients)
                target.execute(
                    "INSERT INTO imports (source, host, patients, entries) VALUES (?, ?, ?, ?)",
                    (source, host_name(), len(patients), entries),
                )
                log.info("profile filing data imported into the root (%d entries)", entries)
        with profile.transaction() as mark:
            mark.execute("INSERT OR IGNORE INTO moved (root_id) VALUES (?)", (old_root,))
        return done is None
    finally:
        profile.close()


def _patients(source: sqlite3.Connection, target: sqlite3.Connection, root: int) -> dict[str, str]:
    """Old id -> id in the root's database."""
    mapping: dict[str, str] = {}
    for row in source.execute(
        f"SELECT id, {_PATIENT_COLUMNS} FROM patients WHERE root_id = ? "  # noqa: S608
        "ORDER BY created_at",
        (root,),
    ):
        same = target.execute(
            "SELECT id FROM patients WHERE folder = ? COLLATE NOCASE "
            "OR (ins IS NOT NULL AND ins = ? AND ins_oid = ?)",
            (row["folder"], row["ins"], row["ins_oid"]),
        ).fetchone()
        if same is not None:
            mapping[row["id"]] = same[0]
            continue
        new_id = row["id"]
        while target.execute("SELECT 1 FROM patients WHERE id = ?", (new_id,)).fetchone():
            new_id = new_patient_id()
        target.execute(
            f"INSERT INTO patients (id, root_id, {_PATIENT_COLUMNS}) "  # noqa: S608
            "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new_id, *(row[c.strip()] for c in _PATIENT_COLUMNS.split(","))),
        )
        mapping[row["id"]] = new_id
    return mapping


def _user_of(who: str) -> str | None:
    """ "dr@x.fr (marie)" -> "marie" (how the journal wrote the OS user before)."""
    if who.endswith(")") and " (" in who:
        return who[who.rindex(" (") + 2 : -1] or None
    return None


def _journal(
    source: sqlite3.Connection, target: sqlite3.Connection, root: int, patients: dict[str, str]
) -> int:
    count = 0
    for row in source.execute(
        f"SELECT id, {_JOURNAL_COLUMNS} FROM journal WHERE root_id = ? ORDER BY id",  # noqa: S608
        (root,),
    ).fetchall():
        taken = target.execute("SELECT 1 FROM journal WHERE id = ?", (row["id"],)).fetchone()
        values = {c.strip(): row[c.strip()] for c in _JOURNAL_COLUMNS.split(",")}
        values["patient_id"] = patients.get(row["patient_id"], row["patient_id"])
        cursor = target.execute(
            f"INSERT INTO journal (id, root_id, os_user, host, {_JOURNAL_COLUMNS}) "  # noqa: S608
            "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row["id"] if taken is None else None,
                _user_of(row["who"]),
                host_name(),  # a profile lives on one PC: this one
                *values.values(),
            ),
        )
        entry = int(cursor.lastrowid or 0)
        for item in source.execute(
            "SELECT path, sha256, size, written FROM journal_files WHERE entry_id = ? "
            "ORDER BY rowid",
            (row["id"],),
        ).fetchall():
            target.execute(
                "INSERT INTO journal_files (entry_id, path, sha256, size, written) "
                "VALUES (?, ?, ?, ?, ?)",
                (entry, item["path"], item["sha256"], item["size"], item["written"]),
            )
            if not item["path"].lower().endswith((".zip", ".html")):
                target.execute(
                    "INSERT OR IGNORE INTO identities (entry_id, kind, value) "
                    "VALUES (?, 'content', ?)",
                    (entry, item["sha256"]),
                )
        count += 1
    return count

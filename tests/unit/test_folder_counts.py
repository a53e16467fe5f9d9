"""Each folder's counts kept by triggers (store migration 14) always equal a recount of its
messages: through random inserts, flag changes, reports, moves, deletions and folders
deleted, on a real SQLite; and on an existing store, the step counts what is there."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime
from pathlib import Path

from app.core import sqlite
from app.store.changes import LocalChanges
from app.store.db import HeaderRow, Store
from app.store.migrations import MIGRATIONS
from app.store.views import folder_counts

STEP = next(i for i, step in enumerate(MIGRATIONS, start=1) if "folder_counts" in step)
FLAGS = ("", "\\Seen", "\\Seen \\Flagged", "\\Flagged", "\\Answered \\Seen", "$Label1")

RECOUNT = (
    "SELECT f.id, count(m.id), "
    "coalesce(sum(CASE WHEN (' ' || m.flags || ' ') NOT LIKE '% \\Seen %' THEN 1 ELSE 0 END), 0) "
    "FROM folders f LEFT JOIN messages m ON m.folder_id = f.id AND m.report IS NULL "
    "GROUP BY f.id ORDER BY f.id"
)


def kept(db: sqlite3.Connection) -> list[tuple[int, int, int]]:
    return [tuple(r) for r in db.execute("SELECT * FROM folder_counts ORDER BY folder_id")]


def recounted(db: sqlite3.Connection) -> list[tuple[int, int, int]]:
    return [tuple(r) for r in db.execute(RECOUNT)]


def old_store() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    sqlite.migrate(db, MIGRATIONS[: STEP - 1], "store")
    db.execute("INSERT INTO accounts (id, address, auth, imap_url) VALUES (1, 'a@x', 'card', 'i')")
    return db


def test_the_step_counts_an_existing_store(tmp_path: Path) -> None:
    db = old_store()
    for folder in (1, 2, 3):
        db.execute(
            "INSERT INTO folders (id, account_id, name) VALUES (?, 1, ?)", (folder, f"F{folder}")
        )
    rows = [(1, 1, ""), (1, 2, "\\Seen"), (1, 3, "\\Flagged"), (2, 1, "\\Seen")]
    db.executemany("INSERT INTO messages (folder_id, uid, flags) VALUES (?, ?, ?)", rows)
    db.execute("INSERT INTO messages (folder_id, uid, flags, report) VALUES (1, 9, '', 'dsn')")
    sqlite.migrate(db, MIGRATIONS, "store")
    assert kept(db) == [(1, 3, 2), (2, 1, 0), (3, 0, 0)]  # the report is not counted
    assert kept(db) == recounted(db)


def test_random_changes_keep_the_counts_true() -> None:
    db = old_store()
    sqlite.migrate(db, MIGRATIONS, "store")
    rng = random.Random(7)
    folders = [1, 2, 3]
    for folder in folders:
        db.execute(
            "INSERT INTO folders (id, account_id, name) VALUES (?, 1, ?)", (folder, f"F{folder}")
        )
    uid = 0
    for step in range(1500):
        ids = [r[0] for r in db.execute("SELECT id FROM messages")]
        operation = rng.choice(["insert"] * 4 + ["flags", "report", "move", "delete", "folder"])
        if operation == "insert" or not ids:
            uid += 1
            report = rng.choice([None, None, None, "dsn", "mdn"])
            db.execute(
                "INSERT INTO messages (folder_id, uid, flags, report) VALUES (?, ?, ?, ?)",
                (rng.choice(folders), uid, rng.choice(FLAGS), report),
            )
        elif operation == "flags":
            db.execute(
                "UPDATE messages SET flags = ? WHERE id = ?", (rng.choice(FLAGS), rng.choice(ids))
            )
        elif operation == "report":
            db.execute(
                "UPDATE messages SET report = ? WHERE id = ?",
                (rng.choice([None, "dsn"]), rng.choice(ids)),
            )
        elif operation == "move":
            uid += 1
            db.execute(
                "UPDATE messages SET folder_id = ?, uid = ? WHERE id = ?",
                (rng.choice(folders), uid, rng.choice(ids)),
            )
        elif operation == "delete":
            db.execute("DELETE FROM messages WHERE id = ?", (rng.choice(ids),))
        elif len(folders) > 1 and rng.random() < 0.1:  # a folder deleted, its mail with it
            gone = folders.pop(rng.randrange(len(folders)))
            db.execute("DELETE FROM folders WHERE id = ?", (gone,))
            new = max(folders) + 10
            db.execute(
                "INSERT INTO folders (id, account_id, name) VALUES (?, 1, ?)", (new, f"F{new}")
            )
            folders.append(new)
        if step % 50 == 0:
            assert kept(db) == recounted(db), f"after step {step} ({operation})"
    assert kept(db) == recounted(db)
    assert sum(r[1] for r in kept(db)) > 30  # the operations did build a mailbox


def _headers(uid: int, report: bool = False) -> HeaderRow:
    kind = (
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n"
        if report
        else ""
    )
    raw = (
        f"From: x@y.mssante.fr\r\nSubject: m{uid}\r\nMessage-ID: <c{uid}@y>\r\n{kind}"
        "Date: Mon, 7 Dec 2026 09:00:00 +0100\r\n\r\n"
    ).encode()
    return HeaderRow(uid, ("\\Seen",) if uid % 3 == 0 else (), datetime(2026, 12, 7), 10, None, raw)


def test_the_window_reads_the_store_s_counts(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store")
    account = store.add_account("dr@medecin.mssante.fr", "card", "imaps://imap.test")
    for name in ("INBOX", "Archives"):
        store.upsert_folder(account, name, "/", None, True)
    folders = {f.name: f for f in store.folders(account)}
    inbox, archives = folders["INBOX"], folders["Archives"]
    store.add_headers(inbox, [_headers(uid) for uid in range(1, 10)] + [_headers(50, report=True)])
    assert folder_counts(store, account.address)["INBOX"].total == 9  # the report apart
    assert folder_counts(store, account.address)["INBOX"].unread == 6
    listed = store.messages(account.address, "INBOX")
    unread = next(m for m in listed if m.unread and m.subject != "m50")  # not the report
    store.change_flags(unread, ["\\Seen"])  # she opens it
    assert folder_counts(store, account.address)["INBOX"].unread == 5
    LocalChanges(store).move(store.messages(account.address, "INBOX")[1].id, archives)
    store.remove_uids(inbox, [1])
    counts = folder_counts(store, account.address)
    assert kept(store.db) == recounted(store.db)  # type: ignore[arg-type]
    assert counts["INBOX"].total + counts["Archives"].total == 8
    store.close()

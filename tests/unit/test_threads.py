"""Conversations in the store (issue 20, "Fils de discussion"): the key each message gets
from its headers (broken or missing References included, whatever the order of arrival),
the list's order computed in SQL, copies, and rows stored before the migration placed by the
background pass from their files."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from app.core import sqlite
from app.store import threads
from app.store.changes import LocalChanges
from app.store.db import Folder, HeaderRow, Store
from app.store.migrations import MIGRATIONS
from app.store.views import Scope, message_ids, threaded_rows

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
THREADS_STEP = next(i for i, step in enumerate(MIGRATIONS) if "thread_depth" in step)


def mail(
    name: str | None,
    subject: str,
    hours: int,
    *,
    references: str | None = None,
    in_reply_to: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = "Dr Durand <durand@medecin.mssante.test>"
    message["To"] = "dr@medecin.mssante.test"
    message["Subject"] = subject
    if name is not None:
        message["Message-ID"] = f"<{name}@mssante.test>"
    if references is not None:
        message["References"] = references
    if in_reply_to is not None:
        message["In-Reply-To"] = in_reply_to
    message["Date"] = format_datetime(START + timedelta(hours=hours))
    message.set_content(f"{subject}\n")
    return message.as_bytes()


def ref(*names: str) -> str:
    return " ".join(f"<{n}@mssante.test>" for n in names)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    account = opened.add_account("dr@medecin.mssante.test", "password", "imaps://imap.test")
    for name in ("INBOX", "Archives"):
        opened.upsert_folder(account, name, ".", None, True)
    yield opened
    opened.close()


def folder(store: Store, name: str = "INBOX") -> Folder:
    return next(f for f in store.folders(store.accounts()[0]) if f.name == name)


def add(store: Store, *messages: bytes, name: str = "INBOX", seen: bool = False) -> list[int]:
    """Stored in this order (one header pass each: arrival order matters); their row ids."""
    target = folder(store, name)
    ids = []
    for raw in messages:
        uid = max(store.uids(target), default=0) + 1
        flags = ("\\Seen",) if seen else ()
        store.add_headers(target, [HeaderRow(uid, flags, None, len(raw), None, raw)])
        ids.append(store.db.execute("SELECT max(id) FROM messages").fetchone()[0])
    return ids


def key(store: Store, rowid: int) -> str:
    return str(store.db.execute("SELECT thread FROM messages WHERE id = ?", (rowid,)).fetchone()[0])


def test_the_key_comes_from_references_then_in_reply_to_then_the_message_id(
    store: Store,
) -> None:
    root, reply, deeper, lone, anonymous = add(
        store,
        mail("a", "Patient X", 0),
        mail("b", "Re: Patient X", 1, references=ref("a"), in_reply_to=ref("a")),
        mail("c", "Re: Patient X", 2, references=ref("a", "b"), in_reply_to=ref("b")),
        mail("d", "Autre", 3),
        mail(None, "Sans identifiant", 4),
    )
    assert key(store, root) == key(store, reply) == key(store, deeper) == "a@mssante.test"
    assert key(store, lone) == "d@mssante.test"
    assert key(store, anonymous) == f"<{anonymous}"  # its own, never a Message-ID
    depths = store.db.execute("SELECT id, thread_depth FROM messages ORDER BY id").fetchall()
    assert [d for _i, d in depths] == [0, 1, 2, 0, 0]


def test_broken_or_missing_references(store: Store) -> None:
    root, only_in_reply_to, garbage, truncated = add(
        store,
        mail("a", "Bilan", 0),
        mail("b", "Re: Bilan", 1, in_reply_to=ref("a")),  # a client that sends no References
        mail("c", "Re: Bilan", 2, references="n'importe quoi", in_reply_to=ref("b")),
        mail("d", "Re: Bilan", 3, references=ref("a", "c")),  # the middle ones dropped
    )
    assert {key(store, r) for r in (root, only_in_reply_to, garbage, truncated)} == {
        "a@mssante.test"
    }
    hostile = add(
        store, mail("e", "Re: Bilan", 4, references=" ".join(f"<{i}@x>" for i in range(500)))
    )
    assert key(store, hostile[0]) == "0@x"  # the first kept (references capped at 200)


def test_a_reply_arriving_before_its_root_joins_it_and_its_siblings(store: Store) -> None:
    # The replies first (another folder synced first, a late root), each naming the root.
    first, second = add(
        store,
        mail("b", "Re: Courrier", 5, references=ref("a")),
        mail("c", "Re: Courrier", 6, references=ref("a")),
    )
    assert key(store, first) == key(store, second) == "a@mssante.test"  # siblings already
    (root,) = add(store, mail("a", "Courrier", 1))
    assert key(store, root) == "a@mssante.test"
    # A reply naming only its parent (In-Reply-To) arrives before that parent.
    (late,) = add(store, mail("e", "Re: Re: Courrier", 8, in_reply_to=ref("d")))
    assert key(store, late) == "d@mssante.test"
    (parent,) = add(store, mail("d", "Re: Courrier", 7, references=ref("a", "c")))
    assert {key(store, r) for r in (first, second, root, late, parent)} == {"a@mssante.test"}
    rows = threaded_rows(store, Scope(folder="INBOX"))
    assert list(rows.ids) == [root, first, second, parent, late]  # oldest first inside
    assert rows.sizes == (5,) * 5 and rows.head(0) and not any(rows.head(r) for r in range(1, 5))


def test_the_order_is_by_newest_message_then_oldest_first_inside(store: Store) -> None:
    a, lone, a_reply, b, b_reply = add(
        store,
        mail("a", "Ancien fil", 0),
        mail("x", "Message seul", 10),
        mail("a2", "Re: Ancien fil", 20, references=ref("a")),  # the newest: fil a first
        mail("b", "Fil b", 5),
        mail("b2", "Re: Fil b", 6, references=ref("b")),
    )
    store.change_flags(store.find(str(b)), ["\\Seen"])  # type: ignore[arg-type]
    rows = threaded_rows(store, Scope(folder="INBOX"))
    assert list(rows.ids) == [a, a_reply, lone, b, b_reply]
    assert [rows.indent(r) for r in range(5)] == [0, 1, 0, 0, 1]
    heads = [r for r in range(5) if rows.head(r)]
    assert [(rows.sizes[r], rows.unread[r]) for r in heads] == [(2, 2), (1, 1), (2, 1)]
    ascending = threaded_rows(store, Scope(folder="INBOX"), descending=False)
    assert list(ascending.ids) == [b, b_reply, lone, a, a_reply]
    by_subject = threaded_rows(store, Scope(folder="INBOX"), "subject", descending=False)
    assert list(by_subject.ids) == [a, a_reply, b, b_reply, lone]  # "Ancien", "Fil", "Message"
    by_subject = threaded_rows(store, Scope(folder="INBOX"), "subject")
    assert list(by_subject.ids) == [b, b_reply, a, a_reply, lone]  # "Re: Fil", "Re: Ancien"
    # the same messages as the flat list, each once
    assert sorted(rows.ids) == sorted(message_ids(store, Scope(folder="INBOX")))


def test_a_scope_counts_only_its_own_messages(store: Store) -> None:
    root, reply = add(
        store,
        mail("a", "Glycémie", 0),
        mail("b", "Re: Glycémie", 2, references=ref("a")),
    )
    (archived,) = add(
        store, mail("c", "Re: Glycémie", 3, references=ref("a", "b")), name="Archives"
    )
    inbox = threaded_rows(store, Scope(folder="INBOX"))
    assert list(zip(inbox.ids, inbox.sizes, strict=True)) == [(root, 2), (reply, 2)]
    everywhere = threaded_rows(store, Scope(account="dr@medecin.mssante.test"))
    assert list(everywhere.ids) == [root, reply, archived]
    assert list(threaded_rows(store, Scope(search="glycemie")).ids) == [root, reply, archived]
    assert len(threaded_rows(store, Scope(folder="INBOX", unread=True)).ids) == 2
    assert threaded_rows(store, Scope(search="  ")).ids == ()
    # depth is relative to the shallowest message shown: a lone reply is not indented
    archives = threaded_rows(store, Scope(folder="Archives"))
    assert archives.depths == (0,) and archives.indent(0) == 0


def test_a_copy_stays_in_its_conversation(store: Store) -> None:
    root, reply = add(
        store, mail("a", "Lettre", 0), mail("b", "Re: Lettre", 1, references=ref("a"))
    )
    copy = LocalChanges(store).copy(reply, folder(store, "Archives"))
    assert key(store, copy) == key(store, root)
    everywhere = threaded_rows(store, Scope(account="dr@medecin.mssante.test"))
    assert set(everywhere.ids) == {root, reply, copy}
    assert everywhere.sizes == (3, 3, 3)


def old_store(directory: Path) -> None:
    """A store of the version before conversations, with three messages (two downloaded)."""
    directory.mkdir()
    db = sqlite3.connect(directory / "store.sqlite3", isolation_level=None)
    sqlite.migrate(db, MIGRATIONS[:THREADS_STEP], "store")
    db.close()


def test_rows_stored_before_are_placed_from_their_files(tmp_path: Path) -> None:
    directory = tmp_path / "profile"
    old_store(directory)
    store = Store.open(directory)  # migrated (and encrypted) here
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        account = store.add_account("dr@medecin.mssante.test", "password", "imaps://imap.test")
        store.upsert_folder(account, "INBOX", ".", None, True)
        raws = [
            mail("a", "Bilan", 0),
            mail("b", "Re: Bilan", 1, references=ref("a")),
            mail("c", "Re: Re: Bilan", 2, references=ref("a", "b")),
        ]
        ids = add(store, *raws)
        store.add_bodies(folder(store), {1: raws[0], 2: raws[1]})  # the third not downloaded
        # as the migration leaves rows stored before it
        store.db.execute("UPDATE messages SET thread = '<' || id, thread_depth = NULL")
        assert threads.pending(store.db) == 2
        assert len(set(threaded_rows(store, Scope(folder="INBOX")).threads)) == 3

        progress = threads.backfill(store, batch=1)
        assert (progress.done, progress.left) == (2, 0)
        assert key(store, ids[0]) == key(store, ids[1]) == "a@mssante.test"
        assert key(store, ids[2]) == f"<{ids[2]}"  # no file yet: its own until its body comes
        store.add_bodies(folder(store), {3: raws[2]})  # the sync brings it: placed then
        assert key(store, ids[2]) == "a@mssante.test"
        assert threads.backfill(store) == threads.BackfillProgress(0, 0)
    finally:
        store.close()


def test_the_migration_keys_existing_rows_as_their_own(tmp_path: Path) -> None:
    directory = tmp_path / "profile"
    old_store(directory)
    db = sqlite3.connect(directory / "store.sqlite3", isolation_level=None)
    db.execute(
        "INSERT INTO accounts (id, address, auth, imap_url) "
        "VALUES (1, 'dr@medecin.mssante.test', 'card', 'imaps://i.test')"
    )
    db.execute("INSERT INTO folders (id, account_id, name) VALUES (1, 1, 'INBOX')")
    db.execute("INSERT INTO messages (folder_id, uid, subject, blob) VALUES (1, 1, 'a', 'ff')")
    db.execute("INSERT INTO messages (folder_id, uid, subject) VALUES (1, 2, 'b')")
    db.close()
    store = Store.open(directory)
    try:
        rows = store.db.execute("SELECT id, thread, thread_depth FROM messages").fetchall()
        assert [tuple(r) for r in rows] == [(1, "<1", None), (2, "<2", None)]
        assert threads.pending(store.db) == 1  # the one with a file
        progress = threads.backfill(store)  # its file is missing: placed by its row alone
        assert (progress.done, progress.left) == (1, 0)
        shown = list(threaded_rows(store, Scope(folder="INBOX")).ids)
        assert shown == message_ids(store, Scope(folder="INBOX")) == [2, 1]  # no dates: by id
    finally:
        store.close()

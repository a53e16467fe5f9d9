"""The full-text tables keyed by date then id (issue 22): a search gives the same messages
in the same order as sorting every match by date, whatever the path (the head of the index,
the scope asked in SQL), and every write or removal keeps the tables in step."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from app.store import search_keys, search_query
from app.store.changes import LocalChanges
from app.store.db import Folder, HeaderRow, Store, fts_query
from app.store.migrations import MIGRATIONS

WORDS = ("glycemie", "hemoglobine", "ferritine", "creatinine", "kaliemie")


def header(number: int, when: datetime | None, words: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Labo {number % 3} <labo{number % 3}@biolab.mssante.test>"
    message["Subject"] = f"Bilan {words}"
    message["Message-ID"] = f"<bilan-{number}@biolab.test>"
    if when is not None:
        message["Date"] = format_datetime(when)
    return message.as_bytes()


def _when(rng: random.Random, number: int) -> datetime | None:
    if number % 17 == 0:
        return None  # no date: last, as in the list
    if number % 23 == 0:
        return datetime(1962, 5, 1, tzinfo=UTC)  # before 1970: clamped, still ordered by id
    if number % 29 == 0:
        return datetime(2200, 1, 1, tzinfo=UTC)  # beyond 2106: clamped
    start = datetime(2016, 1, 1, tzinfo=UTC)
    return start + timedelta(minutes=rng.randrange(10 * 365 * 24 * 60) // 60 * 60)


def build(directory: Path) -> Store:
    opened = Store.open(directory)
    account = opened.add_account("dr@mssante.test", "password", "imaps://imap.test")
    rng = random.Random(7)
    for name in ("INBOX", "Archives", "Petit"):
        opened.upsert_folder(account, name, ".", None, True)
        target = next(f for f in opened.folders(account) if f.name == name)
        count = 6 if name == "Petit" else 200
        rows = []
        for uid in range(1, count + 1):
            number = uid + (1000 if name == "Archives" else 2000 if name == "Petit" else 0)
            words = " ".join(rng.sample(WORDS, rng.randrange(1, 4)))
            rows.append(
                HeaderRow(uid, (), None, 100, None, header(number, _when(rng, number), words))
            )
        rng.shuffle(rows)  # the server's order is not the dates'
        opened.add_headers(target, rows)
    # a few messages known by their documents' words only
    for row in opened.db.execute("SELECT id FROM messages WHERE id % 11 = 0").fetchall():
        opened.db.execute(
            f"INSERT INTO document_search (rowid, documents) VALUES ({search_keys.KEY_OF_ID}, ?)",  # noqa: S608
            (row[0], "potassium glycemie"),
        )
    return opened


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Read only (the tests that change it build their own)."""
    opened = build(tmp_path_factory.mktemp("keys") / "profile")
    yield opened
    opened.close()


def folder(store: Store, name: str) -> Folder:
    return next(f for f in store.folders(store.accounts()[0]) if f.name == name)


def expected(store: Store, text: str, folder_name: str | None = None) -> list[int]:
    """Every match sorted by date then id, as the list sorts (the reference)."""
    query = fts_query(text)
    keys = {
        row[0]
        for table in ("search", "document_search")
        for row in store.db.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (query,))  # noqa: S608
    }
    ids = {search_keys.message_id(key) for key in keys}
    rows = store.db.execute(
        "SELECT m.id, m.date, f.name FROM messages m JOIN folders f ON f.id = m.folder_id"
    ).fetchall()
    chosen = [r for r in rows if r[0] in ids and (folder_name is None or r[2] == folder_name)]
    chosen.sort(key=lambda r: (r[1] or "", r[0]), reverse=True)
    return [r[0] for r in chosen]


@pytest.mark.parametrize("text", ["glycemie", "hemo", "kaliemie creat", "potassium", "labo1"])
@pytest.mark.parametrize("limit", [None, 1, 50, 400])
def test_newest_first_as_sorting_every_match(store: Store, text: str, limit: int | None) -> None:
    found = [m.id for m in store.search(text, limit=limit)]
    reference = expected(store, text)
    assert reference, text  # the data holds matches for every query
    assert found == reference[:limit]


@pytest.mark.parametrize("scoped_after", [1, 10_000])  # asked in SQL at once / never
def test_a_small_folder_among_many_matches(
    store: Store, scoped_after: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_query, "SCOPED_AFTER", scoped_after)
    for text in ("glycemie", "potassium", "bilan"):
        for name in ("Petit", "INBOX"):
            found = [m.id for m in store.search(text, folder=name, limit=5)]
            assert found == expected(store, text, name)[:5]


def test_the_list_walks_the_date_index(store: Store) -> None:
    plan = " ".join(
        str(row[3])
        for row in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT m.id FROM messages m JOIN folders f ON f.id = m.folder_id"
            " ORDER BY m.date DESC, m.id DESC LIMIT 50"
        )
    )
    assert "messages_by_date" in plan and "TEMP B-TREE" not in plan


def _entries(store: Store) -> tuple[int, int]:
    messages = store.db.execute("SELECT count(*) FROM messages").fetchone()[0]
    keyed = store.db.execute(
        f"SELECT count(*) FROM search WHERE rowid IN (SELECT {search_keys.KEY} FROM messages m)"  # noqa: S608
    ).fetchone()[0]
    return messages, keyed


def test_removals_and_copies_keep_the_tables_in_step(tmp_path: Path) -> None:
    store = build(tmp_path / "profile")
    total, keyed = _entries(store)
    assert total == keyed == store.db.execute("SELECT count(*) FROM search").fetchone()[0]
    inbox, archives = folder(store, "INBOX"), folder(store, "Archives")
    store.remove_uids(inbox, [1, 2, 3])
    changes = LocalChanges(store)
    moved = store.search("glycemie", folder="INBOX", limit=1)[0]
    changes.copy(moved.id, archives)
    changes.move(moved.id, archives)
    changes.delete_folder(folder(store, "Petit"))
    total, keyed = _entries(store)
    assert total == keyed == store.db.execute("SELECT count(*) FROM search").fetchone()[0]
    orphans = store.db.execute(
        "SELECT count(*) FROM document_search WHERE rowid NOT IN "  # noqa: S608
        f"(SELECT {search_keys.KEY} FROM messages m)"
    ).fetchone()[0]
    assert orphans == 0
    assert [m.id for m in store.search("glycemie", limit=50)] == expected(store, "glycemie")[:50]
    store.close()


def test_a_local_copy_is_found_by_its_body_and_attachment(tmp_path: Path) -> None:
    """A local copy is found as its original is: by its body's words and attachment names."""
    store = build(tmp_path / "profile")
    inbox, archives = folder(store, "INBOX"), folder(store, "Archives")
    message = EmailMessage()
    message["From"] = "Labo <labo@biolab.mssante.test>"
    message["Subject"] = "Bilan du jour"
    message["Message-ID"] = "<copie@biolab.test>"
    message.set_content("Hyperkaliémie modérée, contrôle demandé.")
    message.add_attachment(
        b"%PDF-1.4", maintype="application", subtype="pdf", filename="compte-rendu-ionogramme.pdf"
    )
    raw = message.as_bytes()
    store.add_headers(inbox, [HeaderRow(500, (), None, len(raw), None, raw)])
    store.add_bodies(inbox, {500: raw})
    original = store.search("hyperkaliemie")
    assert [m.folder for m in original] == ["INBOX"]
    LocalChanges(store).copy(original[0].id, archives)
    for words in ("hyperkaliemie controle", "ionogramme", "bilan du jour"):
        assert sorted(m.folder for m in store.search(words)) == ["Archives", "INBOX"], words
    store.close()


def test_a_store_keyed_by_id_is_rekeyed_once(tmp_path: Path) -> None:
    """Migration 11 on a store written by the previous version (rowid = message id)."""
    directory = tmp_path / "old"
    directory.mkdir()
    connection = sqlite3.connect(directory / "store.sqlite3", isolation_level=None)
    for number, script in enumerate(MIGRATIONS[:10], start=1):
        connection.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    connection.execute(
        "INSERT INTO accounts (address, auth, imap_url) VALUES ('dr@x.test', 'password', 'x')"
    )
    connection.execute("INSERT INTO folders (account_id, name) VALUES (1, 'INBOX')")
    for uid, date in enumerate(("2020-01-02T10:00:00Z", None, "2024-05-06T07:08:09Z"), 1):
        connection.execute(
            "INSERT INTO messages (folder_id, uid, subject, date) VALUES (1, ?, ?, ?)",
            (uid, f"ferritine {uid}", date),
        )
        connection.execute(
            "INSERT INTO search (rowid, subject, addresses, body, attachments) "
            "VALUES (?, ?, '', '', '')",
            (uid, f"ferritine {uid}"),
        )
    connection.execute("INSERT INTO document_search (rowid, documents) VALUES (3, 'potassium')")
    connection.close()
    store = Store.open(directory)
    try:
        assert [m.subject for m in store.search("ferritine")] == [
            "ferritine 3",
            "ferritine 1",
            "ferritine 2",
        ]
        assert [m.uid for m in store.search("potassium")] == [3]
        assert store.db.execute("SELECT count(*) FROM search").fetchone()[0] == 3
        assert [m.uid for m in store.search("ferr")] == [3, 1, 2]  # a prefix
    finally:
        store.close()

"""Message files collected in proportion to what changed (issue 22): the files of rows that
went are looked at, the whole folder is listed once a day, never at every sync."""

from __future__ import annotations

import os
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.store.blobs import SWEPT, BlobStore
from app.store.changes import LocalChanges
from app.store.db import Folder, HeaderRow, Store


def message(number: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Laboratoire <labo@biolab.mssante.test>"
    mail["Subject"] = f"Bilan n°{number}"
    mail["Message-ID"] = f"<bilan-{number}@biolab.test>"
    mail.set_content(f"Texte {number}")
    return mail.as_bytes()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    for address in ("dr@mssante.test", "secretariat@mssante.test"):
        account = opened.add_account(address, "password", "imaps://imap.test")
        for name in ("INBOX", "Archives"):
            opened.upsert_folder(account, name, ".", None, True)
    for address in ("dr@mssante.test", "secretariat@mssante.test"):
        inbox = folder(opened, "INBOX", address)
        opened.add_headers(
            inbox, [HeaderRow(n, (), None, 100, None, message(n)) for n in (1, 2, 3)]
        )
        opened.add_bodies(inbox, {n: message(n) for n in (1, 2, 3)})
    opened.collect_blobs(full=True)  # the day's listing done
    yield opened
    opened.close()


def folder(store: Store, name: str, address: str = "dr@mssante.test") -> Folder:
    account = store.account(address)
    assert account is not None
    return next(f for f in store.folders(account) if f.name == name)


def digest_of(store: Store, uid: int, address: str = "dr@mssante.test") -> str:
    row = store.db.execute(
        "SELECT m.blob FROM messages m JOIN folders f ON f.id = m.folder_id "
        "JOIN accounts a ON a.id = f.account_id WHERE a.address = ? AND f.name = 'INBOX' "
        "AND m.uid = ?",
        (address, uid),
    ).fetchone()
    return str(row[0])


@pytest.fixture
def no_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    def listed(*_args: object, **_kwargs: object) -> int:
        raise AssertionError("the whole folder of message files was listed")

    monkeypatch.setattr(BlobStore, "collect", listed)


def test_a_file_still_referred_to_elsewhere_stays(store: Store, no_listing: None) -> None:
    shared = digest_of(store, 1)
    assert shared == digest_of(store, 1, "secretariat@mssante.test")  # one file, two rows
    store.remove_uids(folder(store, "INBOX"), [1])
    assert store.collect_blobs() == 0
    assert store.blobs.get(shared) is not None
    assert store.db.execute("SELECT count(*) FROM blob_candidates").fetchone()[0] == 0
    store.remove_uids(folder(store, "INBOX", "secretariat@mssante.test"), [1])
    assert store.collect_blobs() == 1
    assert store.blobs.get(shared) is None


def test_expunged_moved_and_removed_accounts_files_go_without_a_listing(
    store: Store, no_listing: None
) -> None:
    store.remove_uids(folder(store, "INBOX"), [2])
    store.remove_uids(folder(store, "INBOX", "secretariat@mssante.test"), [2])
    gone = digest_of(store, 3, "secretariat@mssante.test")
    account = store.account("secretariat@mssante.test")
    assert account is not None
    files = store.remove_account(account)  # rows go by cascade: noted all the same
    assert store.collect_blobs(at_once=files) == 1  # message 2 (message 3: still dr's)
    assert store.blobs.get(gone) is not None
    changes = LocalChanges(store)
    moved = store.messages(folder="INBOX", account="dr@mssante.test")[0]
    changes.move(moved.id, folder(store, "Archives"))  # same file, another row: kept
    assert store.collect_blobs() == 0
    assert store.db.execute("SELECT count(*) FROM blob_candidates").fetchone()[0] == 0


def test_a_young_candidate_waits_for_the_next_time(store: Store, no_listing: None) -> None:
    young = digest_of(store, 1)
    for address in ("dr@mssante.test", "secretariat@mssante.test"):
        store.remove_uids(folder(store, "INBOX", address), [1])
    assert store.collect_blobs(older_than=3600) == 0  # another writer may refer to it
    assert [r[0] for r in store.db.execute("SELECT blob FROM blob_candidates")] == [young]
    assert store.collect_blobs() == 1
    assert store.blobs.get(young) is None


def test_a_file_no_row_ever_named_goes_at_the_daily_listing(store: Store) -> None:
    leftover = store.blobs.put(b"written, then the sync stopped before its row")
    assert store.collect_blobs() == 0  # listed today already
    assert store.blobs.get(leftover) is not None
    stamp = store.blobs.root / SWEPT
    day_ago = stamp.stat().st_mtime - 25 * 3600
    os.utime(stamp, (day_ago, day_ago))
    assert store.blobs.sweep_due()
    assert store.collect_blobs() == 1
    assert store.blobs.get(leftover) is None and not store.blobs.sweep_due()

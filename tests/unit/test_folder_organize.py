"""Folders moved under another, marked read, and messages archived into Archives/AAAA."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.core.errors import LocalChangeError
from app.store.archive import Archiver, archive_year
from app.store.changes import LocalChanges
from app.store.db import Account, Folder, HeaderRow, Store


def header(number: int, date: str | None) -> bytes:
    message = EmailMessage()
    message["From"] = "Laboratoire <labo@biolab.mssante.test>"
    message["Subject"] = f"Bilan n°{number}"
    message["Message-ID"] = f"<bilan-{number}@biolab.test>"
    if date:
        message["Date"] = date
    return message.as_bytes()


DATES = {1: "Mon, 16 Mar 2026 10:00:00 +0100", 2: "Tue, 12 Jun 2024 09:00:00 +0200", 3: None}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    account = opened.add_account("dr@mssante.test", "password", "imaps://imap.test")
    for name in ("INBOX", "Patients", "Patients/Durand", "Vieux"):
        opened.upsert_folder(account, name, "/", "Inbox" if name == "INBOX" else None, True)
    rows = [HeaderRow(i, (), None, 100, None, header(i, d)) for i, d in DATES.items()]
    rows.append(HeaderRow(4, ("\\Seen",), None, 100, None, header(4, DATES[1])))
    opened.add_headers(folder(opened, "INBOX"), rows)
    yield opened
    opened.close()


def account_of(store: Store) -> Account:
    account = store.account("dr@mssante.test")
    assert account is not None
    return account


def folder(store: Store, name: str) -> Folder:
    return next(f for f in store.folders(account_of(store)) if f.name == name)


def names(store: Store) -> list[str]:
    return [f.name for f in store.folders(account_of(store))]


def queue(store: Store) -> list[tuple[str, str, str | None]]:
    return [(c.kind, c.folder, c.target) for c in LocalChanges(store).pending(account_of(store))]


def by_uid(store: Store, uid: int) -> int:
    return next(m.id for m in store.messages() if m.uid == uid)


def test_a_folder_moves_under_another_with_its_sub_folders(store: Store) -> None:
    changes = LocalChanges(store)
    assert changes.move_folder(folder(store, "Patients"), folder(store, "Vieux")) == (
        "Vieux/Patients"
    )
    assert names(store) == ["INBOX", "Vieux", "Vieux/Patients", "Vieux/Patients/Durand"]
    assert queue(store) == [("rename_folder", "Patients", "Vieux/Patients")]
    changes.move_folder(folder(store, "Vieux/Patients/Durand"), None)  # to the top
    assert "Durand" in names(store)
    with pytest.raises(LocalChangeError) as into_itself:
        changes.move_folder(folder(store, "Vieux"), folder(store, "Vieux/Patients"))
    assert "lui-même" in into_itself.value.user_message
    with pytest.raises(LocalChangeError):  # the Inbox stays where it is
        changes.move_folder(folder(store, "INBOX"), folder(store, "Vieux"))


def test_a_sub_folder_takes_the_servers_delimiter(store: Store) -> None:
    changes = LocalChanges(store)
    assert changes.child_name(folder(store, "Patients"), " Martin ") == "Patients/Martin"


def test_marking_a_folder_read_is_one_queued_change_per_unread_message(store: Store) -> None:
    changes = LocalChanges(store)
    inbox = folder(store, "INBOX")
    assert changes.mark_folder_read(inbox) == 3
    assert all(not m.unread for m in store.messages(folder="INBOX"))
    queued = store.pending_flags(inbox)
    assert sorted(uid for _id, uid, _add, _remove in queued) == [1, 2, 3]  # not 4: read already
    assert {add for _id, _uid, add, _remove in queued} == {("\\Seen",)}
    assert changes.mark_folder_read(inbox) == 0  # nothing left to do, nothing queued
    assert len(store.pending_flags(inbox)) == 3


def test_archive_goes_to_the_year_of_the_message(store: Store) -> None:
    archiver = Archiver(store)
    moved = archiver.archive([by_uid(store, 1), by_uid(store, 2), by_uid(store, 4)])
    assert moved == {"Archives/2026": 2, "Archives/2024": 1}
    assert {"Archives", "Archives/2024", "Archives/2026"} <= set(names(store))
    assert queue(store)[:3] == [
        ("create_folder", "Archives", "Archives"),
        ("create_folder", "Archives/2026", "Archives/2026"),
        ("move", "INBOX", "Archives/2026"),
    ]
    assert [m.folder for m in store.messages(folder="Archives/2024")] == ["Archives/2024"]
    again = archiver.archive([store.messages(folder="Archives/2024")[0].id])
    assert again == {"Archives/2024": 1}  # already there: stays, nothing queued
    assert len(queue(store)) == 6


def test_archive_uses_the_accounts_archive_folder(store: Store) -> None:
    store.upsert_folder(account_of(store), "Archive", "/", "Archive", True)
    Archiver(store).archive([by_uid(store, 1)])
    assert "Archive/2026" in names(store) and "Archives" not in names(store)


def test_a_message_without_any_date_is_not_archived_silently(store: Store) -> None:
    undated = by_uid(store, 3)
    store.db.execute("UPDATE messages SET date = NULL WHERE id = ?", (undated,))
    with pytest.raises(LocalChangeError) as error:
        Archiver(store).archive([undated])
    assert "date" in error.value.user_message


def test_the_year_is_the_local_one() -> None:
    assert archive_year("2024-06-12T07:00:00+00:00") == 2024
    assert archive_year("pas une date") is None and archive_year(None) is None
    noon = datetime(2025, 7, 1, 12).astimezone().isoformat()
    assert archive_year(noon) == 2025


def test_archives_known_only_by_their_years_are_not_created_again(store: Store) -> None:
    store.upsert_folder(account_of(store), "Archives/2024", "/", None, True)  # parent unlisted
    assert Archiver(store).archive([by_uid(store, 1)]) == {"Archives/2026": 1}
    assert "Archives" not in names(store)
    assert [kind for kind, _folder, _target in queue(store)] == ["create_folder", "move"]

"""Local moves, copies, deletions and folder changes: the local copy and the queue."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.core.errors import LocalChangeError
from app.store.changes import LocalChanges, NoTrashError
from app.store.db import Account, Folder, HeaderRow, Store


def header(number: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Laboratoire <labo@biolab.mssante.test>"
    message["Subject"] = f"Bilan n°{number}"
    message["Message-ID"] = f"<bilan-{number}@biolab.test>"
    return message.as_bytes()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    account = opened.add_account("dr@mssante.test", "password", "imaps://imap.test")
    for name, special in (("INBOX", "Inbox"), ("Archives", None), ("Corbeille", "Trash")):
        opened.upsert_folder(account, name, ".", special, True)
    inbox = folder(opened, "INBOX")
    opened.add_headers(inbox, [HeaderRow(i, (), None, 100, None, header(i)) for i in (1, 2, 3)])
    yield opened
    opened.close()


def account_of(store: Store) -> Account:
    account = store.account("dr@mssante.test")
    assert account is not None
    return account


def folder(store: Store, name: str) -> Folder:
    return next(f for f in store.folders(account_of(store)) if f.name == name)


def message_id(store: Store, uid: int) -> int:
    return next(m.id for m in store.messages(folder="INBOX") if m.uid == uid)


def queue(store: Store) -> list[tuple[str, str, str | None]]:
    return [(c.kind, c.folder, c.target) for c in LocalChanges(store).pending(account_of(store))]


def test_a_move_is_local_at_once_and_queued(store: Store) -> None:
    changes, local_id = LocalChanges(store), message_id(store, 1)
    changes.move(local_id, folder(store, "Archives"))
    moved = store.find(str(local_id))
    assert moved is not None and moved.folder == "Archives" and moved.uid < 0
    assert store.search("bilan 1")[0].id == local_id  # still found, same local id
    assert queue(store) == [("move", "INBOX", "Archives")]
    assert store.uids(folder(store, "Archives")) == set()  # the sync ignores it meanwhile


def test_moving_again_rewrites_the_queued_move(store: Store) -> None:
    changes, local_id = LocalChanges(store), message_id(store, 1)
    changes.move(local_id, folder(store, "Archives"))
    store.change_flags(store.find(str(local_id)), ["\\Flagged"])  # type: ignore[arg-type]
    changes.move(local_id, folder(store, "Corbeille"))
    assert queue(store) == [("move", "INBOX", "Corbeille")]
    placeholder = store.find(str(local_id))
    assert placeholder is not None and placeholder.folder == "Corbeille"
    changes.move(local_id, folder(store, "INBOX"))  # back home: nothing left to do
    assert queue(store) == []
    back = store.find(str(local_id))
    assert back is not None and (back.folder, back.uid) == ("INBOX", 1)
    assert store.pending_flags(folder(store, "INBOX"))[0][1:3] == (1, ("\\Flagged",))


def test_delete_goes_to_the_trash_then_for_good(store: Store) -> None:
    changes, local_id = LocalChanges(store), message_id(store, 2)
    changes.delete(local_id)
    trashed = store.find(str(local_id))
    assert trashed is not None and trashed.folder == "Corbeille"
    changes.delete(local_id)  # deleted from the trash: the move becomes a deletion
    assert store.find(str(local_id)) is None
    assert queue(store) == [("delete", "INBOX", None)]
    changes.delete(message_id(store, 3), permanent=True)
    assert queue(store)[-1] == ("delete", "INBOX", None)
    assert store.search("bilan 3") == []


def test_a_copy_deleted_before_the_sync_never_reaches_the_server(store: Store) -> None:
    changes = LocalChanges(store)
    copy_id = changes.copy(message_id(store, 1), folder(store, "Archives"))
    assert len(store.search("bilan 1")) == 2
    with pytest.raises(LocalChangeError):  # a copy of a copy waits for the sync
        changes.copy(copy_id, folder(store, "INBOX"))
    changes.delete(copy_id, permanent=True)
    assert queue(store) == []
    assert len(store.search("bilan 1")) == 1


def test_folder_changes(store: Store) -> None:
    changes, account = LocalChanges(store), account_of(store)
    created = changes.create_folder(account, "Patients")
    changes.move(message_id(store, 1), created)
    changes.rename_folder(folder(store, "Patients"), "Dossiers patients")  # not yet created:
    assert queue(store) == [  # the creation itself takes the new name
        ("create_folder", "Dossiers patients", "Dossiers patients"),
        ("move", "INBOX", "Dossiers patients"),
    ]
    changes.rename_folder(folder(store, "Archives"), "Archives 2026")
    assert queue(store)[-1] == ("rename_folder", "Archives", "Archives 2026")
    with pytest.raises(LocalChangeError):
        changes.rename_folder(folder(store, "INBOX"), "Boîte")
    with pytest.raises(LocalChangeError):
        changes.create_folder(account, "Archives 2026")
    with pytest.raises(LocalChangeError):
        changes.create_folder(account, "a*b")
    changes.delete_folder(folder(store, "Dossiers patients"))  # with the message moved in
    assert queue(store) == [
        ("delete", "INBOX", None),
        ("rename_folder", "Archives", "Archives 2026"),
    ]


def test_sub_folders_follow_a_rename(store: Store) -> None:
    changes, account = LocalChanges(store), account_of(store)
    store.upsert_folder(account, "Archives.2025", ".", None, True)
    changes.rename_folder(folder(store, "Archives"), "Anciens")
    names = {f.name for f in store.folders(account)}
    assert {"Anciens", "Anciens.2025"} <= names and "Archives.2025" not in names
    with pytest.raises(LocalChangeError):  # sub-folders first
        changes.delete_folder(folder(store, "Anciens"))


def test_replay_results(store: Store) -> None:
    changes, local_id = LocalChanges(store), message_id(store, 1)
    changes.move(local_id, folder(store, "Archives"))
    changes.rename_folder(folder(store, "Archives"), "Archives 2026")
    move, rename = changes.pending(account_of(store))
    changes.done(move, uid=41)
    done = store.find(str(local_id))
    assert done is not None and (done.folder, done.uid) == ("Archives 2026", 41)
    changes.back_out(rename)  # refused: the folder keeps its server name
    assert {f.name for f in store.folders(account_of(store))} >= {"Archives"}
    copy_id = changes.copy(local_id, folder(store, "INBOX"))
    changes.back_out(changes.pending(account_of(store))[0])
    assert store.find(str(copy_id)) is None
    changes.move(local_id, folder(store, "INBOX"))
    changes.back_out(changes.pending(account_of(store))[0])  # refused: back to its folder
    back = store.find(str(local_id))
    assert back is not None and (back.folder, back.uid) == ("Archives", 41)


def test_no_trash_means_asking_before_deleting_for_good(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "p")
    account = store.add_account("dr@mssante.test", "password", "imaps://imap.test")
    store.upsert_folder(account, "INBOX", ".", "Inbox", True)
    inbox = folder(store, "INBOX")
    store.add_headers(inbox, [HeaderRow(1, (), None, 100, None, header(1))])
    local_id = store.messages()[0].id
    with pytest.raises(NoTrashError):
        LocalChanges(store).delete(local_id)
    assert store.find(str(local_id)) is not None
    store.upsert_folder(account, "INBOX.Corbeille", ".", None, True)  # a trash by its name
    LocalChanges(store).delete(local_id)
    trashed = store.find(str(local_id))
    assert trashed is not None and trashed.folder == "INBOX.Corbeille"
    store.close()


def test_a_change_the_sync_is_doing_cannot_be_rewritten(store: Store) -> None:
    changes, local_id = LocalChanges(store), message_id(store, 1)
    changes.move(local_id, folder(store, "Archives"))
    changes.mark_started(changes.pending(account_of(store))[0])
    with pytest.raises(LocalChangeError) as caught:
        changes.move(local_id, folder(store, "INBOX"))
    assert "en cours de synchronisation" in caught.value.user_message


def test_renaming_a_new_folder_leaves_older_changes_alone(store: Store) -> None:
    changes, account = LocalChanges(store), account_of(store)
    changes.rename_folder(folder(store, "Archives"), "Anciens")
    changes.create_folder(account, "Archives")  # a new folder with the old name
    changes.rename_folder(folder(store, "Archives"), "Neuf")
    assert queue(store) == [
        ("rename_folder", "Archives", "Anciens"),
        ("create_folder", "Neuf", "Neuf"),
    ]

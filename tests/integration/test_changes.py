"""Moves, copies, deletions and folder changes made offline, replayed by the next sync
against the lab's Dovecot — and backed out when the server refuses them."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store.changes import LocalChanges
from app.store.db import Folder, Store
from tests.integration import test_sync
from tests.integration.test_sync import Server, gp_message, sync_once
from tests.lab.build import LabAccounts, LabPki
from tests.lab.dovecot import Dovecot

store = test_sync.store  # the same fixture: a fresh local store per test

FOLDERS = ("Résultats", "Archives", "Archives 2026", "Patients", "Dossiers patients", "Vieux")


@pytest.fixture
def server(
    dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts
) -> Iterator[Server]:
    box = Server(dovecot_password, lab_pki, lab_accounts.sync)
    box.reset(FOLDERS)
    yield box
    box.reset(FOLDERS)  # the other tests of this mailbox expect only their own folders


def folder(store: Store, name: str) -> Folder:
    return next(f for account in store.accounts() for f in store.folders(account) if f.name == name)


def by_number(store: Store, folder_name: str) -> dict[int, int]:
    """Local id of each gp_message in a folder, by its number."""
    found = {}
    for message in store.messages(folder=folder_name):
        found[int(message.subject.split("n°")[1].split()[0])] = message.id
    return found


def subject_numbers(server: Server, folder_name: str) -> list[int]:
    """The gp_message numbers in a folder, as another client sees it."""
    with server.client() as client:
        client.select_folder(folder_name)
        data = client.fetch(client.search(["ALL"]), [b"BODY.PEEK[HEADER]"])
    subjects = (
        email.message_from_bytes(v[b"BODY[HEADER]"], policy=email.policy.default)["Subject"]
        for v in data.values()
    )
    return sorted(int(subject.split("n°")[1].split()[0]) for subject in subjects)


def test_offline_moves_copies_and_deletions_reach_the_server(server: Server, store: Store) -> None:
    server.append("INBOX", [gp_message(i) for i in range(1, 6)])
    server.append("Archives", [gp_message(10)])
    sync_once(store, server)
    ids = by_number(store, "INBOX")
    changes = LocalChanges(store)

    # Offline (no connection is open here): file, copy, delete, flag.
    changes.move(ids[1], folder(store, "Archives"))
    store.change_flags(store.find(str(ids[1])), ["\\Flagged"])  # type: ignore[arg-type]
    changes.copy(ids[2], folder(store, "Archives"))
    changes.delete(ids[3], permanent=True)  # no Trash folder on this server
    changes.move(ids[4], folder(store, "Archives"))
    changes.move(ids[4], folder(store, "INBOX"))  # changed her mind: nothing to replay
    assert [c.kind for c in changes.pending(store.accounts()[0])] == ["move", "copy", "delete"]
    assert sorted(by_number(store, "Archives")) == [1, 2, 10]

    report = sync_once(store, server)
    assert report.changes_replayed == 3 and report.refused == []  # type: ignore[attr-defined]
    assert subject_numbers(server, "INBOX") == [2, 4, 5]
    assert subject_numbers(server, "Archives") == [1, 2, 10]
    moved = store.find(str(ids[1]))  # same local id, now with the server's UID and flag
    assert moved is not None and moved.folder == "Archives" and moved.uid > 0
    assert "\\Flagged" in moved.flags
    with server.client() as client:
        client.select_folder("Archives")
        flagged = client.search(["FLAGGED"])
    assert flagged == [moved.uid]  # the flag followed the message to its new UID

    again = sync_once(store, server)  # nothing doubled, nothing lost
    assert (again.new, again.removed, again.changes_replayed) == (0, 0, 0)  # type: ignore[attr-defined]
    assert sorted(by_number(store, "INBOX")) == [2, 4, 5]
    assert sorted(by_number(store, "Archives")) == [1, 2, 10]
    assert all(m.uid > 0 and m.downloaded for m in store.messages())


def test_offline_folder_changes_reach_the_server(server: Server, store: Store) -> None:
    server.append("INBOX", [gp_message(i) for i in range(1, 4)])
    server.append("Archives", [gp_message(10)])
    server.append("Vieux", [gp_message(20)])
    sync_once(store, server)
    ids, changes, account = by_number(store, "INBOX"), LocalChanges(store), store.accounts()[0]

    changes.create_folder(account, "Patients")
    changes.move(ids[1], folder(store, "Patients"))
    changes.rename_folder(folder(store, "Patients"), "Dossiers patients")
    changes.rename_folder(folder(store, "Archives"), "Archives 2026")
    changes.move(ids[2], folder(store, "Archives 2026"))
    changes.delete_folder(folder(store, "Vieux"))

    report = sync_once(store, server)
    assert report.refused == []  # type: ignore[attr-defined]
    with server.client() as client:
        names = {name for _flags, _delimiter, name in client.list_folders()}
    assert {"Dossiers patients", "Archives 2026"} <= names
    assert not names & {"Patients", "Archives", "Vieux"}
    assert subject_numbers(server, "Dossiers patients") == [1]
    assert subject_numbers(server, "Archives 2026") == [2, 10]
    assert sorted(by_number(store, "Archives 2026")) == [2, 10]
    assert store.find(str(ids[1])) is not None
    again = sync_once(store, server)
    assert (again.new, again.removed) == (0, 0)  # type: ignore[attr-defined]


def test_refused_changes_are_backed_out(server: Server, store: Store) -> None:
    server.append("INBOX", [gp_message(i) for i in range(1, 3)])
    server.append("Archives", [gp_message(10)])
    server.append("Vieux", [gp_message(20)])
    sync_once(store, server)
    ids, changes = by_number(store, "INBOX"), LocalChanges(store)
    changes.move(ids[1], folder(store, "Archives"))
    changes.rename_folder(folder(store, "Vieux"), "Patients")
    with server.client() as client:  # meanwhile, on another computer:
        client.delete_folder("Archives")  # the destination disappears
        client.create_folder("Patients")  # and the new name is taken

    report = sync_once(store, server)
    refused = report.refused  # type: ignore[attr-defined]
    assert len(refused) == 2, refused
    assert "déplacer" in refused[0] and "renommer" in refused[1]
    back = store.find(str(ids[1]))  # the message is where the server has it, same local id
    assert back is not None and back.folder == "INBOX" and back.uid > 0
    assert sorted(by_number(store, "INBOX")) == [1, 2]
    assert sorted(by_number(store, "Vieux")) == [20]
    assert subject_numbers(server, "INBOX") == [1, 2]
    assert LocalChanges(store).pending(store.accounts()[0]) == []


def test_replay_after_a_crash_neither_loses_nor_doubles(server: Server, store: Store) -> None:
    server.append("INBOX", [gp_message(i) for i in range(1, 3)])
    server.append("Archives", [gp_message(10)])
    sync_once(store, server)
    ids, changes = by_number(store, "INBOX"), LocalChanges(store)
    changes.move(ids[1], folder(store, "Archives"))
    changes.copy(ids[2], folder(store, "Archives"))
    copy = changes.pending(store.accounts()[0])[1]
    changes.mark_started(copy)
    # The previous sync did both on the server, then was killed before recording it.
    with server.client() as client:
        client.select_folder("INBOX")
        uids = sorted(client.search(["ALL"]))
        client.copy(uids[1:2], "Archives")
        client.move(uids[:1], "Archives")

    report = sync_once(store, server)
    assert report.refused == []  # type: ignore[attr-defined]
    assert subject_numbers(server, "Archives") == [1, 2, 10]  # the copy was not made twice
    assert subject_numbers(server, "INBOX") == [2]
    assert sorted(by_number(store, "Archives")) == [1, 2, 10]
    assert sorted(by_number(store, "INBOX")) == [2]


def test_cli_files_mail_offline(server: Server, lab_pki: LabPki, tmp_path: Path) -> None:
    trust = tmp_path / "public-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    server.append("INBOX", [gp_message(1)])
    server.append("Archives", [gp_message(10)])
    env = {**os.environ, "CADUCEE_PASSWORD": server.account.password or ""}
    base = [sys.executable, "-m", "app", "--profile-dir", str(tmp_path / "p")]

    def caducee(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*base, *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    url = f"imaps://localhost:{server.dovecot.imaps_port}"
    added = caducee(
        "account", "add", "--address", server.account.address, "--imap", url,
        "--auth", "password", "--username", server.account.login, "--trust", str(trust),
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert caducee("sync").returncode == 0
    created = caducee("folder", "create", "Patients")
    assert created.returncode == 0 and "prochaine synchronisation" in created.stdout
    inbox = json.loads(caducee("list", "--folder", "INBOX", "--json").stdout)
    moved = caducee("move", str(inbox[0]["id"]), "Patients")
    assert moved.returncode == 0, moved.stderr
    refused = caducee("folder", "delete", "Archives")  # not empty: asks for --force
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert caducee("folder", "delete", "INBOX", "--force").returncode == 1
    listing = caducee("folder", "list")
    assert "Patients — 1 message(s)" in listing.stdout, listing.stdout
    synced = caducee("sync")
    assert synced.returncode == 0 and "modifications locales reportées" in synced.stdout
    assert subject_numbers(server, "Patients") == [1]


def test_what_the_doctor_has_not_seen_is_never_deleted(server: Server, store: Store) -> None:
    server.append("INBOX", [gp_message(1)])
    server.append("Archives", [gp_message(10)])
    server.append("Vieux", [gp_message(20)])
    sync_once(store, server)
    ids, changes = by_number(store, "INBOX"), LocalChanges(store)
    changes.delete_folder(folder(store, "Vieux"))  # with the one message she saw
    changes.delete(by_number(store, "Archives")[10], permanent=True)
    server.append("Vieux", [gp_message(21)])  # meanwhile, new mail in the folder
    with server.client() as client:  # and Archives rebuilt: UID 1 is another message now
        client.delete_folder("Archives")
    server.append("Archives", [gp_message(11)])

    report = sync_once(store, server)
    refused = report.refused  # type: ignore[attr-defined]
    assert len(refused) == 2, refused
    assert "pas encore vus" in refused[0] and "reconstruit" in refused[1]
    assert subject_numbers(server, "Vieux") == [20, 21]
    assert subject_numbers(server, "Archives") == [11]
    assert sorted(by_number(store, "Vieux")) == [20, 21]  # the folder came back, whole
    assert ids and LocalChanges(store).pending(store.accounts()[0]) == []


def test_a_refused_move_cancels_what_depended_on_it(server: Server, store: Store) -> None:
    server.append("INBOX", [gp_message(1)])
    server.append("Archives", [gp_message(10)])
    server.append("Vieux", [gp_message(20), gp_message(21)])
    sync_once(store, server)
    vieux, changes = by_number(store, "Vieux"), LocalChanges(store)
    changes.move(vieux[20], folder(store, "Archives"))  # empties Vieux...
    changes.copy(vieux[21], folder(store, "Archives"))
    changes.delete(vieux[21], permanent=True)  # keeps only the copy...
    changes.delete_folder(folder(store, "Vieux"))  # ...then deletes the folder
    with server.client() as client:
        client.delete_folder("Archives")  # the destination disappears meanwhile

    report = sync_once(store, server)
    refused = report.refused  # type: ignore[attr-defined]
    assert len(refused) == 2 and "annulée" in refused[0] + refused[1], refused
    assert subject_numbers(server, "Vieux") == [20, 21]  # nothing lost on the server
    assert sorted(by_number(store, "Vieux")) == [20, 21]  # nor here


def test_folder_changes_after_moving_mail_out_and_a_crash(server: Server, store: Store) -> None:
    server.append("INBOX", [gp_message(1)])
    server.append("Archives", [gp_message(10)])
    server.append("Vieux", [gp_message(20)])
    sync_once(store, server)
    changes = LocalChanges(store)
    changes.move(by_number(store, "Vieux")[20], folder(store, "INBOX"))
    changes.delete_folder(folder(store, "Vieux"))  # the usual "empty it, then delete it"
    changes.rename_folder(folder(store, "Archives"), "Archives 2026")
    with server.client() as client:  # the rename was done before a crash cut its record
        client.rename_folder("Archives", "Archives 2026")

    report = sync_once(store, server)
    assert report.refused == [] and report.changes_replayed == 3  # type: ignore[attr-defined]
    with server.client() as client:
        names = {name for _flags, _delimiter, name in client.list_folders()}
    assert "Vieux" not in names and "Archives 2026" in names
    assert subject_numbers(server, "INBOX") == [1, 20]


def test_a_copy_with_an_unusual_message_id_is_not_made_twice(server: Server, store: Store) -> None:
    odd = gp_message(30).replace(b"Message-ID: <", b"Message-ID: <a(b){3}%\\")
    server.append("INBOX", [odd])
    server.append("Archives", [gp_message(10)])
    sync_once(store, server)
    changes = LocalChanges(store)
    changes.copy(by_number(store, "INBOX")[30], folder(store, "Archives"))
    changes.mark_started(changes.pending(store.accounts()[0])[0])
    with server.client() as client:  # copied before a crash
        client.select_folder("INBOX")
        client.copy(client.search(["ALL"]), "Archives")
    report = sync_once(store, server)
    assert report.refused == []  # type: ignore[attr-defined]
    assert subject_numbers(server, "Archives") == [10, 30]

"""Issue 20 item 3 against the lab's Dovecot: folders created, renamed, moved and deleted,
a folder marked read, a message copied and one archived into Archives/AAAA — offline first,
then replayed by a sync — reach the real server; and ``caducee archive`` / ``folder move`` /
``folder read`` do the same from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store.archive import Archiver
from app.store.changes import LocalChanges
from app.store.db import Store
from tests.integration import test_sync
from tests.integration.test_changes import by_number, folder, subject_numbers
from tests.integration.test_sync import Server, gp_message, sync_once
from tests.lab.build import LabAccounts, LabPki
from tests.lab.dovecot import Dovecot

store = test_sync.store  # a fresh local store per test

TOPS = ("Classement", "Cardiologie", "Temporaire", "Archives")


def clean(box: Server) -> None:
    """Our folders gone from the server, deepest first (Dovecot keeps a parent's children)."""
    with box.client() as client:
        names = [name for _flags, _delimiter, name in client.list_folders()]
        ours = [n for n in names if n.split("/")[0].split(".")[0] in TOPS]
        for name in sorted(ours, key=len, reverse=True):
            client.delete_folder(name)
    box.reset()


@pytest.fixture
def server(
    dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts
) -> Iterator[Server]:
    box = Server(dovecot_password, lab_pki, lab_accounts.sync)
    clean(box)
    yield box
    clean(box)  # the other tests of this mailbox expect only their own folders


def server_folders(server: Server) -> tuple[set[str], str]:
    with server.client() as client:
        listed = client.list_folders()
    return {name for _flags, _delimiter, name in listed}, listed[0][1].decode()


def unseen(server: Server, name: str) -> list[int]:
    with server.client() as client:
        client.select_folder(name, readonly=True)
        return list(client.search(["UNSEEN"]))


def test_folders_copies_and_archives_made_offline_reach_dovecot(
    server: Server, store: Store
) -> None:
    server.append("INBOX", [gp_message(i) for i in range(1, 5)])
    server.append("Temporaire", [])
    sync_once(store, server)
    _names, sep = server_folders(server)
    ids, changes, account = by_number(store, "INBOX"), LocalChanges(store), store.accounts()[0]

    # Offline: a folder with a sub-folder, renamed, the sub-folder moved to the top.
    classement = changes.create_folder(account, "Classement")
    cardio = changes.create_folder(account, changes.child_name(classement, "Cardio"))
    assert cardio.name == f"Classement{sep}Cardio"
    changes.rename_folder(cardio, f"Classement{sep}Cardiologie")
    moved = changes.move_folder(folder(store, f"Classement{sep}Cardiologie"), None)
    assert moved == "Cardiologie"
    changes.delete_folder(folder(store, "Temporaire"))
    changes.copy(ids[1], folder(store, "Cardiologie"))
    archived = Archiver(store).archive([ids[2]])
    assert archived == {f"Archives{sep}2026": 1}  # gp_message's Date: 16 Nov 2026
    assert changes.mark_folder_read(folder(store, "INBOX")) == 3  # 1, 3, 4 (2 is archived)

    report = sync_once(store, server)
    assert report.refused == []  # type: ignore[attr-defined]
    names, _sep = server_folders(server)
    assert {"Classement", "Cardiologie", "Archives", f"Archives{sep}2026"} <= names
    assert not names & {"Temporaire", f"Classement{sep}Cardio", f"Classement{sep}Cardiologie"}
    assert subject_numbers(server, "Cardiologie") == [1]
    assert subject_numbers(server, f"Archives{sep}2026") == [2]
    assert subject_numbers(server, "INBOX") == [1, 3, 4]
    assert unseen(server, "INBOX") == []  # "Marquer le dossier comme lu" reached the server

    again = sync_once(store, server)  # nothing doubled, nothing lost
    assert (again.new, again.removed, again.changes_replayed) == (0, 0, 0)  # type: ignore[attr-defined]
    assert sorted(by_number(store, f"Archives{sep}2026")) == [2]
    assert all(m.uid > 0 for m in store.messages())


def test_a_refused_folder_change_is_said_in_french(server: Server, store: Store) -> None:
    server.append("Classement", [gp_message(1)])
    sync_once(store, server)
    LocalChanges(store).rename_folder(folder(store, "Classement"), "Cardiologie")
    server.append("Cardiologie", [gp_message(3)])  # another client took the name: refused
    report = sync_once(store, server)
    refused = report.refused  # type: ignore[attr-defined]
    assert refused and "a refusé de renommer « Classement » en « Cardiologie »" in refused[0]
    assert folder(store, "Classement") is not None  # backed out: the name the server has


def test_cli_archives_moves_and_marks_folders_read(
    server: Server, lab_pki: LabPki, tmp_path: Path
) -> None:
    trust = tmp_path / "public-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    server.append("INBOX", [gp_message(1), gp_message(2)])
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
    _names, sep = server_folders(server)
    inbox = json.loads(caducee("list", "--folder", "INBOX", "--json").stdout)
    archived = caducee("archive", str(inbox[0]["id"]))
    assert archived.returncode == 0, archived.stderr
    assert f"archivé(s) dans « Archives{sep}2026 »" in archived.stdout
    assert caducee("folder", "create", "Classement").returncode == 0
    assert caducee("folder", "create", "Cardiologie").returncode == 0
    moved = caducee("folder", "move", "Cardiologie", "Classement")
    assert moved.returncode == 0 and f"Classement{sep}Cardiologie" in moved.stdout, moved.stderr
    into_itself = caducee("folder", "move", "Classement", f"Classement{sep}Cardiologie")
    assert into_itself.returncode == 1 and "lui-même" in into_itself.stderr
    read = caducee("folder", "read", "INBOX")
    assert read.returncode == 0 and "1 message(s)" in read.stdout, read.stderr
    listing = json.loads(caducee("folder", "list", "--json").stdout)
    assert {f["name"]: f["unread"] for f in listing}["INBOX"] == 0
    synced = caducee("sync")
    assert synced.returncode == 0, synced.stderr
    names, _sep = server_folders(server)
    assert {f"Archives{sep}2026", f"Classement{sep}Cardiologie"} <= names
    assert len(subject_numbers(server, f"Archives{sep}2026")) == 1
    assert unseen(server, "INBOX") == []

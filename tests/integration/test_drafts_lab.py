"""Drafts from the command line against the lab's Dovecot: ``caducee sync`` learns the
Drafts folder and copies the drafts there, ``caducee drafts --push`` replaces a changed
one, ``--delete`` removes its server copy too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from app.cli.main import main
from app.ops import drafts
from app.ops.outbox import Draft
from app.store.db import Store
from tests.integration.test_sync import Server
from tests.lab.build import LabAccounts, LabPki
from tests.lab.dovecot import Dovecot

pytestmark = pytest.mark.lab


def server_drafts(server: Server) -> list[str]:
    with server.client() as client:
        client.select_folder("Drafts", readonly=True)
        uids = client.search(["ALL"])
        fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]) if uids else {}
    return sorted(
        str(make_header(decode_header(raw.decode().split(":", 1)[1].strip())))
        for raw in (data[b"BODY[HEADER.FIELDS (SUBJECT)]"] for data in fetched.values())
    )


def with_drafts_folder(server: Server) -> Iterator[Server]:
    """The shared "sync" mailbox with a Drafts folder for one test, removed after it with
    what the test sent (the sync tests count that mailbox's folders and messages)."""
    server.reset(("Résultats", "Drafts"))
    with server.client() as client:
        client.create_folder("Drafts")
    try:
        yield server
    finally:
        server.reset(("Drafts", "Sent"))


@pytest.fixture
def server(
    dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts
) -> Iterator[Server]:
    yield from with_drafts_folder(Server(dovecot_password, lab_pki, lab_accounts.sync))


def test_drafts_go_to_the_servers_drafts_folder_from_the_command_line(
    server: Server,
    dovecot_password: Dovecot,
    lab_pki: LabPki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    me = server.account.address
    trust = tmp_path / "provider-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    monkeypatch.setenv("CADUCEE_PASSWORD", server.account.password or "")
    profile = ["--profile-dir", str(tmp_path / "p")]
    assert main(
        [
            *profile, "account", "add", "--address", me,
            "--imap", f"imaps://localhost:{dovecot_password.imaps_port}",
            "--auth", "password", "--username", server.account.login, "--trust", str(trust),
        ]
    ) == 0  # fmt: skip
    store = Store.open(tmp_path / "p")
    try:
        drafts.save(store, "cle-1", Draft(me, ["confrere@mssante.test"], "Avis", "Première"))
    finally:
        store.close()
    assert main([*profile, "sync"]) == 0, capsys.readouterr().err  # folders, then the push
    assert server_drafts(server) == ["Avis"]

    store = Store.open(tmp_path / "p")
    try:
        drafts.save(store, "cle-1", Draft(me, ["confrere@mssante.test"], "Avis (2)", "Seconde"))
    finally:
        store.close()
    capsys.readouterr()
    assert main([*profile, "drafts", "--push"]) == 0
    assert "1 brouillon(s) copié(s) dans « Drafts », 1 ancienne(s)" in capsys.readouterr().out
    assert server_drafts(server) == ["Avis (2)"]

    assert main([*profile, "drafts", "--delete", "cle-1"]) == 0
    assert server_drafts(server) == []
    capsys.readouterr()
    assert main([*profile, "drafts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main([*profile, "drafts", "--delete", "cle-1"]) == 1  # no such draft any more
    trail = capsys.readouterr()
    assert "aucun brouillon" in trail.err

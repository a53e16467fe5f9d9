"""Sending from the window through the lab's real servers (Dovecot, the submission server
delivering over LMTP): a refused send (550) shows in the window — the outbox, a notice that
stays, the tray — and in ``caducee outbox``; drafts go to the server's Drafts folder, are
replaced there when saved again, and removed once sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from app.cli.main import main
from app.sandbox.submission import Endpoints
from app.store.db import Store
from app.store.outbox import OutboxStore
from app.ui.composer import Composer
from app.ui.main_window import MainWindow, start_worker, stop_worker
from app.ui.sync_worker import Prompter, Question, SyncWorker
from tests.integration.test_drafts_lab import server_drafts, with_drafts_folder
from tests.integration.test_sync import Server
from tests.lab.build import LabAccounts, LabPki
from tests.lab.dovecot import Dovecot
from tests.ui.conftest import assert_not_blank

pytestmark = pytest.mark.lab


@pytest.fixture
def server(
    dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts
) -> Iterator[Server]:
    yield from with_drafts_folder(Server(dovecot_password, lab_pki, lab_accounts.sync))


@pytest.fixture
def store(tmp_path: Path, server: Server, lab_smtp_password: Endpoints) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    trust = tmp_path / "provider-root.pem"
    trust.write_bytes(server.lab_pki.public_ca.root.issued.cert_pem())
    opened.add_account(
        server.account.address,
        "password",
        f"imaps://localhost:{server.dovecot.imaps_port}",
        smtp_url=f"smtp+starttls://localhost:{lab_smtp_password.starttls_port}",
        username=server.account.login,
        trust=str(trust),
    )
    yield opened
    opened.close()


def test_a_refused_send_and_drafts_through_the_lab(
    qtbot: QtBot,
    server: Server,
    store: Store,
    tmp_path: Path,
    artefacts: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(Composer, "confirm_trust", lambda _self, _addresses: True)

    def answer(_question: Question) -> str | None:
        return server.account.password

    worker = SyncWorker(tmp_path / "profile", tmp_path / "cache", None, Prompter(answerer=answer))
    window = MainWindow(store, tmp_path / "ui.ini", worker)
    qtbot.addWidget(window)
    thread: QThread = start_worker(window, worker)
    me = server.account.address
    nobody = "personne.inconnue@" + me.partition("@")[2]
    try:
        window.show()
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.get_mail()  # signed in; the folders (Drafts among them) are known

        composer = window.write()
        qtbot.addWidget(composer)
        composer.to.setText(nobody)
        composer.subject.setText("Compte rendu de consultation")
        composer.body.setPlainText("Cher confrère, ...")
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            composer.send()  # queued, then sent: the server says 550 at the end of DATA
        [item] = OutboxStore(store).items()
        assert item.state == "failed" and "550 5.1.1" in (item.last_error or "")
        notice = window.send_views.notice
        assert notice.isVisible() and "Compte rendu de consultation" in notice.text.text()
        assert "n'existe pas" in notice.text.text()
        assert window.send_views.notifications == [
            "Un message n'a pas pu être envoyé : voir la boîte d'envoi."
        ]  # the tray's words (no subject, no address)
        notice.look.click()
        panel = window.send_views.outbox
        assert window.send_views.stack.currentWidget() is panel
        assert panel.model.index(0, 0).data() == "échec"
        assert "550 5.1.1" in panel.details.text() and "Refus définitif" in panel.details.text()
        shot = artefacts / "outbox-refused-lab.png"
        window.grab().save(str(shot))
        assert_not_blank(shot)

        capsys.readouterr()
        assert main(["--profile-dir", str(tmp_path / "profile"), "outbox"]) == 0
        listed = capsys.readouterr().out
        assert "échec" in listed and "550 5.1.1" in listed and "n'existe pas" in listed
        assert main(["--profile-dir", str(tmp_path / "profile"), "outbox", "--json"]) == 0
        [row] = json.loads(capsys.readouterr().out)
        assert row["state"] == "failed" and row["recipients"] == [nobody]

        # Drafts: saved here, then in the server's Drafts at the next sync; saved again: the
        # old copy replaced; sent: its copy removed.
        draft = window.write()
        qtbot.addWidget(draft)
        draft.to.setText(me)
        draft.subject.setText("Brouillon à finir")
        draft.body.setPlainText("Première version.")
        draft.keep_draft()  # "Enregistrer le brouillon": the sync it starts copies it
        qtbot.waitUntil(lambda: server_drafts(server) == ["Brouillon à finir"], timeout=30_000)
        draft.subject.setText("Brouillon à finir (v2)")
        draft.keep_draft()
        qtbot.waitUntil(
            lambda: server_drafts(server) == ["Brouillon à finir (v2)"], timeout=30_000
        )  # the old copy replaced
        qtbot.waitUntil(lambda: not window.syncing, timeout=30_000)
        capsys.readouterr()
        assert main(["--profile-dir", str(tmp_path / "profile"), "drafts", "--json"]) == 0
        [kept] = json.loads(capsys.readouterr().out)
        assert kept["on_server"] and kept["server_folder"] == "Drafts"
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            draft.send()
        if server_drafts(server):  # removed by the delivery's sync, or by the next one
            with qtbot.waitSignal(window.sync_finished, timeout=30_000):
                window.get_mail()
        assert server_drafts(server) == []
        sent = [i for i in OutboxStore(store).items() if i.subject == "Brouillon à finir (v2)"]
        assert [i.state for i in sent] == ["sent"]
    finally:
        stop_worker(worker, thread)

"""The window with the CPS card (the lab's SoftHSM card behind its shim): PIN asked once,
removal shown at once and nothing synced meanwhile, re-insertion signed in again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from app.sandbox.submission import Endpoints
from app.store.db import Store
from app.ui.main_window import MainWindow, start_worker, stop_worker
from app.ui.sync_worker import Prompter, Question, SyncWorker
from tests.lab.build import LabAccounts, LabPki
from tests.lab.cards import VirtualCard
from tests.lab.dovecot import Dovecot
from tests.ui.conftest import assert_not_blank


@pytest.fixture
def card_store(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    full_card: VirtualCard,
    dovecot_mss: Dovecot,
    lab_smtp: Endpoints,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
) -> Iterator[Store]:
    for name, value in full_card.env.items():
        monkeypatch.setenv(name, value)
    full_card.insert()
    store = Store.open(tmp_path / "profile")
    store.add_account(
        lab_accounts.martin.address,
        "card",
        f"imap+starttls://localhost:{dovecot_mss.imap_port}",
        f"smtps://localhost:{lab_smtp.implicit_tls_port}",
        module=str(full_card.module),
        trust=str(lab_pki.files.root),
    )
    yield store
    store.close()


def test_card_removal_and_return(
    qtbot: QtBot, card_store: Store, full_card: VirtualCard, tmp_path: Path, artefacts: Path
) -> None:
    asked: list[str] = []

    def answer(question: Question) -> str | None:
        asked.append(question.text)
        return full_card.pin

    worker = SyncWorker(tmp_path / "profile", tmp_path / "cache", None, Prompter(answerer=answer))
    window = MainWindow(card_store, tmp_path / "ui.ini", worker)
    qtbot.addWidget(window)
    thread: QThread = start_worker(window, worker)
    try:
        window.show()
        with qtbot.waitSignal(window.sync_finished, timeout=60_000):
            window.get_mail()
        assert "connecté" in window.state_label.text() and len(asked) == 1

        with full_card.removed():
            qtbot.waitUntil(lambda: window.card_bar.isVisible(), timeout=10_000)
            assert "retirée" in window.card_bar.text()
            window.grab().save(str(artefacts / "card-removed.png"))
            assert_not_blank(artefacts / "card-removed.png")
            with qtbot.waitSignal(window.sync_finished, timeout=30_000):
                window.get_mail()  # nothing can be signed without the card
            assert "carte retirée" in window.state_label.text()
        qtbot.waitUntil(lambda: "réinsérée" in window.card_bar.text(), timeout=10_000)
        with qtbot.waitSignal(window.sync_finished, timeout=60_000):
            window.get_mail()  # the PIN again, for the card that came back
        assert len(asked) == 2
        assert "connecté" in window.state_label.text() and not window.card_bar.isVisible()
    finally:
        stop_worker(worker, thread)

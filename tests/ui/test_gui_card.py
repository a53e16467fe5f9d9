"""The window with the CPS card (the lab's SoftHSM card behind its shim): PIN asked once;
removal locks the session at once (the mail hidden, as Ctrl+Alt+L) and nothing is synced
meanwhile; unlocking needs the card back and its PIN (issue 17, item 4)."""

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


def is_locked(window: MainWindow) -> bool:  # read afresh: the state changes under mypy
    return window.locked


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

        window.list_view.selectRow(0)
        with full_card.removed():
            qtbot.waitUntil(lambda: is_locked(window), timeout=10_000)
            assert window.lock_overlay.isVisible() and window.reader.current is None
            assert "retirée" in window.lock_overlay.problem.text()
            window.grab().save(str(artefacts / "card-removed.png"))
            assert_not_blank(artefacts / "card-removed.png")
            window.get_mail()  # F5 while locked: nothing happens
            assert not window.syncing
            with qtbot.waitSignal(window.sync_finished, timeout=30_000):
                window.lock_overlay.button.click()  # no card: still locked, no PIN asked
            assert is_locked(window) and window.lock_overlay.problem.text()
            assert len(asked) == 1
        with qtbot.waitSignal(window.sync_finished, timeout=60_000):
            window.lock_overlay.button.click()  # the card is back: its PIN again
        assert len(asked) == 2
        assert not is_locked(window) and not window.lock_overlay.isVisible()
        assert "connecté" in window.state_label.text() and not window.card_bar.isVisible()
    finally:
        stop_worker(worker, thread)

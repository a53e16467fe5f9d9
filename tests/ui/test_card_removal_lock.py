"""Issue 17, item 4, through the keeper's removal signal (no card lab): removing the card
locks the window at once, as Ctrl+Alt+L does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

from pytestqt.qtbot import QtBot

from app.cps.keeper import CardKeeper, CardState
from app.ops.accounts import AccountSession, new_account
from app.store.db import Store
from app.ui.main_window import MainWindow
from app.ui.sync_worker import Prompter, SyncWorker
from app.ui.wizard_connect import Handover


def is_locked(window: MainWindow) -> bool:  # read afresh: the state changes under mypy
    return window.locked


def test_card_removal_locks_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    store = Store.open(tmp_path / "profile")
    try:
        window = MainWindow(store, tmp_path / "ui.ini", lock_minutes=120)
        qtbot.addWidget(window)
        window.show()
        window._card_changed("alice@medecin.mssante.fr", "LOCKED")  # reinserted: no lock
        assert not is_locked(window)
        window._card_changed("alice@medecin.mssante.fr", "REMOVED")
        assert is_locked(window) and window.lock_overlay.isVisible()
        assert window.reader.current is None
        assert "retirée" in window.lock_overlay.problem.text()
        assert not window.get_mail_action.isEnabled()  # no shortcut behind the overlay
    finally:
        store.close()


class _Keeper:
    """Stands for a CardKeeper: records who watches it."""

    def __init__(self) -> None:
        self.listeners: list[Callable[[CardState], None]] = []
        self.started = False
        self.session = None

    def subscribe(self, listener: Callable[[CardState], None]) -> None:
        self.listeners.append(listener)

    def start(self) -> None:
        self.started = True


def test_the_wizard_card_session_is_watched_by_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    """After the first-run wizard the window gets the wizard's card session: its removal
    must reach the window too."""
    account = new_account("alice@medecin.mssante.fr", "card", "imaps://imap.mssante.fr", None)
    session = AccountSession(account, tmp_path, lambda *_: None, lambda _prompt: None)
    keeper = _Keeper()
    session.adopt_card(cast(CardKeeper, keeper))
    worker = SyncWorker(tmp_path / "profile", tmp_path / "cache", None, Prompter())
    Handover(account, session).give_to(worker, worker.prompter)
    assert keeper.started and len(keeper.listeners) == 1
    with qtbot.waitSignal(worker.card_changed) as changed:
        keeper.listeners[0](CardState.REMOVED)
    assert changed.args == ["alice@medecin.mssante.fr", "REMOVED"]

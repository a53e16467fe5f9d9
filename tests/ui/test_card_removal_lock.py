"""Issue 17, item 4, through the keeper's removal signal (no card lab): removing the card
locks the window at once, as Ctrl+Alt+L does."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.store.db import Store
from app.ui.main_window import MainWindow


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

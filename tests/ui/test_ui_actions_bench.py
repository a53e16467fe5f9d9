"""The window actions bench (bench/ui_actions.py) runs on a small store and its stall
measure sees a stall: the figures in docs/performance.md come from a working harness."""

from __future__ import annotations

import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.store.db import Store
from app.ui.main_window import MainWindow
from bench import ui_actions
from bench.ui_first_paint import build


def test_the_stall_of_a_blocking_action_is_measured(qtbot: QtBot) -> None:
    ticks = ui_actions.Ticks()
    assert ui_actions.timed(ticks, lambda: time.sleep(0.25), 200) >= 200
    assert ui_actions.timed(ticks, lambda: None, 200) < 100
    ticks.timer.stop()


def test_every_action_runs_on_a_small_store(qtbot: QtBot, tmp_path: Path) -> None:
    build(tmp_path / "data", 300, bodies=True)
    store = Store.open(tmp_path / "data")
    window = MainWindow(store, tmp_path / "data" / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    results = ui_actions.run(window, store, 300)
    assert "trier par objet" in results and "fin de synchronisation (20 nouveaux)" in results
    assert all(value >= 0 for value in results.values())
    assert window.messages.rowCount() == 320  # the 20 that "arrived" are listed
    assert window.search.text() == ""

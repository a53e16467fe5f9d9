"""The window actions bench (bench/ui_actions.py) runs on a small store and its stall
measure sees a stall: the figures in docs/performance.md come from a working harness. A
list listed off the GUI thread is waited for: the measure ends once its ids are in."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from app.store.db import Store
from app.store.views import Scope, message_ids
from app.ui.main_window import MainWindow
from bench import ui_actions
from bench.ui_first_paint import build
from tests.ui.conftest import Gate


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
    stalls, listed = ui_actions.run(window, store, 300)
    assert "trier par objet" in stalls and "fin de synchronisation (20 nouveaux)" in stalls
    assert all(value >= 0 for value in stalls.values())
    assert "trier par objet" in listed and "défiler (fin, milieu, début)" not in listed
    assert window.messages.rowCount() == 320  # the 20 that "arrived" are listed
    assert window.search.text() == ""


def test_a_list_listed_off_the_gui_thread_is_waited_for(
    qtbot: QtBot, tmp_path: Path, gate: Gate
) -> None:
    """The GUI thread is free at once, but the action is done only when the list holds the
    new ids: the measure (and the time until listed) goes on until then."""
    build(tmp_path / "data", 300, bodies=True)
    store = Store.open(tmp_path / "data")
    window = MainWindow(store, tmp_path / "data" / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    window.messages.listed_at_once = 0  # listed in the loader's thread
    actions = ui_actions.Actions(window)
    search = Scope(account="dr.martin@medecin.mssante.fr", search="biolab")

    def type_it() -> None:  # the query crawls for 1.5 s from the action's start
        QTimer.singleShot(1500, gate.open)  # (longer than SETTLE_MS)
        window.search.setText("biolab")

    actions.do("chercher", type_it)
    assert not window.messages.loading
    expected = message_ids(store, search)
    assert expected and list(window.messages._ids) == expected  # measured until then
    assert actions.listed["chercher"] >= 1400
    assert actions.stalls["chercher"] < 1000  # the GUI thread was not held meanwhile
    actions.ticks.timer.stop()
    window.close()
    store.close()


def test_other_threads_run_while_the_bench_waits(qtbot: QtBot) -> None:
    """``spin`` waits as the window's loop does, letting the list loader's thread run
    (``QTest.qWait`` holds the GIL: such a thread got 1/200 of its time there)."""

    def count(wait: Callable[[], None]) -> int:
        done: list[int] = []

        def work() -> None:
            n, end = 0, time.perf_counter() + 0.3
            while time.perf_counter() < end:
                n += 1
            done.append(n)

        thread = threading.Thread(target=work)
        thread.start()
        wait()
        thread.join()
        return done[0]

    alone = count(lambda: time.sleep(0.35))
    assert count(lambda: ui_actions.spin(350)) > alone / 5

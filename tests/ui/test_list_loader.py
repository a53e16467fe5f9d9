"""The message list's ids listed off the GUI thread (app/ui/list_loader.py, issue 22 item 4):
only the newest request is applied, the list ends as the synchronous listing gives it, the
GUI thread runs while a slow query does, closing the window ends the thread.

Every scope is listed in the loader's thread here (``listed_at_once = 0``); a query is made
slow on purpose (``gate``, tests/ui/conftest.py: real SQLite, the real encrypted store).
"""

from __future__ import annotations

import itertools
import random
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from app.store.db import Store
from app.store.views import Scope, message_ids, threaded_rows
from app.ui.list_loader import ListLoader
from app.ui.main_window import MainWindow
from app.ui.models import MessageListModel
from tests.ui.conftest import OWNER, Gate, open_window

WAIT_MS = 20_000


@pytest.fixture
def window(qtbot: QtBot, mail_store: Store, tmp_path: Path) -> MainWindow:
    shown = open_window(qtbot, mail_store, tmp_path)
    shown.messages.listed_at_once = 0  # every scope in the loader's thread
    return shown


def settle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.messages.loading, timeout=WAIT_MS)


def shown_ids(window: MainWindow) -> list[int]:
    return list(window.messages._ids)


def search(window: MainWindow, text: str) -> None:
    window.search.setText(text)
    window.search_feedback.now()  # as Enter (no 300 ms pause)


def test_typing_fast_applies_only_the_last_query(
    qtbot: QtBot, window: MainWindow, mail_store: Store, gate: Gate
) -> None:
    before = shown_ids(window)
    listed: list[str] = []
    told: list[int] = []
    window.messages.listed.connect(listed.append)
    search(window, "compte")  # a loader starts on it, held at the gate
    assert window.messages.loader is not None
    window.messages.loader.listed.connect(lambda number, _rows: told.append(number))
    qtbot.waitUntil(lambda: gate.steps > 0, timeout=WAIT_MS)  # the first query runs
    search(window, "patient")
    search(window, "rendu")
    assert window.messages.loading and shown_ids(window) == before  # kept meanwhile
    assert window.count.text() == "Recherche…"
    gate.open()
    settle(qtbot, window)
    qtbot.wait(200)  # anything stale would have come in by now
    expected = message_ids(mail_store, Scope(account=OWNER, search="rendu"))
    assert listed == ["reset"]  # once, with the last query's ids
    assert told == [window.messages._request]  # the loader told nothing of the stale two
    assert shown_ids(window) == expected and expected and expected != before
    assert window.count.text() == f"{len(expected)} résultat(s)"


@pytest.mark.parametrize("threaded", [False, True])
def test_the_list_ends_as_the_synchronous_listing_gives_it(
    qtbot: QtBot, window: MainWindow, mail_store: Store, threaded: bool
) -> None:
    header = window.list_view.horizontalHeader()
    model = window.messages
    if threaded:
        window.list_threads.set_threaded(True)
        settle(qtbot, window)

    def synchronous(scope: Scope) -> list[int]:
        if not threaded:
            return message_ids(mail_store, scope, model.sort_key, model.descending)
        return list(threaded_rows(mail_store, scope, model.sort_key, model.descending).ids)

    everything = window.folders.index(0, 0)  # the account: all its folders mixed
    window.folder_view.setCurrentIndex(everything)
    settle(qtbot, window)
    assert shown_ids(window) == synchronous(Scope(account=OWNER)) and len(shown_ids(window)) > 50
    for column in (1, 2, 3, 1):  # subject, sender, date, each way (ties: by id)
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            header.setSortIndicator(column, order)
            settle(qtbot, window)
            assert shown_ids(window) == synchronous(Scope(account=OWNER)), (column, order)
    search(window, "patient")
    settle(qtbot, window)
    found = synchronous(Scope(account=OWNER, search="patient"))
    assert shown_ids(window) == found and len(found) > 10
    rows = [model.message(r) for r in range(model.rowCount())]
    assert [m.id for m in rows if m is not None] == found  # rows read for the new ids


def test_the_gui_thread_runs_while_a_slow_query_does(
    qtbot: QtBot, window: MainWindow, mail_store: Store, gate: Gate, artefacts: Path
) -> None:
    before = shown_ids(window)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    started = time.perf_counter()
    window.folder_view.setCurrentIndex(window.folders.index(0, 0))  # the account's view
    assert time.perf_counter() - started < 0.1  # asked, not waited for
    qtbot.waitUntil(lambda: gate.steps > 20, timeout=WAIT_MS)  # the query crawls...
    qtbot.wait(300)
    timer.stop()
    assert window.messages.loading and shown_ids(window) == before  # ...the list stays...
    assert window.count.text() == "Chargement…"
    window.grab().save(str(artefacts / "liste-en-chargement.png"))  # the Inbox still shown
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 20 and max(gaps) < 0.1  # ...and the window answers meanwhile
    window.list_view.selectRow(0)  # she can still open a message of the list shown
    assert window.reader.current is not None
    gate.open()
    settle(qtbot, window)
    assert shown_ids(window) == message_ids(mail_store, Scope(account=OWNER))
    assert window.count.text() == f"{len(shown_ids(window))} message(s)"


def test_closing_the_window_while_a_query_runs_leaves_no_thread(
    qtbot: QtBot, window: MainWindow, gate: Gate
) -> None:
    window.folder_view.setCurrentIndex(window.folders.index(0, 0))
    qtbot.waitUntil(lambda: gate.steps > 0, timeout=WAIT_MS)  # held at the gate
    loader = window.messages.loader
    assert loader is not None and loader.thread_running
    started = time.perf_counter()
    window.close()  # the gate stays shut: only the interrupt ends the query
    assert time.perf_counter() - started < 5
    assert loader._thread.isFinished()  # ended, not only asked to
    assert loader._reader is None  # its connection closed
    assert not [t for t in threading.enumerate() if "list-loader" in t.name]
    gate.open()
    window.messages.set_scope(Scope(account=OWNER))  # a sync's report arriving late
    assert not window.messages.loading and window.messages.rowCount() > 50  # listed at once


def test_an_error_of_the_loader_reaches_her_as_before(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(connection: sqlite3.Connection) -> None:
        raise OSError("disque illisible")

    monkeypatch.setattr(ListLoader, "prepare", broken)
    before = shown_ids(window)
    with qtbot.capture_exceptions() as raised:
        window.folder_view.setCurrentIndex(window.folders.index(0, 0))
        settle(qtbot, window)
    assert [str(e[1]) for e in raised] == ["disque illisible"]  # raised in the GUI thread
    assert shown_ids(window) == before


def test_a_refresh_ends_with_the_new_ids_whatever_changed(qtbot: QtBot, mail_store: Store) -> None:
    """Rows removed and inserted between the unchanged top and bottom (only that part is
    walked), or the list started over when reordered: always the new ids, in order."""
    model = MessageListModel(mail_store)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    rng = random.Random(3)
    for _ in range(2000):
        old = rng.sample(range(100), rng.randint(0, 30))
        new = [i for i in old if rng.random() < 0.8]
        for _ in range(rng.randint(0, 5)):
            added = rng.randint(100, 200)
            if added not in new:
                new.insert(rng.randint(0, len(new)), added)
        if rng.random() < 0.1:
            rng.shuffle(new)
        model.beginResetModel()
        model._ids = list(old)
        model.endResetModel()
        model._refreshed(list(new))
        assert model._ids == new and model.rowCount() == len(new), (old, new)


@pytest.mark.parametrize("at_once", [True, False])
def test_the_selected_message_stays_selected_when_the_list_is_reordered(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, at_once: bool
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    if not at_once:
        shown.messages.listed_at_once = 0
    shown.folder_view.setCurrentIndex(shown.folders.index(0, 0))  # the account's view
    settle(qtbot, shown)
    shown.list_view.selectRow(3)
    chosen = shown._selected()
    assert chosen is not None
    last = shown.messages._ids[-1]  # now dated first: the list is reordered, not patched
    mail_store.db.execute("UPDATE messages SET date = '2099-01-01T00:00:00Z' WHERE id = ?", (last,))
    shown._reload_keeping_selection()  # as at a sync's end
    settle(qtbot, shown)
    assert shown.messages._ids[0] == last
    selected = shown._selected()
    assert selected is not None and selected.id == chosen.id


@pytest.mark.parametrize("chosen", [1, 25])  # looked up one by one, or through a map
def test_the_selection_follows_its_messages_through_a_sort(
    qtbot: QtBot, window: MainWindow, chosen: int
) -> None:
    window.folder_view.setCurrentIndex(window.folders.index(0, 0))  # the account's view
    settle(qtbot, window)
    selection = window.list_view.selectionModel()
    rows = range(0, 2 * chosen, 2)  # apart: one selection range each
    for row in rows:
        selection.select(
            window.messages.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    before = sorted(window._selected_ids())
    assert len(before) == chosen
    window.list_view.horizontalHeader().setSortIndicator(1, Qt.SortOrder.AscendingOrder)
    settle(qtbot, window)
    assert sorted(window._selected_ids()) == before  # the same messages, wherever now

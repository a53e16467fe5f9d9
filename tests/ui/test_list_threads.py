"""Affichage > Fils de discussion (issue 20): the list by conversation, off by default and
kept between sessions; conversations together, replies indented under their first message,
which counts them (and the unread ones); the selection kept when it is switched;
collapse / expand by the arrow, Left / Right, "*" and "\\"; rows stored before
conversations were kept placed by the window's background pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from app.store.db import HeaderRow, Store
from app.store.views import Scope, threaded_rows
from app.ui import message_drag
from app.ui.list_threads import SETTING, SUBJECT_COLUMN, areas
from app.ui.main_window import MainWindow
from app.ui.models import MessageRole
from tests.ui.conftest import OWNER, assert_not_blank
from tests.unit.test_threads import mail, ref

CONVERSATIONS = [  # (name, subject, hour, references, seen)
    ("a", "Mme Lefèvre : résultats de la biopsie", 0, None, True),
    ("b", "Re: Mme Lefèvre : résultats de la biopsie", 3, ("a",), True),
    ("c", "Re: Mme Lefèvre : résultats de la biopsie", 30, ("a", "b"), False),
    ("d", "Re: Mme Lefèvre : résultats de la biopsie", 40, ("a",), False),
    ("e", "Demande d'avis : M. Bernard, dyspnée", 10, None, True),
    ("f", "Re: Demande d'avis : M. Bernard, dyspnée", 12, ("e",), True),
    ("g", "Compte rendu opératoire — M. Petit", 20, None, False),
    ("h", "Planning des gardes de janvier", 35, None, True),
    ("i", "Re: Planning des gardes de janvier", 36, ("h",), True),
]


def fill(store: Store) -> None:
    account = store.add_account(OWNER, "card", "imaps://imap.test")
    store.upsert_folder(account, "INBOX", ".", "\\Inbox", True)
    inbox = store.folders(account)[0]
    raws = {}
    for uid, (name, subject, hour, refs, seen) in enumerate(CONVERSATIONS, 1):
        raw = mail(name, subject, hour, references=ref(*refs) if refs else None)
        raws[uid] = raw
        flags = ("\\Seen",) if seen else ()
        store.add_headers(inbox, [HeaderRow(uid, flags, None, len(raw), None, raw)])
    store.add_bodies(inbox, raws)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    fill(opened)
    yield opened
    opened.close()


def window(qtbot: QtBot, store: Store, tmp_path: Path) -> MainWindow:
    shown = MainWindow(store, tmp_path / "profile" / "ui.ini")  # the background pass: there
    qtbot.addWidget(shown)
    shown.resize(1200, 640)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def threaded(shown: MainWindow) -> bool:
    return shown.messages.threaded


def subjects(shown: MainWindow) -> list[str]:
    model = shown.messages
    return [str(model.index(r, SUBJECT_COLUMN).data()) for r in range(model.rowCount())]


def ids(shown: MainWindow) -> list[int]:
    model = shown.messages
    return [model.message(r).id for r in range(model.rowCount())]  # type: ignore[union-attr]


def selected(shown: MainWindow) -> int | None:
    message = shown.list_view.currentIndex().data(MessageRole)
    return None if message is None else int(message.id)


def row_of(shown: MainWindow, name: str) -> int:
    found = shown.store.find(f"{name}@mssante.test")
    assert found is not None
    row = shown.messages.row_of(found.id)
    assert row is not None
    return row


def test_off_by_default_then_by_conversation(
    qtbot: QtBot, store: Store, tmp_path: Path, artefacts: Path
) -> None:
    shown = window(qtbot, store, tmp_path)
    action = shown.list_threads.action
    assert not action.isChecked() and not threaded(shown)
    assert shown.messages.thread_mark(0) is None
    flat = ids(shown)
    view_menu = shown.menu_bar.menus["view"]
    assert action in view_menu.actions()  # Affichage > Fils de discussion
    sort = QMenu()
    shown.menu_bar.header.fill_sort(sort)  # Affichage > Trier par, and the column titles'
    assert action in sort.actions()
    shown.menu_bar.header.show_menu(QPoint(10, 5))
    assert shown.menu_bar.header.menu is not None
    assert action in shown.menu_bar.header.menu.actions()
    shown.menu_bar.header.menu.hide()

    action.trigger()
    assert threaded(shown) and action.isChecked()
    scope = Scope(account=OWNER, folder="INBOX")
    expected = threaded_rows(store, scope)
    assert ids(shown) == list(expected.ids) and sorted(flat) == sorted(ids(shown))
    assert subjects(shown) == [
        "Mme Lefèvre : résultats de la biopsie (4, 2 non lu(s))",
        "Re: Mme Lefèvre : résultats de la biopsie",
        "Re: Mme Lefèvre : résultats de la biopsie",
        "Re: Mme Lefèvre : résultats de la biopsie",
        "Planning des gardes de janvier (2)",
        "Re: Planning des gardes de janvier",
        "Compte rendu opératoire — M. Petit",
        "Demande d'avis : M. Bernard, dyspnée (2)",
        "Re: Demande d'avis : M. Bernard, dyspnée",
    ]
    marks = [shown.messages.thread_mark(r) for r in range(shown.messages.rowCount())]
    assert [m.indent for m in marks if m is not None] == [0, 1, 2, 1, 0, 1, 0, 0, 1]
    said = shown.messages.index(0, 1).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "fil de 4 messages, développé" in said
    font = shown.messages.index(0, 1).data(Qt.ItemDataRole.FontRole)
    assert font is None  # the head is read; its replies are the unread ones

    shown.list_view.horizontalHeader().setSectionHidden(4, True)  # room for the subjects
    shown.list_view.selectRow(row_of(shown, "c"))
    qtbot.wait(50)
    shown.list_view.viewport().update()
    picture = shown.grab()
    picture.save(str(artefacts / "fils-de-discussion.png"))
    assert_not_blank(artefacts / "fils-de-discussion.png")

    # reading a message: its head's count follows at once
    assert "(4, 1 non lu(s))" in subjects(shown)[0]
    # a search shows its matches by conversation too
    shown.search.setText("biopsie")
    shown._apply_scope()
    assert shown.messages.rowCount() == 4
    assert subjects(shown)[0].endswith("(4, 1 non lu(s))")
    shown.search.setText("")
    shown._apply_scope()
    shown.list_view.selectRow(row_of(shown, "c"))
    # a click on a column title sorts the conversations by it, still together
    reading = selected(shown)
    shown.list_view.sortByColumn(SUBJECT_COLUMN, Qt.SortOrder.AscendingOrder)
    by_subject = threaded_rows(store, scope, "subject", descending=False)
    assert ids(shown) == list(by_subject.ids) and selected(shown) == reading


def test_the_selection_stays_when_switching_and_the_choice_is_kept(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    first = window(qtbot, store, tmp_path)
    first.list_view.selectRow(row_of(first, "b"))
    chosen = selected(first)
    first.list_threads.action.trigger()  # on
    assert selected(first) == chosen
    assert first.list_view.selectionModel().isRowSelected(row_of(first, "b"))
    first.list_threads.action.trigger()  # off
    assert selected(first) == chosen and first.messages.thread_mark(0) is None
    first.list_threads.action.trigger()  # on again, then the window closes
    first.close()

    again = window(qtbot, store, tmp_path)
    assert again.list_threads.action.isChecked() and again.messages.threaded
    assert again.messages.thread_mark(0) is not None
    assert again.settings.value(SETTING, type=bool) is True
    again.list_threads.action.trigger()
    again.close()
    third = window(qtbot, store, tmp_path)
    assert not third.messages.threaded and not third.list_threads.action.isChecked()


def test_collapse_and_expand(qtbot: QtBot, store: Store, tmp_path: Path, artefacts: Path) -> None:
    shown = window(qtbot, store, tmp_path)
    assert not shown.list_threads.collapse.isEnabled()  # only by conversation
    shown.list_threads.set_threaded(True)
    assert shown.list_threads.collapse.isEnabled()
    total = shown.messages.rowCount()
    view = shown.list_view

    # a click on the head's arrow: collapsed, the selection untouched
    view.selectRow(row_of(shown, "g"))
    cell = view.visualRect(shown.messages.index(0, SUBJECT_COLUMN))
    mark = shown.messages.thread_mark(0)
    assert mark is not None
    arrow, _rest = areas(cell, mark)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=arrow.center())
    assert shown.messages.rowCount() == total - 3
    mark = shown.messages.thread_mark(0)
    assert mark is not None and mark.collapsed
    assert selected(shown) == shown.store.find("g@mssante.test").id  # type: ignore[union-attr]
    said = shown.messages.index(0, 1).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "fil de 4 messages, réduit" in said
    font = shown.messages.index(0, 1).data(Qt.ItemDataRole.FontRole)
    assert font is not None and font.bold()  # unread replies hidden under it
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=arrow.center())
    assert shown.messages.rowCount() == total

    # Left / Right on the head, Left on a reply goes to its head
    view.setFocus()
    view.selectRow(row_of(shown, "h"))
    QTest.keyClick(view, Qt.Key.Key_Left)
    assert shown.messages.rowCount() == total - 1
    assert selected(shown) == shown.store.find("h@mssante.test").id  # type: ignore[union-attr]
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert shown.messages.rowCount() == total
    view.selectRow(row_of(shown, "c"))
    QTest.keyClick(view, Qt.Key.Key_Left)
    assert view.currentIndex().row() == row_of(shown, "a")

    # "\\" collapses all (the selected reply leaves the selection to its head), "*" expands
    view.selectRow(row_of(shown, "f"))
    shown.list_threads.collapse.trigger()
    assert shown.messages.rowCount() == 4  # four conversations
    shown.grab().save(str(artefacts / "fils-de-discussion-reduits.png"))
    assert_not_blank(artefacts / "fils-de-discussion-reduits.png")
    assert selected(shown) == shown.store.find("e@mssante.test").id  # type: ignore[union-attr]
    # a collapsed conversation is acted on as one line: its replies come with its head
    view.selectRow(0)
    thread_a = [shown.store.find(f"{n}@mssante.test").id for n in "abcd"]  # type: ignore[union-attr]
    assert shown._selected_ids() == thread_a
    dragged = shown.messages.mimeData([shown.messages.index(0, 1)])
    assert message_drag.decode(dragged) == thread_a
    # N (next unread) opens a collapsed conversation that hides unread replies
    shown.commands["next-unread"].trigger()
    # (c was read above: d is the unread one left)
    assert selected(shown) == shown.store.find("d@mssante.test").id  # type: ignore[union-attr]
    assert shown.messages.rowCount() == 4 + 3
    shown.list_threads.expand.trigger()
    assert shown.messages.rowCount() == total
    assert [k.toString() for k in shown.list_threads.collapse.shortcuts()] == ["\\"]
    assert [k.toString() for k in shown.list_threads.expand.shortcuts()] == ["*"]


def test_rows_stored_before_are_grouped_by_the_background_pass(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    store.db.execute("UPDATE messages SET thread = '<' || id, thread_depth = NULL")
    settings_file = tmp_path / "profile" / "ui.ini"
    settings_file.write_text("[list]\nthreads=true\n")
    shown = window(qtbot, store, tmp_path)
    assert shown.messages.threaded
    qtbot.waitUntil(lambda: shown.messages.rowCount() == len(CONVERSATIONS))
    qtbot.waitUntil(lambda: shown.indexer.left == 0 and not shown.indexer.running, timeout=30000)
    qtbot.waitUntil(lambda: "(4, 2 non lu(s))" in subjects(shown)[0], timeout=10000)
    assert shown.messages.rowCount() == len(CONVERSATIONS)

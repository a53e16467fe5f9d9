"""Folders in the window (issue 20, item 3), offscreen: the tree with unread counts and her
local places, its context menu (create, rename, move, delete, mark read), messages dropped
on a folder (moved, Ctrl copies), "A" archiving into Archives/AAAA, the Inbox chosen after a
first sync, and the server's refusals shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QItemSelectionModel, QMimeData, QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from app.store.archive import archive_year
from app.store.changes import LocalChanges
from app.store.db import Folder, HeaderRow, Store
from app.store.views import Scope
from app.ui import message_drag
from app.ui.folder_actions import FolderActions
from app.ui.folder_dialog import NewFolderDialog
from app.ui.main_window import MainWindow
from app.ui.models import ScopeRole
from tests.ui.conftest import OWNER, assert_not_blank, open_window


def find(shown: MainWindow, folder: str | None, account: str = OWNER) -> QModelIndex:
    """The tree's index for a folder (None: the account's row)."""
    wanted = Scope(account=account, folder=folder)
    pending = [shown.folders.index(r, 0) for r in range(shown.folders.rowCount())]
    while pending:
        index = pending.pop()
        if index.data(ScopeRole) == wanted:
            return index
        pending += [shown.folders.index(r, 0, index) for r in range(shown.folders.rowCount(index))]
    raise AssertionError(f"no {folder} in the tree")


def labels(shown: MainWindow) -> dict[str, str]:
    """Every folder's label, by its full name."""
    found = {}
    pending = [shown.folders.index(r, 0) for r in range(shown.folders.rowCount())]
    while pending:
        index = pending.pop()
        scope = index.data(ScopeRole)
        if isinstance(scope, Scope) and scope.folder:
            found[scope.folder] = index.data()
        pending += [shown.folders.index(r, 0, index) for r in range(shown.folders.rowCount(index))]
    return found


def choose(shown: MainWindow, rows: list[int]) -> None:
    """Several rows chosen, as with Ctrl-clicks. (Not QTest with Shift: QTest leaves the
    application's modifier state at Shift, and the next test's selectRow extends.)"""
    shown.list_view.selectRow(rows[0])
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows[1:]:
        shown.list_view.selectionModel().select(shown.messages.index(row, 0), flags)


def trigger(menu: QMenu, name: str) -> None:
    action = next(a for a in menu.actions() if a.objectName() == name)
    assert action.isEnabled(), name
    action.trigger()


def names(store: Store) -> set[str]:
    return {f.name for f in store.folders(store.accounts()[0])}


def queue(store: Store) -> list[tuple[str, str, str | None]]:
    return [(c.kind, c.folder, c.target) for c in LocalChanges(store).pending(store.accounts()[0])]


def test_the_tree_shows_counts_and_local_places_and_its_menu(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    assert shown._folder_scope() == Scope(account=OWNER, folder="INBOX")  # chosen at start
    assert {m.folder for m in (shown.messages.message(r) for r in range(7))} == {"INBOX"}
    shown_labels = labels(shown)
    assert shown_labels["INBOX"] == "Boîte de réception (3)"
    assert find(shown, "INBOX").data(Qt.ItemDataRole.FontRole).bold()
    assert shown_labels["Sent"] == "Envoyés"  # nothing unread: no count, not bold
    assert find(shown, "Sent").data(Qt.ItemDataRole.FontRole) is None
    assert shown_labels["Archives.2025"] == "2025 (4)"  # nested under "Archives"
    account = find(shown, None)
    places = [
        shown.folders.index(r, 0, account).data() for r in range(shown.folders.rowCount(account))
    ]
    assert places[0].startswith("Boîte de réception")
    assert "Boîte d'envoi" in places and "Brouillons" in places  # hers, in each account's tree

    menu = shown.folder_actions.build_context_menu(find(shown, "Résultats"))
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == [
        "Nouveau sous-dossier…",
        "Renommer le dossier…",
        "Déplacer le dossier…",
        "Supprimer le dossier…",
        "Marquer le dossier comme lu",
    ]
    inbox = shown.folder_actions.build_context_menu(find(shown, "INBOX"))
    enabled = {a.objectName(): a.isEnabled() for a in inbox.actions() if a.objectName()}
    assert enabled == {
        "new-folder": True,
        "rename-folder": False,  # the mail system's folders stay as they are
        "move-folder": False,
        "delete-folder": False,
        "mark-folder-read": True,
    }
    outbox = [
        r
        for r in range(shown.folders.rowCount(account))
        if "envoi" in shown.folders.index(r, 0, account).data()
    ]
    assert shown.folder_actions.build_context_menu(
        shown.folders.index(outbox[0], 0, account)
    ).isEmpty()
    assert shown.folder_actions.menu.title() == "Dossier"  # the same actions in the menu bar
    assert shown.folder_actions.menu in [
        a.menu() for m in shown.menuBar().actions() if m.menu() for a in m.menu().actions()
    ]

    # The screenshot: the tree, with its context menu open on "Résultats".
    shown.folder_view.expandAll()
    rect = shown.folder_view.visualRect(find(shown, "Résultats"))
    tree = shown.folder_view.grab().toImage()
    menu.adjustSize()
    popup = menu.grab().toImage()
    canvas = QImage(
        max(tree.width(), rect.right() + popup.width() + 20),
        max(tree.height(), rect.bottom() + popup.height() + 40),
        QImage.Format.Format_RGB32,
    )
    canvas.fill(Qt.GlobalColor.white)
    painter = QPainter(canvas)
    painter.drawImage(0, 0, tree)
    painter.drawImage(rect.center().x(), rect.bottom() + 4, popup)
    painter.end()
    canvas.save(str(artefacts / "folder-tree-context-menu.png"))
    tree.save(str(artefacts / "folder-tree.png"))
    assert_not_blank(artefacts / "folder-tree-context-menu.png")
    assert_not_blank(artefacts / "folder-tree.png")
    shown.folder_actions.menu.adjustSize()  # the menu bar's "Dossier", shortcuts shown
    shown.folder_actions.menu.grab().save(str(artefacts / "folder-menu.png"))
    assert_not_blank(artefacts / "folder-menu.png")


def test_create_rename_move_and_delete_from_the_context_menu(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    actions = shown.folder_actions
    answers = iter(["Cardiologie", "Échos", "Échographies"])
    monkeypatch.setattr(FolderActions, "ask_text", lambda *_a: next(answers))
    offered: list[str | None] = []  # the place the dialog proposes

    def new_folder(
        _self: object, _folders: object, parent: Folder | None
    ) -> tuple[str, Folder | None]:
        offered.append(parent.name if parent is not None else None)
        return next(answers), parent

    monkeypatch.setattr(FolderActions, "ask_new_folder", new_folder)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))

    trigger(actions.build_context_menu(find(shown, None)), "new-folder")  # on the account
    assert "Cardiologie" in names(mail_store)
    assert shown._folder_scope().folder == "Cardiologie"  # the new folder is chosen
    trigger(actions.build_context_menu(find(shown, "Cardiologie")), "new-folder")
    assert "Cardiologie.Échos" in names(mail_store)
    assert labels(shown)["Cardiologie.Échos"] == "Échos"  # nested, the leaf shown
    trigger(actions.build_context_menu(find(shown, "Cardiologie.Échos")), "rename-folder")
    assert "Cardiologie.Échographies" in names(mail_store)
    assert offered == [None, "Cardiologie"]

    places: list[list[str]] = []

    def top_level(_self: object, _title: str, _label: str, items: list[str]) -> int:
        places.append(items)
        return 0  # "(premier niveau du compte)"

    monkeypatch.setattr(FolderActions, "ask_item", top_level)
    trigger(actions.build_context_menu(find(shown, "Cardiologie.Échographies")), "move-folder")
    assert "Échographies" in names(mail_store) and "Cardiologie.Échographies" not in names(
        mail_store
    )
    assert "Cardiologie.Échographies" not in places[0]  # not into itself
    assert places[0][0] == "(premier niveau du compte)" and "Cardiologie" in places[0]

    asked: list[str] = []
    answer = QMessageBox.StandardButton.No

    def confirm(_p: object, _title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", confirm)
    trigger(actions.build_context_menu(find(shown, "Échographies")), "delete-folder")
    assert "Échographies" in names(mail_store)  # she said no
    assert "« Échographies » et ses 0 message(s)" in asked[0]
    answer = QMessageBox.StandardButton.Yes
    trigger(actions.build_context_menu(find(shown, "Échographies")), "delete-folder")
    assert "Échographies" not in names(mail_store)
    assert shown._folder_scope().folder == "INBOX"  # back to the Inbox, not a mixed list
    assert queue(mail_store) == [
        ("create_folder", "Cardiologie", "Cardiologie")
    ]  # the rest cancels out
    assert warnings == []

    answers = iter(["Cardiologie"])  # a name already taken: said to her, nothing changed
    trigger(actions.build_context_menu(find(shown, None)), "new-folder")
    assert warnings == ["Le dossier « Cardiologie » existe déjà."]

    answers = iter(["Courriers"])  # the menu bar's, with the Inbox open: at the top
    actions.new_folder.trigger()
    assert offered[-1] is None and "Courriers" in names(mail_store)
    answers = iter(["Reçus"])  # ... but "Nouveau sous-dossier…" on the Inbox: inside it
    trigger(actions.build_context_menu(find(shown, "INBOX")), "new-folder")
    assert offered[-1] == "INBOX" and "INBOX.Reçus" in names(mail_store)


def test_the_new_folder_dialog(qtbot: QtBot, mail_store: Store) -> None:
    folders = mail_store.folders(mail_store.accounts()[0])
    results = next(f for f in folders if f.name == "Résultats")
    dialog = NewFolderDialog(folders, results)
    qtbot.addWidget(dialog)
    assert dialog.place.currentText() == "Résultats"  # the folder she was on
    assert not dialog.ok.isEnabled()  # no name yet
    qtbot.keyClicks(dialog.name, "  Biologie ")
    assert dialog.ok.isEnabled()
    assert dialog.chosen() == ("Biologie", results)
    dialog.place.setCurrentIndex(0)
    assert dialog.place.currentText() == "(premier niveau du compte)"
    assert dialog.chosen() == ("Biologie", None)


def test_the_menu_bar_actions_follow_the_chosen_folder(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    actions = shown.folder_actions
    assert not actions.rename.isEnabled() and actions.mark_read.isEnabled()  # the Inbox
    shown.folder_view.setCurrentIndex(find(shown, "Résultats"))
    assert actions.rename.isEnabled() and actions.delete.isEnabled()
    assert shown.archive_action.shortcut().toString() == "A"


def test_mark_a_folder_read(qtbot: QtBot, mail_store: Store, tmp_path: Path) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    trigger(shown.folder_actions.build_context_menu(find(shown, "Résultats")), "mark-folder-read")
    assert shown.folder_actions.running == 1  # off the GUI thread
    qtbot.waitUntil(lambda: shown.folder_actions.running == 0)
    assert labels(shown)["Résultats"] == "Résultats"  # no count, no longer bold
    assert find(shown, "Résultats").data(Qt.ItemDataRole.FontRole) is None
    assert not any(m.unread for m in mail_store.messages(folder="Résultats"))
    assert "marqué(s) comme lu(s)" in shown.statusBar().currentMessage()


def test_messages_dropped_on_a_folder_move_and_ctrl_copies(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    first, second = shown.messages.message(0), shown.messages.message(1)
    assert first is not None and second is not None
    rows = [shown.messages.index(0, 1), shown.messages.index(1, 1)]
    data = shown.messages.mimeData(rows)
    target = find(shown, "Résultats")
    folders = shown.folders
    assert not folders.canDropMimeData(data, Qt.DropAction.MoveAction, -1, -1, find(shown, None))
    assert folders.canDropMimeData(data, Qt.DropAction.MoveAction, -1, -1, target)

    assert folders.dropMimeData(data, Qt.DropAction.CopyAction, -1, -1, target)  # Ctrl held
    qtbot.waitUntil(lambda: shown.folder_actions.running == 0)
    assert shown.messages.rowCount() == 7  # copies: the Inbox keeps them
    assert len(mail_store.messages(folder="Résultats")) == 8

    data = shown.messages.mimeData(rows)
    assert folders.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, find(shown, "Résultats"))
    assert shown.statusBar().currentMessage() == "Déplacement de 2 message(s)…"  # meanwhile
    qtbot.waitUntil(lambda: shown.folder_actions.running == 0)
    assert shown.messages.rowCount() == 5  # moved out of the list she is looking at
    moved = mail_store.find(str(first.id))
    assert moved is not None and moved.folder == "Résultats"
    assert "déplacé(s) dans « Résultats »" in shown.statusBar().currentMessage()
    assert [k for k, _f, _t in queue(mail_store)] == ["copy", "copy", "move", "move"]

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    waiting = message_drag.encode([first.id])  # moved, not synced yet: cannot be copied
    assert folders.dropMimeData(waiting, Qt.DropAction.CopyAction, -1, -1, find(shown, "Sent"))
    qtbot.waitUntil(lambda: shown.folder_actions.running == 0)
    assert warnings == [
        "Ce message attend encore la synchronisation : copiez-le après la prochaine "
        "synchronisation."
    ]
    assert len(mail_store.messages(folder="Sent")) == 18  # nothing copied

    # A real drag: the list offers its rows, a drop on the tree's item takes them.
    assert shown.list_view.dragEnabled() and shown.folder_view.acceptDrops()
    assert shown.list_view.defaultDropAction() == Qt.DropAction.MoveAction  # Ctrl: copy


def test_archive_key_files_the_selected_messages_by_year(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    chosen = [shown.messages.message(r) for r in (0, 1, 2)]
    years = {archive_year(m.date) for m in chosen if m is not None}
    choose(shown, [0, 1, 2])
    assert len(shown._selected_ids()) == 3
    shown.activateWindow()  # a window shortcut: the window must be the active one
    qtbot.waitUntil(shown.isActiveWindow)
    QTest.keyClick(shown.list_view, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: shown.folder_actions.running == 0)
    assert shown.messages.rowCount() == 4
    for message in chosen:
        assert message is not None
        archived = mail_store.find(str(message.id))
        assert archived is not None and archived.folder == f"Archives.{archive_year(message.date)}"
    assert {f"Archives.{y}" for y in years} <= set(labels(shown))
    assert "archivé(s) dans « Archives." in shown.statusBar().currentMessage()
    following = shown.messages.message(0)  # the one after them is shown, not an archived one
    assert following is not None and shown._selected() == following
    qtbot.waitUntil(lambda: following.subject[:20] in shown.reader.headers.text())


def test_delete_takes_every_chosen_message_asking_once(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    asked: list[str] = []

    def confirm(_p: object, title: str, _text: str) -> QMessageBox.StandardButton:
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", confirm)
    choose(shown, [0, 1])
    shown.delete_selected()  # no trash on this account: asked once for both
    assert asked == ["Supprimer définitivement ?"]
    assert shown.messages.rowCount() == 5 and len(mail_store.messages(folder="INBOX")) == 5


@pytest.fixture
def new_store(tmp_path: Path) -> Iterator[Store]:
    """The store right after the first-run wizard: an account, no folder yet."""
    store = Store.open(tmp_path / "profile")
    yield store
    store.close()


def test_the_inbox_is_chosen_once_the_first_sync_brings_folders(
    qtbot: QtBot, new_store: Store, tmp_path: Path
) -> None:
    store = new_store
    account = store.add_account(OWNER, "card", "imaps://imap.test")
    shown = open_window(qtbot, store, tmp_path)
    assert not shown.folder_view.currentIndex().isValid()  # nothing to choose yet
    for name, use, uid in (("Sent", "Sent", 1), ("INBOX", "Inbox", 2), ("Trash", "Trash", 3)):
        store.upsert_folder(account, name, "/", use, True)
        folder = next(f for f in store.folders(account) if f.name == name)
        raw = f"Subject: {name}\r\nMessage-ID: <{uid}@test>\r\n\r\nx\r\n".encode()
        store.add_headers(folder, [HeaderRow(uid, (), None, len(raw), None, raw)])
    shown._reload_keeping_selection()  # a refresh before the sync ends (a flag, a send)
    shown._account_done(OWNER, SimpleNamespace(new=3, refused=[], flags_refused=0))
    assert shown._folder_scope() == Scope(account=OWNER, folder="INBOX")
    assert shown.messages.rowCount() == 1  # the Inbox alone, not Sent and Trash mixed in


def test_what_the_server_refused_is_shown(qtbot: QtBot, mail_store: Store, tmp_path: Path) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    refusal = "Le serveur a refusé de créer le dossier « Cardiologie »."
    shown._account_done(OWNER, SimpleNamespace(new=0, refused=[refusal], flags_refused=0))
    assert shown.error_bar.isVisible()
    assert shown.error_bar.text.text() == f"{OWNER} : {refusal}"
    assert not shown.error_bar.again.isVisible()  # syncing again would not change it


def test_a_right_click_opens_the_menu_on_the_folder_under_the_mouse(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    rect = shown.folder_view.visualRect(find(shown, "Résultats"))
    shown.folder_actions.show_context_menu(rect.center())
    menu = shown.folder_actions.context
    assert menu is not None and menu.isVisible()
    assert next(a.objectName() for a in menu.actions() if a.objectName()) == "new-folder"
    menu.close()
    shown.folder_actions.show_context_menu(QPoint(5, shown.folder_view.height() - 5))  # empty


def test_a_drop_event_on_the_tree_with_ctrl_copies(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    """The events a real drag sends the tree's viewport: enter, move over "Résultats", drop."""
    shown = open_window(qtbot, mail_store, tmp_path)
    first = shown.messages.message(0)
    assert first is not None
    data = shown.messages.mimeData([shown.messages.index(0, 1)])
    viewport = shown.folder_view.viewport()
    where = QPointF(shown.folder_view.visualRect(find(shown, "Résultats")).center())
    actions = Qt.DropAction.MoveAction | Qt.DropAction.CopyAction
    ctrl = Qt.KeyboardModifier.ControlModifier
    left = Qt.MouseButton.LeftButton
    enter = QDragEnterEvent(where.toPoint(), actions, data, left, ctrl)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    over = QDragMoveEvent(where.toPoint(), actions, data, left, ctrl)
    QApplication.sendEvent(viewport, over)
    assert over.isAccepted() and over.dropAction() == Qt.DropAction.CopyAction
    QApplication.sendEvent(viewport, QDropEvent(where, actions, data, left, ctrl))
    qtbot.waitUntil(lambda: shown.folder_actions.running == 0)
    assert shown.messages.rowCount() == 7  # copied: still in the Inbox
    copies = [m for m in mail_store.messages(folder="Résultats") if m.subject == first.subject]
    assert len(copies) == 1

    on_account = QDragMoveEvent(  # the account's own row holds no mail
        QPoint(5, shown.folder_view.visualRect(find(shown, None)).center().y()),
        actions,
        data,
        left,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, on_account)
    assert not on_account.isAccepted()


@pytest.mark.parametrize(
    ("payload", "ids"),
    [
        (b"", []),
        (b"{", []),
        (b'{"ids": [1]}', []),
        (b'[1, "2", true, null, 3]', [1, 3]),
        (b"\xff\xfe", []),
    ],
)
def test_a_foreign_or_damaged_drag_carries_nothing(payload: bytes, ids: list[int]) -> None:
    data = QMimeData()
    data.setData(message_drag.MESSAGE_IDS, payload)
    assert message_drag.decode(data) == ids
    data = QMimeData()
    data.setText("12")  # another program's text: not ours
    assert message_drag.decode(data) == []

"""The menu bar in Thunderbird's order carrying every command with its shortcut, the
toolbar's icons, the right-click menus (messages, column titles, folders, attachments,
addresses) and the message list's columns and sort, remembered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from app.store.db import Store
from app.store.views import Scope
from app.ui import icons, list_loader
from app.ui.main_window import MainWindow
from app.ui.menus import MESSAGE_ENTRIES
from app.ui.models import OUTBOX, MessageListModel, ScopeRole
from tests.lab.xvfb import XServer
from tests.ui.conftest import OWNER, assert_not_blank, open_window

ROOT = Path(__file__).resolve().parents[2]

THUNDERBIRD_ORDER = ["Fichier", "Édition", "Affichage", "Aller", "Message", "Outils", "Aide"]
SHORTCUTS = {  # every shortcut the window had before the menus, and the new ones
    "get-mail": "F5",
    "write": "Ctrl+N",
    "reply": "Ctrl+R",
    "reply-all": "Ctrl+Shift+R",
    "forward": "Ctrl+L",
    "directory": "Ctrl+Shift+B",
    "search": "Ctrl+Shift+K",
    "delete": "Del",
    "toggle-read": "M",
    "toggle-flag": "S",
    "next-unread": "N",
    "next": "F",
    "previous": "B",
    "file": "C",
    "print": "Ctrl+P",
    "patients": "Ctrl+Shift+P",
    "lock": "Ctrl+Alt+L",
    "quit": "Ctrl+Q",
    "tracking": "Ctrl+Shift+E",
}


def entries(menu: QMenu) -> list[QAction]:
    """Every action of ``menu`` and its submenus."""
    found = []
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            found += entries(sub)
        elif not action.isSeparator():
            found.append(action)
    return found


def over(window: QWidget, menu: QMenu) -> QPixmap:
    """The window with ``menu`` drawn where it opened (offscreen, popups are separate)."""
    picture = window.grab()
    painter = QPainter(picture)
    painter.drawPixmap(window.mapFromGlobal(menu.pos()), menu.grab())
    painter.end()
    return picture


def open_menu(qtbot: QtBot, shown: MainWindow, key: str) -> QMenu:
    menu = shown.menu_bar.menus[key]
    where = shown.menuBar().actionGeometry(menu.menuAction()).bottomLeft()
    menu.popup(shown.menuBar().mapToGlobal(where))
    qtbot.waitUntil(menu.isVisible)
    return menu


def test_the_menus_follow_thunderbird_and_carry_every_command(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    titles = [a.text().replace("&", "") for a in shown.menuBar().actions()]
    assert titles == THUNDERBIRD_ORDER
    in_menus = {a.objectName(): a for menu in shown.menu_bar.menus.values() for a in entries(menu)}
    missing = [key for key in shown.commands if key not in in_menus]
    assert missing == []  # every command is in a menu
    for key, keys in SHORTCUTS.items():
        action = in_menus[key]
        assert action.shortcut().toString() == keys, key  # shown beside the entry
    assert in_menus["print"].shortcut() == QKeySequence(QKeySequence.StandardKey.Print)
    assert all(f in in_menus.values() for f in shown.filters.values())  # Affichage > Filtres
    # the window's own shortcuts are these actions: no other, unreachable, action is left
    hidden = [
        a.text() for a in shown.actions() if a.shortcut().toString() and a not in in_menus.values()
    ]
    assert hidden == []

    menu = open_menu(qtbot, shown, "message")
    over(shown, menu).save(str(artefacts / "menu-message.png"))
    assert_not_blank(artefacts / "menu-message.png")
    menu.hide()
    menu = open_menu(qtbot, shown, "view")
    assert menu.findChild(QMenu, "menu-columns") is not None
    assert menu.findChild(QMenu, "menu-sort") is not None
    over(shown, menu).save(str(artefacts / "menu-affichage.png"))
    menu.hide()


def test_a_menu_entry_does_what_its_shortcut_does(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    shown.list_view.selectRow(0)
    shown.commands["next"].trigger()
    assert shown.list_view.currentIndex().row() == 1
    shown.commands["previous"].trigger()
    assert shown.list_view.currentIndex().row() == 0
    unread_before = shown.messages.message(0).unread  # type: ignore[union-attr]
    assert unread_before is False  # selected: read
    shown.commands["toggle-read"].trigger()
    assert shown.messages.message(0).unread  # type: ignore[union-attr]
    shown.commands["outbox"].trigger()
    assert shown._folder_scope() == Scope(account=OWNER, folder=OUTBOX)
    shown.commands["inbox"].trigger()
    assert shown._folder_scope() == Scope(account=OWNER, folder="INBOX")
    dialog = shown.menu_bar.show_shortcuts()
    qtbot.addWidget(dialog)
    listed = {
        dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text()
        for r in range(dialog.table.rowCount())
    }
    assert listed["Imprimer…"] == "Ctrl+P" and listed["Relever"] == "F5, Ctrl+T"


def test_the_toolbar_shows_icons_with_their_text(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    bar = shown.findChild(QToolBar, "main-toolbar")
    assert bar is not None
    assert bar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextUnderIcon
    buttons = [
        b for b in bar.findChildren(QToolButton) if b.defaultAction() in shown.commands.values()
    ]
    assert len(buttons) >= 7
    for button in buttons:
        assert button.text() and not button.icon().isNull(), button.text()
    for key in icons.NAMES:  # every icon is drawn, in colour (the font is there)
        image = icons.icon(key).pixmap(32, 32).toImage()
        assert not image.isNull(), key
        painted = {
            image.pixel(x, y)
            for x in range(32)
            for y in range(32)
            if QImage(image).pixelColor(x, y).alpha() > 0
        }
        assert painted, f"{key}: nothing drawn"


def test_right_click_on_a_message(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    shown.list_view.selectRow(0)
    menu = shown.list_menu.build(2)
    assert shown.list_view.currentIndex().row() == 2  # the right-click selects it first
    names = [a.objectName() for a in menu.actions() if not a.isSeparator()]
    assert [n for n in names if n in shown.commands] == [k for k in MESSAGE_ENTRIES if k]
    sender = next(a for a in menu.actions() if a.text().startswith("Expéditeur : "))
    assert sender.menu() is not None
    write = next(a for a in sender.menu().actions() if a.objectName() == "write-to")
    message = shown.messages.message(2)
    assert message is not None
    address = message.sender.rsplit("<", 1)[-1].rstrip(">")
    write.trigger()
    assert shown.composers[-1].to.text() == address
    shown.composers[-1].close()
    where = shown.list_view.visualRect(shown.messages.index(2, 1)).center()
    shown.list_menu.show_menu(where)
    assert shown.list_menu.menu is not None
    qtbot.waitUntil(shown.list_menu.menu.isVisible)
    over(shown, shown.list_menu.menu).save(str(artefacts / "menu-contextuel-message.png"))
    assert_not_blank(artefacts / "menu-contextuel-message.png")
    shown.list_menu.menu.hide()
    shown.commands["toggle-flag"].trigger()  # the same action as the menu's entry
    flagged = shown.messages.message(2)
    assert flagged is not None and "\\Flagged" in flagged.flags


def test_marking_read_in_the_unread_view_takes_it_out_elsewhere_keeps_it(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    everything = shown.messages.rowCount()
    shown.list_view.selectRow(0)  # read by opening it
    shown.commands["toggle-read"].trigger()  # unread again: same rows, drawn again
    assert shown.messages.rowCount() == everything and shown.messages.message(0).unread  # type: ignore[union-attr]
    shown.filters["unread"].setChecked(True)  # "Non lus": chosen by the flag
    unread = shown.messages.rowCount()
    assert 0 < unread < everything
    shown.list_view.selectRow(0)  # opened: read, still listed until she moves on
    shown.commands["toggle-read"].trigger()  # unread
    shown.commands["toggle-read"].trigger()  # read: the unread view lists it no more
    assert shown.messages.rowCount() == unread - 1


def test_a_sort_lists_the_messages_once(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed: list[str] = []
    real = list_loader.message_ids

    def counted(
        store: Store, scope: Scope, sort: str = "date", descending: bool = True
    ) -> list[int]:
        listed.append(sort)
        return real(store, scope, sort, descending)

    monkeypatch.setattr(list_loader, "message_ids", counted)
    shown = open_window(qtbot, mail_store, tmp_path)
    listed.clear()
    shown.menu_bar.header.sort_by(1)  # Affichage > Trier par > Objet
    assert listed == ["subject"]  # not twice (QTableView.sortByColumn asks the model twice)
    shown.menu_bar.header.sort_by(None, Qt.SortOrder.AscendingOrder)  # > Croissant
    assert listed == ["subject", "subject"]
    rows = [shown.messages.message(r) for r in range(shown.messages.rowCount())]
    subjects = [m.subject.casefold() for m in rows if m is not None]
    assert len(subjects) > 2 and subjects == sorted(subjects)


def test_columns_and_sort_chosen_from_the_header_are_remembered(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    first = open_window(qtbot, mail_store, tmp_path)
    header = first.list_view.horizontalHeader()
    first.menu_bar.header.show_menu(QPoint(10, 5))
    menu = first.menu_bar.header.menu
    assert menu is not None
    qtbot.waitUntil(menu.isVisible)
    over(first, menu).save(str(artefacts / "menu-colonnes.png"))
    columns = {a.objectName(): a for a in menu.actions()}
    assert not columns["column-1"].isEnabled()  # the subject always stays
    columns["column-2"].trigger()  # Expéditeur: hidden
    assert header.isSectionHidden(2)
    menu.hide()
    sort = QMenu()
    first.menu_bar.header.fill_sort(sort)
    next(a for a in sort.actions() if a.objectName() == "sort-1").trigger()  # by subject
    next(a for a in sort.actions() if a.objectName() == "order-AscendingOrder").trigger()
    assert (first.messages.sort_key, first.messages.descending) == ("subject", False)
    subjects = [first.messages.message(r).subject for r in range(3)]  # type: ignore[union-attr]
    assert subjects == sorted(subjects, key=str.casefold) or subjects == sorted(subjects)
    first.close()

    again = open_window(qtbot, mail_store, tmp_path)
    header = again.list_view.horizontalHeader()
    assert header.isSectionHidden(2)
    assert header.sortIndicatorSection() == 1
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert again.messages.sort_key == "subject"
    view = QMenu()
    again.menu_bar.header.fill_columns(view)  # Affichage > Colonnes says the same
    ticked = {a.objectName(): a.isChecked() for a in view.actions()}
    assert ticked["column-2"] is False and ticked["column-3"] is True
    assert MessageListModel.PATIENT_COLUMN == 4 and "column-4" in ticked


def test_right_click_on_folders_attachments_and_addresses(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    account = shown.folders.index(0, 0)
    menu = shown.menu_bar.folder_menu.build(account.data(ScopeRole))
    names = [a.objectName() for a in menu.actions()]
    assert "get-mail" in names and "add-account" in names
    inbox = shown.folders.index(0, 0, account)
    where = shown.folder_view.visualRect(inbox).center()
    shown.menu_bar.folder_menu.show_menu(where)
    folder_menu = shown.menu_bar.folder_menu.menu
    assert folder_menu is not None
    assert "search" in [a.objectName() for a in folder_menu.actions()]
    qtbot.waitUntil(folder_menu.isVisible)
    over(shown, folder_menu).save(str(artefacts / "menu-contextuel-dossier.png"))
    folder_menu.hide()

    shown.search.setText("IHE_XDM")
    shown.search_feedback.now()
    shown.list_view.selectRow(0)
    reader = shown.reader
    qtbot.waitUntil(lambda: reader.attachments.count() > 1)
    attachment = shown.menu_bar.attachment_menu.build(1)
    assert attachment is not None and reader.attachments.currentRow() == 1
    labels = [a.text() for a in attachment.actions()]
    assert labels[:3] == ["Ouvrir", "Enregistrer sous…", "Classer…"]

    headers = shown.menu_bar.header_menu.build()
    assert headers is not None
    titles = [a.text() for a in headers.actions()]
    assert titles[0].startswith("De : ") and any(t.startswith("À : ") for t in titles)
    copy = next(
        a for a in headers.actions()[0].menu().actions() if a.objectName() == "copy-address"
    )
    copy.trigger()
    assert "@" in QGuiApplication.clipboard().text()
    assert QGuiApplication.clipboard().text() in titles[0]


@pytest.mark.skipif(sys.platform != "linux", reason="Qt's xcb platform is Linux's")
def test_the_menus_open_on_a_real_x_server(
    tmp_path: Path, artefacts: Path, x_server: XServer
) -> None:
    """Real popups under xcb (a real click on the menu bar; the X screen captured, menus
    drawn by the server), the icon fonts loaded there too."""
    env = {**os.environ, **x_server.env, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.menus_on_x", str(tmp_path / "profile"), str(artefacts)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["platform"] == "xcb"
    assert seen["menu"][:4] == ["Écrire", "Répondre", "Répondre à tous", "Transférer"]
    assert "Ctrl+R" in seen["shortcuts"] and "Del" in seen["shortcuts"]
    assert seen["context"][0] == "Répondre" and seen["context_icons"] >= 8
    for name in ("menu-message-xcb.png", "menu-contextuel-xcb.png"):
        assert_not_blank(artefacts / name)

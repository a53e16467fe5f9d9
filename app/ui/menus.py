"""The menu bar, in Thunderbird's order (Fichier, Édition, Affichage, Aller, Message, Outils,
Aide), made of the window's commands (``ActionsWindow.commands``): each entry shows its
shortcut, and the same action serves the toolbar and the right-click menus. The right-click
menus (message list, column titles, folders, attachments, addresses) are installed here too.

Other parts of the window add their entries to ``MenuBar.menus[key]`` (keys: ``MENUS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ops.outbox import Draft
from app.store.views import Scope
from app.ui.context_menus import AddressActions, AttachmentMenu, Entries, FolderMenu, HeaderMenu
from app.ui.icons import icon
from app.ui.list_header import ListHeader
from app.ui.models import DRAFTS, OUTBOX

if TYPE_CHECKING:
    from app.ui.window_actions import ActionsWindow

MENUS = ("file", "edit", "view", "go", "message", "tools", "help")
MESSAGE_ENTRIES = (
    "reply", "reply-all", "forward", None, "toggle-read", "toggle-flag", None, "file",
    "send-documents", "print", None, "archive", "delete",
)  # fmt: skip
"""The message list's right-click menu (the patient's entries follow: list_menu.py)."""


class MenuBar(QObject):
    """Builds ``window``'s menu bar and right-click menus from its commands."""

    def __init__(self, window: ActionsWindow) -> None:
        super().__init__(window)
        self.window = window
        self.shortcuts: ShortcutsDialog | None = None
        window._command(
            "tracking", self.tr("Suivi des envois…"), window.open_tracking, ("Ctrl+Shift+E",)
        )
        window._command("shortcuts", self.tr("Raccourcis clavier…"), self.show_shortcuts)
        titles = (
            self.tr("&Fichier"),
            self.tr("É&dition"),
            self.tr("&Affichage"),
            self.tr("A&ller"),
            self.tr("&Message"),
            self.tr("&Outils"),
            self.tr("Aid&e"),
        )
        bar = window.menuBar()
        self.menus: dict[str, QMenu] = {}
        for key, title in zip(MENUS, titles, strict=True):
            menu = bar.addMenu(title)
            menu.setObjectName(f"menu-{key}")
            self.menus[key] = menu
        self.header = ListHeader(window.list_view, window.messages)
        self._file()
        self._fill("edit", ("delete", None, "search"))
        self._view()
        self._fill("go", ("next", "previous", "next-unread", None, "inbox", "drafts", "outbox"))
        self._fill(
            "message",
            ("write", "reply", "reply-all", "forward", None, "toggle-read", "toggle-flag", None,
             "file", "send-documents", "results", None, "delete"),
        )  # fmt: skip
        self._fill(
            "tools",
            (
                "directory",
                "patients",
                "filing-queue",
                "tracking",
                None,
                "filing-journal",
                "audit-trail",
            ),
        )
        self._fill("help", ("shortcuts",))
        self._context_menus()

    def _fill(self, key: str, entries: tuple[str | None, ...]) -> None:
        menu = self.menus[key]
        for entry in entries:
            if entry is None:
                menu.addSeparator()
            else:
                menu.addAction(self.window.commands[entry])

    def _file(self) -> None:
        menu = self.menus["file"]
        new = menu.addMenu(self.tr("Nouveau"))
        new.setObjectName("menu-new")
        new.addAction(self.window.commands["write"])
        new.addAction(self.window.commands["add-account"])
        self._fill(
            "file",
            ("get-mail", None, "print", "print-preview", "print-pdf", None, "lock", "quit"),
        )

    def _view(self) -> None:
        window, menu = self.window, self.menus["view"]
        toolbar = window.toolbar.toggleViewAction()
        toolbar.setText(self.tr("Barre d'outils"))
        menu.addAction(toolbar)
        status = menu.addAction(self.tr("Barre d'état"))
        status.setObjectName("status-bar")
        status.setCheckable(True)
        status.setChecked(True)
        status.toggled.connect(window.statusBar().setVisible)
        menu.addSeparator()
        columns = menu.addMenu(icon("columns"), self.tr("Colonnes"))
        columns.setObjectName("menu-columns")
        self.header.refilled(columns, self.header.fill_columns)
        order = menu.addMenu(icon("sort"), self.tr("Trier par"))
        order.setObjectName("menu-sort")
        self.header.refilled(order, self.header.fill_sort)
        filters = menu.addMenu(self.tr("Filtres"))
        filters.setObjectName("menu-filters")
        for action in window.filters.values():
            filters.addAction(action)

    # -- right-click menus ------------------------------------------------------------------

    def _context_menus(self) -> None:
        window, commands = self.window, self.window.commands
        self.addresses = AddressActions(self.write_to, self.look_up, self)
        window.list_menu.entries = lambda: [
            commands[k] if k is not None else None for k in MESSAGE_ENTRIES
        ]
        window.list_menu.addresses = self.addresses
        self.folder_menu = FolderMenu(window.folder_view, self.folder_entries)
        self.attachment_menu = AttachmentMenu(window.reader)
        self.header_menu = HeaderMenu(window.reader, self.addresses)

    def folder_entries(self, scope: Scope) -> Entries:
        commands = self.window.commands
        if scope.folder is None:  # an account
            return [commands["get-mail"], commands["write"], None, commands["add-account"]]
        if scope.folder in (OUTBOX, DRAFTS):
            return [commands["get-mail"], commands["write"]]
        return [commands["get-mail"], commands["write"], None, commands["search"]]

    def write_to(self, address: str) -> None:
        self.window._compose(Draft("", [address], "", ""))

    def look_up(self, address: str) -> None:
        panel = self.window.open_directory()
        panel.search_field.setText(address)
        panel.run_search()

    def show_shortcuts(self) -> ShortcutsDialog:
        self.shortcuts = ShortcutsDialog(self.window.commands.values(), self.window)
        self.shortcuts.show()
        return self.shortcuts


class ShortcutsDialog(QDialog):
    """Every command that has a shortcut, with it (made from the actions: always true)."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Raccourcis clavier"))
        listed = [
            (a.text().replace("&", ""), ", ".join(k.toString() for k in a.shortcuts()))
            for a in actions
            if a.shortcuts()
        ]
        self.table = QTableWidget(len(listed), 2, self)
        self.table.setHorizontalHeaderLabels([self.tr("Commande"), self.tr("Raccourci")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, (name, keys) in enumerate(listed):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnToContents(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(460, 520)

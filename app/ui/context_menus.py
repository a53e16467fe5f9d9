"""Right-click menus of the folder tree, the reader's attachments and the addresses of the
message shown (its header). The message list's own menu is ``list_menu.ListMenu``; the
column titles' is ``list_header.ListHeader``.

Each menu is built when asked (``build_*``: the tests open them), from the window's actions,
so that an entry does what the same entry of the menu bar does, with the same shortcut shown.
A right-click first selects what it is on, as in Thunderbird's lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from email.utils import getaddresses

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QLabel, QListWidget, QMenu, QTreeView

from app.store.views import Scope
from app.ui.icons import icon
from app.ui.models import ScopeRole
from app.ui.reader import Reader

Entries = Sequence[QAction | None]  # None: a separator


def addresses(text: str) -> list[str]:
    """The e-mail addresses in a header as the store keeps it ("Nom <a@b>, c@d")."""
    return [address for _name, address in getaddresses([text]) if "@" in address]


def add_entries(menu: QMenu, entries: Entries) -> None:
    for entry in entries:
        if entry is None:
            menu.addSeparator()
        elif entry.isVisible():
            menu.addAction(entry)


class AddressActions(QObject):
    """What can be done with an address: write to it, copy it, look it up."""

    def __init__(
        self, write_to: Callable[[str], object], look_up: Callable[[str], object], parent: QObject
    ) -> None:
        super().__init__(parent)
        self.write_to, self.look_up = write_to, look_up

    def add(self, menu: QMenu, address: str) -> None:
        write = menu.addAction(icon("write"), self.tr("Écrire à {0}").format(address))
        write.setObjectName("write-to")
        write.triggered.connect(lambda: self.write_to(address))
        copy = menu.addAction(icon("copy"), self.tr("Copier l'adresse"))
        copy.setObjectName("copy-address")
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(address))
        find = menu.addAction(icon("directory"), self.tr("Chercher dans le carnet d'adresses"))
        find.setObjectName("look-up-address")
        find.triggered.connect(lambda: self.look_up(address))


class HeaderMenu(QObject):
    """The addresses of the message in the reader's header (De, À, Copie)."""

    def __init__(self, reader: Reader, actions: AddressActions) -> None:
        super().__init__(reader)
        self.reader, self.actions = reader, actions
        self.menu: QMenu | None = None
        label: QLabel = reader.headers
        label.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        label.customContextMenuRequested.connect(self.show_menu)

    def build(self) -> QMenu | None:
        message = self.reader._message if self.reader.current is not None else None
        if message is None:
            return None
        menu = QMenu(self.reader.headers)
        for title, text in (
            (self.tr("De : {0}"), message.sender),
            (self.tr("À : {0}"), message.recipients),
        ):
            for address in addresses(text):
                self.actions.add(menu.addMenu(title.format(address)), address)
        return menu if not menu.isEmpty() else None

    def show_menu(self, position: QPoint) -> None:
        self.menu = self.build()
        if self.menu is not None:
            self.menu.popup(self.reader.headers.mapToGlobal(position))


class AttachmentMenu(QObject):
    """The reader's attachments: open, save, file into the patient's folder, send on."""

    def __init__(self, reader: Reader) -> None:
        super().__init__(reader)
        self.reader = reader
        self.menu: QMenu | None = None
        view: QListWidget = reader.attachments
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self.show_menu)

    def build(self, row: int) -> QMenu | None:
        reader = self.reader
        if not 0 <= row < reader.attachments.count():
            return None
        reader.attachments.setCurrentRow(row)
        menu = QMenu(reader.attachments)
        for key, button, slot in (
            ("open", reader.open, reader.open_attachment),
            ("save", reader.save, reader.save_attachment),
            ("file", reader.file, reader.file.click),
            ("send-documents", reader.send_on, reader.send_on.click),
        ):
            if button.isVisibleTo(reader):
                action = menu.addAction(icon(key), button.text())
                action.setObjectName(f"attachment-{key}")
                action.setToolTip(button.toolTip())
                action.triggered.connect(slot)
        return menu

    def show_menu(self, position: QPoint) -> None:
        view = self.reader.attachments
        item = view.itemAt(position)
        self.menu = self.build(view.row(item)) if item is not None else None
        if self.menu is not None:
            self.menu.popup(view.viewport().mapToGlobal(position))


class FolderMenu(QObject):
    """The folder tree: an account or a folder; ``entries(scope)`` gives the window's
    actions for it. More can be added by whoever needs to (``extra``: folder operations,
    account settings)."""

    def __init__(self, view: QTreeView, entries: Callable[[Scope], Entries]) -> None:
        super().__init__(view)
        self.view, self.entries = view, entries
        self.extra: list[Callable[[QMenu, Scope], None]] = []
        self.menu: QMenu | None = None
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self.show_menu)

    def build(self, scope: Scope) -> QMenu:
        menu = QMenu(self.view)
        add_entries(menu, self.entries(scope))
        for add in self.extra:
            add(menu, scope)
        menu.addSeparator()
        expand = menu.addAction(self.tr("Tout développer"))
        expand.triggered.connect(self.view.expandAll)
        collapse = menu.addAction(self.tr("Tout réduire"))
        collapse.triggered.connect(self.view.collapseAll)
        return menu

    def show_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        scope = index.data(ScopeRole) if index.isValid() else None
        if not isinstance(scope, Scope):
            return
        self.view.setCurrentIndex(index)  # what the entries act on
        self.menu = self.build(scope)
        self.menu.popup(self.view.viewport().mapToGlobal(position))

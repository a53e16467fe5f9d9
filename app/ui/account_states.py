"""Each account's state where she looks: under the account in the folder tree (an icon and a
line: connecté, hors ligne, carte retirée, identifiant refusé…; while a sync runs, the folder
it reads and how far it is), and in the status bar (every account, and a progress bar).

The folder tree is rebuilt after every sync (``FolderTreeModel.reload``): the accounts' rows
are decorated again as they are inserted, so the state survives the rebuild. A folder the
tree does not show yet (an account's first sync) has the tree rebuilt once (``refresh``):
she sees the folders arrive.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex
from PySide6.QtGui import QStandardItem
from PySide6.QtWidgets import QLabel, QProgressBar

from app.store.views import Scope
from app.ui.icons import icon
from app.ui.models import FolderTreeModel, ScopeRole
from app.ui.sync_worker import BUSY, PSC_AGAIN

KINDS = {  # the worker's account states (sync_worker.account_state): the icon shown
    "carte retirée": "card",
    "carte à vérifier": "card",
    "identifiant refusé": "refused",
    PSC_AGAIN: "refused",
    "certificat refusé": "refused",
    "hors ligne": "offline",
    BUSY: "busy",
    "erreur": "error",
}
_UNREAD_SUFFIX = re.compile(r" \(\d+\)$")


def kind_of(state: str) -> str:
    return KINDS.get(state, "error")


class AccountStates(QObject):
    """The accounts' states and the sync's progress, in ``folders`` and the status bar."""

    def __init__(
        self,
        folders: FolderTreeModel,
        label: QLabel,
        progress: QProgressBar,
        refresh: Callable[[], None],
    ) -> None:
        super().__init__(label)
        self.folders, self.label, self.progress = folders, label, progress
        self.refresh = refresh  # the window's: the tree rebuilt, the selection kept
        self.refreshed: set[str] = set()  # accounts whose tree was rebuilt during this sync
        self.states: dict[str, str] = {}  # address: what the status bar says of it
        self.short: dict[str, str] = {}  # address: the same in the folder tree's narrow line
        self.kinds: dict[str, str] = {}  # address: icon key (icons.NAMES)
        self.reading: dict[str, str] = {}  # address: the folder being synced (IMAP name)
        folders.rowsInserted.connect(self._inserted)

    # -- what the window tells -------------------------------------------------------------

    def set(self, address: str, kind: str, text: str, short: str | None = None) -> None:
        self.states[address], self.kinds[address] = text, kind
        self.short[address] = short or text
        if kind != "syncing":
            self._mark_folder(address, None)
        self._show(address)

    def progressed(self, address: str, phase: str, done: int, total: int, folder: str) -> None:
        counted = {
            "dossiers": self.tr("dossier {0}/{1}"),
            "en-têtes": self.tr("en-têtes {0}/{1}"),
            "messages": self.tr("messages {0}/{1}"),
        }.get(phase)
        step = counted.format(done, total) if counted else self.tr("envoi")
        place = self.folder_label(address, folder) if folder else ""
        text = self.tr("synchronisation : {0}").format(f"{place} — {step}" if place else step)
        if place and phase == "dossiers":
            short = f"{place}…"  # its headers' count follows, if any are new
        elif place and phase == "en-têtes":
            short = f"{place} {done}/{total}"
        else:
            short = step
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat("%v/%m")
        self.progress.setToolTip(f"{address} : {text}")
        self.progress.show()
        self._mark_folder(address, folder or None)
        self.set(address, "syncing", text, short)

    def finished(self) -> None:
        self.progress.hide()
        self.refreshed.clear()
        for address in list(self.reading):
            self._mark_folder(address, None)

    # -- showing -----------------------------------------------------------------------------

    def _show(self, address: str) -> None:
        self.label.setText(" · ".join(f"{a} : {s}" for a, s in self.states.items()))
        item = self._account_item(address)
        if item is not None:
            self._decorate(item, address)

    def _decorate(self, item: QStandardItem, address: str) -> None:
        state = self.states.get(address)
        if state is None:
            return
        item.setText(f"{address}\n{self.short.get(address, state)}")
        item.setIcon(icon(self.kinds.get(address, "error")))
        item.setToolTip(f"{address} : {state}")
        item.setAccessibleText(self.tr("Compte {0}, {1}").format(address, state))

    def _inserted(self, parent: QModelIndex | QPersistentModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        for row in range(first, last + 1):
            item = self.folders.item(row)
            scope = item.data(ScopeRole) if item is not None else None
            if item is not None and isinstance(scope, Scope) and scope.account:
                self._decorate(item, scope.account)

    def _account_item(self, address: str) -> QStandardItem | None:
        for row in range(self.folders.rowCount()):
            item = self.folders.item(row)
            if item is not None and item.data(ScopeRole) == Scope(account=address):
                return item
        return None

    def _folder_item(self, address: str, name: str) -> QStandardItem | None:
        top = self._account_item(address)
        pending = [top] if top is not None else []
        while pending:
            item = pending.pop()
            if item.data(ScopeRole) == Scope(account=address, folder=name):
                return item
            pending += [c for r in range(item.rowCount()) if (c := item.child(r)) is not None]
        return None

    def folder_label(self, address: str, name: str) -> str:
        """The folder as the tree names it (in French, without its unread count)."""
        item = self._folder_item(address, name)
        if item is None and address not in self.refreshed:
            self.refreshed.add(address)
            self.refresh()  # a folder the sync just found
            item = self._folder_item(address, name)
        return _UNREAD_SUFFIX.sub("", item.text()) if item is not None else name

    def _mark_folder(self, address: str, name: str | None) -> None:
        """The folder being synced gets the sync icon; the one before loses it."""
        before = self.reading.pop(address, None)
        if before is not None and before != name:
            item = self._folder_item(address, before)
            if item is not None:
                item.setIcon(icon(""))
        if name:
            self.reading[address] = name
            item = self._folder_item(address, name)
            if item is not None and before != name:
                item.setIcon(icon("syncing"))

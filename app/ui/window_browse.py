"""The main window's base: which folder and message are shown, kept in step with the store."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow, QTableView, QTreeView

from app.core.audit import Action
from app.store.db import MessageSummary, Store
from app.store.views import Scope, blob_digest
from app.ui.models import DRAFTS, OUTBOX, FolderTreeModel, MessageListModel, MessageRole, ScopeRole
from app.ui.reader import Reader
from app.ui.search_box import SearchFeedback
from app.ui.send_views import SendViews


class BrowsingWindow(QMainWindow):
    """The folder tree, the message list and the reader, kept in step (built by MainWindow)."""

    store: Store
    count: QLabel
    filters: dict[str, QAction]
    folder_view: QTreeView
    folders: FolderTreeModel
    list_view: QTableView
    messages: MessageListModel
    reader: Reader
    search: QLineEdit
    search_feedback: SearchFeedback
    send_views: SendViews
    inbox_shown = False  # a folder was selected for her (at start, or after the first sync)

    # -- what is shown --------------------------------------------------------------------

    def _select_first_folder(self) -> None:
        """The Inbox (else the first folder) of the first account that has folders, as mail
        clients open; nothing while none has: a list mixing the account's folders is never
        what she sees first."""
        for row in range(self.folders.rowCount()):
            account = self.folders.index(row, 0)
            children = [
                self.folders.index(r, 0, account) for r in range(self.folders.rowCount(account))
            ]
            folders = [
                c
                for c in children
                if getattr(c.data(ScopeRole), "folder", None) not in (None, OUTBOX, DRAFTS)
            ]
            inbox = next((c for c in folders if c.data(ScopeRole).folder.upper() == "INBOX"), None)
            chosen = inbox or (folders[0] if folders else None)
            if chosen is not None:
                self.folder_view.setCurrentIndex(chosen)
                self.inbox_shown = True
                return

    def _folder_scope(self) -> Scope:
        index = self.folder_view.currentIndex()
        scope = index.data(ScopeRole) if index.isValid() else None
        return scope if isinstance(scope, Scope) else Scope()

    def _folder_chosen(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._apply_scope()

    def _apply_scope(self) -> None:
        base = self._folder_scope()
        text = self.search.text().strip()
        scope = Scope(
            account=base.account,
            folder=None if text else base.folder,  # a search covers the whole account
            search=text or None,
            unread=self.filters["unread"].isChecked(),
            flagged=self.filters["flagged"].isChecked(),
            attachments=self.filters["attachments"].isChecked(),
            reports=self.filters["reports"].isChecked(),
        )
        self.messages.set_scope(scope)  # listed now, or later in the loader's thread
        self.reader.clear()
        self.send_views.follow(base, bool(text))

    def _list_loading(self) -> None:
        """A large scope is being listed off the GUI thread: the list shown stays, the count
        says so (no blank list meanwhile)."""
        searching = bool(self.search.text().strip())
        self.count.setText(self.tr("Recherche…") if searching else self.tr("Chargement…"))

    def _list_listed(self, how: str) -> None:
        """The list holds its new ids (``MessageListModel.listed``): the count and, for
        another scope, the reader emptied if nothing is selected in it."""
        if how == "reset" and not self.list_view.currentIndex().isValid():
            self.reader.clear()
        found = self.messages.rowCount()
        self.count.setText(
            self.tr("{0} résultat(s)").format(found)
            if self.messages.scope.search
            else self.tr("{0} message(s)").format(found)
        )
        self._say_found(found)

    def _say_found(self, found: int) -> None:
        """An empty list says why (a search, the filters, an empty folder)."""
        searching = bool(self.search.text().strip())
        filtering = any(f.isChecked() for f in self.filters.values())
        self.search_feedback.update(found, searching, filtering)

    def _message_chosen(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        message = indexes[0].data(MessageRole) if indexes else None
        if message is None:
            return
        self.reader.show_message(message, blob_digest(self.store, message.id))
        self.store.audited_message(
            Action.READ,
            message,
            request="copie locale (lecteur)",
        )
        if message.unread:
            self.store.change_flags(message, ["\\Seen"])  # read: locally now, server later
            self._refresh_counts()

    def _selected(self) -> MessageSummary | None:
        index = self.list_view.currentIndex()
        message = index.data(MessageRole) if index.isValid() else None
        return message if isinstance(message, MessageSummary) else None

    def _selected_ids(self) -> list[int]:
        """The messages chosen in the list (several with Ctrl or Shift), in list order; a
        collapsed conversation's head brings its replies (``with_hidden``)."""
        model = self.list_view.selectionModel()
        rows = sorted(model.selectedRows(), key=lambda i: i.row()) if model else []
        ids = [m.id for m in (i.data(MessageRole) for i in rows) if isinstance(m, MessageSummary)]
        current = self._selected()
        return self.messages.with_hidden(ids or ([current.id] if current is not None else []))

    def _refresh_counts(self) -> None:
        current = self._folder_scope()
        self.folder_view.selectionModel().blockSignals(True)
        self.folders.reload()
        self.folder_view.expandAll()
        self._reselect(current)
        self.folder_view.selectionModel().blockSignals(False)
        self.messages.invalidate()  # bold rows follow the new flags

    def _reselect(self, scope: Scope) -> None:
        pending = [self.folders.index(r, 0) for r in range(self.folders.rowCount())]
        while pending:  # match() cannot compare Python objects stored in items
            index = pending.pop()
            if index.data(ScopeRole) == scope:
                self.folder_view.setCurrentIndex(index)
                return
            pending += [
                self.folders.index(r, 0, index) for r in range(self.folders.rowCount(index))
            ]

    def _reload_keeping_selection(self) -> None:
        """The store changed (a sync, a flag): same message selected, wherever it moved."""
        selected = self._selected()
        self.messages.refresh()
        if selected is not None:  # once listed: now, or later off the GUI thread
            self.messages.after_listed(lambda: self._reselect_message(selected.id))
        self._refresh_counts()

    def _select_near(self, row: int) -> None:
        """The message now at ``row`` (the one after those that left the list), or the last."""
        if self.messages.rowCount():
            self.list_view.selectRow(min(row, self.messages.rowCount() - 1))

    def _reselect_message(self, message_id: int) -> None:
        row = self.messages.row_of(message_id)
        if row is not None:
            self.list_view.selectionModel().blockSignals(True)
            self.list_view.selectRow(row)
            self.list_view.selectionModel().blockSignals(False)

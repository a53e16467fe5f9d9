"""Item models over the local store: the folder tree and the message list.

The message list holds only the ids of its scope, in display order; rows are read from the
store a page at a time when the view asks for them, and a bounded number of pages is kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QStyle

from app.mssante.subject import displayed
from app.ops.patient_mail import PatientBook, PatientSender
from app.store.db import Folder, MessageSummary, Store
from app.store.drafts import DraftStore
from app.store.folder_roles import folder_role
from app.store.views import (
    Scope,
    Threaded,
    folder_counts,
    scope_size,
    summaries,
    thread_unread,
)
from app.ui import list_columns, message_drag
from app.ui.list_loader import ListLoader, ListRequest, listing
from app.ui.thread_order import ThreadMark, ThreadOrder

PAGE = 200
PAGES_KEPT = 40
LISTED_AT_ONCE = 10_000
"""A scope of at most this many messages is listed in the GUI thread (tens of ms); a larger
one in the list loader's thread (app/ui/list_loader.py), the list shown meanwhile kept."""
PATIENT_BACKGROUND = "#ede9fe"  # a patient's mail (ECO.3.1.1): not told by the domain alone

SPECIAL_NAMES: dict[str, str] = {  # translated with the FolderTreeModel context
    "Inbox": str(QT_TRANSLATE_NOOP("FolderTreeModel", "Boîte de réception")),
    "Sent": str(QT_TRANSLATE_NOOP("FolderTreeModel", "Envoyés")),
    # "Brouillons": hers, here first (OUTBOX_PLACES)
    "Drafts": str(QT_TRANSLATE_NOOP("FolderTreeModel", "Brouillons (serveur)")),
    "Trash": str(QT_TRANSLATE_NOOP("FolderTreeModel", "Corbeille")),
    "Junk": str(QT_TRANSLATE_NOOP("FolderTreeModel", "Indésirables")),
    "Archive": str(QT_TRANSLATE_NOOP("FolderTreeModel", "Archives")),
}
SPECIAL_ORDER = ["Inbox", "Drafts", "Sent", "Archive", "Junk", "Trash"]

OUTBOX = "\0outbox"  # the folder of a Scope naming the outbox: no IMAP name holds a NUL
DRAFTS = "\0drafts"  # ... and her drafts (app/ui/send_views.py shows both)

ScopeRole = Qt.ItemDataRole.UserRole + 1
MessageRole = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


class FolderTreeModel(QStandardItemModel):
    """Accounts, then their folders (nested by the server's delimiter), with unread counts.
    Messages dropped on a folder: ``dropped(ids, scope, copy)`` (the window acts)."""

    dropped = Signal(list, object, bool)

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setHorizontalHeaderLabels([self.tr("Dossiers")])
        self.reload()

    def reload(self) -> None:
        self.clear()
        self.setHorizontalHeaderLabels([self.tr("Dossiers")])
        root = self.invisibleRootItem()
        for account in self.store.accounts():
            top = QStandardItem(account.address)
            top.setEditable(False)
            top.setDragEnabled(False)
            top.setDropEnabled(False)
            top.setData(Scope(account=account.address), ScopeRole)
            top.setAccessibleText(self.tr("Compte {0}").format(account.address))
            root.appendRow(top)
            counts = folder_counts(self.store, account.address)
            items: dict[str, QStandardItem] = {}
            folders = sorted(
                self.store.folders(account),
                key=lambda f: (
                    SPECIAL_ORDER.index(_use(f) or "")
                    if _use(f) in SPECIAL_ORDER
                    else len(SPECIAL_ORDER),
                    f.name.casefold(),
                ),
            )
            for folder in sorted(folders, key=lambda f: f.name.count(f.delimiter or "\0")):
                parent_name, _, leaf = (
                    folder.name.rpartition(folder.delimiter) if folder.delimiter else ("", "", "")
                )
                if parent_name and parent_name not in items:  # a parent the server hides
                    items[parent_name] = _placeholder(parent_name, folder.delimiter or "", top)
                special = SPECIAL_NAMES.get(_use(folder) or "")
                label = self.tr(special) if special else leaf or folder.name
                count = counts.get(folder.name)
                unread = count.unread if count else 0
                item = QStandardItem(f"{label} ({unread})" if unread else label)
                item.setEditable(False)
                item.setDragEnabled(False)
                item.setDropEnabled(folder.selectable)
                item.setData(Scope(account=account.address, folder=folder.name), ScopeRole)
                item.setToolTip(folder.name)
                if unread:
                    font = QFont()
                    font.setBold(True)
                    item.setFont(font)
                if not folder.selectable:
                    item.setEnabled(False)
                (items.get(parent_name) or top).appendRow(item)
                items[folder.name] = item
            self._local_places(top, account.address)

    def _local_places(self, top: QStandardItem, address: str) -> None:
        """ "Boîte d'envoi" (unsent count, red when a send failed) and "Brouillons"."""
        unsent, problems = outbox_counts(self.store, address)
        label = self.tr("Boîte d'envoi")
        outbox = QStandardItem(f"{label} ({unsent})" if unsent else label)
        outbox.setData(Scope(account=address, folder=OUTBOX), ScopeRole)
        outbox.setAccessibleText(
            self.tr(
                "Boîte d'envoi, {0} message(s) non envoyé(s), {1} en échec ou incertain(s)"
            ).format(unsent, problems)
        )
        if problems:
            font = QFont()
            font.setBold(True)
            outbox.setFont(font)
            outbox.setForeground(QColor("#b91c1c"))
        drafts = DraftStore(self.store).count(address)
        label = self.tr("Brouillons")
        kept = QStandardItem(f"{label} ({drafts})" if drafts else label)
        kept.setData(Scope(account=address, folder=DRAFTS), ScopeRole)
        for item in (outbox, kept):
            item.setEditable(False)
            item.setDragEnabled(False)
            item.setDropEnabled(False)
            top.appendRow(item)

    # -- messages dropped on a folder -------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [message_drag.MESSAGE_IDS]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: _Index
    ) -> bool:
        scope = parent.data(ScopeRole) if parent.isValid() else None
        folder = getattr(scope, "folder", None)
        return (
            bool(message_drag.decode(data))
            and folder is not None
            and folder not in (OUTBOX, DRAFTS)
            and bool(self.flags(parent) & Qt.ItemFlag.ItemIsDropEnabled)
        )

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: _Index
    ) -> bool:
        """Dropped on a folder (not between rows): Ctrl held copies, else it moves."""
        if row != -1 or not self.canDropMimeData(data, action, row, column, parent):
            return False
        if action not in (Qt.DropAction.MoveAction, Qt.DropAction.CopyAction):
            return False
        self.dropped.emit(
            message_drag.decode(data), parent.data(ScopeRole), action == Qt.DropAction.CopyAction
        )
        return True  # taken: the window moves them (the list's removeRows does nothing)


def outbox_counts(store: Store, address: str) -> tuple[int, int]:
    """(messages not sent yet, of which failed or uncertain) in an account's outbox."""
    row = store.db.execute(
        "SELECT count(*), sum(o.state IN ('failed', 'uncertain')) FROM outbox o "
        "JOIN accounts a ON a.id = o.account_id WHERE a.address = ? AND o.state != 'sent'",
        (address,),
    ).fetchone()
    return int(row[0]), int(row[1] or 0)


def _use(folder: Folder) -> str | None:
    return folder_role(folder.name, folder.delimiter, folder.special_use)


def _placeholder(name: str, delimiter: str, top: QStandardItem) -> QStandardItem:
    """A folder that only holds folders (not listed by the server, or not selectable)."""
    item = QStandardItem(name.rpartition(delimiter)[2] if delimiter else name)
    item.setEditable(False)
    item.setSelectable(False)
    item.setDragEnabled(False)
    item.setDropEnabled(False)
    top.appendRow(item)
    return item


class MessageListModel(QAbstractTableModel):
    """The scope's ids in display order, rows read a page at a time. Listing the ids of a
    large scope runs in the list loader's thread: until they arrive the list shown stays
    (``loading`` is True, ``loading_started`` told), then ``listed`` tells how they came in:
    "reset" (another scope), "relayout" (another order) or "refresh" (the store changed)."""

    loading_started = Signal()
    listed = Signal(str)

    COLUMNS: tuple[str, ...] = (
        "",
        str(QT_TRANSLATE_NOOP("MessageListModel", "Objet")),
        str(QT_TRANSLATE_NOOP("MessageListModel", "Expéditeur")),
        str(QT_TRANSLATE_NOOP("MessageListModel", "Date")),
        str(QT_TRANSLATE_NOOP("MessageListModel", "Patient")),
    )
    SORT_KEYS: ClassVar[dict[int, str]] = {1: "subject", 2: "sender", 3: "date", 4: "patient"}
    PATIENT_COLUMN = 4

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.scope = Scope()
        self.sort_key, self.descending = "date", True
        self._ids: list[int] = []
        self._pages: OrderedDict[int, dict[int, MessageSummary]] = OrderedDict()
        self.patient_filter: str | None = None  # only this patient's messages
        self.patients: PatientBook | None = None  # set by the window: patients' mail marked
        # By conversation (Affichage > Fils de discussion, app/ui/list_threads.py): the
        # conversations collapsed (keys, kept across reloads) and the heads' unread counts,
        # read with their page (they follow her reading at once).
        self.threaded = False
        self.collapsed: set[str] = set()
        self._order: ThreadOrder | None = None
        self._unread: dict[str, int] = {}
        self.listed_at_once = LISTED_AT_ONCE
        self.loader: ListLoader | None = None  # started with the first large scope
        self._closed = False  # the window closed: listed at once again, as before
        self._pending: str | None = None  # how the ids being listed will come in
        self._request = 0  # the loader's number for them
        self._after: list[Callable[[], None]] = []

    def patient_of(self, message: MessageSummary) -> PatientSender | None:
        return self.patients.sender(message.sender) if self.patients is not None else None

    # -- what is shown --------------------------------------------------------------------

    def set_scope(self, scope: Scope) -> None:
        self.scope = replace(scope, patient=self.patient_filter)
        self._after.clear()  # what waited on the list shown before is moot
        self._list("reset")

    @property
    def loading(self) -> bool:
        """The ids are being listed in the loader's thread; the list shown is the previous."""
        return self._pending is not None

    def after_listed(self, then: Callable[[], None]) -> None:
        """``then()`` once the list holds the ids asked last: now if it does already."""
        if self._pending is None:
            then()
        else:
            self._after.append(then)

    def _list(self, how: str) -> None:
        """List the ids again (scope, sort, store changed), at once if the scope is small,
        else in the loader's thread; ``how`` they come in: the stronger of two asked."""
        if self._pending is not None and _STRENGTH[self._pending] > _STRENGTH[how]:
            how = self._pending
        request = ListRequest(self.scope, self.sort_key, self.descending, self.threaded)
        if self._closed or scope_size(self.store, self.scope) <= self.listed_at_once:
            if self.loader is not None:
                self.loader.cancel()
            self._pending = None
            self._apply(how, listing(self.store, request))
            return
        if self.loader is None:
            self.loader = ListLoader(self.store.blobs.root.parent, self)
            queued = Qt.ConnectionType.QueuedConnection
            self.loader.listed.connect(self._listed, queued)
            self.loader.failed.connect(self._failed, queued)
        started = self._pending is None
        self._pending = how
        self._request = self.loader.request(request)
        if started:
            self.loading_started.emit()

    def _listed(self, number: int, rows: list[int] | Threaded) -> None:
        if number != self._request or self._pending is None:
            return  # a newer request is on its way (or the list was listed at once)
        how, self._pending = self._pending, None
        self._apply(how, rows)

    def _failed(self, number: int, error: BaseException) -> None:
        if number != self._request or self._pending is None:
            return
        self._pending = None
        self._after.clear()
        raise error  # as when listed in the GUI thread: the application's handler

    def _apply(self, how: str, rows: list[int] | Threaded) -> None:
        """The ids listed swapped in, ``how`` (reset, relayout, refresh); then ``listed``."""
        if isinstance(rows, Threaded):
            self._order = ThreadOrder(rows, self.collapsed)
            ids = self._order.visible()
        else:
            self._order = None
            ids = rows
        if how == "reset":
            self.beginResetModel()
            self._ids = ids
            self._forget()
            self.endResetModel()
        elif how == "relayout":
            self._relayout(ids)
        else:
            self._refreshed(ids)
        self.listed.emit(how)
        waiting, self._after = self._after, []
        for then in waiting:
            then()

    def close(self) -> None:
        """The window closes: the loader's thread ends (a query running is interrupted)."""
        self._closed = True
        self._pending = None
        self._after.clear()
        if self.loader is not None:
            self.loader.close()

    def _forget(self) -> None:
        """Rows read from the store are read again when next shown."""
        self._pages.clear()
        self._unread.clear()

    def refresh(self) -> None:
        """The store changed under the same scope (a sync, a deletion): rows removed and
        inserted where they are, the others kept — selection and scroll stay put."""
        self._list("refresh")

    def _refreshed(self, new: list[int]) -> None:
        self._forget()
        if new == self._ids:
            self.invalidate()
            return
        # Only what lies between the rows unchanged at the top and at the bottom is walked
        # (new mail at the top of 100,000 rows: 20 rows, not 100,000 in Python).
        head = _same_start(self._ids, new)
        tail = _same_start(self._ids[head:][::-1], new[head:][::-1])
        stop_old, stop_new = len(self._ids) - tail, len(new) - tail
        wanted = set(new[head:stop_new])
        kept = [i for i in self._ids[head:stop_old] if i in wanted]
        known = set(kept)
        if kept != [i for i in new[head:stop_new] if i in known]:  # reordered: start over
            self.beginResetModel()
            self._ids = new
            self.endResetModel()
            return
        row = stop_old - 1
        while row >= head:  # removals, from the bottom, one contiguous run at a time
            if self._ids[row] in wanted:
                row -= 1
                continue
            end = row
            while row >= head and self._ids[row] not in wanted:
                row -= 1
            self.beginRemoveRows(QModelIndex(), row + 1, end)
            del self._ids[row + 1 : end + 1]
            self.endRemoveRows()
        row = head
        while row < stop_new:  # insertions, from the top, one contiguous run at a time
            if row < len(self._ids) and self._ids[row] == new[row]:
                row += 1
                continue
            end = row
            while end < stop_new and new[end] not in known:
                end += 1
            self.beginInsertRows(QModelIndex(), row, end - 1)
            self._ids[row:row] = new[row:end]
            self.endInsertRows()
            row = end
        self.invalidate()

    def invalidate(self) -> None:
        """The rows changed in the store (flags, for instance): read them again."""
        self._forget()
        if self._ids:
            last = self.index(len(self._ids) - 1, len(self.COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def message(self, row: int) -> MessageSummary | None:
        if not 0 <= row < len(self._ids):
            return None
        page_number = row // PAGE
        page = self._pages.get(page_number)
        if page is None:
            ids = self._ids[page_number * PAGE : (page_number + 1) * PAGE]
            page = summaries(self.store, ids)
            self._pages[page_number] = page
            if self._order is not None:  # the heads' unread counts, with their page
                marks = (self._order.mark(i) for i in ids)
                keys = [m.key for m in marks if m is not None and m.expandable]
                self._unread.update(thread_unread(self.store, self.scope, keys))
            while len(self._pages) > PAGES_KEPT:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_number)
        return page.get(self._ids[row])

    def row_of(self, message_id: int) -> int | None:
        try:
            return self._ids.index(message_id)
        except ValueError:
            return None

    # -- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if section == self.PATIENT_COLUMN and self.patient_filter is not None:
                return self.tr("Patient (filtré)")
            return self.tr(self.COLUMNS[section]) if 0 <= section < len(self.COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        message = self.message(index.row())
        if message is None:
            return None
        column = index.column()
        if column == self.PATIENT_COLUMN:
            return list_columns.patient_data(message, role)
        if column == 0 and role == Qt.ItemDataRole.DecorationRole:
            return list_columns.kind_icon(message)
        if column == 0 and role == Qt.ItemDataRole.ToolTipRole:
            return list_columns.marks_tip(message) or None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return list_columns.marks(message)
            if column == 1:  # the XDM/1.0/DDM+ prefix is for machines (ECO.3.1.3)
                return self._subject(index.row(), message)
            if column == 2:
                patient = self.patient_of(message)
                return patient.label() if patient is not None else message.sender
            return short_date(message.date)
        if column == 2 and role in (
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            patient = self.patient_of(message)
            if patient is None:
                return None
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(PATIENT_BACKGROUND))
            return self.tr("Message d'un patient (Mon espace santé) — {0}\n{1}").format(
                patient.source(), message.sender
            )
        if role == Qt.ItemDataRole.DecorationRole and column == 1 and message.has_attachments:
            return attachment_icon()  # a drawn icon: emoji fonts are not everywhere
        if role == Qt.ItemDataRole.FontRole and (
            message.unread or self._hidden_unread(index.row())
        ):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return message.date
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = self.tr("non lu") if message.unread else self.tr("lu")
            subject = displayed(message.subject)
            patient = self.patient_of(message)
            sender = patient.label() if patient is not None else message.sender
            said = f"{subject}, {sender}, {short_date(message.date)}, {state}"
            return said + self._thread_said(index.row())
        if role == MessageRole:
            return message
        return None

    def _subject(self, row: int, message: MessageSummary) -> str:
        subject = displayed(message.subject) or self.tr("(sans objet)")
        mark = self.thread_mark(row)
        if mark is None or not mark.expandable:
            return subject
        unread = self._unread.get(mark.key, 0)
        if unread:
            return subject + " " + self.tr("({0}, {1} non lu(s))").format(mark.size, unread)
        return subject + " " + self.tr("({0})").format(mark.size)

    def _hidden_unread(self, row: int) -> bool:
        """A collapsed conversation with unread replies: its head in bold."""
        mark = self.thread_mark(row)
        return mark is not None and mark.collapsed and self._unread.get(mark.key, 0) > 0

    def _thread_said(self, row: int) -> str:
        mark = self.thread_mark(row)
        if mark is None:
            return ""
        if not mark.head:
            return ", " + self.tr("réponse, niveau {0}").format(mark.indent)
        if not mark.expandable:
            return ""
        state = self.tr("réduit") if mark.collapsed else self.tr("développé")
        return ", " + self.tr("fil de {0} messages, {1}").format(mark.size, state)

    # -- dragged onto a folder (app/ui/message_drag.py) -----------------------------------

    def flags(self, index: _Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else flags

    def mimeTypes(self) -> list[str]:
        return [message_drag.MESSAGE_IDS]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return message_drag.encode(
            self.with_hidden([self._ids[r] for r in rows if 0 <= r < len(self._ids)])
        )

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.SORT_KEYS.get(column)
        if key is None:
            return
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self._list("relayout")

    def _relayout(self, ids: list[int]) -> None:
        """The same messages (or fewer) in another order: the selection and the current row
        follow their messages (a message hidden in a collapsed conversation: its head)."""
        self.layoutAboutToBeChanged.emit()
        old, self._ids = self._ids, ids
        self._forget()
        persistent = self.persistentIndexList()
        rows = _Rows(ids, len(persistent))
        for index in persistent:
            message = old[index.row()] if 0 <= index.row() < len(old) else None
            row = rows.of(message) if message is not None else None
            if row is None and message is not None and self._order is not None:
                head = self._order.head_of(message)
                row = rows.of(head) if head is not None else None
            moved = self.index(row, index.column()) if row is not None else QModelIndex()
            self.changePersistentIndex(index, moved)
        self.layoutChanged.emit()

    # -- by conversation (app/ui/list_threads.py) -----------------------------------------

    def set_threaded(self, threaded: bool) -> None:
        if threaded != self.threaded:
            self.threaded = threaded
            self._list("relayout")

    def thread_mark(self, row: int) -> ThreadMark | None:
        """What row ``row`` shows of its conversation; None when not threaded."""
        if self._order is None or not 0 <= row < len(self._ids):
            return None
        return self._order.mark(self._ids[row])

    def toggle_thread(self, row: int) -> bool:
        """Collapse or expand the conversation whose head is at ``row`` (False: none)."""
        mark = self.thread_mark(row)
        if self._order is None or mark is None or not mark.expandable:
            return False
        replies = self._order.replies(self._ids[row])
        if mark.collapsed:
            self.collapsed.discard(mark.key)
            self.beginInsertRows(QModelIndex(), row + 1, row + len(replies))
            self._ids[row + 1 : row + 1] = replies
            self.endInsertRows()
        else:
            self.collapsed.add(mark.key)
            self.beginRemoveRows(QModelIndex(), row + 1, row + len(replies))
            del self._ids[row + 1 : row + 1 + len(replies)]
            self.endRemoveRows()
        self._forget()
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
        return True

    def with_hidden(self, ids: Sequence[int]) -> list[int]:
        """``ids`` and, after each collapsed conversation's head, its hidden replies: what
        she sees as one line is acted on as one (delete, archive, drag), as in Thunderbird."""
        if self._order is None or not self.collapsed:
            return list(ids)
        found: list[int] = []
        for message in ids:
            found.append(message)
            mark = self._order.mark(message)
            if mark is not None and mark.collapsed:
                found += self._order.replies(message)
        return found

    def open_unread(self, row: int) -> bool:
        """Expand the conversation whose collapsed head is at ``row`` if it hides unread
        messages (for "Message non lu suivant")."""
        return self._hidden_unread(row) and self.toggle_thread(row)

    def collapse_all(self, collapsed: bool) -> None:
        """Every conversation collapsed ("\\") or expanded ("*")."""
        if self._order is None:
            return
        if collapsed:
            self.collapsed.update(self._order.keys())
        else:
            self.collapsed.clear()
        self._relayout(self._order.visible())

    def head_row(self, row: int) -> int | None:
        """The row of the conversation's head of the message at ``row``."""
        if self._order is None or not 0 <= row < len(self._ids):
            return None
        head = self._order.head_of(self._ids[row])
        return self.row_of(head) if head is not None else None


class _Rows:
    """Where messages are in ``ids``: a few looked up one by one (a scan in C each, 1 ms at
    100,000), more through a map of every row (20-100 ms at 100,000, in Python)."""

    ONE_BY_ONE = 16

    def __init__(self, ids: list[int], wanted: int) -> None:
        self.ids = ids
        self.map = {m: r for r, m in enumerate(ids)} if wanted > self.ONE_BY_ONE else None

    def of(self, message: int) -> int | None:
        if self.map is not None:
            return self.map.get(message)
        try:
            return self.ids.index(message)
        except ValueError:
            return None


def _same_start(old: list[int], new: list[int]) -> int:
    """How many first ids both lists share (compared a slice at a time, in C)."""
    low, high = 0, min(len(old), len(new))
    while low < high:
        middle = (low + high + 1) // 2
        if old[low:middle] == new[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


_STRENGTH = {"refresh": 0, "relayout": 1, "reset": 2}
"""Two listings asked before the first came in: the ids come in the stronger way (a store
change then a sort: relayout; anything then another scope: reset)."""


def short_date(value: str | None) -> str:
    """A stored ISO date (UTC) as the doctor reads it: ``16/11/2026 09:00``, local time."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%d/%m/%Y %H:%M")


def attachment_icon() -> QIcon:
    style = QApplication.style()
    return style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)

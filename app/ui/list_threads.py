"""Affichage > Fils de discussion: the message list by conversation, as Thunderbird shows it.

Off by default, kept between sessions (``list/threads`` in the window's settings). On, the
list (a folder, a search) shows each conversation together: conversations by their newest
message (or by the chosen column), its messages oldest first, replies indented under the
first one, which says how many messages (and unread ones) the conversation has. A click on
the arrow, or Left / Right, collapses or expands one; "*" expands all, "\\" collapses all
(Thunderbird's keys). The entry is in Affichage, in Affichage > Trier par and in the
column titles' right-click menu.

The order is the store's (``views.threaded_rows``, one SQL statement); the model walks lists
only (``app.ui.thread_order``). Rows stored before conversations were kept get theirs from
the window's background pass (``app.ui.documents_indexer``), after which the list is read
again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
)
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QApplication,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOption,
    QStyleOptionViewItem,
    QTableView,
)

from app.store import threads
from app.ui.models import MessageListModel
from app.ui.thread_order import ThreadMark

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

SETTING = "list/threads"
SUBJECT_COLUMN = 1
INDENT = 16  # pixels per level of reply
MAX_LEVELS = 8  # deeper replies are drawn at this level
MARKER = 16  # the arrow's box

_Index = QModelIndex | QPersistentModelIndex


def areas(cell: QRect, mark: ThreadMark) -> tuple[QRect, QRect]:
    """(the arrow's box, the rest) of a subject cell showing ``mark``."""
    left = cell.left() + 2 + min(mark.indent, MAX_LEVELS) * INDENT
    marker = QRect(left, cell.top(), MARKER, cell.height())
    return marker, cell.adjusted(left + MARKER - cell.left(), 0, 0, 0)


class ThreadDelegate(QStyledItemDelegate):
    """The subject column by conversation: indented, with the head's arrow (a click on it
    collapses or expands the conversation: ``toggle(row)``)."""

    def __init__(self, model: MessageListModel, view: QTableView, controls: ListThreads) -> None:
        super().__init__(view)
        self.model, self.view, self.controls = model, view, controls

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        mark = self.model.thread_mark(index.row())
        if mark is None:
            super().paint(painter, option, index)
            return
        shown = QStyleOptionViewItem(option)
        self.initStyleOption(shown, index)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        background = QStyleOptionViewItem(shown)  # selection and hover over the whole cell
        background.text = ""
        background.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)
        cell = QRect(shown.rect)
        marker, rest = areas(cell, mark)
        if mark.expandable:
            arrow = QStyleOption()
            arrow.rect = QRect(0, 0, 10, 10)
            arrow.rect.moveCenter(marker.center())
            arrow.palette = shown.palette
            arrow.state = shown.state
            element = (
                QStyle.PrimitiveElement.PE_IndicatorArrowRight
                if mark.collapsed
                else QStyle.PrimitiveElement.PE_IndicatorArrowDown
            )
            style.drawPrimitive(element, arrow, painter, widget)
        elif not mark.head:  # a reply: the branch that joins it to the messages above
            painter.save()
            painter.setPen(QPen(shown.palette.mid().color(), 1))
            x = marker.left() + 4
            middle = marker.center().y()
            painter.drawLine(x, cell.top(), x, middle)
            painter.drawLine(x, middle, marker.right() - 2, middle)
            painter.restore()
        shown.rect = rest
        if mark.expandable:  # its count, at the end of the text, stays in view
            shown.textElideMode = Qt.TextElideMode.ElideMiddle
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, shown, painter, widget)

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: _Index,
    ) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            mark = self.model.thread_mark(index.row())
            if mark is not None and mark.expandable and event.button() == Qt.MouseButton.LeftButton:
                marker, _rest = areas(QRect(option.rect), mark)
                if marker.contains(event.position().toPoint()):
                    self.controls.toggle(index.row())
                    return True  # the arrow only: the selection stays
        return super().editorEvent(event, model, option, index)


class ListThreads(QObject):
    """The threads choice of ``window``: its actions, menus, keys, and the setting."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.view, self.model = window.list_view, window.messages
        self.delegate = ThreadDelegate(self.model, self.view, self)
        self.view.setItemDelegateForColumn(SUBJECT_COLUMN, self.delegate)
        self.action = window._command("threads", self.tr("Fils de discussion"), self._chosen)
        self.action.setCheckable(True)
        self.expand = window._command(
            "expand-threads",
            self.tr("Développer tous les fils"),
            lambda: self.collapse_all(False),
            ("*",),
        )
        self.collapse = window._command(
            "collapse-threads",
            self.tr("Réduire tous les fils"),
            lambda: self.collapse_all(True),
            ("\\",),
        )
        on = window.settings.value(SETTING, False, type=bool)
        self.action.setChecked(bool(on))
        self.model.threaded = bool(on)  # the first folder shown is read so: no reload here
        self._enable()
        view_menu = window.menu_bar.menus["view"]  # right after Trier par
        sort_menu = view_menu.findChild(QMenu, "menu-sort")
        entries = view_menu.actions()
        place = entries.index(sort_menu.menuAction()) + 1 if sort_menu is not None else None
        following = entries[place] if place is not None and place < len(entries) else None
        for action in (self.action, self.expand, self.collapse):
            view_menu.insertAction(following, action)  # type: ignore[arg-type]  # None: at the end
        window.menu_bar.header.threads_action = self.action  # Trier par, column titles
        self.view.installEventFilter(self)
        window.indexer.threads_placed.connect(self._placed)
        if threads.pending(window.store.db):  # rows stored before: their conversations
            QTimer.singleShot(0, window.indexer.start)

    def _enable(self) -> None:
        for action in (self.expand, self.collapse):
            action.setEnabled(self.model.threaded)

    def _chosen(self) -> None:
        self.set_threaded(self.action.isChecked())

    def set_threaded(self, on: bool) -> None:
        """By conversation or not; the selected messages stay selected and in view."""
        self.action.setChecked(on)
        self.model.set_threaded(on)
        self._enable()
        self.window.settings.setValue(SETTING, on)
        self.window.settings.sync()
        self.model.after_listed(self._show_current)

    def toggle(self, row: int) -> None:
        """Collapse or expand the conversation whose head is ``row``; a message hidden by
        it leaves the selection to the head."""
        if self.model.toggle_thread(row) and not self.view.currentIndex().isValid():
            self.view.selectRow(row)

    def collapse_all(self, collapsed: bool) -> None:
        self.model.collapse_all(collapsed)
        self._show_current()

    def _show_current(self) -> None:
        current = self.view.currentIndex()
        if current.isValid():
            self.view.scrollTo(current)

    def _placed(self) -> None:
        """The background pass placed rows stored before: the conversations changed."""
        if self.model.threaded:
            self.window._reload_keeping_selection()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Left / Right on the list: collapse / expand, Left on a reply goes to its head."""
        if (
            watched is self.view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self.model.threaded
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right)
        ):
            row = self.view.currentIndex().row()
            mark = self.model.thread_mark(row)
            if mark is None:
                return False
            left = event.key() == Qt.Key.Key_Left
            if mark.expandable and mark.collapsed != left:
                self.toggle(row)
            elif left and not mark.head:
                head = self.model.head_row(row)
                if head is not None:
                    self.view.selectRow(head)
            return True  # no move between columns in this list
        return super().eventFilter(watched, event)

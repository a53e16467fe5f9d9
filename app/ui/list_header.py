"""The message list made hers: columns shown or hidden (right-click on the column titles, or
Affichage > Colonnes) and the sort (a click on a title, or Affichage > Trier par). The
header's state (widths, order, hidden columns, sort) is saved with the window's geometry
(``MainWindow.closeEvent``) and restored at the next start.

"Fils de discussion" (``threads_action``, set by ``app.ui.list_threads``) is in the sort
menu and in the column titles' menu too.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QTableView

from app.ui.models import MessageListModel

SUBJECT_COLUMN = 1  # never hidden: a list without subjects is no list
RESIZE_PRECISION = 60


class ListHeader(QObject):
    """Installed on ``view``'s horizontal header."""

    def __init__(self, view: QTableView, model: MessageListModel) -> None:
        super().__init__(view)
        self.view, self.model = view, model
        self.menu: QMenu | None = None
        self.threads_action: QAction | None = None  # Fils de discussion (app/ui/list_threads)
        header = view.horizontalHeader()
        header.setSectionsMovable(True)
        # Column 0 fits its marks: measured on the first rows, not on 1000 (Qt's default),
        # each read from the store; the list is reset on every pause in the search field.
        header.setResizeContentsPrecision(RESIZE_PRECISION)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self.show_menu)

    def column_name(self, column: int) -> str:
        if column == 0:
            return self.tr("Indicateurs (non lu, suivi, classé)")
        return str(self.model.headerData(column, Qt.Orientation.Horizontal))

    def fill_columns(self, menu: QMenu) -> None:
        """The columns, ticked when shown (the subject cannot be hidden)."""
        header = self.view.horizontalHeader()
        for column in range(self.model.columnCount()):
            action = menu.addAction(self.column_name(column))
            action.setObjectName(f"column-{column}")
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(column != SUBJECT_COLUMN)
            action.toggled.connect(lambda on, c=column: self.show_column(c, on))

    def fill_sort(self, menu: QMenu) -> None:
        """The sort keys, then ascending or descending: the current ones ticked."""
        header = self.view.horizontalHeader()
        for group in menu.findChildren(QActionGroup):  # the last time's (menu.clear() kept them)
            group.deleteLater()
        keys = QActionGroup(menu)
        for column in MessageListModel.SORT_KEYS:
            action = QAction(self.column_name(column), menu)
            action.setObjectName(f"sort-{column}")
            action.setCheckable(True)
            action.setChecked(header.sortIndicatorSection() == column)
            action.triggered.connect(lambda _on, c=column: self.sort_by(c))
            keys.addAction(action)
            menu.addAction(action)
        menu.addSeparator()
        orders = QActionGroup(menu)
        for order, label in (
            (Qt.SortOrder.AscendingOrder, self.tr("Croissant")),
            (Qt.SortOrder.DescendingOrder, self.tr("Décroissant")),
        ):
            action = QAction(label, menu)
            action.setObjectName(f"order-{order.name}")
            action.setCheckable(True)
            action.setChecked(header.sortIndicatorOrder() == order)
            action.triggered.connect(lambda _on, o=order: self.sort_by(None, o))
            orders.addAction(action)
            menu.addAction(action)
        if self.threads_action is not None:
            menu.addSeparator()
            menu.addAction(self.threads_action)

    def refilled(self, menu: QMenu, fill: Callable[[QMenu], None]) -> None:
        """A menu bar's submenu filled again each time it opens (the state changes)."""

        def refill() -> None:
            menu.clear()
            fill(menu)

        menu.aboutToShow.connect(refill)

    def show_column(self, column: int, shown: bool) -> None:
        if column != SUBJECT_COLUMN:
            self.view.horizontalHeader().setSectionHidden(column, not shown)

    def sort_by(self, column: int | None, order: Qt.SortOrder | None = None) -> None:
        header = self.view.horizontalHeader()
        if column is None:
            column = header.sortIndicatorSection()
        if order is None:
            order = header.sortIndicatorOrder()
        sort_once(self.view, column, order)

    def show_menu(self, position: QPoint) -> None:
        self.menu = QMenu(self.view)
        self.fill_columns(self.menu)  # the columns, ticked, as Thunderbird does
        self.menu.addSeparator()
        if self.threads_action is not None:
            self.menu.addAction(self.threads_action)
        self.fill_sort(self.menu.addMenu(self.tr("Trier par")))
        self.menu.popup(self.view.horizontalHeader().mapToGlobal(position))


def sort_once(view: QTableView, column: int, order: Qt.SortOrder) -> None:
    """The list sorted by ``column``, once. ``QTableView.sortByColumn`` with sorting enabled
    asks the model twice when the column or order changes (the header's signal, then
    itself): 100,000 ids listed twice."""
    header = view.horizontalHeader()
    if (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (column, order):
        model = view.model()
        if model is not None:
            model.sort(column, order)  # the same again: asked on purpose (a refresh)
    else:
        header.setSortIndicator(column, order)  # the view sorts the model on its signal

"""Search as she types: the list follows the search field 300 ms after the last key (at once
on Enter, on the clear button and on Escape), and an empty list says why, in the middle of
the list, with a button to clear the search or the filters.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

DEBOUNCE_MS = 300


class EmptyState(QWidget):
    """ "Aucun résultat" over the list's viewport, centred, with what to do about it."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view.viewport())
        self.setObjectName("empty-state")
        self.text = QLabel()
        self.text.setObjectName("empty-text")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.text.setStyleSheet("#empty-text { color: #475569; font-size: 13pt; }")
        self.button = QPushButton()
        self.button.setObjectName("empty-clear")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.text)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        view.viewport().installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False

    def say(self, text: str, button: str | None) -> None:
        self.text.setText(text)
        self.button.setVisible(button is not None)
        self.button.setText(button or "")
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()


class SearchFeedback(QObject):
    """Wires ``field`` to ``apply`` (the window's scope) and says when nothing is found.
    ``clear_filters`` unticks the quick filters."""

    def __init__(
        self,
        field: QLineEdit,
        view: QAbstractItemView,
        apply: Callable[[], None],
        clear_filters: Callable[[], None],
    ) -> None:
        super().__init__(field)
        self.field, self.apply, self.clear_filters = field, apply, clear_filters
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(apply)
        field.textChanged.connect(self._typed)
        field.returnPressed.connect(self.now)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), field)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(field.clear)
        self.empty = EmptyState(view)
        self.empty.button.clicked.connect(self._clear)
        self.filtering = False

    def _typed(self, text: str) -> None:
        if text.strip():
            self.timer.start()  # again: 300 ms after the last key
        else:
            self.now()  # cleared: the folder again at once

    def now(self) -> None:
        self.timer.stop()
        self.apply()

    def _clear(self) -> None:
        if self.field.text():
            self.field.clear()  # applies
        else:
            self.clear_filters()

    def update(self, found: int, searching: bool, filtering: bool) -> None:
        """After each scope change: the empty state, or nothing."""
        self.filtering = filtering
        if found:
            self.empty.hide()
        elif searching:
            self.empty.say(
                self.tr("Aucun résultat pour « {0} »").format(self.field.text().strip()),
                self.tr("Effacer la recherche"),
            )
        elif filtering:
            self.empty.say(
                self.tr("Aucun message ne correspond aux filtres choisis."),
                self.tr("Retirer les filtres"),
            )
        else:
            self.empty.say(self.tr("Aucun message dans ce dossier."), None)

"""The non-modal error bar: one message at a time, with "Réessayer" and "Détails"."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget


class ErrorBar(QFrame):
    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("error-bar")
        self.setStyleSheet(
            "#error-bar { background: #fdecea; border: 1px solid #e0a39c; border-radius: 3px; }"
        )
        self.setAccessibleName(self.tr("Message d'erreur"))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.details_text = ""
        self.again = QPushButton(self.tr("Réessayer"))
        self.again.clicked.connect(self._retry)
        details = QPushButton(self.tr("Détails"))
        details.clicked.connect(self.show_details)
        close = QPushButton(self.tr("Fermer"))
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        for button in (self.again, details, close):
            layout.addWidget(button)
        self.hide()

    def report(self, message: str, details: str, *, retry: bool = True) -> None:
        """Shown once: the same message again only updates the details. ``retry``: the
        message is about the sync ("Réessayer" syncs again)."""
        self.details_text = details
        self.again.setVisible(retry)
        if self.isVisible() and self.text.text() == message:
            return
        self.text.setText(message)
        self.show()

    def show_details(self) -> None:
        QMessageBox.information(self, self.tr("Détails"), self.details_text or self.text.text())

    def _retry(self) -> None:
        self.hide()
        self.retry.emit()

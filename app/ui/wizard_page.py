"""The first-run wizard's shared parts: the modes and page ids, the page base, the status
line, the file row, the French message of an error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.core.errors import CaduceeError
from app.cps.card import PinPrompt
from app.ui import file_dialogs

if TYPE_CHECKING:
    from app.ui.wizard import FirstRunWizard

CARD, PKCS12, PASSWORD, PSC = "card", "pkcs12", "password", "psc"
PAGE_MODE, PAGE_CARD, PAGE_ADDRESS, PAGE_SERVERS, PAGE_CONNECT = range(5)
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_POLL_MS = 2000  # looking again for a reader or a card while the card page waits


def _no_pin(_prompt: PinPrompt) -> str | None:
    return None  # never a PIN she did not type on the card page


def _message(error: BaseException) -> str:
    if isinstance(error, CaduceeError):
        return error.user_message
    if isinstance(error, ValueError):
        return str(error)  # AddressError, EndpointError: French already
    return CaduceeError.default_message


class _Page(QWizardPage):
    def wizard_(self) -> FirstRunWizard:
        from app.ui.wizard import FirstRunWizard  # the wizard imports its pages

        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)  # noqa: S101 - the pages are its own
        return wizard


class _Status(QWidget):
    """A title and a sentence: information, success or a problem she can act on."""

    COLOURS: ClassVar[dict[str, tuple[str, str]]] = {
        "info": ("#1e3a8a", "#eff6ff"),
        "ok": ("#14532d", "#f0fdf4"),
        "error": ("#7f1d1d", "#fef2f2"),
    }

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("status-title")
        self.text = QLabel()
        self.text.setObjectName("status-text")
        self.text.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        self.kind = "info"

    def show_status(self, kind: str, title: str, text: str = "") -> None:
        self.kind = kind
        ink, paper = self.COLOURS[kind]
        self.setStyleSheet(
            f"QLabel {{ color: {ink}; background: {paper}; padding: 6px; }}"
            "QLabel#status-title { font-weight: bold; font-size: 14pt; }"
        )
        self.title.setText(title)
        self.text.setText(text)
        self.text.setVisible(bool(text))


# -- 1. how she signs in ---------------------------------------------------------------------


def _file_row(parent: QWidget, field: QLineEdit, title: str, patterns: str) -> QHBoxLayout:
    """A path field with its "Parcourir…" button (the texts translated by the caller)."""
    choose = QPushButton(QApplication.translate("FirstRunWizard", "Parcourir…"))

    def pick() -> None:
        given = Path(field.text()).expanduser() if field.text().strip() else None
        chosen = file_dialogs.open_file(
            parent, "wizard", title, patterns, default=given.parent if given else None
        )
        if chosen is not None:
            field.setText(str(chosen))

    choose.clicked.connect(pick)
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(choose)
    return row

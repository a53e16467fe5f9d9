"""Showing an HTML message safely: markup sanitised and bounded by
``app/store/html_body.readable_html`` (nh3, a maintained Rust sanitiser: ammonia), rendered
by a text browser that loads nothing, links opened only after showing where.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMessageBox, QTextBrowser, QToolTip, QWidget

from app.store.html_body import SCHEMES
from app.ui.external import open_externally


class SafeBrowser(QTextBrowser):
    """Loads no resource at all (not even a local file), follows no link by itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self.confirm_link)
        self.highlighted.connect(self._show_target)
        self.opened: list[str] = []  # links the doctor chose to open (for support and tests)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        return None

    def _show_target(self, url: QUrl) -> None:
        if not url.isEmpty():
            QToolTip.showText(QCursor.pos(), url.toString(), self)

    def confirm_link(self, url: QUrl) -> None:
        target = url.toString()
        if url.scheme() not in SCHEMES:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Ouvrir le lien ?"),
            self.tr("Ce lien mène à :\n{0}\n\nL'ouvrir dans le navigateur ?").format(target),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.opened.append(target)
            open_externally(url)

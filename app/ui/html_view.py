"""Showing an HTML message safely: sanitised by nh3 (a maintained Rust sanitiser, ammonia),
rendered by a text browser that loads nothing, links opened only after showing where.

Kept: text structure and tables (lab results often come as HTML tables). Dropped: scripts,
styles, event handlers, images and every other remote or embedded resource, forms, frames;
links only to http(s) and mailto.
"""

from __future__ import annotations

from typing import Any

import nh3
from PySide6.QtCore import QUrl
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMessageBox, QTextBrowser, QToolTip, QWidget

from app.ui.external import open_externally

TAGS = {
    "a", "b", "big", "blockquote", "br", "caption", "center", "code", "col", "colgroup", "dd",
    "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol",
    "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul",
}  # fmt: skip
CELL = {"colspan", "rowspan", "align", "valign"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "td": CELL,
    "th": CELL,
    "table": {"border", "cellpadding", "cellspacing"},
    "font": {"color"},
    "p": {"align"},
    "div": {"align"},
}
SCHEMES = {"http", "https", "mailto"}


def sanitise(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer",
    )


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

"""A PDF read inside Caducée (QtPdf), from memory: no temporary file.

The pane has what a reader needs on a consultation desk: the page (previous, next, "n / N"),
zoom in and out, fit to the width, find (QPdfSearchModel: every match, next and previous),
and print (QPrintDialog, each page rendered by PDFium at the printer's resolution).
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.25, 6.0
MAX_PRINTED_PAGES = 500


class PdfPane(QWidget):
    """The pages of a PDF held in memory, fitted to the width, with its tool bar."""

    def __init__(self, data: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Children are destroyed in the order they were made: the view first (its renderer
        # thread stops), then the document, then the bytes it reads. The other way round,
        # a page still rendering reads freed memory (seen as crashes in the tests).
        self.view = QPdfView(self)
        self.document = QPdfDocument(self)
        self._bytes = QByteArray(data)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.view.setAccessibleName(self.tr("Document PDF"))
        self.search = QPdfSearchModel(self)
        self.search.setDocument(self.document)
        self.view.setSearchModel(self.search)
        self.match = -1  # the match shown, -1: none yet
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._toolbar())
        self.broken = QLabel(self.tr("Ce PDF est illisible ou endommagé."))
        self.broken.setObjectName("pdf-broken")
        self.broken.setStyleSheet(
            "#pdf-broken { background: #fef3c7; border: 1px solid #f59e0b; padding: 3px; }"
        )
        self.broken.setVisible(self.document.status() == QPdfDocument.Status.Error)
        layout.addWidget(self.broken)
        layout.addWidget(self.view, 1)
        self.view.pageNavigator().currentPageChanged.connect(self._page_changed)
        self._page_changed(0)

    def _button(self, text: str, tip: str, slot: object) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.clicked.connect(slot)
        return button

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setContentsMargins(2, 2, 2, 2)
        self.previous = self._button("◀", self.tr("Page précédente"), self.previous_page)
        self.next = self._button("▶", self.tr("Page suivante"), self.next_page)
        self.page = QSpinBox(self)
        self.page.setAccessibleName(self.tr("Page"))
        self.page.setRange(1, max(1, self.pages))
        self.page.editingFinished.connect(self._page_typed)
        self.of = QLabel(self.tr("/ {0}").format(self.pages))
        self.zoom_out_button = self._button("−", self.tr("Réduire"), self.zoom_out)
        self.zoom_in_button = self._button("+", self.tr("Agrandir"), self.zoom_in)
        self.fit = self._button(
            self.tr("Pleine largeur"), self.tr("Ajuster à la largeur"), self.fit_width
        )
        self.find_field = QLineEdit(self)
        self.find_field.setPlaceholderText(self.tr("Rechercher dans le PDF"))
        self.find_field.setAccessibleName(self.tr("Rechercher dans le PDF"))
        self.find_field.setClearButtonEnabled(True)
        self.find_field.returnPressed.connect(self.find_next)
        self.find_field.textChanged.connect(self._search_changed)
        self.find_previous_button = self._button(
            "↑", self.tr("Occurrence précédente"), self.find_previous
        )
        self.find_next_button = self._button("↓", self.tr("Occurrence suivante"), self.find_next)
        self.found = QLabel("")
        self.found.setMinimumWidth(self.found.fontMetrics().horizontalAdvance("Introuvable"))
        self.print_button = self._button(
            self.tr("Imprimer…"), self.tr("Imprimer le PDF"), self.print_
        )
        widget: QWidget
        for widget in (
            self.previous,
            self.page,
            self.of,
            self.next,
            self.zoom_out_button,
            self.zoom_in_button,
            self.fit,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (
            self.find_field,
            self.find_previous_button,
            self.find_next_button,
            self.found,
            self.print_button,
        ):
            bar.addWidget(widget)
        QShortcut(QKeySequence.StandardKey.Find, self, self.find_field.setFocus)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, self.zoom_in)
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, self.zoom_out)
        return bar

    @property
    def pages(self) -> int:
        return int(self.document.pageCount())

    @property
    def current_page(self) -> int:
        return int(self.view.pageNavigator().currentPage())

    def _page_changed(self, page: int) -> None:
        self.page.blockSignals(True)
        self.page.setValue(page + 1)
        self.page.blockSignals(False)
        self.previous.setEnabled(page > 0)
        self.next.setEnabled(page + 1 < self.pages)

    def go_to(self, page: int, location: QPointF | None = None) -> None:
        if 0 <= page < self.pages:
            navigator = self.view.pageNavigator()
            navigator.jump(page, location or QPointF(), navigator.currentZoom())

    def _page_typed(self) -> None:
        self.go_to(self.page.value() - 1)

    def previous_page(self) -> None:
        self.go_to(self.current_page - 1)

    def next_page(self) -> None:
        self.go_to(self.current_page + 1)

    def _zoom(self, factor: float) -> None:
        zoom = min(ZOOM_MAX, max(ZOOM_MIN, self.view.zoomFactor() * factor))
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(zoom)

    def zoom_in(self) -> None:
        self._zoom(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom(1 / ZOOM_STEP)

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    # -- find --------------------------------------------------------------------------------

    def _search_changed(self, text: str) -> None:
        self.match = -1
        self.search.setSearchString(text.strip())
        self.found.setText("")

    def matches(self) -> int:
        return int(self.search.rowCount(QModelIndex()))

    def _show_match(self, step: int) -> None:
        if self.search.searchString() != self.find_field.text().strip():
            self._search_changed(self.find_field.text())
        count = self.matches()
        if count == 0:
            self.found.setText(self.tr("Introuvable") if self.find_field.text().strip() else "")
            return
        self.match = (self.match + step) % count
        link = self.search.resultAtIndex(self.match)
        self.view.setCurrentSearchResultIndex(self.match)
        self.go_to(link.page(), link.location())
        self.found.setText(self.tr("{0} / {1}").format(self.match + 1, count))

    def find_next(self) -> None:
        self._show_match(1)

    def find_previous(self) -> None:
        self._show_match(-1)

    # -- print -------------------------------------------------------------------------------

    def print_(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("Imprimer le document"))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Each page rendered at the printer's resolution; returns the pages printed."""
        pages = min(self.pages, MAX_PRINTED_PAGES)
        first, last = printer.fromPage(), printer.toPage()
        numbers = range(first - 1, min(last, pages)) if first > 0 else range(pages)
        painter = QPainter()
        if not painter.begin(printer):
            return 0
        printed = 0
        try:
            dpi = printer.resolution()
            for number in numbers:
                size = self.document.pagePointSize(number)
                target = QSize(int(size.width() * dpi / 72), int(size.height() * dpi / 72))
                area = painter.viewport().size()
                target.scale(area, Qt.AspectRatioMode.KeepAspectRatio)
                image = self.document.render(number, target)
                if printed:
                    printer.newPage()
                painter.drawImage(0, 0, image)
                printed += 1
        finally:
            painter.end()
        return printed


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """``width`` x ``height``, or less: 90 % of the screen's free area at most."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        free = screen.availableGeometry()
        width = min(width, int(free.width() * 0.9))
        height = min(height, int(free.height() * 0.9))
    window.resize(width, height)


class PdfDialog(QDialog):
    def __init__(self, title: str, data: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        fit_to_screen(self, 820, 980)
        self.pane = PdfPane(data, self)
        QShortcut(QKeySequence.StandardKey.Print, self, self.pane.print_)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pane)

    @property
    def pages(self) -> int:
        return self.pane.pages

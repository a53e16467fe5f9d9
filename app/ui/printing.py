"""Printing what the reading pane shows: the message (its header, its text, the list of its
attachments) or the document of the tab in front (a PDF's pages, a CDA's structured view),
through the system's print dialog, a print preview, or into a PDF file she chooses.

Printing is an export of health data: each one goes into the audit trail (what, never to
which file or printer). Nothing is loaded while printing (no image, no link followed): the
printed copy is made of what the reader already shows.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QStandardPaths, QUrl
from PySide6.QtGui import QFont, QTextCursor, QTextDocument, QTextDocumentFragment
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QMessageBox

from app.mssante.subject import displayed
from app.ui.document_pane import DocumentView
from app.ui.html_view import SafeBrowser
from app.ui.models import short_date
from app.ui.pdf_view import PdfPane
from app.ui.reader import Reader


class Printable(Protocol):
    def print_to(self, printer: QPrinter) -> int: ...


class PrintedDocument(QTextDocument):
    """A text document that loads nothing (as the reader's SafeBrowser)."""

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        return None


class MessagePrint:
    """The message shown in ``reader``, laid out for paper."""

    def __init__(self, reader: Reader) -> None:
        self.document = message_document(reader)

    def print_to(self, printer: QPrinter) -> int:
        self.document.print_(printer)
        return 1


class BrowserPrint:
    """A document's structured view (a CDA's body, sanitised HTML)."""

    def __init__(self, browser: SafeBrowser) -> None:
        self.document = PrintedDocument()
        QTextCursor(self.document).insertFragment(QTextDocumentFragment(browser.document()))

    def print_to(self, printer: QPrinter) -> int:
        self.document.print_(printer)
        return 1


def message_document(reader: Reader) -> PrintedDocument:
    """Subject, De/À/Date, the text as shown (HTML or plain), then the attachments."""
    message = reader._message
    document = PrintedDocument()
    font = QFont()
    font.setPointSize(10)
    document.setDefaultFont(font)
    cursor = QTextCursor(document)
    if message is not None:
        subject = displayed(message.subject) or reader.tr("(sans objet)")
        rows = "".join(
            f"<tr><td><b>{html.escape(label)}</b>&nbsp;</td><td>{html.escape(value)}</td></tr>"
            for label, value in (
                (reader.tr("De :"), message.sender),
                (reader.tr("À :"), message.recipients),
                (reader.tr("Date :"), short_date(message.date)),
            )
        )
        cursor.insertHtml(f"<h2>{html.escape(subject)}</h2><table>{rows}</table><hr>")
        cursor.insertBlock()
    cursor.insertFragment(QTextDocumentFragment(reader.body.document()))
    listed = (reader.attachments.item(n) for n in range(reader.attachments.count()))
    names = [item.text() for item in listed if item is not None]  # "name (size)"
    if names:
        cursor.insertBlock()
        items = "".join(f"<li>{html.escape(name)}</li>" for name in names)
        cursor.insertHtml(
            "<hr><b>{}</b><ul>{}</ul>".format(html.escape(reader.tr("Pièces jointes :")), items)
        )
    return document


def shown_document(reader: Reader) -> Printable | None:
    """The document of the tab in front, when it is a PDF or a structured view."""
    view = reader.documents.currentWidget()
    if not isinstance(view, DocumentView):
        return None
    page = view.page(view.current)
    if isinstance(page, PdfPane):
        return page
    if isinstance(page, SafeBrowser):
        return BrowserPrint(page)
    return None  # a results table: the message (its text names the results) is printed


class Printing(QObject):
    """Ctrl+P and the Fichier menu's print entries, for ``window``'s reader."""

    def __init__(self, reader: Reader, window: QMainWindow) -> None:
        super().__init__(window)
        self.reader, self.window = reader, window
        self.last_pdf_dir: Path | None = None
        self.previewed: tuple[QPrintPreviewDialog, QPrinter, Printable] | None = None

    def target(self) -> tuple[Printable, str] | None:
        """What is printed now and its audit wording; None (said in the status bar): no
        message shown."""
        if self.reader.current is None:
            self.window.statusBar().showMessage(self.tr("Choisissez d'abord un message."), 5000)
            return None
        document = shown_document(self.reader)
        if document is not None:
            return document, "document imprimé"
        return MessagePrint(self.reader), "message imprimé"

    def print_(self) -> bool:
        """The system's print dialog; True once printed."""
        target = self.target()
        if target is None:
            return False
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self.window)
        dialog.setWindowTitle(self.tr("Imprimer"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return self._print(target, printer)

    def preview_dialog(self) -> QPrintPreviewDialog | None:
        """The print preview (its own print button prints); the caller shows it."""
        target = self.target()
        if target is None:
            return None
        printable, what = target
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintPreviewDialog(printer, self.window)
        # The dialog keeps a C++ pointer to the printer only: both kept alive with it.
        self.previewed = (dialog, printer, printable)
        dialog.setWindowTitle(self.tr("Aperçu avant impression"))
        dialog.paintRequested.connect(printable.print_to)
        dialog.accepted.connect(lambda: self.reader._audit_export(what))  # printed from it
        return dialog

    def preview(self) -> None:
        dialog = self.preview_dialog()
        if dialog is not None:
            dialog.exec()

    def to_pdf(self, target: Path | None = None) -> Path | None:
        """ "Imprimer en PDF": the same pages into a PDF file she names."""
        chosen = self.target()
        if chosen is None:
            return None
        if target is None:
            folder = self.last_pdf_dir or Path(
                QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            )
            name, _filter = QFileDialog.getSaveFileName(
                self.window,
                self.tr("Imprimer en PDF"),
                str(folder / self.tr("message.pdf")),
                self.tr("Documents PDF (*.pdf)"),
            )
            if not name:
                return None
            target = Path(name) if name.lower().endswith(".pdf") else Path(name + ".pdf")
        self.last_pdf_dir = target.parent
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return target if self._print(chosen, printer) else None

    def _print(self, target: tuple[Printable, str], printer: QPrinter) -> bool:
        printable, what = target
        printed = printable.print_to(printer) > 0
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
            printed = printed and Path(printer.outputFileName()).is_file()
        printed = printed and printer.printerState() != QPrinter.PrinterState.Error
        if not printed:
            QMessageBox.warning(
                self.window,
                self.tr("Impression impossible"),
                self.tr(
                    "L'impression n'a pas pu se faire. Vérifiez l'imprimante (ou, pour un "
                    "PDF, que le dossier choisi accepte l'écriture), puis réessayez."
                ),
            )
            return False
        self.reader._audit_export(what)
        return True

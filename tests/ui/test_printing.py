"""Printing from the window: the message (header, text, attachment list) through the print
dialog, the print preview and "Imprimer en PDF"; the document of the tab in front (a PDF's
pages) with the same Ctrl+P; the separate PDF window's toolbar and size. The PDF files made
are read back with pypdf: what is on the paper is checked, not merely that a file exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.core.audit import Action
from app.mssante.subject import displayed
from app.sandbox.mailbox_pdf import pdf_document, pdf_page_stream
from app.store.db import Store
from app.ui.document_pane import DocumentView
from app.ui.main_window import MainWindow
from app.ui.pdf_view import PdfDialog
from tests.ui.conftest import assert_not_blank, open_window


def text_of(pdf: Path) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(pdf).pages)


def words(text: str) -> str:
    return " ".join(text.split())


def with_attachments(qtbot: QtBot, shown: MainWindow) -> None:
    """The first message with an XDM package (a PDF and more), shown and loaded."""
    shown.search.setText("IHE_XDM")
    shown.search_feedback.now()
    shown.list_view.selectRow(0)
    qtbot.waitUntil(lambda: shown.reader.attachments.count() > 1)


def exports(store: Store) -> list[str]:
    return [e["detail"] for e in store.audit.entries() if e["action"] == Action.EXPORT]


def test_a_message_printed_to_pdf_has_its_header_text_and_attachments(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    with_attachments(qtbot, shown)
    message = shown._selected()
    assert message is not None
    target = shown.printing.to_pdf(tmp_path / "imprimé.pdf")
    assert target == tmp_path / "imprimé.pdf"
    printed = words(text_of(target))
    assert words(displayed(message.subject)) in printed
    address = message.sender.split("<")[-1].rstrip(">")
    assert "De :" in printed and address in printed.replace(" ", "")  # wrapped lines
    assert "Date :" in printed
    body = shown.reader.body.toPlainText().split()
    assert " ".join(body[:6]) in printed  # the text as the reader shows it
    assert "Pièces jointes :" in printed
    names = [shown.reader.attachments.item(i).text() for i in range(2)]
    for name in names:
        assert words(name.split(" (")[0]) in printed
    assert exports(mail_store) == ["message imprimé"]  # no file name, no subject
    assert message.subject not in str(mail_store.audit.entries())


def test_ctrl_p_goes_through_the_print_dialog(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The system dialog is modal: here it "chooses" a PDF printer, as a person would."""
    out = tmp_path / "par-le-dialogue.pdf"
    seen: list[str] = []

    def choose(dialog: QPrintDialog) -> int:
        seen.append(dialog.windowTitle())
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(out))
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(QPrintDialog, "exec", choose)
    shown = open_window(qtbot, mail_store, tmp_path)
    shown.commands["print"].trigger()  # nothing shown: said, nothing printed
    assert seen == [] and "Choisissez d'abord un message" in shown.statusBar().currentMessage()
    shown.list_view.selectRow(0)
    qtbot.waitUntil(lambda: shown.reader.body.toPlainText() not in ("", "Chargement…"))
    shown.commands["print"].trigger()  # Ctrl+P
    assert seen == ["Imprimer"] and out.is_file()
    subject = shown._selected().subject  # type: ignore[union-attr]
    assert words(displayed(subject)) in words(text_of(out))

    def cancel(_dialog: QPrintDialog) -> int:
        return QDialog.DialogCode.Rejected.value

    monkeypatch.setattr(QPrintDialog, "exec", cancel)
    assert shown.printing.print_() is False
    assert exports(mail_store) == ["message imprimé"]  # once: the cancelled one is not


def test_the_document_in_front_is_what_ctrl_p_prints(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    with_attachments(qtbot, shown)
    reader = shown.reader
    qtbot.waitUntil(lambda: reader.documents.loaded is not None)
    number = next(
        n
        for n in range(reader.documents.count() - 1)
        if (view := reader.documents.document(n)) is not None and "pdf" in view.views
    )
    reader.documents.setCurrentIndex(number + 1)
    view = reader.documents.currentWidget()
    assert isinstance(view, DocumentView)
    view.show_view("pdf")
    pane = view.page("pdf")
    target = shown.printing.to_pdf(tmp_path / "document.pdf")
    assert target is not None
    assert len(PdfReader(target).pages) == pane.pages  # type: ignore[union-attr]
    reader.documents.setCurrentIndex(0)  # the message's tab again: the message
    again = shown.printing.to_pdf(tmp_path / "message.pdf")
    assert again is not None and "De :" in words(text_of(again))
    assert exports(mail_store) == ["document imprimé", "message imprimé"]


def test_the_print_preview(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    with_attachments(qtbot, shown)
    dialog = shown.printing.preview_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.resize(900, 900)
    dialog.show()
    preview = dialog.findChild(QPrintPreviewWidget)
    assert preview is not None
    qtbot.waitUntil(lambda: preview.pageCount() >= 1)
    qtbot.wait(200)
    dialog.grab().save(str(artefacts / "apercu-impression.png"))
    assert_not_blank(artefacts / "apercu-impression.png")
    dialog.close()
    assert exports(mail_store) == []  # previewed only: nothing left the window


def test_a_pdf_that_cannot_be_written_is_said(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, _text: warned.append(title))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: ("", ""))
    shown = open_window(qtbot, mail_store, tmp_path)
    shown.list_view.selectRow(0)
    assert shown.printing.to_pdf() is None  # she cancelled the file dialog
    assert shown.printing.to_pdf(tmp_path / "nulle-part" / "x" / "m.pdf") is None
    assert warned == ["Impression impossible"]
    assert exports(mail_store) == []


def test_the_pdf_window_fits_the_screen_and_prints(qtbot: QtBot, tmp_path: Path) -> None:
    pages = [pdf_page_stream([f"Page {n}"], 14) for n in range(2)]
    dialog = PdfDialog("resultats.pdf", pdf_document("Résultats", pages))
    qtbot.addWidget(dialog)
    free = dialog.screen().availableGeometry()
    assert dialog.width() <= free.width() and dialog.height() <= free.height()
    assert dialog.pane.print_button.isVisible() or dialog.pane.print_button.isVisibleTo(dialog)
    assert dialog.pane.page.maximum() == 2
    keys = [s.key() for s in dialog.findChildren(QShortcut)]
    assert QKeySequence(QKeySequence.StandardKey.Print) in keys  # Ctrl+P in its window too
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "copie.pdf"))
    assert dialog.pane.print_to(printer) == 2

"""The PDF drawn in place: pages, zoom, fit width, find, print (to a PDF file)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from app.sandbox.mailbox_pdf import pdf_document, pdf_page_stream
from app.ui.pdf_view import PdfPane
from tests.ui.conftest import assert_not_blank


def _three_pages() -> bytes:
    pages = [
        pdf_page_stream(["Laboratoire de biologie", "Hemoglobine 13.2 g/dL", "Page une"], 14),
        pdf_page_stream(["Leucocytes 13.79 G/L", "Plaquettes 250 G/L"], 14),
        pdf_page_stream(["Conclusion", "Hemoglobine normale"], 14),
    ]
    return pdf_document("Résultats", pages)


def test_pages_zoom_and_fit_width(qtbot: QtBot, artefacts: Path) -> None:
    pane = PdfPane(_three_pages())
    qtbot.addWidget(pane)
    pane.resize(800, 700)
    pane.show()
    assert pane.pages == 3
    assert pane.of.text() == "/ 3"
    assert not pane.previous.isEnabled() and pane.next.isEnabled()
    pane.next_page()
    qtbot.waitUntil(lambda: pane.current_page == 1)
    assert pane.page.value() == 2 and pane.previous.isEnabled()
    pane.go_to(2)
    qtbot.waitUntil(lambda: pane.current_page == 2)
    assert not pane.next.isEnabled()
    pane.go_to(7)  # beyond the end: nothing happens
    assert pane.current_page == 2
    before = pane.view.zoomFactor()
    pane.zoom_in()
    assert pane.view.zoomMode() == QPdfView.ZoomMode.Custom
    assert abs(pane.view.zoomFactor() - before * 1.25) < 1e-6
    pane.zoom_out()
    pane.zoom_out()
    assert pane.view.zoomFactor() < before
    for _ in range(40):
        pane.zoom_out()
    assert pane.view.zoomFactor() >= 0.25
    pane.fit_width()
    assert pane.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    assert not pane.broken.isVisible()
    pane.go_to(0)
    qtbot.waitUntil(lambda: pane.current_page == 0)
    qtbot.wait(600)  # QPdfView draws its pages in a worker thread
    pane.grab().save(str(artefacts / "pdf-viewer.png"))
    assert_not_blank(artefacts / "pdf-viewer.png")


def test_find_goes_through_every_match(qtbot: QtBot, artefacts: Path) -> None:
    pane = PdfPane(_three_pages())
    qtbot.addWidget(pane)
    pane.resize(800, 700)
    pane.show()
    pane.find_field.setText("hemoglobine")
    qtbot.waitUntil(lambda: pane.matches() == 2, timeout=5000)
    pane.find_next()
    assert pane.found.text() == "1 / 2"
    qtbot.waitUntil(lambda: pane.current_page == 0)
    pane.find_next()
    assert pane.found.text() == "2 / 2"
    qtbot.waitUntil(lambda: pane.current_page == 2)
    pane.find_next()  # wraps around
    assert pane.found.text() == "1 / 2"
    pane.find_previous()
    assert pane.found.text() == "2 / 2"
    qtbot.wait(600)
    pane.grab().save(str(artefacts / "pdf-viewer-find.png"))
    pane.find_field.setText("glycémie introuvable")
    pane.find_next()
    assert pane.found.text() == "Introuvable"


def test_print_renders_every_page(qtbot: QtBot, tmp_path: Path) -> None:
    pane = PdfPane(_three_pages())
    qtbot.addWidget(pane)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    target = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(target))
    printer.setResolution(150)
    assert pane.print_to(printer) == 3
    printed = PdfPane(target.read_bytes())
    qtbot.addWidget(printed)
    assert printed.pages == 3


def test_a_broken_pdf_says_so(qtbot: QtBot) -> None:
    pane = PdfPane(b"%PDF-1.4\n garbage \x00\x01 not a pdf")
    qtbot.addWidget(pane)
    pane.show()
    assert pane.broken.isVisible()
    assert pane.pages == 0
    pane.next_page()
    pane.find_field.setText("x")
    pane.find_next()
    assert pane.found.text() == "Introuvable"

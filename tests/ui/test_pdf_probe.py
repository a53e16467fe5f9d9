"""A received PDF is tried by PDFium in a child process before the window loads it: a PDF
that hangs or kills the renderer is never loaded in the window's process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from app.sandbox.mailbox_pdf import pdf_document, pdf_page_stream
from app.store.db import Store
from app.ui.document_pane import DocumentTabs
from app.ui.main_window import MainWindow
from app.ui.pdf_probe import DANGEROUS, TOO_BIG, UNREADABLE, PdfProber
from app.ui.pdf_view import PdfPane
from tests.ui.cda_samples import lab_report, message_with
from tests.ui.conftest import assert_not_blank
from tests.ui.pdf_children import CRASH, HANG, misbehave


def _pdf(pages: int = 2) -> bytes:
    return pdf_document("CR", [pdf_page_stream([f"Page {n + 1}"], 14) for n in range(pages)])


@pytest.fixture
def prober() -> Iterator[PdfProber]:
    tried = PdfProber(hook=misbehave, time_limit=2.0)
    yield tried
    tried.close()


def test_a_good_pdf_is_safe_a_broken_one_unreadable_with_one_child(prober: PdfProber) -> None:
    probe = prober.probe(_pdf(3))
    assert probe.safe and probe.pages == 3 and probe.notice is None
    broken = prober.probe(b"%PDF-1.7\n" + b"\x00\xff" * 500)
    assert not broken.safe and broken.notice == UNREADABLE
    assert prober.probe(_pdf(1)).pages == 1
    assert prober.started == 1  # kept between PDFs


def test_a_hanging_pdf_is_stopped_at_the_time_limit_and_the_next_one_is_read(
    prober: PdfProber,
) -> None:
    prober.probe(_pdf())  # the child is up: what follows measures the PDF only
    began = time.monotonic()
    probe = prober.probe(HANG)
    took = time.monotonic() - began
    assert not probe.safe and probe.notice == DANGEROUS
    assert 2.0 <= took < 10.0
    again = prober.probe(_pdf(2))
    assert again.safe and again.pages == 2 and prober.started == 2  # a new child


def test_a_pdf_that_kills_the_renderer_is_said_and_the_next_one_is_read(
    prober: PdfProber,
) -> None:
    probe = prober.probe(CRASH)
    assert not probe.safe and probe.notice == DANGEROUS
    assert prober.probe(_pdf(1)).safe


def test_an_oversize_pdf_is_not_even_sent(
    prober: PdfProber, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.ui import pdf_probe

    monkeypatch.setattr(pdf_probe, "MAX_PDF_BYTES", 1000)
    assert prober.probe(b"%PDF" + b" " * 2000).notice == TOO_BIG
    assert prober.started == 0


def test_the_reader_shows_the_notice_and_not_the_pdf(
    qtbot: QtBot, prober: PdfProber, artefacts: Path
) -> None:
    raw = message_with(
        [("piege.pdf", "application/pdf", HANG + _pdf(1)), ("bon.pdf", "application/pdf", _pdf(2))]
    )
    tabs = DocumentTabs(QLabel("Veuillez trouver ci-joint deux documents."))
    tabs.prober = prober
    tabs.resize(900, 600)
    tabs.show()
    tabs.show_for(1, lambda: raw)
    qtbot.waitUntil(lambda: tabs.loaded is not None, timeout=15000)
    assert tabs.count() == 3
    trapped, good = tabs.document(0), tabs.document(1)
    assert trapped is not None and good is not None
    assert trapped.views == [] and DANGEROUS in trapped.shown.notices
    assert good.views == ["pdf"]
    tabs.setCurrentIndex(2)
    pane = good.page("pdf")
    assert isinstance(pane, PdfPane) and pane.pages == 2
    tabs.setCurrentIndex(1)
    qtbot.wait(100)
    tabs.grab().save(str(artefacts / "reader-pdf-refused.png"))
    assert_not_blank(artefacts / "reader-pdf-refused.png")
    tabs.clear_documents()
    tabs.deleteLater()
    qtbot.wait(50)


def test_a_lab_result_opens_on_its_results(qtbot: QtBot, prober: PdfProber) -> None:
    raw = message_with([("CR-BIO.xml", "text/xml", lab_report())])
    tabs = DocumentTabs(QLabel("Résultats ci-joints."))
    tabs.prober = prober
    tabs.show()
    tabs.show_for(1, lambda: raw)
    qtbot.waitUntil(lambda: tabs.loaded is not None, timeout=15000)
    assert tabs.currentIndex() == 1  # the values, not the cover note
    tabs.clear_documents()
    tabs.deleteLater()
    qtbot.wait(50)


def test_a_pdf_opened_in_its_own_window_is_tried_first(
    qtbot: QtBot,
    prober: PdfProber,
    mail_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The separate window (a PDF the documents pass did not read, e.g. past 20 documents)."""
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.reader.documents.prober = prober
    window.reader._open_pdf("piege.pdf", CRASH)
    qtbot.waitUntil(lambda: bool(warned), timeout=15000)
    assert warned == [DANGEROUS] and window.reader.pdf is None
    window.reader._open_pdf("bon.pdf", _pdf(2))
    qtbot.waitUntil(lambda: window.reader.pdf is not None, timeout=15000)
    assert window.reader.pdf is not None and window.reader.pdf.pages == 2

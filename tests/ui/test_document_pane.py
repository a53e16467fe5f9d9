"""The documents of a message in the reading pane: CDA (header, structured body, results),
HPRIM results table, PDF in place, "Ouvrir" on an IHE_XDM.ZIP, hostile documents."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.sandbox.mailbox_pdf import pdf_document, pdf_page_stream
from app.sandbox.samples import sample_mail
from app.ui import document_pane
from app.ui.document_load import load_documents
from app.ui.document_pane import DocumentTabs, DocumentView, ResultsTable
from app.ui.html_view import SafeBrowser
from app.ui.pdf_view import PdfPane
from tests.ui.cda_samples import INS, discharge_letter, lab_report, message_with, pdf_cda
from tests.ui.conftest import assert_not_blank


def _cell(table: ResultsTable, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""


@pytest.fixture(autouse=True)
def _deleted_as_in_the_reader(qtbot: QtBot) -> Iterator[None]:
    """Each pane is emptied and deleted the Qt way, as the reader does between messages
    (``deleteLater``); left to Python's collector instead, PySide 6.11 crashes now and then
    while a QPdfView of the tree still has work queued."""
    yield
    for tabs in list(_made):
        tabs.clear_documents()
        tabs.deleteLater()
    _made.clear()
    qtbot.wait(50)


_made: list[DocumentTabs] = []


def _tabs(qtbot: QtBot, raw: bytes) -> DocumentTabs:
    body = QLabel("Veuillez trouver ci-joint le document.")
    tabs = DocumentTabs(body)
    _made.append(tabs)
    tabs.resize(900, 700)
    tabs.show()
    tabs.show_for(1, lambda: raw)
    qtbot.waitUntil(lambda: tabs.loaded is not None or tabs.notice.isVisible(), timeout=10000)
    return tabs


def test_a_cda_lab_report_shows_patient_results_and_abnormal_values(
    qtbot: QtBot, artefacts: Path
) -> None:
    tabs = _tabs(qtbot, message_with([("CR-BIO.xml", "text/xml", lab_report())]))
    assert tabs.count() == 2
    assert tabs.tabText(1).startswith("⚠")  # abnormal values: said on the tab
    view = tabs.document(0)
    assert view is not None
    header = view.header.text()
    assert "DURAND Marie Claire" in header and INS in header and "INS qualifié" in header
    assert "15/05/1980" in header and "nom utilisé : MARTIN" in header
    assert "Dr Paul BIOLOGISTE" in header and "12/03/2024" in header
    assert "Organisation : Laboratoire des Tilleuls" in header
    assert "2 résultat(s) anormal(aux)" in header
    assert view.views == ["results", "structured"]
    assert view.current == "results"
    table = view.page("results")
    assert isinstance(table, ResultsTable)
    values = {_cell(table, r, 0): _cell(table, r, 1) for r in range(table.rowCount())}
    assert values["Leucocytes"] == "13.79" and values["Hémoglobine"] == "10.1"
    flagged = {_cell(table, r, 0): _cell(table, r, 4) for r in table.abnormal_rows()}
    assert flagged == {"Hémoglobine": "↓", "Leucocytes": "↑"}
    assert tabs.currentIndex() == 1  # a lab result opens on its values
    tabs.grab().save(str(artefacts / "reader-cda-lab-results.png"))
    assert_not_blank(artefacts / "reader-cda-lab-results.png")
    view.switches["structured"].click()
    browser = view.page("structured")
    assert isinstance(browser, SafeBrowser)
    text = browser.toPlainText()
    assert "Hématologie" in text and "Contrôle conseillé." in text
    markup = browser.document().toHtml()
    assert "tracker.example" not in markup  # no link, nothing remote
    tabs.grab().save(str(artefacts / "reader-cda-lab-structured.png"))


def test_a_discharge_letter_shows_its_sections_escaped(qtbot: QtBot, artefacts: Path) -> None:
    tabs = _tabs(qtbot, message_with([("LDL.xml", "text/xml", discharge_letter())]))
    view = tabs.document(0)
    assert view is not None and view.views == ["structured"]
    assert "Lettre de liaison à la sortie" in view.header.text()
    assert "HOSPITALIER" in view.header.text()
    browser = view.page("structured")
    assert isinstance(browser, SafeBrowser)
    text = browser.toPlainText()
    for words in ("Motif d'hospitalisation", "Synthèse du séjour", "Amoxicilline 1 g", "Suivi"):
        assert words in text
    assert "<script>alert(1)</script>" in text  # the sender's markup shown as text, not run
    tabs.setCurrentIndex(1)
    tabs.grab().save(str(artefacts / "reader-cda-discharge-letter.png"))
    assert_not_blank(artefacts / "reader-cda-discharge-letter.png")


def test_a_cda_with_its_own_pdf_shows_the_pdf(qtbot: QtBot) -> None:
    pdf = pdf_document("CR", [pdf_page_stream(["Compte rendu de consultation"], 14)])
    tabs = _tabs(qtbot, message_with([("CR.xml", "text/xml", pdf_cda(pdf))]))
    view = tabs.document(0)
    assert view is not None and view.current == "pdf"
    pane = view.page("pdf")
    assert isinstance(pane, PdfPane) and pane.pages == 1


def test_open_on_an_xdm_zip_shows_its_documents_in_the_app(qtbot: QtBot, tmp_path: Path) -> None:
    raw = next(
        s.raw
        for s in sample_mail("dr.demo@medecin.mssante.fr", datetime(2026, 3, 2, 9))
        if b"IHE_XDM.ZIP" in s.raw
    )
    tabs = _tabs(qtbot, raw)
    assert tabs.count() >= 2
    assert tabs.open_source("IHE_XDM.ZIP")
    assert tabs.currentIndex() >= 1
    view = tabs.currentWidget()
    assert isinstance(view, DocumentView) and view.shown.kind == "cda"
    assert not tabs.open_source("autre.doc")


def test_the_time_limit_says_so_and_drops_the_late_result(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(document_pane, "TIME_LIMIT_MS", 200)
    raw = message_with([("CR-BIO.xml", "text/xml", lab_report())])

    def slow() -> bytes:
        time.sleep(1.0)
        return raw

    tabs = DocumentTabs(QLabel("texte"))
    _made.append(tabs)
    tabs.show_for(1, slow)
    qtbot.waitUntil(tabs.notice.isVisible, timeout=3000)
    assert "trop longs à afficher" in tabs.notice.text()
    qtbot.wait(1200)
    assert tabs.count() == 1 and tabs.loaded is None  # the late result was dropped


@pytest.mark.parametrize(
    "name, media, data",
    [
        ("bad.xml", "text/xml", b"<ClinicalDocument><recordTarget>" * 3),
        (
            "bomb.xml",
            "text/xml",
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]><ClinicalDocument>&a;</ClinicalDocument>',
        ),
        (
            "deep.xml",
            "text/xml",
            b"<ClinicalDocument xmlns='urn:hl7-org:v3'><component><structuredBody>"
            b"<component><section><text>"
            + b"<list><item>" * 5000
            + b"</text></section></component></structuredBody></component></ClinicalDocument>",
        ),
        ("x.pdf", "application/pdf", b"%PDF-1.7\n" + b"\x00\xff" * 1000),
        (
            "RESULTATS.HPR",
            "text/plain",
            b"****LAB****\nRES|" + b"|" * 10000 + b"\n\xff\xfe garbage\n",
        ),
    ],
)
def test_hostile_documents_never_crash(qtbot: QtBot, name: str, media: str, data: bytes) -> None:
    raw = message_with([(name, media, data)])
    load_documents(raw)  # never raises
    tabs = _tabs(qtbot, raw)
    for number in range(tabs.count() - 1):
        view = tabs.document(number)
        assert view is not None
        for other in view.views:
            view.show_view(other)

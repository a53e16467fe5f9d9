"""In the window: the demo's HPRIM lab result in the reader (its eight values, the abnormal
ones marked), the list's Patient column, kind icons, "classé" mark, sort and filter by
patient, and the "Résultats" view of a filed patient."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon
from pytestqt.qtbot import QtBot

from app.filing.service import FILED_KEYWORD
from app.sandbox.samples import sample_mail
from app.store.db import HeaderRow, Store
from app.ui.document_pane import DocumentView, ResultsTable
from app.ui.main_window import MainWindow
from app.ui.models import MessageListModel
from app.ui.pdf_view import PdfPane
from tests.ui.cda_samples import lab_report, message_with
from tests.ui.conftest import assert_not_blank

DEMO = "docteur.demo@medecin.mssante.test"
NOW = datetime(2026, 3, 2, 9, 0)


def _hprim_lines(raw: bytes) -> list[list[str]]:
    for part in email.message_from_bytes(raw).walk():
        if part.get_filename() == "RESULTATS.HPR":
            text = part.get_payload(decode=True).decode()  # type: ignore[union-attr]
            return [line.split("|") for line in text.splitlines() if line.startswith("RES|")]
    raise AssertionError("no HPRIM file in the demo's lab message")


@pytest.fixture
def demo_store(tmp_path: Path) -> Iterator[tuple[Store, list[bytes]]]:
    store = Store.open(tmp_path / "profile")
    account = store.add_account(DEMO, "card", "imaps://imap.test")
    store.upsert_folder(account, "INBOX", ".", "Inbox", True)
    inbox = next(f for f in store.folders(account) if f.name == "INBOX")
    raws = [s.raw for s in sample_mail(DEMO, NOW)]
    raws.append(message_with([("CR-BIO.xml", "text/xml", lab_report())], "CR biologie DURAND"))
    rows = [
        HeaderRow(uid, (), datetime(2026, 3, 1, 8, uid), len(raw), None, raw)
        for uid, raw in enumerate(raws, 1)
    ]
    store.add_headers(inbox, rows)
    store.add_bodies(inbox, {uid: raw for uid, raw in enumerate(raws, 1)})
    yield store, raws
    store.close()


def _row(window: MainWindow, words: str) -> int:
    for row in range(window.messages.rowCount()):
        message = window.messages.message(row)
        if message is not None and words in message.subject:
            return row
    raise AssertionError(words)


def test_the_demo_hprim_result_shows_its_eight_values(
    qtbot: QtBot, demo_store: tuple[Store, list[bytes]], tmp_path: Path, artefacts: Path
) -> None:
    store, raws = demo_store
    raw = next(r for r in raws if b"RESULTATS.HPR" in r)
    lines = _hprim_lines(raw)
    assert len(lines) == 8
    expected_abnormal = {fields[1] for fields in lines if fields[8] in ("H", "L")}
    assert expected_abnormal  # the demo has abnormal values: the test can fail
    window = MainWindow(store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.resize(1300, 1000)
    window.show()
    subject = str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])
    window.list_view.selectRow(_row(window, subject))
    reader = window.reader
    qtbot.waitUntil(lambda: reader.documents.loaded is not None, timeout=10000)
    view = reader.documents.document(0)
    assert isinstance(view, DocumentView)
    assert view.shown.kind == "hprim" and view.views == ["results", "pdf"]
    reader.documents.setCurrentWidget(view)
    table = view.page("results")
    assert isinstance(table, ResultsTable) and table.rowCount() == 8
    shown = {}
    for row in range(8):
        label, value = table.item(row, 0), table.item(row, 1)
        assert label is not None and value is not None
        shown[label.text()] = value.text()
    assert shown == {fields[1]: fields[4] for fields in lines}
    flagged = set()
    for row in table.abnormal_rows():
        item = table.item(row, 0)
        assert item is not None
        flagged.add(item.text())
    assert flagged == expected_abnormal
    assert reader.documents.tabText(1).startswith("⚠")
    # "Ouvrir" on RESULTATS.HPR: the results, in the app
    reader.documents.setCurrentIndex(0)
    names = [reader.attachments.item(i).text() for i in range(reader.attachments.count())]
    reader.attachments.setCurrentRow(next(i for i, n in enumerate(names) if "RESULTATS.HPR" in n))
    reader.open_attachment()
    assert reader.documents.currentWidget() is view
    window.grab().save(str(artefacts / "reader-demo-hprim-results.png"))
    assert_not_blank(artefacts / "reader-demo-hprim-results.png")
    # its PDF, one click away: the lab's report page with the same values
    window.resize(1300, 1700)  # the page's table in view
    view.show_view("pdf")
    pane = view.page("pdf")
    assert isinstance(pane, PdfPane) and pane.pages == 1
    for label in ("Glycémie à jeun", "Acide urique"):  # the two flagged values
        pane.find_field.setText(label)
        qtbot.waitUntil(lambda: pane.matches() == 1, timeout=10000)
    pane.find_next()
    assert pane.found.text() == "1 / 1"
    qtbot.wait(600)  # the page drawn
    window.grab().save(str(artefacts / "reader-demo-lab-pdf.png"))
    assert_not_blank(artefacts / "reader-demo-lab-pdf.png")


def test_the_list_shows_patient_kind_and_filed_and_filters_by_patient(
    qtbot: QtBot, demo_store: tuple[Store, list[bytes]], tmp_path: Path, artefacts: Path
) -> None:
    store, _raws = demo_store
    window = MainWindow(store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.resize(1400, 800)
    window.show()
    model = window.messages
    column = MessageListModel.PATIENT_COLUMN
    assert model.headerData(column, Qt.Orientation.Horizontal) == "Patient"
    cda_row = _row(window, "CR biologie DURAND")
    assert model.index(cda_row, column).data() == "DURAND Marie Claire (15/05/1980)"
    assert "INS qualifiée" in model.index(cda_row, column).data(Qt.ItemDataRole.ToolTipRole)
    assert "2 résultat(s) anormal(aux)" in model.index(cda_row, column).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert isinstance(model.index(cda_row, 0).data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert "Résultats" in model.index(cda_row, 0).data(Qt.ItemDataRole.ToolTipRole)
    letter_row = _row(window, "LETTRE DE LIAISON")
    assert "Lettre de liaison" in model.index(letter_row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(letter_row, column).data()  # the patient read from the CDA
    # classé: the keyword set by the filing
    message = model.message(letter_row)
    assert message is not None
    inbox = next(f for f in store.folders(store.accounts()[0]) if f.name == "INBOX")
    store.set_flags(inbox, {message.uid: ((*message.flags, FILED_KEYWORD), None)})
    model.invalidate()
    assert "✓" in model.index(letter_row, 0).data()
    assert "Classé" in model.index(letter_row, 0).data(Qt.ItemDataRole.ToolTipRole)
    # sort by patient
    model.sort(column, Qt.SortOrder.AscendingOrder)
    patients = [model.index(r, column).data() for r in range(model.rowCount())]
    named = [p for p in patients if p]
    assert named == sorted(named, key=str.casefold)
    window.grab().save(str(artefacts / "list-patient-column.png"))
    assert_not_blank(artefacts / "list-patient-column.png")
    # filter by patient (the list's context menu)
    cda_row = _row(window, "CR biologie DURAND")
    menu = window.list_menu.build(cda_row)
    only = next(a for a in menu.actions() if a.objectName() == "filter-patient")
    only.trigger()
    assert model.rowCount() == 1
    assert model.headerData(column, Qt.Orientation.Horizontal) == "Patient (filtré)"
    menu = window.list_menu.build(0)
    every = next(a for a in menu.actions() if a.objectName() == "all-patients")
    every.trigger()
    assert model.rowCount() > 1 and model.patient_filter is None


def test_after_a_sync_the_background_pass_completes_the_list(
    qtbot: QtBot, demo_store: tuple[Store, list[bytes]], tmp_path: Path
) -> None:
    """Archives are opened by the pass the window runs after each sync: the letter's INS."""
    store, _raws = demo_store
    window = MainWindow(store, tmp_path / "profile" / "ui.ini")
    qtbot.addWidget(window)
    letter_row = _row(window, "LETTRE DE LIAISON")
    column = MessageListModel.PATIENT_COLUMN
    tip = window.messages.index(letter_row, column).data(Qt.ItemDataRole.ToolTipRole)
    assert "Pas d'INS" in tip  # read light at ingest: the subject's patient
    with qtbot.waitSignal(window.indexer.progressed, timeout=60000):
        window.sync_finished.emit()
    qtbot.waitUntil(lambda: window.indexer.left == 0 and not window.indexer.running, timeout=60000)
    tip = window.messages.index(letter_row, column).data(Qt.ItemDataRole.ToolTipRole)
    assert "INS lue" in tip or "INS qualifiée" in tip
    window.close()
    assert window.indexer.stopped


def test_locking_with_a_pdf_shown_then_unlocking(
    qtbot: QtBot, demo_store: tuple[Store, list[bytes]], tmp_path: Path
) -> None:
    """The lock disables every action, a PDF's find field's among them; the reader then
    drops its tabs: unlocking must not touch the deleted ones."""
    store, _raws = demo_store
    window = MainWindow(store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    window.list_view.selectRow(_row(window, "LETTRE DE LIAISON"))
    qtbot.waitUntil(lambda: window.reader.documents.count() > 1, timeout=10000)
    view = window.reader.documents.document(0)
    assert view is not None and view.current == "pdf"
    before = [a for a in window.findChildren(QAction) if a.isEnabled() and a.parent() is window]
    window.lock()
    qtbot.wait(50)  # the reader's tabs are deleted (deleteLater)
    assert window.reader.documents.count() == 1
    window.unlock()  # no worker: unlocked at once
    assert not window.locked and before and all(a.isEnabled() for a in before)

"""The "Classer" dialog on a real store, registry and patients folder (documents built as the
readers give them): a certain match preselected and filed with its receipt, a probable one
waiting for her eyes, a new patient made from the document's identity."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from app.filing.patients import Patient
from app.filing.service import FILED_KEYWORD, Filing
from app.mssante.model import DocumentFile, InsKind
from app.ops.receipts import MDN_SENT
from app.store.db import HeaderRow, MessageSummary, Store
from app.store.outbox import OutboxStore
from app.ui.filing_dialog import FilingDialog, NewPatientDialog
from bench.hostile_data import FIRST_WORDS, LAST_WORDS, nested_tables
from tests.filing_support import MATRICULE, document, documents, identity, ins, raw_message
from tests.ui.conftest import assert_not_blank

ACCOUNT = "dr@mssante.test"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    account = opened.add_account(ACCOUNT, "password", "imaps://imap.test")
    opened.upsert_folder(account, "INBOX", "/", "Inbox", True)
    yield opened
    opened.close()


@pytest.fixture
def filing(tmp_path: Path, store: Store) -> Iterator[Filing]:
    root = tmp_path / "Patients"
    root.mkdir()
    opened = Filing.open(tmp_path / "profile", root, store)
    yield opened
    opened.close()


@pytest.fixture
def marie(filing: Filing) -> Patient:
    return filing.registry.add(
        birth_name="DUPONT",
        first_names="Marie Louise",
        birth_date=date(1980, 5, 12),
        sex="F",
        ins=MATRICULE,
        ins_oid=InsKind.NIR.value,
    )


def put(store: Store, *, receipt: bool = False) -> MessageSummary:
    account = store.account(ACCOUNT)
    assert account is not None
    inbox = store.folders(account)[0]
    raw = raw_message("cr-1@chu.mssante.test", receipt=receipt)
    store.add_headers(inbox, [HeaderRow(1, (), None, len(raw), None, raw.split(b"\n\n")[0])])
    store.add_bodies(inbox, {1: raw})
    found = store.find("cr-1@chu.mssante.test")
    assert found is not None
    return found


def open_dialog(qtbot: QtBot, dialog: FilingDialog) -> FilingDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_a_certain_match_is_preselected_then_filed_with_its_receipt(
    qtbot: QtBot, store: Store, filing: Filing, marie: Patient, artefacts: Path
) -> None:
    message = put(store, receipt=True)
    docs = documents(document(identity(ins_value=ins())))
    dialog = open_dialog(qtbot, FilingDialog(filing, message, docs))
    asked: list[str] = []
    dialog.ask = lambda _title, text: asked.append(text) or True
    assert dialog.patients.currentData() == marie.id
    assert dialog.confidence.text().startswith("<b>Identité certaine</b>")
    said = "Nom de naissance ✓, Prénom ✓, Date de naissance ✓, Sexe ✓, INS ✓"
    assert said in dialog.confidence.text() and "%" not in dialog.confidence.text()
    assert dialog.patients.currentText().endswith("(certain)")
    marks = [dialog.table.item(row, 2).text() for row in range(dialog.table.rowCount())]
    assert marks[0].startswith("✓") and any(m.startswith("✓ " + MATRICULE) for m in marks)
    assert str(filing.root / marie.folder) in dialog.destination.text()
    dialog.grab().save(str(artefacts / "filing-dialog-certain.png"))
    assert_not_blank(artefacts / "filing-dialog-certain.png")

    with qtbot.waitSignal(dialog.filed):
        dialog.file_button.click()
    written = sorted(p.name for p in (filing.root / marie.folder).iterdir())
    assert written[0] == "2026-11-16_CR-imagerie_Dr Paul DURAND.pdf" and len(written) == 3
    assert "Classé" in dialog.outcome.text() and not dialog.file_button.isEnabled()
    assert len(asked) == 1 and "accusé « documents intégrés" in asked[0]
    outbox = OutboxStore(store)
    (mdn,) = outbox.items()
    assert mdn.recipients == ("paul.durand@chu.mssante.test",)
    assert b"; processed" in outbox.raw(mdn)
    flags = store.find(str(message.id)).flags  # type: ignore[union-attr]
    assert FILED_KEYWORD in flags and MDN_SENT in flags


def test_a_probable_match_is_proposed_and_compared_field_by_field(
    qtbot: QtBot, store: Store, filing: Filing, marie: Patient, artefacts: Path
) -> None:
    message = put(store)
    near = identity(first_names=("Marie",))  # no INS: traits only
    dialog = open_dialog(qtbot, FilingDialog(filing, message, documents(document(near))))
    assert dialog.patients.currentData() == marie.id  # proposed...
    text = dialog.confidence.text()  # ...not certain: which traits agree, which do not
    assert text.startswith("<b>Identité probable</b>") and "Comparez avant de classer" in text
    assert "Date de naissance ✓" in text and "INS ✗ absente" in text and "%" not in text
    assert dialog.patients.currentText().endswith("(probable)")
    dialog.grab().save(str(artefacts / "filing-dialog-probable.png"))
    assert_not_blank(artefacts / "filing-dialog-probable.png")
    dialog.patients.setCurrentIndex(0)  # "— choisir un patient —"
    assert not dialog.file_button.isEnabled()
    assert not any((filing.root / marie.folder).iterdir())


def test_a_contradicting_birth_date_is_shown_and_not_preselected(
    qtbot: QtBot, store: Store, filing: Filing, marie: Patient
) -> None:
    off = identity(birth_date=date(1980, 5, 21))
    dialog = open_dialog(qtbot, FilingDialog(filing, put(store), documents(document(off))))
    assert dialog.patients.currentData() is None  # she picks, if she wants
    assert dialog.patients.itemData(1) == marie.id  # listed first, with its confidence
    dialog.patients.setCurrentIndex(1)
    birth = dialog.table.item(3, 2).text()
    assert birth.startswith("✗") and "12/05/1980" in birth
    assert dialog.table.item(0, 2).text().startswith("✓")


def test_a_new_patient_is_made_from_the_document_identity(
    qtbot: QtBot, store: Store, filing: Filing, artefacts: Path
) -> None:
    """Unknown patient: the form carries every trait the document gives (INS and its OID
    too); "Créer" registers her and the document's INS makes the match certain."""
    message = put(store)
    read = identity(
        ins_value=ins(), birth_name="MARTIN", first_names=("Léa", "Anne"), used_name="ROUX"
    )
    dialog = open_dialog(qtbot, FilingDialog(filing, message, documents(document(read))))
    assert dialog.patients.currentData() is None and not dialog.file_button.isEnabled()
    assert "aucun patient ne correspond" in dialog.confidence.text()
    dialog.new_patient.click()
    form = dialog.new_patient_dialog
    assert isinstance(form, NewPatientDialog)
    qtbot.waitExposed(form)
    assert (form.birth_name.text(), form.used_name.text()) == ("MARTIN", "ROUX")
    assert form.first_names.text() == "Léa Anne" and form.birth_date.edit.text() == "12/05/1980"
    assert form.sex.currentData() == "F"
    assert (form.ins.text(), form.oid.currentData()) == (MATRICULE, InsKind.NIR.value)
    assert form.problem.isHidden()
    dialog.grab().save(str(artefacts / "filing-dialog-unknown.png"))
    form.grab().save(str(artefacts / "filing-new-patient-form.png"))
    assert_not_blank(artefacts / "filing-new-patient-form.png")

    with qtbot.waitSignal(form.accepted):
        form.create_button.click()
    (created,) = filing.registry.patients()
    assert (created.birth_name, created.used_name, created.ins) == ("MARTIN", "ROUX", MATRICULE)
    assert (created.ins_oid, created.birth_date) == (InsKind.NIR.value, date(1980, 5, 12))
    assert dialog.patients.currentData() == created.id
    assert "Identité certaine" in dialog.confidence.text()  # same qualified INS now
    with qtbot.waitSignal(dialog.filed):
        dialog.file_button.click()
    assert len(list((filing.root / created.folder).iterdir())) == 3


def test_the_new_patient_form_checks_the_ins_and_the_date(
    qtbot: QtBot, store: Store, filing: Filing
) -> None:
    """Typed JJ/MM/AAAA as is (QDateEdit made "2202102022021" of it); the INS length, key
    and OID said in the form, which stays open until they are right."""
    form = NewPatientDialog(identity(birth_name="CARON", first_names=("Gaëlle",), birth_date=None))
    qtbot.addWidget(form)
    form.filing = filing
    form.show()
    assert form.birth_date.edit.text() == "" and form.ins.text() == ""
    form.birth_date.edit.clear()
    qtbot.keyClicks(form.birth_date.edit, "02/02/2021")
    assert form.birth_date.edit.text() == "02/02/2021"
    assert form.birth_date.value() == date(2021, 2, 2)
    form.birth_date.edit.setText("02022021")
    form.birth_date.edit.editingFinished.emit()
    assert form.birth_date.edit.text() == "02/02/2021"
    form.birth_date.edit.setText("31/02/2021")
    assert "Date invalide" in form.problem.text()
    form.birth_date.edit.setText("02/02/2021")
    form.ins.setText(MATRICULE[:14])
    assert "15 caractères attendus (14 saisis)" in form.problem.text()
    wrong_key = MATRICULE[:13] + f"{(int(MATRICULE[13:]) + 1) % 100:02d}"
    form.ins.setText(wrong_key)
    assert "clé de contrôle" in form.problem.text()
    form.ins.setText(MATRICULE)
    form.oid.setCurrentIndex(form.oid.findData(""))
    assert "OID" in form.problem.text()
    form.create_button.click()
    assert form.isVisible() and not filing.registry.patients()  # refused, still open
    form.oid.setCurrentIndex(form.oid.findData(InsKind.NIA.value))
    assert form.problem.isHidden()
    form.create_button.click()
    (created,) = filing.registry.patients()
    assert (created.birth_date, created.ins_oid) == (date(2021, 2, 2), InsKind.NIA.value)


def test_the_calendar_is_french_and_opens_near_the_document_birth_date(qtbot: QtBot) -> None:
    form = NewPatientDialog(identity(birth_date=date(1946, 10, 1)))
    qtbot.addWidget(form)
    form.show()
    calendar = form.birth_date.open_calendar()
    shown = calendar.selectedDate()
    assert (shown.year(), shown.month(), shown.day()) == (1946, 10, 1)
    assert (calendar.yearShown(), calendar.monthShown()) == (1946, 10)
    assert calendar.locale().monthName(10) == "octobre"
    assert calendar.locale().dayName(1).lower() == "lundi"
    calendar.clicked.emit(QDate(1946, 10, 3))
    assert form.birth_date.edit.text() == "03/10/1946"
    empty = NewPatientDialog(None)  # nothing known: the calendar opens on today, not 1880
    qtbot.addWidget(empty)
    assert empty.birth_date.open_calendar().yearShown() > 1900


def test_a_message_without_documents_says_so(qtbot: QtBot, store: Store, filing: Filing) -> None:
    dialog = open_dialog(qtbot, FilingDialog(filing, put(store), documents()))
    assert not dialog.file_button.isEnabled() and not dialog.patients.isEnabled()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_an_html_document_is_bounded_off_the_gui_thread(
    qtbot: QtBot, store: Store, filing: Filing, artefacts: Path
) -> None:
    """A CDA rendered as HTML: shown as HTML; beyond the bounds (24 nested tables, which
    Qt lays out in minutes), its text under a notice. Switching documents meanwhile drops
    the late result."""
    fine = "<h1>Compte rendu</h1><table><tr><td>Hémoglobine</td><td>13,2</td></tr></table>"
    hostile = nested_tables(24)
    docs = documents(
        *(
            replace(document(identity()), readable=DocumentFile(f"{n}.html", "text/html", b))
            for n, b in (("cr", fine.encode()), ("piege", hostile.encode()))
        )
    )
    dialog = open_dialog(qtbot, FilingDialog(filing, put(store), docs))
    qtbot.waitUntil(lambda: "Hémoglobine" in dialog.preview_browser.toPlainText())  # type: ignore[union-attr]
    assert "<table" in dialog.preview_browser.document().toHtml()  # type: ignore[union-attr]
    dialog.chooser.setCurrentIndex(1)
    dialog.chooser.setCurrentIndex(0)  # back before the hostile one is read
    dialog.chooser.setCurrentIndex(1)
    browser = dialog.preview_browser
    assert browser is not None
    qtbot.waitUntil(lambda: LAST_WORDS in browser.toPlainText(), timeout=60_000)
    assert browser.toPlainText().startswith("Ce document est trop complexe")
    assert FIRST_WORDS in browser.toPlainText() and "créatinine" in browser.toPlainText()
    dialog.grab().save(str(artefacts / "filing-html-too-complex.png"))
    assert_not_blank(artefacts / "filing-html-too-complex.png")


def test_a_pdf_preview_is_tried_in_a_child_first(
    qtbot: QtBot, store: Store, filing: Filing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF beside the filing choices goes through the same probe as the reader's: one
    that hangs the renderer is said, not loaded; the next document's PDF is drawn."""
    from app.sandbox.mailbox_pdf import pdf_document, pdf_page_stream
    from app.ui import filing_dialog
    from app.ui.pdf_probe import DANGEROUS, PdfProber
    from app.ui.pdf_view import PdfPane
    from tests.ui.pdf_children import HANG, misbehave

    prober = PdfProber(hook=misbehave, time_limit=2.0)
    monkeypatch.setattr(filing_dialog, "shared_prober", lambda: prober)
    good = pdf_document("CR", [pdf_page_stream(["Compte rendu"], 14)])
    docs = documents(
        *(
            replace(document(identity()), readable=DocumentFile(f"{n}.pdf", "application/pdf", b))
            for n, b in (("piege", HANG), ("cr", good))
        )
    )
    try:
        dialog = open_dialog(qtbot, FilingDialog(filing, put(store), docs))

        def said() -> list[str]:
            layout = dialog.preview_layout
            return [
                w.text()
                for w in (layout.itemAt(i).widget() for i in range(layout.count()))
                if isinstance(w, QLabel)
            ]

        qtbot.waitUntil(lambda: DANGEROUS in said(), timeout=15000)
        dialog.chooser.setCurrentIndex(1)
        qtbot.waitUntil(
            lambda: any(
                isinstance(dialog.preview_layout.itemAt(i).widget(), PdfPane)
                for i in range(dialog.preview_layout.count())
            ),
            timeout=15000,
        )
    finally:
        prober.close()

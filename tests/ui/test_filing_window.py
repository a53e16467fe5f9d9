"""Filing from the main window on the demo's real sample mail (IHE_XDM.ZIP + PDF, HPRIM):
"Classer" on a selected message, and "À classer" with a certain match filed in bulk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.filing.patients import Patient
from app.filing.service import FILED_KEYWORD
from app.mssante.model import InsKind
from app.store.db import MessageSummary, Store
from app.store.views import blob_digest
from app.ui.filing_dialog import FilingDialog
from app.ui.filing_journal import FilingJournalDialog
from app.ui.main_window import MainWindow
from tests.filing_support import put_demo_mail
from tests.ui.conftest import assert_not_blank


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    return tmp_path / "profile"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "Patients"
    path.mkdir()
    return path


@pytest.fixture
def window(qtbot: QtBot, profile: Path, root: Path) -> Iterator[MainWindow]:
    store = Store.open(profile)
    shown = MainWindow(store, profile / "ui.ini")
    shown.patients_root = lambda _parent: root
    qtbot.addWidget(shown)
    shown.show()
    yield shown
    shown.close()
    store.close()


def message(store: Store, starts: str) -> MessageSummary:
    return next(m for m in store.messages() if m.subject.startswith(starts))


def add_patient(
    window: MainWindow, birth_name: str, first: str, born: date, ins: str, oid: str
) -> Patient:
    filing = window._open_filing()
    assert filing is not None
    return filing.registry.add(
        birth_name=birth_name, first_names=first, birth_date=born, sex="M", ins=ins, ins_oid=oid
    )


def test_classer_on_a_discharge_letter_with_a_test_ins(
    qtbot: QtBot, window: MainWindow, root: Path, artefacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_demo_mail(window.store, monkeypatch, InsKind.TEST.value)
    window.folders.reload()
    letter = message(window.store, "XDM/1.0/DDM+LETTRE DE LIAISON")
    theo = add_patient(
        window, "BLANCHARD", "Théo", date(1990, 4, 8), "190043852305873", InsKind.TEST.value
    )
    window.file_message(letter.id)
    qtbot.waitUntil(lambda: window.filing_dialog is not None, timeout=10_000)
    dialog = window.filing_dialog
    assert dialog is not None
    assert "INS de test" in dialog.confidence.text()  # said: her click files, never --auto
    assert dialog.patients.currentData() == theo.id  # registered with that same test INS
    asked: list[str] = []
    dialog.ask = lambda _title, text: asked.append(text) is None and False  # not now
    qtbot.wait(300)  # the PDF pages paint
    dialog.grab().save(str(artefacts / "filing-dialog-demo-letter.png"))
    assert_not_blank(artefacts / "filing-dialog-demo-letter.png")
    with qtbot.waitSignal(dialog.filed):
        dialog.file_button.click()
    names = sorted(p.name for p in (root / theo.folder).iterdir())
    assert len(names) == 3 and names[0].endswith(".pdf")
    assert any(n.endswith("_IHE_XDM.zip") for n in names)
    assert FILED_KEYWORD in (window.store.find(str(letter.id)) or letter).flags
    assert len(asked) == 1 and "accusé de traitement" in asked[0]  # the letter asks one


def test_a_queue_with_a_certain_match_filed_in_bulk(
    qtbot: QtBot, window: MainWindow, root: Path, artefacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_demo_mail(window.store, monkeypatch, InsKind.NIR.value)
    window.folders.reload()
    # qualified INS now: the imaging report's patient is certain, the letter's is unknown
    francois = add_patient(
        window, "GARNIER", "François", date(1947, 3, 18), "147030150804141", InsKind.NIR.value
    )
    window.open_filing_queue()
    queue = window.filing_queue
    assert queue is not None
    qtbot.waitUntil(lambda: not queue.scanning, timeout=20_000)
    assert len(queue.rows) >= 4  # every sample with a document, none settled
    assert [r.certain for r in queue.rows].count(True) == 1
    assert queue.rows[0].certain  # certain ones first, checked
    assert "dont 1 avec une identité certaine" in queue.summary.text()
    queue.grab().save(str(artefacts / "filing-queue.png"))
    assert_not_blank(artefacts / "filing-queue.png")
    before = len(queue.rows)
    queue.bulk.click()
    qtbot.waitUntil(lambda: not queue.scanning, timeout=20_000)
    assert len(queue.rows) == before - 1
    assert len(list((root / francois.folder).iterdir())) == 3
    assert "1 document(s) classé(s)" in queue.windowTitle()


def _dialog_on(qtbot: QtBot, window: MainWindow, starts: str) -> FilingDialog:
    window.filing_dialog = None
    window.file_message(message(window.store, starts).id)
    qtbot.waitUntil(lambda: window.filing_dialog is not None, timeout=10_000)
    dialog = window.filing_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.wait(300)  # the PDF pages paint
    return dialog


def test_the_demo_mail_shows_one_identity_everywhere(
    qtbot: QtBot, window: MainWindow, root: Path, artefacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19 item 2 on the demo's real mail. The lab's HPRIM header gives the matricule
    its PDF prints (no OID: said, never certain); the consultation letter's PDF name gives
    the patient's names (the dialog said "Le document n'indique pas l'identité du patient");
    a discharge letter with a qualified INS is certain. The reader pane, "Classer", "À
    classer" say the same identity; after filing the reader says where it went."""
    put_demo_mail(window.store, monkeypatch, InsKind.NIR.value)
    window.folders.reload()
    theo = add_patient(
        window, "BLANCHARD", "Théo", date(1990, 4, 8), "190043852305873", InsKind.NIR.value
    )
    filing = window._open_filing()
    assert filing is not None
    mael = filing.registry.add(
        birth_name="SCHMITT", first_names="Maël", birth_date=date(1946, 10, 1), sex="M"
    )

    letter = _dialog_on(qtbot, window, "XDM/1.0/DDM+LETTRE DE LIAISON")
    assert letter.patients.currentData() == theo.id
    assert letter.confidence.text().startswith("<b>Identité certaine</b>")
    assert "INS ✓" in letter.confidence.text() and "%" not in letter.confidence.text()
    letter.grab().save(str(artefacts / "filing-demo-certain.png"))
    assert_not_blank(artefacts / "filing-demo-certain.png")
    letter.ask = lambda _title, _text: False
    with qtbot.waitSignal(letter.filed):
        letter.file_button.click()
    letter.close()

    lab = _dialog_on(qtbot, window, "Résultats d'analyses")
    assert lab.patients.currentData() == mael.id
    said = lab.confidence.text()
    assert said.startswith("<b>Identité probable</b>") and "Pas d'INS" not in said
    assert "Date de naissance ✓" in said and "INS ~ non renseignée (patient)" in said
    ins_row = lab.table.item(5, 1).text()
    assert ins_row.startswith("146109979783919") and "sans OID" in ins_row
    assert lab.read_from.text() == "Identité lue dans : fichier HPRIM"
    lab.grab().save(str(artefacts / "filing-demo-probable.png"))
    assert_not_blank(artefacts / "filing-demo-probable.png")
    lab.close()

    consult = _dialog_on(qtbot, window, "CR de consultation")
    assert consult.patients.currentData() is None
    assert "n'indique pas l'identité" not in consult.confidence.text()
    assert consult.table.item(0, 1).text() == "CARON"
    consult.new_patient.click()
    form = consult.new_patient_dialog
    assert form is not None
    qtbot.waitExposed(form)
    assert (form.birth_name.text(), form.first_names.text()) == ("CARON", "Gaëlle")
    assert "nom du fichier PDF" in form.findChild(QLabel).text()
    form.birth_date.edit.clear()
    qtbot.keyClicks(form.birth_date.edit, "02/02/2021")
    assert form.birth_date.edit.text() == "02/02/2021"
    consult.grab().save(str(artefacts / "filing-demo-unknown.png"))
    form.grab().save(str(artefacts / "filing-demo-new-patient.png"))
    assert_not_blank(artefacts / "filing-demo-new-patient.png")
    form.reject()
    consult.close()

    # The reader pane shows the same identity, and where the letter was filed
    shown = message(window.store, "XDM/1.0/DDM+LETTRE DE LIAISON")
    window.reader.show_message(shown, blob_digest(window.store, shown.id))
    headers = window.reader.headers.text()
    assert "Classé le " in headers and "dans le dossier de BLANCHARD Théo" in headers
    assert QUrl.fromLocalFile(str(root / theo.folder)).toString() in headers
    opened: list[QUrl] = []
    monkeypatch.setattr("app.ui.reader.open_externally", lambda url: opened.append(url) or True)
    link = QUrl.fromLocalFile(str(root / theo.folder)).toString()
    window.reader.headers.linkActivated.emit(link)
    assert opened and opened[0].toLocalFile() == str(root / theo.folder)
    window.reader.headers.linkActivated.emit(QUrl.fromLocalFile(str(root / "gone")).toString())
    assert "Impossible d'ouvrir le dossier" in window.reader.notice.text()


def test_the_filing_journal_shows_who_filed_what_from_which_pc(
    qtbot: QtBot, window: MainWindow, root: Path, artefacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_demo_mail(window.store, monkeypatch, InsKind.TEST.value)
    window.folders.reload()
    letter = message(window.store, "XDM/1.0/DDM+LETTRE DE LIAISON")
    theo = add_patient(
        window, "BLANCHARD", "Théo", date(1990, 4, 8), "190043852305873", InsKind.TEST.value
    )
    filing = window._open_filing()
    assert filing is not None
    monkeypatch.setattr("socket.gethostname", lambda: "PC-ACCUEIL")
    docs = filing.documents(letter)
    filing.file_message(letter, docs, patient_id=theo.id)
    monkeypatch.setattr("socket.gethostname", lambda: "PC-CONSULT-2")
    again = filing.file_message(letter, docs, patient_id=theo.id)  # from another PC: already
    assert again.status == "duplicate"
    action = window.findChild(QAction, "filing-journal")
    assert action is not None
    action.trigger()
    dialog = window.findChild(FilingJournalDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    table = dialog.table
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(2)]
    assert rows[0][2] == "déjà classé" and rows[0][5] == "PC-CONSULT-2"
    assert rows[1][2] == "classé" and rows[1][5] == "PC-ACCUEIL"
    assert rows[1][3] == theo.display and rows[1][4]  # the patient, the OS user
    assert "Déjà classé le " in rows[0][6]
    dialog.grab().save(str(artefacts / "filing-journal.png"))
    assert_not_blank(artefacts / "filing-journal.png")
    dialog.close()

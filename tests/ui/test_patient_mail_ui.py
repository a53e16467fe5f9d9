"""A patient's mail marked in the list and the reader (ECO.3.1.1-3.1.2); "Écrire au patient"
from the registry (ECO.3.1.5) with the patient named in the composer and the reply
forbidden on request (ECO.2.2.8); a typed patient address refused with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from email.utils import parseaddr
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.core.paths import Profile
from app.core.settings import Settings
from app.filing.patients import Patient
from app.mssante.model import InsKind
from app.store.db import MessageSummary, Store
from app.store.outbox import OutboxStore
from app.ui.application import use_patient_book
from app.ui.composer import Composer
from app.ui.main_window import MainWindow
from app.ui.patients_dialog import PatientsDialog
from tests.filing_support import MATRICULE, put_demo_mail
from tests.ui.conftest import assert_not_blank

SENDER = "docteur.demo@medecin.mssante.test"


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    return Profile.from_dir(tmp_path / "profile")


@pytest.fixture
def root(tmp_path: Path, profile: Profile) -> Path:
    path = tmp_path / "Patients"
    path.mkdir()
    profile.ensure()
    replace(Settings.load(profile.config_file), patients_dir=path).save(profile.config_file)
    return path


@pytest.fixture
def window(
    qtbot: QtBot, profile: Profile, root: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    store = Store.open(profile.data_dir)
    put_demo_mail(store, monkeypatch, InsKind.TEST.value)
    store.add_account(SENDER.replace("docteur", "envoi"), "card", "imaps://i", "smtps://s")
    shown = MainWindow(store, profile.data_dir / "ui.ini")
    shown.patients_root = lambda _parent: root
    use_patient_book(shown, profile)
    qtbot.addWidget(shown)
    shown.resize(1280, 760)
    shown.show()
    yield shown
    for composer in shown.composers:
        composer.close()
    shown.close()
    store.close()


def patient_row(window: MainWindow) -> tuple[int, MessageSummary]:
    model = window.messages
    for row in range(model.rowCount()):
        message = model.message(row)
        if message is not None and "@patient.mssante" in message.sender:
            return row, message
    raise AssertionError("no patient message in the demo mail")


def add(window: MainWindow, **changes: object) -> Patient:
    filing = window._open_filing()
    assert filing is not None
    fields: dict[str, object] = {
        "birth_name": "Dupont",
        "first_names": "Marie Louise",
        "birth_date": date(1980, 5, 12),
        "sex": "F",
    }
    fields.update(changes)
    return filing.registry.add(**fields)  # type: ignore[arg-type]


def test_patient_mail_is_marked_in_the_list_and_the_reader(
    qtbot: QtBot, window: MainWindow, artefacts: Path
) -> None:
    model = window.messages
    row, message = patient_row(window)
    matricule = parseaddr(message.sender)[1].split("@")[0]
    shown = model.data(model.index(row, 2))
    assert shown.startswith("Patient · ") and f"INS {matricule}" in shown
    assert model.data(model.index(row, 2), Qt.ItemDataRole.BackgroundRole) is not None
    assert "non vérifié" in model.data(model.index(row, 2), Qt.ItemDataRole.ToolTipRole)
    others = [model.data(model.index(r, 2)) for r in range(model.rowCount()) if r != row]
    assert not any(text.startswith("Patient") for text in others)
    window.list_view.selectRow(row)
    bar = window.reader.patient_bar
    qtbot.waitUntil(bar.isVisible)
    assert matricule in bar.text() and "non vérifié" in bar.text()

    # Known to the registry: the registry's birth name and first names, said so
    add(window, birth_name="Blanchard", first_names="Théo Louis", ins=matricule)
    window._patients_changed()
    shown = model.data(model.index(row, 2))
    assert shown == f"Patient · BLANCHARD Théo Louis · INS {matricule}"
    window.list_view.clearSelection()
    window.list_view.selectRow(row)
    qtbot.waitUntil(lambda: "du registre" in bar.text())
    assert "BLANCHARD" in bar.text() and "Théo Louis" in bar.text()
    loading = window.reader.tr("Chargement…")
    qtbot.waitUntil(lambda: window.reader.body.toPlainText() != loading)
    qtbot.wait(50)
    shot = artefacts / "patient-message-list.png"
    window.grab().save(str(shot))
    assert_not_blank(shot)

    # Another message: no patient bar
    window.list_view.selectRow(0 if row else 1)
    qtbot.waitUntil(lambda: not bar.isVisible())


def test_write_to_a_patient_from_the_registry(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, artefacts: Path
) -> None:
    without_ins = add(window, birth_name="Sans", first_names="Ins")
    marie = add(window, ins=MATRICULE, ins_oid=InsKind.NIR.value)
    dialog = window.open_patients()
    assert isinstance(dialog, PatientsDialog)
    dialog.select(without_ins.id)
    assert not dialog.write_button.isEnabled()
    assert "pas d'INS" in dialog.reason.text()
    assert not dialog.qualify_button.isEnabled()
    dialog.select(marie.id)
    assert not dialog.write_button.isEnabled() and "pas qualifiée" in dialog.reason.text()
    asked: list[str] = []

    def ask(_title: str, text: str) -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(dialog, "ask", ask)
    dialog.qualify_button.click()
    assert "femme, né(e) en mai, année de naissance en ..80" in asked[0]
    assert dialog.current() is not None and dialog.current().identity_qualified  # type: ignore[union-attr]
    assert dialog.write_button.isEnabled()
    assert f"{MATRICULE}@patient.mssante.fr" in dialog.reason.text()
    dialog.filter.setText("dupont")
    assert dialog.table.rowCount() == 1
    dialog.write_button.click()
    composer = window.composers[-1]
    assert composer.to.text() == f"{MATRICULE}@patient.mssante.fr"
    assert "DUPONT Marie Louise, née le 12/05/1980" in composer.patient_info.text()
    assert composer.patient_info.isVisible() and composer.end_conversation.isVisible()
    composer.from_box.setCurrentText(SENDER.replace("docteur", "envoi"))
    composer.subject.setText("Vos résultats")
    composer.body.setPlainText("Bonjour, vos résultats sont normaux.")
    composer.end_conversation.setChecked(True)
    shot = artefacts / "composer-to-patient.png"
    composer.grab().save(str(shot))
    assert_not_blank(shot)
    composer.send()
    items = OutboxStore(window.store).items()
    assert [list(i.recipients) for i in items] == [[f"{MATRICULE}@patient.mssante.fr"]]
    raw = OutboxStore(window.store).raw(items[0])
    assert b"X-MSS-MES: FIN" in raw


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        (f"{MATRICULE}@pаtient.mssante.fr", "trompeurs"),
        (f"{MATRICULE[:-2]}00@PATIENT.MSSANTE.FR", "clé de contrôle"),
        (f"{MATRICULE}@patient.mssante.fr", "aucun patient de votre registre"),
    ],
)
def test_a_typed_patient_address_is_refused_with_its_reason(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, typed: str, reason: str
) -> None:
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    composer = window.write()
    assert isinstance(composer, Composer)
    composer.from_box.setCurrentText(SENDER.replace("docteur", "envoi"))
    composer.to.setText(f"confrere@medecin.mssante.fr, {typed}")
    assert composer.patient_info.isVisible() and reason in composer.patient_info.text()
    assert not composer.end_conversation.isVisible()
    composer.subject.setText("Résultats")
    composer.send()
    assert warned and reason in warned[0]
    assert OutboxStore(window.store).items() == []
    assert composer.isVisible()  # her text stays

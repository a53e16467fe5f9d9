"""Outils > Destination des documents classés… in the real window: the dialog saves
``[classement]``, filing then deposits into the practice software's import folder, and the
patient list is read again from the software's export (a CSV rewritten between runs)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.paths import Profile
from app.core.settings import Settings
from app.mssante.hprim import read_hprim
from app.mssante.model import InsKind
from app.store.db import Store
from app.ui.application import patients_root, use_filing_destination
from app.ui.filing_destination import FilingDestinationDialog, PatientsRefresher
from app.ui.main_window import MainWindow
from tests.filing_support import put_demo_mail
from tests.ui.conftest import assert_not_blank

HEADER = "nom_naissance;prenoms;date_naissance;sexe\n"


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    made = Profile.from_dir(tmp_path / "profile")
    made.ensure()
    return made


@pytest.fixture
def window(qtbot: QtBot, profile: Profile) -> Iterator[MainWindow]:
    store = Store.open(profile.data_dir)
    shown = MainWindow(store, profile.data_dir / "ui.ini")
    shown.patients_root = lambda parent: patients_root(profile, parent)
    qtbot.addWidget(shown)
    shown.show()
    yield shown
    shown.close()
    store.close()


def test_the_dialog_from_the_menu_saves_the_practice_software_settings(
    qtbot: QtBot, window: MainWindow, profile: Profile, tmp_path: Path, artefacts: Path
) -> None:
    use_filing_destination(window, profile)
    [action] = [
        a
        for menu in window.menuBar().actions()
        if menu.menu() is not None
        for a in menu.menu().actions()  # type: ignore[union-attr]
        if a.objectName() == "filing-destination"
    ]
    assert action.text() == "Destination des documents classés…"
    assert action in window.menu_bar.menus["tools"].actions()  # Outils, not after Aide
    action.trigger()
    dialog = window.findChild(FilingDestinationDialog)
    assert dialog is not None and dialog.isVisible() and dialog.to_folders.isChecked()
    assert not dialog.import_dir.isEnabled()
    dialog.to_software.setChecked(True)
    assert dialog.import_dir.isEnabled()
    dialog.save()  # no import folder yet: said in the dialog, nothing saved
    assert dialog.isVisible() and "dossier d'import" in dialog.problem.text()
    assert not profile.config_file.exists()
    folder, export = tmp_path / "Import LGC", tmp_path / "patients.csv"
    folder.mkdir()
    export.write_text(HEADER, encoding="utf-8")
    dialog.import_dir.setText(str(folder))
    dialog.format.setCurrentIndex(dialog.format.findData("xdm"))
    dialog.export.setText(str(export))
    dialog.refresh.setCurrentIndex(dialog.refresh.findData("quotidien"))
    dialog.problem.hide()
    dialog.adjustSize()
    qtbot.wait(50)
    dialog.grab().save(str(artefacts / "filing-destination-dialog.png"))
    assert_not_blank(artefacts / "filing-destination-dialog.png")
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    saved = Settings.load(profile.config_file)
    assert (saved.destination, saved.import_dir, saved.import_format) == ("logiciel", folder, "xdm")
    assert (saved.patients_export, saved.refresh) == (export, "quotidien")
    assert saved.patients_dir is None  # she was never asked for a patients folder


def test_classer_in_the_window_deposits_into_the_import_folder(
    qtbot: QtBot,
    window: MainWindow,
    profile: Profile,
    tmp_path: Path,
    artefacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "Import LGC"
    folder.mkdir()
    Settings(destination="logiciel", import_dir=folder).save(profile.config_file)
    filing = window._open_filing()  # no question: the registry lives in the profile
    assert filing is not None and filing.destination.kind == "logiciel"
    assert filing.root == (profile.data_dir / "patients-logiciel").resolve()
    theo = filing.registry.add(
        birth_name="BLANCHARD",
        first_names="Théo",
        birth_date=date(1990, 4, 8),
        sex="M",
        ins="190043852305873",
        ins_oid=InsKind.TEST.value,
    )
    put_demo_mail(window.store, monkeypatch, InsKind.TEST.value)
    window.folders.reload()
    letter = next(m for m in window.store.messages() if m.subject.startswith("XDM/1.0/DDM+LETTRE"))
    window.file_message(letter.id)
    qtbot.waitUntil(lambda: window.filing_dialog is not None, timeout=10_000)
    dialog = window.filing_dialog
    assert dialog is not None and dialog.patients.currentData() == theo.id
    assert dialog.destination.text() == (
        f"Destination : logiciel métier, dossier d'import {folder}"
    )
    dialog.ask = lambda _title, _text: False  # no receipt now
    qtbot.wait(300)  # the PDF pages paint
    dialog.grab().save(str(artefacts / "filing-dialog-import-folder.png"))
    assert_not_blank(artefacts / "filing-dialog-import-folder.png")
    with qtbot.waitSignal(dialog.filed):
        dialog.file_button.click()
    assert "dossier d'import du logiciel métier" in dialog.outcome.text()
    names = sorted(p.name for p in folder.iterdir())
    [hpr] = [n for n in names if n.endswith(".hpr")]
    assert names == sorted([hpr, hpr.removesuffix(".hpr") + ".pdf"])
    header = read_hprim((folder / hpr).read_bytes())
    assert header is not None
    assert (header.identity.birth_name, header.identity.first_names) == ("BLANCHARD", ("Théo",))
    assert header.identity.birth_date == date(1990, 4, 8) and header.identity.sex == "M"
    [entry] = [e for e in filing.journal.entries() if e.status == "filed"]
    assert [Path(f.path).parent for f in entry.files] == [folder.resolve()] * 2


def test_the_patient_list_is_read_again_from_the_export(
    qtbot: QtBot, window: MainWindow, profile: Profile, tmp_path: Path
) -> None:
    export = tmp_path / "patients.csv"
    export.write_text(HEADER + "DUPONT;Marie;12/05/1980;F\n", encoding="cp1252")
    Settings(
        destination="logiciel", import_dir=tmp_path, patients_export=export, refresh="quotidien"
    ).save(profile.config_file)
    refresher = PatientsRefresher(window, profile.config_file, profile.data_dir)
    refresher.start()
    qtbot.waitUntil(lambda: not refresher.running, timeout=10_000)
    assert "1 ajouté(s)" in window.statusBar().currentMessage()
    filing = window._open_filing()
    assert filing is not None
    assert [p.birth_name for p in filing.registry.patients()] == ["DUPONT"]
    export.write_text(HEADER + "DUPONT;Marie;12/05/1980;F\nMARTIN;Paul;03/02/1975;M\n")
    refresher.run(at_start=False)  # the hourly check: a day has not passed, not read
    qtbot.waitUntil(lambda: not refresher.running, timeout=10_000)
    assert len(filing.registry.patients()) == 1
    Settings(destination="logiciel", import_dir=tmp_path, patients_export=export).save(
        profile.config_file
    )  # now "au_demarrage": the next start reads it
    refresher.run(at_start=True)
    qtbot.waitUntil(lambda: not refresher.running, timeout=10_000)
    assert sorted(p.birth_name for p in filing.registry.patients()) == ["DUPONT", "MARTIN"]
    export.unlink()  # gone: said in the error bar, where she looks
    refresher.run(at_start=True)
    qtbot.waitUntil(lambda: not refresher.running, timeout=10_000)
    assert "Impossible de lire l'export" in window.error_bar.text.text()

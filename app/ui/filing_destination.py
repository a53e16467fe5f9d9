"""Outils > Destination des documents classés… : where filed documents go, and the
patient list's export.

The settings of ``[classement]`` (docs/practice-software.md): the patients' folders or the
practice software's import folder (HPRIM Santé + PDF, or the IHE_XDM.ZIP as received), the
practice software's patient export and when it is read again. The scheduled refresh
itself (``app.filing.patients_refresh``) runs here too: at start, then checked every hour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CaduceeError
from app.core.settings import Settings
from app.filing.patients import Registry, open_root_db
from app.filing.patients_refresh import RefreshOutcome, is_due, refresh
from app.filing.practice_import import registry_root
from app.ui.jobs import BackgroundJob

REFRESH_CHECK_MS = 3_600_000  # "quotidien" is checked every hour


class FilingDestinationDialog(QDialog):
    """The ``[classement]`` settings; ``saved`` carries what was written to config.toml."""

    saved = Signal(object)  # Settings

    def __init__(self, config_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config_file = config_file
        self.settings = Settings.load(config_file)
        self.setWindowTitle(self.tr("Destination des documents classés"))
        self.setObjectName("filing-destination")
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Où Caducée range les documents reçus une fois le patient reconnu : dans un "
                "dossier par patient, ou dans le dossier que votre logiciel métier surveille "
                "pour importer les documents."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.to_folders = QRadioButton(
            self.tr("Dossiers des patients (un sous-dossier par patient)")
        )
        self.to_software = QRadioButton(self.tr("Logiciel métier (son dossier d'import)"))
        self.group = QButtonGroup(self)
        for button in (self.to_folders, self.to_software):
            self.group.addButton(button)
            layout.addWidget(button)
        form = QFormLayout()
        self.patients_dir = self._path_row(form, self.tr("Dossier des patients"), folder=True)
        self.import_dir = self._path_row(form, self.tr("Dossier d'import"), folder=True)
        self.format = QComboBox()
        self.format.addItem(self.tr("HPRIM Santé nommant le patient, PDF à côté"), "hprim")
        self.format.addItem(self.tr("Archive IHE_XDM.ZIP reçue, telle quelle"), "xdm")
        form.addRow(self.tr("Format"), self.format)
        self.export = self._path_row(form, self.tr("Export des patients (CSV)"), folder=False)
        self.refresh = QComboBox()
        self.refresh.addItem(self.tr("Au démarrage de Caducée"), "au_demarrage")
        self.refresh.addItem(self.tr("Chaque jour"), "quotidien")
        form.addRow(self.tr("Relire l'export"), self.refresh)
        layout.addLayout(form)
        hint = QLabel(
            self.tr(
                "Le format et le dossier d'import dépendent de votre logiciel : vérifiez dans "
                "votre logiciel métier (ou auprès de son éditeur) ce qu'il importe et d'où."
            )
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Enregistrer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show(self.settings)
        self.group.buttonToggled.connect(lambda *_: self._enable())
        self._enable()

    def _path_row(self, form: QFormLayout, label: str, *, folder: bool) -> QLineEdit:
        edit = QLineEdit()
        choose = QPushButton(self.tr("Choisir…"))
        choose.clicked.connect(lambda: self._choose(edit, label, folder))
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(choose)
        form.addRow(label, row)
        return edit

    def _choose(self, edit: QLineEdit, title: str, folder: bool) -> None:
        if folder:
            chosen = QFileDialog.getExistingDirectory(self, title, edit.text())
        else:
            chosen, _ = QFileDialog.getOpenFileName(
                self, title, edit.text(), self.tr("Export CSV (*.csv *.txt);;Tous (*)")
            )
        if chosen:
            edit.setText(chosen)

    def _show(self, settings: Settings) -> None:
        software = settings.destination == "logiciel"
        (self.to_software if software else self.to_folders).setChecked(True)
        self.patients_dir.setText(str(settings.patients_dir or ""))
        self.import_dir.setText(str(settings.import_dir or ""))
        self.format.setCurrentIndex(max(0, self.format.findData(settings.import_format)))
        self.export.setText(str(settings.patients_export or ""))
        self.refresh.setCurrentIndex(max(0, self.refresh.findData(settings.refresh)))

    def _enable(self) -> None:
        software = self.to_software.isChecked()
        self.import_dir.setEnabled(software)
        self.format.setEnabled(software)
        self.patients_dir.setPlaceholderText(
            self.tr("Facultatif : sans lui, la liste des patients reste dans Caducée")
            if software
            else ""
        )

    @staticmethod
    def _path(edit: QLineEdit) -> Path | None:
        text = edit.text().strip()
        return Path(text).expanduser() if text else None

    def chosen(self) -> Settings:
        return replace(
            self.settings,
            destination="logiciel" if self.to_software.isChecked() else "dossiers",
            patients_dir=self._path(self.patients_dir),
            import_dir=self._path(self.import_dir),
            import_format=str(self.format.currentData()),
            patients_export=self._path(self.export),
            refresh=str(self.refresh.currentData()),
        )

    def problems(self, settings: Settings) -> list[str]:
        found = []
        if settings.destination == "logiciel":
            if settings.import_dir is None:
                found.append(self.tr("Indiquez le dossier d'import de votre logiciel métier."))
            elif not settings.import_dir.is_dir():
                found.append(
                    self.tr("Le dossier d'import {0} n'existe pas.").format(settings.import_dir)
                )
        elif settings.patients_dir is not None and not settings.patients_dir.is_dir():
            found.append(
                self.tr("Le dossier des patients {0} n'existe pas.").format(settings.patients_dir)
            )
        if settings.patients_export is not None and not settings.patients_export.is_file():
            found.append(
                self.tr("Le fichier d'export {0} est introuvable.").format(settings.patients_export)
            )
        return found

    def save(self) -> None:
        settings = self.chosen()
        found = self.problems(settings)
        if found:
            self.problem.setText("\n".join(found))
            self.problem.show()
            return
        try:
            settings.save(self.config_file)
        except OSError as error:
            self.problem.setText(
                self.tr("Réglages non enregistrés : {0}").format(error.strerror or error)
            )
            self.problem.show()
            return
        self.settings = settings
        self.saved.emit(settings)
        self.accept()


def run_refresh(config_file: Path, data_dir: Path) -> RefreshOutcome | None:
    """In a worker thread: the export imported when due; None when not due or not set."""
    settings = Settings.load(config_file)
    root = registry_root(settings, data_dir)
    export = settings.patients_export
    if export is None or root is None or not root.is_dir():
        return None
    if not is_due(settings, data_dir, datetime.now(UTC)):
        return None
    db = open_root_db(root, data_dir)  # the root's own registry (shared by the practice)
    try:
        return refresh(Registry(db, root), export, data_dir)
    finally:
        db.close()


class PatientsRefresher:
    """The scheduled refresh in the window: at start (and after the settings change), then
    every hour for "quotidien" (the engine says when a day has passed)."""

    def __init__(self, window: QMainWindow, config_file: Path, data_dir: Path) -> None:
        self.window = window
        self.config_file = config_file
        self.data_dir = data_dir
        self.running = False
        self.timer = QTimer(window)
        self.timer.setInterval(REFRESH_CHECK_MS)
        self.timer.timeout.connect(lambda: self.run(at_start=False))

    def start(self) -> None:
        self.timer.start()
        self.run(at_start=True)

    def run(self, *, at_start: bool) -> None:
        if self.running or getattr(self.window, "locked", False):
            return
        try:
            schedule = Settings.load(self.config_file).refresh
        except CaduceeError as error:  # config.toml unreadable: said, not raised in a slot
            self._failed(error)
            return
        if schedule == "au_demarrage" and not at_start:
            return
        self.running = True
        BackgroundJob(
            self.window,
            lambda: run_refresh(self.config_file, self.data_dir),
            self._done,
            self._failed,
        ).start()

    def _done(self, outcome: RefreshOutcome | None) -> None:
        self.running = False
        if outcome is None:
            return
        self.window.statusBar().showMessage(outcome.message, 15_000)
        if outcome.ran:
            changed = getattr(self.window, "_patients_changed", None)
            if callable(changed):
                changed()

    def _failed(self, error: BaseException) -> None:
        self.running = False
        report = getattr(getattr(self.window, "error_bar", None), "report", None)
        text = error.user_message if isinstance(error, CaduceeError) else str(error)
        if callable(report):
            report(text, "")


def add_destination_menu(
    window: QMainWindow, config_file: Path, on_saved: Callable[[Settings], None]
) -> Callable[[], FilingDestinationDialog]:
    """ "Destination des documents classés…" in Outils (Thunderbird's order is kept: no menu
    of its own); returns the opener (tests call it)."""

    def open_dialog() -> FilingDestinationDialog:
        dialog = FilingDestinationDialog(config_file, window)
        dialog.saved.connect(on_saved)
        dialog.open()
        return dialog

    bar = getattr(window, "menu_bar", None)  # the main window's (app/ui/menus.py)
    menu = bar.menus["tools"] if bar is not None else window.menuBar().addMenu(window.tr("&Outils"))
    action = QAction(window.tr("Destination des documents classés…"), window)
    action.setObjectName("filing-destination")
    action.triggered.connect(open_dialog)
    menu.addAction(action)
    return open_dialog

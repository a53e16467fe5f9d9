""" "Préférences": the settings of config.toml she may change from the window.

The lock delay, the patients folder, the daily directory and liste blanche update (and an
update now), the language, new-mail notifications and the receipts a new message asks for.
The file keeps the rest (the card module, the directory API, Pro Santé Connect) as it was:
the dialog replaces only its own fields and saves the whole file (``Settings.save``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CaduceeError
from app.core.settings import MAX_MSSANTE_LOCK_MINUTES, Settings, lock_minutes_for
from app.ui import file_dialogs

MAX_LOCK_MINUTES = 24 * 60


class PreferencesDialog(QDialog):
    """Shows ``config_file``'s settings; "Enregistrer" writes them (``saved`` is then the
    new settings). ``update_now``: runs the directory update at once (from the window)."""

    def __init__(
        self,
        config_file: Path,
        parent: QWidget | None = None,
        *,
        mssante: bool = True,
        update_now: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("preferences")
        self.setWindowTitle(self.tr("Préférences"))
        self.config_file = config_file
        self.saved: Settings | None = None
        self.settings = self._load()
        self.mssante = mssante

        self.lock = QSpinBox()
        self.lock.setObjectName("lock-minutes")
        self.lock.setSuffix(self.tr(" min"))
        if mssante:  # what the window applies anyway (settings.lock_minutes_for)
            self.lock.setRange(1, MAX_MSSANTE_LOCK_MINUTES)
        else:
            self.lock.setRange(0, MAX_LOCK_MINUTES)
            self.lock.setSpecialValueText(self.tr("jamais"))
        self.lock.setValue(lock_minutes_for(self.settings.lock_minutes, mssante))
        lock_note = QLabel(
            self.tr(
                "Avec un compte MSSanté, la session se verrouille après 120 minutes au plus ; "
                "le déverrouillage demande le code de la carte."
            )
            if mssante
            else self.tr("0 : jamais. Le déverrouillage demande le code de la carte.")
        )
        lock_note.setWordWrap(True)

        self.patients = QLineEdit(str(self.settings.patients_dir or ""))
        self.patients.setObjectName("patients-dir")
        self.patients.setPlaceholderText(self.tr("aucun"))
        browse = QPushButton(self.tr("Parcourir…"))
        browse.clicked.connect(self._choose_patients)
        patients_row = QHBoxLayout()
        patients_row.addWidget(self.patients, 1)
        patients_row.addWidget(browse)

        self.updates = QCheckBox(
            self.tr("Mettre à jour l'annuaire et la liste blanche chaque jour")
        )
        self.updates.setObjectName("directory-updates")
        self.updates.setChecked(self.settings.directory_updates)
        self.update_now = QPushButton(self.tr("Mettre à jour maintenant"))
        self.update_now.setObjectName("update-now")
        self.update_now.setVisible(update_now is not None)
        if update_now is not None:
            self.update_now.clicked.connect(update_now)
            self.update_now.clicked.connect(lambda: self.update_now.setEnabled(False))

        self.language = QComboBox()
        self.language.setObjectName("language")
        for label, code in (
            (self.tr("Langue du système"), ""),
            ("Français", "fr"),
            ("English", "en"),
        ):
            self.language.addItem(label, code)
        self.language.setCurrentIndex(max(0, self.language.findData(self.settings.language or "")))
        language_note = QLabel(self.tr("La langue change au prochain démarrage de Caducée."))
        language_note.setWordWrap(True)

        self.notifications = QCheckBox(
            self.tr("Signaler les nouveaux messages (sans expéditeur ni objet)")
        )
        self.notifications.setObjectName("notifications")
        self.notifications.setChecked(self.settings.notifications)
        self.dsn = QCheckBox(self.tr("Demander un accusé de remise"))
        self.dsn.setObjectName("default-dsn")
        self.dsn.setChecked(self.settings.delivery_receipt)
        self.mdn = QCheckBox(self.tr("Demander un accusé de lecture"))
        self.mdn.setObjectName("default-mdn")
        self.mdn.setChecked(self.settings.read_receipt)

        session = QGroupBox(self.tr("Sécurité"))
        form = QFormLayout(session)
        form.addRow(self.tr("Verrouiller après :"), self.lock)
        form.addRow(lock_note)
        filing = QGroupBox(self.tr("Classement"))
        QFormLayout(filing).addRow(self.tr("Dossier des patients :"), patients_row)
        directory = QGroupBox(self.tr("Annuaire"))
        column = QVBoxLayout(directory)
        column.addWidget(self.updates)
        column.addWidget(self.update_now, 0, Qt.AlignmentFlag.AlignLeft)
        display = QGroupBox(self.tr("Affichage"))
        form = QFormLayout(display)
        form.addRow(self.tr("Langue :"), self.language)
        form.addRow(language_note)
        form.addRow(self.notifications)
        sending = QGroupBox(self.tr("Nouveaux messages"))
        column = QVBoxLayout(sending)
        column.addWidget(self.dsn)
        column.addWidget(self.mdn)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Enregistrer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for group in (session, filing, directory, display, sending):
            layout.addWidget(group)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _load(self) -> Settings:
        try:
            return Settings.load(self.config_file)
        except CaduceeError as error:  # unreadable: said, and the defaults shown
            QMessageBox.warning(self, self.tr("Préférences"), error.user_message)
            return Settings()

    def _choose_patients(self) -> None:
        current = Path(self.patients.text()) if self.patients.text().strip() else None
        chosen = file_dialogs.existing_folder(
            self, "patients", self.tr("Dossier des patients"), current
        )
        if chosen is not None:
            self.patients.setText(str(chosen))

    def chosen(self) -> Settings:
        """The settings as the dialog shows them (the file's other fields unchanged)."""
        folder = self.patients.text().strip()
        language = self.language.currentData()
        return replace(
            self.settings,
            lock_minutes=self.lock.value(),
            patients_dir=Path(folder).expanduser() if folder else None,
            directory_updates=self.updates.isChecked(),
            language=language if language else None,
            notifications=self.notifications.isChecked(),
            delivery_receipt=self.dsn.isChecked(),
            read_receipt=self.mdn.isChecked(),
        )

    def save(self) -> None:
        settings = self.chosen()
        if settings.patients_dir is not None and not settings.patients_dir.is_dir():
            QMessageBox.warning(
                self,
                self.tr("Préférences"),
                self.tr("Le dossier des patients {0} est introuvable.").format(
                    settings.patients_dir
                ),
            )
            return
        try:
            settings.save(self.config_file)
        except OSError as error:
            QMessageBox.warning(
                self,
                self.tr("Préférences"),
                self.tr("Les préférences n'ont pas pu être enregistrées : {0}").format(
                    error.strerror or error
                ),
            )
            return
        self.saved = settings
        self.accept()

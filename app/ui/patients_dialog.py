"""The patient registry in the window: find a patient, write to them on Mon espace santé,
record that their identity is qualified, address their documents to a colleague.

"Écrire au patient" (ECO.3.1.5) is enabled only for a qualified NIR identity; otherwise the
dialog says why, under the list (``app/ops/patient_mail.why_not_writable``). Marking the
identity qualified asks her to confirm with the traits the matricule tells (sex, birth
month and year), as Ref#2 §3.4.2.2 asks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CaduceeError
from app.filing.patients import Patient, Registry
from app.mssante.ins import deduce
from app.ops.patient_mail import address_of, why_not_writable

IdRole = Qt.ItemDataRole.UserRole + 1


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


class PatientsDialog(QDialog):
    write_to = Signal(str, str)  # patient id, their Mon espace santé address
    send_documents = Signal(str)  # patient id: "Adresser des documents"
    changed = Signal()  # the registry changed (an identity qualified)

    def __init__(self, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.setWindowTitle(self.tr("Patients"))
        self.resize(860, 520)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Rechercher un patient (nom, prénom, INS)"))
        self.filter.setAccessibleName(self.tr("Rechercher un patient"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._fill)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Nom de naissance"),
                self.tr("Prénom(s)"),
                self.tr("Naissance"),
                self.tr("INS"),
                self.tr("Identité"),
            ]
        )
        self.table.setAccessibleName(self.tr("Liste des patients"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update)
        self.table.doubleClicked.connect(lambda _index: self.write())
        self.reason = QLabel()
        self.reason.setObjectName("patient-reason")
        self.reason.setWordWrap(True)
        self.write_button = QPushButton(self.tr("Écrire au patient"))
        self.write_button.setObjectName("write-to-patient")
        self.write_button.setToolTip(
            self.tr("Un message sur Mon espace santé, à l'adresse faite de son INS qualifié")
        )
        self.write_button.clicked.connect(self.write)
        self.qualify_button = QPushButton(self.tr("Identité qualifiée…"))
        self.qualify_button.setObjectName("qualify-identity")
        self.qualify_button.clicked.connect(self.toggle_qualified)
        self.documents_button = QPushButton(self.tr("Adresser des documents…"))
        self.documents_button.setObjectName("send-documents")
        self.documents_button.clicked.connect(self._send_documents)
        close = QPushButton(self.tr("Fermer"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.write_button)
        buttons.addWidget(self.documents_button)
        buttons.addWidget(self.qualify_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)
        self.patients: list[Patient] = []
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self.patients = self.registry.patients()
        self._fill(select=select)

    def _fill(self, _text: str = "", select: str | None = None) -> None:
        wanted = _folded(self.filter.text())
        current = self.current()
        chosen = select or (current.id if current is not None else None)
        self.table.setRowCount(0)
        for patient in self.patients:
            words = _folded(f"{patient.display} {patient.used_name or ''} {patient.ins or ''}")
            if wanted and wanted not in words:
                continue
            row = self.table.rowCount()
            self.table.insertRow(row)
            born = patient.birth_date.strftime("%d/%m/%Y") if patient.birth_date else ""
            status = (
                self.tr("qualifiée")
                if patient.identity_qualified
                else (self.tr("non qualifiée") if patient.ins else self.tr("sans INS"))
            )
            for column, text in enumerate(
                (patient.birth_name, patient.first_names, born, patient.ins or "", status)
            ):
                item = QTableWidgetItem(text)
                item.setData(IdRole, patient.id)
                self.table.setItem(row, column, item)
            if patient.id == chosen:
                self.table.selectRow(row)
        if self.table.currentRow() < 0 and self.table.rowCount():
            self.table.selectRow(0)
        self._update()

    def current(self) -> Patient | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        wanted = item.data(IdRole) if item is not None else None
        return next((p for p in self.patients if p.id == wanted), None)

    def select(self, patient_id: str) -> None:
        self.filter.clear()
        self._fill(select=patient_id)

    def _update(self) -> None:
        patient = self.current()
        reason = why_not_writable(patient) if patient is not None else None
        self.write_button.setEnabled(patient is not None and reason is None)
        self.documents_button.setEnabled(patient is not None)
        self.qualify_button.setEnabled(patient is not None and bool(patient.ins))
        self.qualify_button.setText(
            self.tr("Identité non qualifiée…")
            if patient is not None and patient.identity_qualified
            else self.tr("Identité qualifiée…")
        )
        if patient is None:
            self.reason.setText(self.tr("Aucun patient choisi."))
        elif reason is not None:
            self.reason.setText(self.tr("Écrire au patient impossible : {0}").format(reason))
        else:
            self.reason.setText(self.tr("Mon espace santé : {0}").format(address_of(patient)))

    def write(self) -> None:
        patient = self.current()
        if patient is None:
            return
        try:
            address = address_of(patient)
        except CaduceeError as error:
            QMessageBox.warning(self, self.tr("Écrire au patient"), error.user_message)
            return
        self.write_to.emit(patient.id, address)

    def _send_documents(self) -> None:
        patient = self.current()
        if patient is not None:
            self.send_documents.emit(patient.id)

    def toggle_qualified(self) -> None:
        patient = self.current()
        if patient is None or not patient.ins:
            return
        qualified = not patient.identity_qualified
        if qualified:
            deduced = deduce(patient.ins)
            told = deduced.describe() if deduced is not None else self.tr("rien de déductible")
            question = self.tr(
                "Confirmez-vous que l'identité de ce patient est qualifiée (INS vérifié par le "
                "téléservice INSi et une pièce d'identité) ?\n\n{0}\nINS : {1}\nD'après le "
                "matricule : {2}"
            ).format(patient.display, patient.ins, told)
        else:
            question = self.tr(
                "L'identité de {0} ne sera plus considérée comme qualifiée : vous ne pourrez "
                "plus lui écrire sur Mon espace santé. Continuer ?"
            ).format(patient.display)
        if not self.ask(self.tr("Identité du patient"), question):
            return
        try:
            self.registry.set_identity_qualified(patient.id, qualified)
        except CaduceeError as error:
            QMessageBox.warning(self, self.tr("Identité du patient"), error.user_message)
            return
        self.reload(select=patient.id)
        self.changed.emit()

    def ask(self, title: str, text: str) -> bool:
        """A yes/no question (a method: tests answer it)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

""" "Nouveau patient…" from the document: every trait it gives, pre-filled, then checked.

Birth name, used name, first names, birth date (typed JJ/MM/AAAA or picked from a French
calendar opening near the document's date), sex, INS and its OID. The INS is checked as
she types (15 characters; the NIR/NIA key, ``app.mssante.ins``); an INS read without its
OID (an HPRIM file's header) is pre-filled with the OID left for her to choose. Problems are
said in the form, which stays open; the registry checks everything again.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.core.errors import CaduceeError
from app.filing.identity import SOURCES
from app.filing.patients import Patient
from app.filing.service import Filing
from app.mssante.ins import key_ok, normalise_matricule, well_formed
from app.mssante.model import InsKind, PatientIdentity
from app.ui.date_field import DateField

BAD_STYLE = "color: #b91c1c;"


def ins_problem(text: str, oid: str | None) -> str | None:
    """What is wrong with the INS typed: "length", "form", "key", "oid" (None: fine or empty)."""
    matricule = normalise_matricule(text)
    if not matricule:
        return None
    if len(matricule) != 15:
        return "length"
    if not well_formed(matricule):
        return "form"
    if not key_ok(matricule):
        return "key"
    return None if oid else "oid"


class NewPatientDialog(QDialog):
    def __init__(self, identity: PatientIdentity | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("new-patient")
        self.setWindowTitle(self.tr("Nouveau patient"))
        self.setMinimumWidth(520)
        identity = identity or PatientIdentity()
        self.filing: Filing | None = None
        self.created: Patient | None = None
        form = QFormLayout(self)
        where = SOURCES.get(identity.source, identity.source)
        said = QLabel(
            self.tr("Prérempli avec l'identité lue dans : {0}. Vérifiez chaque champ.").format(
                where
            )
            if where
            else self.tr("Le document n'indique pas l'identité du patient : saisissez-la.")
        )
        said.setWordWrap(True)
        form.addRow(said)
        self.birth_name = QLineEdit(identity.birth_name or "")
        self.used_name = QLineEdit(identity.used_name or "")
        self.first_names = QLineEdit(" ".join(identity.first_names))
        self.birth_date = DateField(identity.birth_date)
        self.sex = QComboBox()
        self.sex.addItem(self.tr("Femme"), "F")
        self.sex.addItem(self.tr("Homme"), "M")
        self.sex.addItem(self.tr("Inconnu"), "U")
        self.sex.setCurrentIndex({"F": 0, "M": 1}.get(identity.sex or "", 2))
        ins = identity.ins
        self.ins = QLineEdit(ins.matricule if ins is not None else "")
        self.ins.setObjectName("ins")
        self.ins.setPlaceholderText(self.tr("15 caractères (matricule INS)"))
        self.ins.setMaxLength(21)  # spaces allowed: "2 80 05 75 123 456 38"
        self.oid = QComboBox()
        self.oid.setObjectName("ins-oid")
        self.oid.addItem(self.tr("— à préciser —"), "")
        self.oid.addItem(self.tr("NIR (1.2.250.1.213.1.4.8)"), InsKind.NIR.value)
        self.oid.addItem(self.tr("NIA, provisoire (1.2.250.1.213.1.4.9)"), InsKind.NIA.value)
        self.oid.addItem(self.tr("INS de test (1.2.250.1.213.1.4.10)"), InsKind.TEST.value)
        self.oid.addItem(self.tr("INS de démonstration (1.2.250.1.213.1.4.11)"), InsKind.DEMO.value)
        self.oid.setCurrentIndex(max(self.oid.findData(ins.oid if ins else ""), 0))
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(BAD_STYLE)
        form.addRow(self.tr("Nom de naissance :"), self.birth_name)
        form.addRow(self.tr("Nom d'usage :"), self.used_name)
        form.addRow(self.tr("Prénom(s) :"), self.first_names)
        form.addRow(self.tr("Date de naissance :"), self.birth_date)
        form.addRow(self.tr("Sexe :"), self.sex)
        form.addRow(self.tr("INS :"), self.ins)
        form.addRow(self.tr("OID de l'INS :"), self.oid)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText(self.tr("Créer"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.ins.textChanged.connect(self.check)
        self.oid.currentIndexChanged.connect(self.check)
        self.birth_date.changed.connect(self.check)
        self.check()

    def problems(self) -> list[str]:
        found = []
        if not self.birth_name.text().strip() or not self.first_names.text().strip():
            found.append(self.tr("Le nom de naissance et le prénom sont obligatoires."))
        date_problem = self.birth_date.problem()
        if date_problem:
            found.append(date_problem)
        ins_said = ins_problem(self.ins.text(), self.oid.currentData())
        if ins_said == "length":
            typed = len(normalise_matricule(self.ins.text()))
            found.append(self.tr("INS : 15 caractères attendus ({0} saisis).").format(typed))
        elif ins_said == "form":
            found.append(
                self.tr("INS : 13 chiffres (2A ou 2B pour la Corse) suivis de la clé à 2 chiffres.")
            )
        elif ins_said == "key":
            found.append(
                self.tr(
                    "INS : la clé de contrôle ne correspond pas au numéro : vérifiez la saisie."
                )
            )
        elif ins_said == "oid":
            found.append(self.tr("INS : précisez de quel identifiant il s'agit (OID)."))
        return found

    def check(self) -> bool:
        found = self.problems()
        self.problem.setText("\n".join(found))
        self.problem.setVisible(bool(found))
        return not found

    def accept(self) -> None:
        """Checked here, then registered when a ``filing`` is given (the form stays open
        with the registry's French reason when it refuses)."""
        if not self.check():
            return
        if self.filing is not None:
            try:
                self.created = self.register(self.filing)
            except CaduceeError as error:
                self.problem.setText(error.user_message)
                self.problem.show()
                return
        super().accept()

    def register(self, filing: Filing) -> Patient:
        matricule = normalise_matricule(self.ins.text())
        return filing.registry.add(
            birth_name=self.birth_name.text(),
            first_names=self.first_names.text(),
            birth_date=self.birth_date.value(),
            sex=str(self.sex.currentData()),
            used_name=self.used_name.text() or None,
            ins=matricule or None,
            ins_oid=str(self.oid.currentData()) if matricule else None,
        )

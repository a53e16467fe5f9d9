""" "Classer": one message's documents into a patient's folder, after a look.

The dialog shows the document (its PDF, else the CDA rendered, else the text), the identity
read from it beside the chosen patient's, field by field, how sure the match is and where
the files will go. A certain match (same qualified INS, traits agreeing) is preselected;
anything else waits for her choice, or a new patient made from the document's identity.
The window reads the attachments off the GUI thread (``app.ui.jobs.BackgroundJob``);
filing writes a few files and journal rows, well under a frame's worth of work.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CaduceeError
from app.filing.identity import SOURCES, ins_text
from app.filing.matching import CERTAINTY, Level, MatchResult, fold, traits
from app.filing.patients import Patient
from app.filing.service import DUPLICATE, FILED, Filing, FilingResult, message_key
from app.mssante.model import MessageDocuments, PatientIdentity, ReceivedDocument
from app.mssante.subject import displayed
from app.ops.filing_receipt import receipt_offer, send_receipt
from app.store.db import MessageSummary
from app.store.html_body import break_long_runs, readable_or_text
from app.ui.html_view import SafeBrowser
from app.ui.jobs import BackgroundJob
from app.ui.new_patient import NewPatientDialog
from app.ui.pdf_probe import Probe, shared_prober
from app.ui.pdf_view import PdfPane
from app.ui.results_view import ResultsDialog

GOOD, BAD = QColor("#166534"), QColor("#b91c1c")


# -- reading the attachments off the GUI thread ----------------------------------------------


# -- the identities side by side -------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    key: str  # birth_name, used_name, first_names, birth_date, sex, ins
    document: str
    patient: str
    same: bool | None  # None: nothing to compare


def _when(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def comparison(identity: PatientIdentity | None, patient: Patient | None) -> list[_Row]:
    """The traits of the document beside the patient's, and whether each agrees."""
    mine = patient.identity() if patient else None

    def row(key: str, left: str, right: str, *, first_word: bool = False) -> _Row:
        same = None
        if left and right:  # first names: the first one is the identity trait (INS rules)
            same = fold(left.split()[0] if first_word else left) == fold(
                right.split()[0] if first_word else right
            )
        return _Row(key, left, right, same)

    doc, pat = identity or PatientIdentity(), mine or PatientIdentity()
    return [
        row("birth_name", doc.birth_name or "", pat.birth_name or ""),
        row("used_name", doc.used_name or "", pat.used_name or ""),
        row("first_names", " ".join(doc.first_names), " ".join(pat.first_names), first_word=True),
        row("birth_date", _when(doc.birth_date), _when(pat.birth_date)),
        row("sex", doc.sex or "", pat.sex or ""),
        row("ins", ins_text(doc), ins_text(pat)),
    ]


# -- the dialog --------------------------------------------------------------------------------


class FilingDialog(QDialog):
    """One message: each document to a patient, then the receipt if the sender asked."""

    filed = Signal(object)  # FilingResult of what was filed (the window refreshes)

    def __init__(
        self,
        filing: Filing,
        message: MessageSummary,
        docs: MessageDocuments,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("filing-dialog")
        self.filing, self.message, self.docs = filing, message, docs
        self.setWindowTitle(self.tr("Classer — {0}").format(displayed(message.subject)))
        self.resize(1100, 720)
        self.done_indexes: set[int] = set()
        self.result_: FilingResult | None = None
        self.match: MatchResult | None = None
        layout = QVBoxLayout(self)
        about = QLabel(
            self.tr("<b>{0}</b><br>De : {1}").format(
                html.escape(displayed(message.subject)), html.escape(message.sender)
            )
        )
        about.setObjectName("about")
        layout.addWidget(about)

        self.refused = QLabel()
        self.refused.setObjectName("refused")
        self.refused.setWordWrap(True)
        self.refused.setStyleSheet("#refused { color: #b91c1c; }")
        if docs.refused:
            lines = [
                self.tr("Pièce jointe refusée : {0} — {1}").format(r.name[:80], r.reason)
                for r in docs.refused
            ]
            self.refused.setText("\n".join(lines))
        else:
            self.refused.hide()
        layout.addWidget(self.refused)

        self.chooser = QComboBox()
        self.chooser.setAccessibleName(self.tr("Document"))
        for index, document in enumerate(docs.documents):
            self.chooser.addItem(self._document_label(index, document), index)
        self.chooser.setVisible(len(docs.documents) > 1)
        self.chooser.currentIndexChanged.connect(self._show_document)
        layout.addWidget(self.chooser)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.preview_holder = QWidget()
        self.preview_browser: SafeBrowser | None = None
        self.preview_layout = QVBoxLayout(self.preview_holder)
        self.preview_layout.setContentsMargins(0, 0, 0, 0)
        splitter.addWidget(self.preview_holder)
        side = QWidget()
        column = QVBoxLayout(side)
        column.addWidget(QLabel(self.tr("<b>Patient</b>")))
        pick = QHBoxLayout()
        self.patients = QComboBox()
        self.patients.setObjectName("patients")
        self.patients.setAccessibleName(self.tr("Patient"))
        self.patients.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.patients.setMinimumContentsLength(38)  # "NOM Prénom, né le …  (probable)"
        self.patients.currentIndexChanged.connect(self._patient_chosen)
        pick.addWidget(self.patients, 1)
        self.new_patient = QPushButton(self.tr("Nouveau patient…"))
        self.new_patient.clicked.connect(self._create_patient)
        pick.addWidget(self.new_patient)
        self.results: ResultsDialog | None = None
        self.new_patient_dialog: NewPatientDialog | None = None
        self.results_button = QPushButton(self.tr("Résultats…"))
        self.results_button.setObjectName("patient-results")
        self.results_button.setToolTip(self.tr("Les résultats d'analyses classés pour ce patient"))
        self.results_button.clicked.connect(self.show_results)
        pick.addWidget(self.results_button)
        column.addLayout(pick)
        self.read_from = QLabel()
        self.read_from.setObjectName("read-from")
        self.read_from.setWordWrap(True)
        column.addWidget(self.read_from)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("comparison")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Trait"), self.tr("Lu dans le document"), self.tr("Patient choisi")]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents  # wrapped values shown whole
        )
        column.addWidget(self.table, 1)
        self.confidence = QLabel()
        self.confidence.setObjectName("confidence")
        self.confidence.setTextFormat(Qt.TextFormat.RichText)
        self.confidence.setWordWrap(True)
        column.addWidget(self.confidence)
        self.destination = QLabel()
        self.destination.setObjectName("destination")
        self.destination.setWordWrap(True)
        self.destination.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.destination)
        self.outcome = QLabel()
        self.outcome.setObjectName("outcome")
        self.outcome.setWordWrap(True)
        column.addWidget(self.outcome)
        splitter.addWidget(side)
        splitter.setSizes([520, 580])
        layout.addWidget(splitter, 1)

        buttons = QDialogButtonBox()
        self.file_button = buttons.addButton(
            self.tr("Classer"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.file_button.setObjectName("file")
        self.file_button.setDefault(True)
        self.file_button.clicked.disconnect()
        self.file_button.clicked.connect(self.file_current)
        self.reject_button = buttons.addButton(
            self.tr("Ne pas classer…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.reject_button.setToolTip(
            self.tr(
                "Identité impossible à établir : le message sort de « À classer » et "
                "l'expéditeur peut en être averti (accusé d'erreur)."
            )
        )
        self.reject_button.clicked.connect(self.refuse)
        close = buttons.addButton(self.tr("Fermer"), QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        # Set by tests (and kept simple): how a question to her is answered.
        self.ask: Callable[[str, str], bool] = self._ask
        if docs.documents:
            self._show_document(0)
        else:
            self.preview_layout.addWidget(
                QLabel(self.tr("Aucun document à classer dans ce message."))
            )
            for widget in (self.patients, self.new_patient, self.file_button, self.reject_button):
                widget.setEnabled(False)

    # -- what is shown ------------------------------------------------------------------------

    def _document_label(self, index: int, document: ReceivedDocument) -> str:
        title = document.title or document.type_label or self.tr("Document")
        when = f" — {_when(document.act_date)}" if document.act_date else ""
        return self.tr("Document {0} : {1}{2}").format(index + 1, title, when)

    @property
    def index(self) -> int:
        return int(self.chooser.currentData() or 0)

    @property
    def document(self) -> ReceivedDocument:
        return self.docs.documents[self.index]

    def identity(self) -> PatientIdentity | None:
        """The reader's one identity of the document (as the reading pane shows it)."""
        return self.document.identity

    def done(self, result: int) -> None:
        """Closed: the preview goes the Qt way (a PDF view freed by Python's collector with
        work pending crashes PySide, see ``document_pane``)."""
        self._clear_preview()
        super().done(result)

    def _clear_preview(self) -> None:
        while self.preview_layout.count():
            item = self.preview_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.preview_browser = None

    @Slot(int)
    def _show_document(self, _row: int) -> None:
        self._clear_preview()
        readable = self.document.readable
        if readable is not None and readable.media_type == "application/pdf":
            waiting = QLabel(self.tr("Chargement…"), self.preview_holder)
            self.preview_layout.addWidget(waiting)
            data, shown = readable.data, self.index
            # Tried in a child process first (pdf_probe), as in the reader. The job answers
            # to the application, not to this dialog: closed meanwhile, it is gone with its
            # children, and a relay freed under a running job crashes PySide.
            BackgroundJob(
                QApplication.instance() or self,
                lambda: shared_prober().probe(data),
                lambda probe: self._show_pdf(waiting, shown, data, probe),
                lambda _error: self._show_pdf(waiting, shown, data, None),
            ).start()
        else:
            browser = SafeBrowser(self.preview_holder)
            if readable is None:
                browser.setPlainText(self.tr("Aperçu indisponible pour ce document."))
            elif readable.media_type == "text/html":  # bounded off the GUI thread, as mail
                browser.setPlainText(self.tr("Chargement…"))
                markup = readable.data.decode("utf-8", "replace")
                BackgroundJob(
                    self,
                    lambda: readable_or_text(markup),
                    lambda result: self._show_html(browser, result),
                    lambda _error: self._show_html(browser, None),
                ).start()
            else:
                browser.setPlainText(break_long_runs(readable.data.decode("utf-8", "replace")))
            self.preview_layout.addWidget(browser)
            self.preview_browser = browser
        self.match = self.filing.match(self.document, self.docs)
        self._fill_patients(self.match)
        self._update_state()

    def _show_pdf(self, waiting: QLabel, shown: int, data: bytes, probe: Probe | None) -> None:
        if not (shiboken6.isValid(self) and shiboken6.isValid(waiting)):
            return  # the dialog was closed and deleted meanwhile
        if not self.isVisible() or shown != self.index or self.preview_layout.indexOf(waiting) < 0:
            return  # closed, or another document shown meanwhile: no PDF view made for nothing
        self.preview_layout.removeWidget(waiting)
        waiting.deleteLater()
        if probe is not None and probe.safe:
            self.preview_layout.addWidget(PdfPane(data, self.preview_holder))
            return
        said = probe.notice if probe is not None else None
        notice = QLabel(said or self.tr("Aperçu indisponible pour ce document."))
        notice.setWordWrap(True)
        self.preview_layout.addWidget(notice)

    def _show_html(self, browser: SafeBrowser, result: tuple[str | None, str] | None) -> None:
        if browser is not self.preview_browser:
            return  # another document is shown meanwhile (this browser is being deleted)
        markup, text = result or (None, "")
        if result is None:
            browser.setPlainText(self.tr("Aperçu indisponible pour ce document."))
        elif markup is not None:
            browser.setHtml(markup)
        else:
            notice = self.tr(
                "Ce document est trop complexe pour être affiché en HTML ; voici son texte."
            )
            browser.setPlainText(f"{notice}\n\n{text}")

    def _fill_patients(self, found: MatchResult, select: str | None = None) -> None:
        self.patients.blockSignals(True)
        self.patients.clear()
        self.patients.addItem(self.tr("— choisir un patient —"), None)
        listed: set[str] = set()
        for candidate in found.candidates:
            self.patients.addItem(
                f"{candidate.patient.display}  ({self._word(candidate.level)})",
                candidate.patient.id,
            )
            listed.add(candidate.patient.id)
        for patient in sorted(self.filing.registry.patients(), key=lambda p: p.display):
            if patient.id not in listed:
                self.patients.addItem(patient.display, patient.id)
        chosen = select or (found.certain.id if found.certain else None)
        if chosen is None and found.best is not None and found.level is Level.PROBABLE:
            chosen = found.best.patient.id  # proposed, but she still has to click Classer
        position = self.patients.findData(chosen) if chosen else 0
        self.patients.setCurrentIndex(max(position, 0))
        self.patients.blockSignals(False)
        self._patient_chosen(self.patients.currentIndex())

    def show_results(self) -> ResultsDialog | None:
        """The chosen patient's results over time (item 3 of issue 18)."""
        patient_id = self.patients.currentData()
        if not patient_id:
            return None
        self.results = ResultsDialog(self.filing, patient_id, self)
        self.results.show()
        return self.results

    def chosen_patient(self) -> Patient | None:
        patient_id = self.patients.currentData()
        return self.filing.registry.get(patient_id) if patient_id else None

    @Slot(int)
    def _patient_chosen(self, _row: int) -> None:
        patient = self.chosen_patient()
        self.results_button.setEnabled(patient is not None)
        labels = {
            "birth_name": self.tr("Nom de naissance"),
            "used_name": self.tr("Nom d'usage"),
            "first_names": self.tr("Prénom(s)"),
            "birth_date": self.tr("Date de naissance"),
            "sex": self.tr("Sexe"),
            "ins": self.tr("INS"),
        }
        identity = self.identity()
        where = SOURCES.get(identity.source, identity.source) if identity else ""
        self.read_from.setText(
            self.tr("Identité lue dans : {0}").format(where)
            if where
            else self.tr("Le document n'indique pas l'identité du patient.")
        )
        rows = comparison(identity, patient)
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            label = QTableWidgetItem(labels[row.key])
            left, right = QTableWidgetItem(row.document), QTableWidgetItem(row.patient)
            if row.same is not None:
                colour = GOOD if row.same else BAD
                mark = "✓ " if row.same else "✗ "
                right.setText(mark + row.patient)
                right.setForeground(colour)
            for column, item in enumerate((label, left, right)):
                self.table.setItem(number, column, item)
        if patient is None:
            self.destination.setText(self.tr("Destination : choisissez ou créez le patient."))
        else:
            sink = self.filing.destination
            folder = sink.target(self.filing.root, patient)
            text = (
                self.tr("Destination : logiciel métier, dossier d'import {0}")
                if sink.kind == "logiciel"
                else self.tr("Destination : {0}")
            )
            self.destination.setText(text.format(folder))
        self._update_state()

    def _word(self, level: Level) -> str:
        words = {
            "certain": self.tr("certain"),
            "probable": self.tr("probable"),
            "à vérifier": self.tr("à vérifier"),
        }
        return words[CERTAINTY[level]]

    def _traits_text(self, patient: Patient) -> str:
        """ "Nom de naissance ✓, Date de naissance ✓, INS ✗ absente" for the chosen patient."""
        labels = {
            "birth_name": self.tr("Nom de naissance"),
            "first_names": self.tr("Prénom"),
            "birth_date": self.tr("Date de naissance"),
            "sex": self.tr("Sexe"),
            "ins": self.tr("INS"),
        }
        notes = {
            "absent": self.tr("absent"),
            "absente": self.tr("absente"),
            "non renseignée (patient)": self.tr("non renseignée (patient)"),
            "même matricule, sans OID": self.tr("même matricule, sans OID"),
            "même matricule, autre OID": self.tr("même matricule, autre OID"),
            "clé invalide": self.tr("clé invalide"),
        }
        marks = {"agree": "✓", "differ": "✗", "absent": "✗", "partial": "~"}
        said = []
        for trait in traits(self.identity(), patient):
            note = notes.get(trait.note, trait.note)
            said.append(f"{labels[trait.key]} {marks[trait.state]}" + (f" {note}" if note else ""))
        return ", ".join(said)

    def _update_state(self) -> None:
        found, patient = self.match, self.chosen_patient()
        done = self.index in self.done_indexes
        self.file_button.setEnabled(patient is not None and not done)
        if found is None:
            return
        candidate = next(
            (c for c in found.candidates if patient is not None and c.patient.id == patient.id),
            None,
        )
        level = candidate.level if candidate is not None else Level.NONE
        if found.test_ins and level is Level.CERTAIN:
            level = Level.PROBABLE  # never shown certain: a test INS is never filed unseen
        colour = {Level.CERTAIN: GOOD}.get(level, QColor("#92400e"))
        if patient is None:
            text = html.escape(found.explanation) or self.tr("Aucun patient correspondant.")
        else:
            word = self.tr("certaine") if level is Level.CERTAIN else self._word(level)
            text = self.tr("<b>Identité {0}</b> — {1}.").format(
                word, html.escape(self._traits_text(patient))
            )
            if candidate is None:
                text += " " + self.tr("Patient choisi par vous : comparez les traits.")
        if found.test_ins:
            colour = BAD
            text += "<br>" + self.tr(
                "INS de test ou de démonstration : jamais classé automatiquement ; vérifiez "
                "qu'il ne s'agit pas d'un vrai patient."
            )
        elif found.conflict:
            colour = BAD
            text += "<br>" + html.escape(self.tr("Incohérence : {0}").format(found.explanation))
        elif patient is not None and level is not Level.CERTAIN:
            text += "<br>" + self.tr("Comparez avant de classer.")
        self.confidence.setText(text)
        self.confidence.setStyleSheet(f"#confidence {{ color: {colour.name()}; }}")

    # -- actions ------------------------------------------------------------------------------

    @Slot()
    def _create_patient(self) -> NewPatientDialog:
        """The form pre-filled from the document; she checks it, "Créer" registers."""
        dialog = NewPatientDialog(self.identity(), self)
        dialog.filing = self.filing
        dialog.accepted.connect(lambda: self._created(dialog.created))
        self.new_patient_dialog = dialog
        dialog.open()
        return dialog

    def _created(self, patient: Patient | None) -> None:
        if patient is None:
            return
        self.match = self.filing.match(self.document, self.docs)  # she is in the registry now
        self._fill_patients(self.match, select=patient.id)

    @Slot()
    def file_current(self) -> None:
        patient = self.chosen_patient()
        if patient is None:
            return
        try:
            outcome = self.filing.file_document(self.message, self.docs, self.index, patient)
        except CaduceeError as error:
            self.outcome.setText(error.user_message)
            self.outcome.setStyleSheet(f"#outcome {{ color: {BAD.name()}; }}")
            return
        good = outcome.status == FILED
        self.outcome.setText(outcome.message)
        self.outcome.setStyleSheet(f"#outcome {{ color: {(GOOD if good else BAD).name()}; }}")
        if outcome.status in (FILED, DUPLICATE):
            self.done_indexes.add(self.index)
        self.result_ = self.result_ or FilingResult(self.message.account, message_key(self.message))
        self.result_.outcomes.append(outcome)
        self._update_state()
        remaining = [i for i in range(len(self.docs.documents)) if i not in self.done_indexes]
        if remaining:
            self.chooser.setCurrentIndex(self.chooser.findData(remaining[0]))
            return
        result = self.filing.finish(self.message, self.result_)
        self.filed.emit(result)
        self._offer_receipt(result)

    @Slot()
    def refuse(self) -> None:
        if not self.ask(
            self.tr("Ne pas classer"),
            self.tr(
                "Ne pas classer les documents de ce message ? Ils sortent de « À classer » "
                "et l'expéditeur peut être averti que l'identité du patient n'a pas pu être "
                "établie."
            ),
        ):
            return
        result = self.filing.reject(self.message, self.docs)
        codes = {o.error_code for o in result.outcomes if o.error_code}
        self.outcome.setText(
            self.tr("Non classé (code {0}).").format(", ".join(str(c) for c in sorted(codes)))
        )
        self.filed.emit(result)
        self._offer_receipt(result)

    def _offer_receipt(self, result: FilingResult) -> None:
        store = self.filing.store
        if store is None:
            return
        offer = receipt_offer(store, self.message, result)
        if offer is None or offer.kind is None:
            return
        if offer.kind == "processed":
            question = self.tr(
                "L'expéditeur demande un accusé de traitement. Lui envoyer l'accusé « documents "
                "intégrés au dossier du patient » ?"
            )
        else:
            question = self.tr(
                "L'expéditeur demande un accusé de traitement. Lui envoyer l'accusé d'erreur "
                "(code {0}) ?"
            ).format(offer.error_code)
        if self.ask(self.tr("Accusé de traitement"), question):
            try:
                send_receipt(store, self.message, offer)
            except CaduceeError as error:
                QMessageBox.warning(self, self.tr("Accusé de traitement"), error.user_message)
                return
            self.outcome.setText(self.outcome.text() + "\n" + self.tr("Accusé mis en envoi."))

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

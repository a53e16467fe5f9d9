"""« Adresser des documents »: a patient's documents to a colleague, the MSSanté way.

From a patient of the registry (Outils > Patients…) or from a received message already
filed (the reader's "Adresser…"), she picks documents (PDFs of the patient's folder, any
PDF, or a short letter she types), a colleague (the directory search of
``directory_search``), a type from the short LOINC list of ``app.mssante.outgoing``, and
asks for receipts if she wants. The engine (``app.ops.send_documents``,
``app.ops.address_documents``) checks and builds; this dialog asks her what only she can
decide — a patient without INS (sent without patient id, ``X-MSS-INS: N``), a recipient
outside the MSSanté trust space, a test INS in the demonstration — and shows every refusal
in French inside the dialog. ``send_documents.prepare`` (Ghostscript for PDF/A, the author
from the account's session, the operator's SIZE) runs off the GUI thread; the message is
queued on it (the store's connection is the GUI thread's). The session is the one the sync
worker opened for the account (``worker_sessions``): its card or certificate is already
unlocked, so nothing is asked twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CaduceeError
from app.directory import labels
from app.directory.index import Mailbox
from app.filing.patients import Patient, Registry
from app.filing.service import Filing
from app.mssante.model import InsKind
from app.mssante.outgoing import DEFAULT_TYPE, DOCUMENT_TYPES, document_type
from app.ops import send_documents as ops
from app.ops.accounts import AccountSession
from app.ops.address_documents import filed_documents, patient_files
from app.store.db import Account, MessageSummary, Store
from app.ui.directory_search import DirectoryJobs, Query, search
from app.ui.jobs import BackgroundJob

PathRole = Qt.ItemDataRole.UserRole + 1
AddressRole = Qt.ItemDataRole.UserRole + 2
FolderRole = Qt.ItemDataRole.UserRole + 3  # listed from the patient's folder
DEMO_SOURCE = "démo"  # accounts made by ``caducee demo`` (their patients have test INS)
SEARCH_LIMIT = 30

SessionFor = Callable[[Account], AccountSession]  # called in the job's thread


def _addresses(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class SendDocumentsDialog(QDialog):
    queued = Signal(str)  # the account whose outbox has the message

    def __init__(
        self,
        store: Store,
        registry: Registry,
        cache_dir: Path,
        session_for: SessionFor,
        *,
        directory: DirectoryJobs | None = None,
        patient_id: str | None = None,
        files: Sequence[Path] = (),
        sender: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.registry, self.cache_dir = store, registry, cache_dir
        self.session_for = session_for
        self.directory = directory
        self.sending = False
        self._pending: tuple[Account, bool] | None = None  # (account, DSN) being prepared
        self._search_ticket = 0
        self._kind = f"send-documents-{id(self)}"
        self.setWindowTitle(self.tr("Adresser des documents"))
        self.resize(900, 720)

        self.from_box = QComboBox()
        self.from_box.setAccessibleName(self.tr("Expéditeur"))
        for account in store.accounts():
            if account.smtp_url:
                self.from_box.addItem(account.address)
        if sender:
            self.from_box.setCurrentText(sender)
        self.patient_box = QComboBox()
        self.patient_box.setObjectName("patient")
        self.patient_box.setAccessibleName(self.tr("Patient"))
        self.patient_box.addItem(self.tr("— choisir un patient —"), None)
        for patient in registry.patients():
            self.patient_box.addItem(self._patient_label(patient), patient.id)
        self.patient_note = QLabel()
        self.patient_note.setWordWrap(True)
        self.documents = QListWidget()
        self.documents.setObjectName("documents")
        self.documents.setAccessibleName(self.tr("Documents à adresser"))
        add_pdf = QPushButton(self.tr("Ajouter un PDF…"))
        add_pdf.clicked.connect(self.choose_pdf)
        self.letter = QPlainTextEdit()
        self.letter.setObjectName("letter")
        self.letter.setAccessibleName(self.tr("Courrier tapé"))
        self.letter.setPlaceholderText(
            self.tr("Courrier (facultatif) : tapé ici, il est envoyé comme un document PDF/A.")
        )
        self.letter.setMaximumHeight(90)
        self.type_box = QComboBox()
        self.type_box.setObjectName("document-type")
        self.type_box.setAccessibleName(self.tr("Type de document"))
        for kind in DOCUMENT_TYPES:
            self.type_box.addItem(f"{kind.short} ({kind.code})", kind.code)
        self.type_box.setCurrentIndex(self.type_box.findData(DEFAULT_TYPE))
        self.title = QLineEdit()
        self.title.setAccessibleName(self.tr("Titre"))
        self.title.setPlaceholderText(self.tr("Titre (par défaut : le type)"))
        self.act_date = QDateEdit(QDate.currentDate())
        self.act_date.setCalendarPopup(True)
        self.act_date.setDisplayFormat("dd/MM/yyyy")
        self.act_date.setAccessibleName(self.tr("Date de l'acte"))
        self.to, self.cc = QLineEdit(), QLineEdit()
        self.to.setObjectName("to")
        self.to.setAccessibleName(self.tr("Destinataires"))
        self.cc.setAccessibleName(self.tr("Copie"))
        self.search_field = QLineEdit()
        self.search_field.setObjectName("find-colleague")
        self.search_field.setAccessibleName(self.tr("Chercher un confrère"))
        self.search_field.setPlaceholderText(
            self.tr("Chercher un confrère dans l'annuaire (nom, ville…)")
        )
        self.search_field.textEdited.connect(self._search)
        self.found = QListWidget()
        self.found.setObjectName("colleagues")
        self.found.setAccessibleName(self.tr("Confrères trouvés"))
        self.found.setMaximumHeight(110)
        self.found.itemActivated.connect(self._chosen)
        self.found.itemDoubleClicked.connect(self._chosen)
        self.body = QPlainTextEdit()
        self.body.setAccessibleName(self.tr("Texte du message"))
        self.body.setPlaceholderText(self.tr("Texte du message (facultatif)"))
        self.body.setMaximumHeight(80)
        self.dsn = QCheckBox(self.tr("Accusé de remise"))
        self.mdn = QCheckBox(self.tr("Accusé de lecture"))
        self.error = QLabel()
        self.error.setObjectName("send-error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(
            "#send-error { color: #991b1b; background: #fee2e2; border: 1px solid #f87171; "
            "padding: 4px; }"
        )
        self.error.hide()
        self.send_button = QPushButton(self.tr("Envoyer"))
        self.send_button.setObjectName("send")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        cancel = QPushButton(self.tr("Annuler"))
        cancel.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("De :"), self.from_box)
        form.addRow(self.tr("Patient :"), self.patient_box)
        form.addRow("", self.patient_note)
        documents = QHBoxLayout()
        documents.addWidget(self.documents, 1)
        documents.addWidget(add_pdf, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow(self.tr("Documents :"), documents)
        form.addRow(self.tr("Courrier :"), self.letter)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.type_box, 1)
        kind_row.addWidget(QLabel(self.tr("Date de l'acte :")))
        kind_row.addWidget(self.act_date)
        form.addRow(self.tr("Type :"), kind_row)
        form.addRow(self.tr("Titre :"), self.title)
        form.addRow(self.tr("À :"), self.to)
        form.addRow(self.tr("Copie :"), self.cc)
        form.addRow(self.tr("Annuaire :"), self.search_field)
        form.addRow("", self.found)
        form.addRow(self.tr("Message :"), self.body)
        buttons = QHBoxLayout()
        buttons.addWidget(self.dsn)
        buttons.addWidget(self.mdn)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        if directory is not None:
            directory.finished.connect(self._answered, Qt.ConnectionType.QueuedConnection)
        self.patient_box.currentIndexChanged.connect(self._patient_changed)
        if patient_id is not None:
            self.patient_box.setCurrentIndex(max(0, self.patient_box.findData(patient_id)))
        self.add_files(list(files), checked=True)

    # -- the patient and the documents ----------------------------------------------------

    def _patient_label(self, patient: Patient) -> str:
        tag = ""
        if patient.ins_oid in (InsKind.TEST.value, InsKind.DEMO.value):
            tag = self.tr(" — INS de test")
        elif not patient.ins:
            tag = self.tr(" — sans INS")
        return f"{patient.display}{tag}"

    def patient(self) -> Patient | None:
        patient_id = self.patient_box.currentData()
        if not patient_id:
            return None
        try:
            return self.registry.get(str(patient_id))
        except CaduceeError:
            return None

    def _patient_changed(self, _index: int) -> None:
        for row in reversed(range(self.documents.count())):
            item = self.documents.item(row)
            if item is not None and item.data(FolderRole):  # from the previous folder
                self.documents.takeItem(row)
        patient = self.patient()
        if patient is None:
            self.patient_note.setText("")
            return
        if patient.ins:
            self.patient_note.setText(self.tr("INS {0}").format(patient.ins))
        else:
            self.patient_note.setText(
                self.tr("Sans INS : le document partirait sans identifiant du patient.")
            )
        for path in patient_files(self.registry, patient):
            self._add(path, checked=False, from_folder=True)

    def _add(self, path: Path, *, checked: bool, from_folder: bool = False) -> None:
        for row in range(self.documents.count()):
            item = self.documents.item(row)
            if item is not None and item.data(PathRole) == str(path):
                if checked:
                    item.setCheckState(Qt.CheckState.Checked)
                return
        shown = path.name if from_folder else str(path)
        item = QListWidgetItem(shown)
        item.setToolTip(str(path))
        item.setData(PathRole, str(path))
        item.setData(FolderRole, from_folder)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.documents.addItem(item)

    def add_files(self, paths: list[Path], *, checked: bool = True) -> None:
        for path in paths:
            self._add(path, checked=checked)

    def choose_pdf(self) -> None:
        patient = self.patient()
        start = str(self.registry.folder_path(patient)) if patient is not None else ""
        names, _filter = QFileDialog.getOpenFileNames(
            self, self.tr("Choisir des documents PDF"), start, self.tr("Documents PDF (*.pdf)")
        )
        self.add_files([Path(n) for n in names])

    def chosen_files(self) -> list[Path]:
        files = []
        for row in range(self.documents.count()):
            item = self.documents.item(row)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                files.append(Path(str(item.data(PathRole))))
        return files

    # -- the colleague ----------------------------------------------------------------------

    def _search(self, text: str) -> None:
        if self.directory is None or len(text.strip()) < 2:
            self.found.clear()
            return
        query = Query(text, limit=SEARCH_LIMIT)
        self._search_ticket = self.directory.submit(
            self._kind, functools.partial(search, query=query), urgent=True
        )

    @Slot(int, str, object)
    def _answered(self, ticket: int, _kind: str, result: object) -> None:
        if ticket != self._search_ticket:
            return
        self.found.clear()
        if isinstance(result, BaseException):
            self.found.addItem(
                result.user_message
                if isinstance(result, CaduceeError)
                else self.tr("Annuaire indisponible.")
            )
            return
        for mailbox in result if isinstance(result, list) else []:
            if isinstance(mailbox, Mailbox):
                item = QListWidgetItem(labels.one_line(mailbox))
                item.setData(AddressRole, mailbox.address)
                self.found.addItem(item)
        if not self.found.count():
            self.found.addItem(self.tr("Aucun confrère trouvé."))

    def _chosen(self, item: QListWidgetItem) -> None:
        address = item.data(AddressRole)
        if not address:
            return
        present = _addresses(self.to.text())
        if str(address).lower() not in {a.lower() for a in present}:
            self.to.setText(", ".join([*present, str(address)]))

    # -- sending ------------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.sending = False
        self.send_button.setEnabled(True)

    def ask(self, title: str, text: str) -> bool:
        """A yes/no question (a method: tests answer it)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _ins_decision(self, patient: Patient, account: Account) -> tuple[bool, bool] | None:
        """(without_ins, test_ins) as she decided, or None when she declined or it is
        refused (the engine checks the INS itself, key and OID, in ``prepare``)."""
        if not patient.ins:
            if not self.ask(
                self.tr("Patient sans INS"),
                self.tr(
                    "{0} n'a pas d'INS dans le registre. Le document partira sans identifiant "
                    "national du patient (X-MSS-INS: N) : le logiciel du destinataire ne pourra "
                    "pas le rattacher sûrement.\n\nEnvoyer quand même ?"
                ).format(patient.display),
            ):
                return None
            return True, False
        if patient.ins_oid in (InsKind.TEST.value, InsKind.DEMO.value):
            if account.source != DEMO_SOURCE:
                self.show_error(
                    self.tr(
                        "L'INS de ce patient est un INS de test : il ne désigne pas un vrai "
                        "patient et ne peut pas être envoyé."
                    )
                )
                return None
            if not self.ask(
                self.tr("INS de test"),
                self.tr(
                    "L'INS de ce patient est un INS de test (démonstration). L'envoyer tel "
                    "quel, pour la démonstration ?"
                ),
            ):
                return None
            return False, True
        return False, False

    def _outside_mssante(self, addresses: list[str]) -> bool | None:
        """Whether she confirmed recipients outside the trust space (False: none are), or
        None when she declined."""
        try:
            ops.check_recipients(addresses, self.cache_dir, accounts=self.store.accounts())
            return False
        except ops.SendRefused as error:
            said = error.user_message.split(" Des documents de santé")[0]
        question = (
            said
            + "\n\n"
            + self.tr("Des documents de santé ne s'envoient qu'en MSSanté. Envoyer quand même ?")
        )
        return True if self.ask(self.tr("Destinataire hors MSSanté"), question) else None

    def send(self) -> None:
        if self.sending:
            return
        self.error.hide()
        account = self.store.account(self.from_box.currentText())
        if account is None or not account.smtp_url:
            self.show_error(self.tr("Choisissez un compte qui a un serveur d'envoi (SMTP)."))
            return
        patient = self.patient()
        if patient is None:
            self.show_error(self.tr("Choisissez le patient."))
            return
        kind = document_type(str(self.type_box.currentData() or ""))
        if kind is None:
            self.show_error(self.tr("Choisissez le type de document."))
            return
        title = self.title.text().strip() or kind.short
        act = self.act_date.date()
        act_date = date(act.year(), act.month(), act.day())
        choices = [ops.DocumentChoice(kind, title, act_date, path=p) for p in self.chosen_files()]
        letter = self.letter.toPlainText().strip()
        if letter:
            choices.append(ops.DocumentChoice(kind, title, act_date, letter=letter))
        if not choices:
            self.show_error(
                self.tr("Cochez au moins un document, ajoutez un PDF ou tapez un courrier.")
            )
            return
        to, cc = _addresses(self.to.text()), _addresses(self.cc.text())
        if not to:
            self.show_error(self.tr("Indiquez le confrère destinataire (À :)."))
            return
        decided = self._ins_decision(patient, account)
        if decided is None:
            return
        outside = self._outside_mssante([*to, *cc])
        if outside is None:
            return
        request = ops.SendRequest(
            to=to,
            cc=cc,
            patient=patient,
            choices=choices,
            body=self.body.toPlainText(),
            mdn=self.mdn.isChecked(),
            without_ins=decided[0],
            test_ins=decided[1],
            outside_mssante=outside,
        )
        self.sending = True
        self.send_button.setEnabled(False)
        self.error.setText(self.tr("Préparation des documents (PDF/A)…"))
        self.error.setStyleSheet("#send-error { color: #1e3a8a; padding: 4px; }")
        self.error.show()
        self._pending = (account, self.dsn.isChecked())
        session_for, cache_dir = self.session_for, self.cache_dir
        # bound methods, not lambdas, receive the job's result: a lambda connected to the
        # relay's queued signal crashed PySide when the dialog was deleted afterwards
        BackgroundJob(
            self,
            lambda: ops.prepare(request, session_for(account), cache_dir),
            self._prepared,
            self._failed,
        ).start()

    def _failed(self, error: BaseException) -> None:
        self._error_style()
        if isinstance(error, CaduceeError):
            self.show_error(error.user_message)
        else:
            self.show_error(self.tr("Envoi impossible : {0}").format(type(error).__name__))

    def _error_style(self) -> None:
        self.error.setStyleSheet(
            "#send-error { color: #991b1b; background: #fee2e2; border: 1px solid #f87171; "
            "padding: 4px; }"
        )

    def _prepared(self, prepared: object) -> None:
        self._error_style()
        pending, self._pending = self._pending, None
        if pending is None or not isinstance(prepared, ops.Prepared):
            self.show_error(self.tr("Envoi impossible."))
            return
        account, dsn = pending
        try:
            ops.queue(self.store, account, prepared.message, dsn=dsn)
        except CaduceeError as error:
            self.show_error(error.user_message)
            return
        self.sending = False
        self.queued.emit(account.address)
        self.accept()


def worker_sessions(sessions: Callable[[str], AccountSession | None]) -> SessionFor:
    """The account's session the sync worker opened (its card or certificate unlocked);
    before the first sync there is none, and she is told to get her mail first."""

    def session_for(account: Account) -> AccountSession:
        session = sessions(account.address)
        if session is None:
            raise ops.SendRefused(
                "no session",
                user_message="Relevez d'abord le courrier de ce compte (« Relever ») : la carte "
                "ou le certificat qui vous identifie comme auteur n'est pas encore ouvert.",
            )
        return session

    return session_for


def open_send_documents(
    store: Store,
    filing: Filing,
    places_cache: Path,
    session_for: SessionFor,
    directory: DirectoryJobs | None,
    *,
    patient_id: str | None,
    message: MessageSummary | None,
    sender: str | None,
    parent: QWidget,
) -> SendDocumentsDialog:
    """The dialog for a patient, or for a received message already filed (its patient and
    its PDFs chosen)."""
    files: tuple[Path, ...] = ()
    if message is not None and message.message_id:
        filed = filed_documents(filing.db, filing.registry, message.account, message.message_id)
        if filed is not None:
            patient_id, files = filed.patient_id, filed.files
    dialog = SendDocumentsDialog(
        store,
        filing.registry,
        places_cache,
        session_for,
        directory=directory,
        patient_id=patient_id,
        files=files,
        sender=message.account if message is not None else sender,
        parent=parent,
    )
    dialog.open()
    return dialog

"""The composer: a new message, a reply or a forward, sent through the outbox.

Recipients complete from recent correspondents and, given the directory's jobs, from the
offline MSSanté directory ("dupont" proposes "Dr Jean DUPONT — Cardiologie, Lyon
<jean.dupont@…>" and inserts the address), searched in the jobs' thread 150 ms after the
last key. Before sending, recipients outside the MSSanté trust space (liste blanche, see
``app.directory.trusted.outside_trust_space``) are named in a warning: "Envoyer quand même" or
"Annuler". Files are attached by dialog (opening in Documents, then the last folder) or
dropped on the window, listed by name and size, removable; the text is saved as a
draft in the store every few seconds and by "Enregistrer le brouillon" (``app/ops/drafts.py``
copies it to the server's Drafts folder at the next sync), and discarded once the message is
in the outbox, so a crash loses at most a few seconds. Closing a composer whose text was not
saved by her (the window's close button, Échap) asks whether to keep it as a draft. A new
message, a reply or a forward gets the account's signature (changed with the sender) and
the receipts asked for by default (Préférences); the window's title is the subject.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CaduceeError
from app.directory import labels
from app.directory.index import Mailbox
from app.directory.trusted import TrustedList, TrustVerdict, outside_trust_space
from app.ops import drafts
from app.ops.accounts import mssante_domains
from app.ops.outbox import Draft, enqueue
from app.ops.patient_mail import (
    PatientBook,
    PatientMailError,
    check_recipients,
    conversation_addresses,
)
from app.store import account_settings
from app.store.db import Store
from app.store.drafts import DraftStore
from app.ui import file_dialogs
from app.ui.composer_parts import AttachmentList, BodyEdit, dropped_files, signature_block
from app.ui.directory_search import (
    DirectoryContext,
    DirectoryJobs,
    Query,
    search,
)

AUTOSAVE_MS = 3000
COMPLETION_MS = 150
COMPLETIONS = 12  # rows in the popup: recent correspondents first, then the directory
AddressRole = Qt.ItemDataRole.UserRole + 1


class _AddressCompleter(QCompleter):
    """Completes the address being typed after the last comma; the popup shows the rows
    the composer computed (no filtering of its own: the directory matched words without
    accents), and inserts their address."""

    typed = ""  # the field's text as she typed it (highlighting a row rewrites the field)

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index: object) -> str:
        chosen = super().pathFromIndex(index)  # type: ignore[arg-type]
        head = self.typed.rsplit(",", 1)[0] + ", " if "," in self.typed else ""
        return f"{head}{chosen}, "


def _addresses(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def recent_correspondents(store: Store, limit: int = 2000) -> list[str]:
    rows = store.db.execute(
        "SELECT sender FROM messages WHERE sender != '' GROUP BY sender "
        "ORDER BY max(date) DESC LIMIT ?",
        (limit,),
    )
    return [r[0] for r in rows]


class Composer(QWidget):
    queued = Signal(str)  # the account whose outbox has a new message
    drafts_changed = Signal()  # a draft saved by her, or gone (sent, abandoned)
    draft_kept = Signal()  # her "Enregistrer le brouillon": worth copying to the server now
    ask_on_close: ClassVar[bool] = True  # False: closing keeps the draft without asking

    def __init__(
        self,
        store: Store,
        draft: Draft | None = None,
        sender: str | None = None,
        draft_key: str | None = None,
        directory: DirectoryJobs | None = None,
        patients: PatientBook | None = None,
        receipts: tuple[bool, bool] = (False, False),
    ) -> None:
        """``draft_key``: a draft she saved, reopened as it was; otherwise (a new message, a
        reply, a forward) the account's signature and the default ``receipts`` (delivery,
        read) are added."""
        super().__init__()
        self.store = store
        self.patients = patients  # the registry: patient recipients named, checked
        self.draft_key = draft_key or drafts.new_key()
        self.sent = False
        self.title_suffix = ""
        self.setWindowTitle(self.tr("Rédaction"))
        self.setAcceptDrops(True)
        self.resize(820, 640)

        self.from_box = QComboBox()
        self.from_box.setAccessibleName(self.tr("Expéditeur"))
        for account in store.accounts():
            self.from_box.addItem(account.address)
        chosen = (draft.sender if draft else None) or sender
        if chosen:
            self.from_box.setCurrentText(chosen)
        self.directory = directory
        self.recent = recent_correspondents(store)
        self.completions = QStandardItemModel(self)
        self.trusted: TrustedList | None = None
        self.trusted_loaded = False
        self._kind = f"composer-{id(self)}"
        self._completion_ticket = 0
        self._completing: QLineEdit | None = None
        self._directory_rows: list[Mailbox] = []
        self._complete_timer = QTimer(self)
        self._complete_timer.setSingleShot(True)
        self._complete_timer.setInterval(COMPLETION_MS)
        self._complete_timer.timeout.connect(self._ask_directory)
        if directory is not None:
            directory.finished.connect(self._directory_answered, Qt.ConnectionType.QueuedConnection)
            self._trusted_ticket = directory.submit(
                self._kind + "-trusted", DirectoryContext.trusted_list
            )
        self.to, self.cc, self.bcc = QLineEdit(), QLineEdit(), QLineEdit()
        for field, name in (
            (self.to, self.tr("Destinataires")),
            (self.cc, self.tr("Copie")),
            (self.bcc, self.tr("Copie cachée")),
        ):
            field.setAccessibleName(name)
            completer = _AddressCompleter(self.completions, field)
            completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
            completer.setCompletionRole(AddressRole)
            completer.setMaxVisibleItems(COMPLETIONS)
            field.setCompleter(completer)
            field.textEdited.connect(functools.partial(self._typed, field))
        self.subject = QLineEdit()
        self.subject.setAccessibleName(self.tr("Objet"))
        self.body = BodyEdit()
        self.body.files_dropped.connect(self.add_files)
        self.body.setAccessibleName(self.tr("Texte du message"))
        self.attachments = AttachmentList()
        self.patient_info = QLabel()
        self.patient_info.setObjectName("patient-recipients")
        self.patient_info.setWordWrap(True)
        self.patient_info.setAccessibleName(self.tr("Patients destinataires"))
        self.patient_info.hide()
        self.end_conversation = QCheckBox(self.tr("Interdire la réponse du patient"))
        self.end_conversation.setObjectName("end-conversation")
        self.end_conversation.setToolTip(
            self.tr("Le patient ne pourra pas répondre à ce message (en-tête X-MSS-MES: FIN)")
        )
        self.end_conversation.hide()
        for field in (self.to, self.cc, self.bcc):
            field.textChanged.connect(self._show_patients)
        self.dsn = QCheckBox(self.tr("Accusé de remise"))
        self.mdn = QCheckBox(self.tr("Accusé de lecture"))
        self.in_reply_to: str | None = None
        self.references: list[str] = []

        form = QFormLayout()
        form.addRow(self.tr("De :"), self.from_box)
        form.addRow(self.tr("À :"), self.to)
        form.addRow(self.tr("Copie :"), self.cc)
        form.addRow(self.tr("Copie cachée :"), self.bcc)
        form.addRow(self.patient_info)
        form.addRow(self.tr("Objet :"), self.subject)
        attach = QPushButton(self.tr("Joindre…"))
        attach.clicked.connect(self.choose_files)
        send = QPushButton(self.tr("Envoyer"))
        send.setDefault(True)
        send.clicked.connect(self.send)
        discard = QPushButton(self.tr("Abandonner"))
        discard.clicked.connect(self.discard)
        keep = QPushButton(self.tr("Enregistrer le brouillon"))
        keep.setObjectName("save-draft")
        keep.clicked.connect(self.keep_draft)
        buttons = QHBoxLayout()
        for widget in (attach, self.dsn, self.mdn, self.end_conversation):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(discard)
        buttons.addWidget(keep)
        buttons.addWidget(send)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.body, 1)
        layout.addWidget(QLabel(self.tr("Pièces jointes :")))
        layout.addWidget(self.attachments)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.send)
        QShortcut(QKeySequence("Ctrl+S"), self, self.keep_draft)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)  # asks if unsaved
        self.subject.textChanged.connect(self._show_title)
        self.subject.textEdited.connect(self._edited_after_save)
        self.body.textChanged.connect(self._edited_after_save)
        self.signature = ""  # the block inserted for the sender (swapped when it changes)

        if draft is not None:
            self.load(draft)
        if draft_key is None:  # not a draft she saved: what Préférences and the account add
            self.dsn.setChecked(self.dsn.isChecked() or receipts[0])
            self.mdn.setChecked(self.mdn.isChecked() or receipts[1])
            self._insert_signature()
        self.from_box.currentTextChanged.connect(self._swap_signature)
        self._opened = self.draft()  # untouched since opening: no draft, no question
        self._kept = self.draft() if draft is not None else None  # as she last saved it
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft)
        self._autosave.start()
        (self.to if not self.to.text() else self.body).setFocus()

    # -- content --------------------------------------------------------------------------

    def load(self, draft: Draft) -> None:
        self.to.setText(", ".join(draft.to))
        self.cc.setText(", ".join(draft.cc))
        self.bcc.setText(", ".join(draft.bcc))
        self.subject.setText(draft.subject)
        self.body.setPlainText(draft.body)
        self.body.moveCursor(self.body.textCursor().MoveOperation.Start)
        for path in draft.attachments:
            self.attachments.add_file(path)
        for forwarded in draft.forwarded:
            self.attachments.add_forwarded(forwarded)
        self.dsn.setChecked(draft.dsn)
        self.mdn.setChecked(draft.mdn)
        self.end_conversation.setChecked(draft.end_conversation)
        self.in_reply_to, self.references = draft.in_reply_to, list(draft.references)

    def draft(self) -> Draft:
        return Draft(
            self.from_box.currentText(),
            _addresses(self.to.text()),
            self.subject.text().strip(),
            self.body.toPlainText(),
            cc=_addresses(self.cc.text()),
            bcc=_addresses(self.bcc.text()),
            attachments=self.attachments.files(),
            dsn=self.dsn.isChecked(),
            mdn=self.mdn.isChecked(),
            in_reply_to=self.in_reply_to,
            references=self.references,
            forwarded=self.attachments.forwarded(),
            end_conversation=self.end_conversation.isChecked()
            and not self.end_conversation.isHidden(),
        )

    def _answering(self) -> list[str]:
        answered = self.store.find(self.in_reply_to) if self.in_reply_to else None
        return [answered.sender, answered.recipients] if answered is not None else []

    def _show_patients(self) -> None:
        """Who the patient recipients are (ECO.3.1.5: she sees who will receive it), or why
        an address typed or pasted for a patient is refused."""
        lookup = self.patients.lookup if self.patients is not None else None
        lines: list[str] = []
        refused = False
        found = 0
        answering = conversation_addresses(self._answering())
        for field in (self.to, self.cc, self.bcc):
            for address in _addresses(field.text()):
                try:
                    checked = check_recipients([address], lookup, answering)
                except PatientMailError as error:
                    lines.append(self.tr("⚠ {0}").format(error.user_message))
                    refused = True
                    continue
                for patient_address, patient in checked.found:
                    found += 1
                    who = (
                        patient.display
                        if patient is not None
                        else self.tr("patient absent du registre (réponse à son message)")
                    )
                    lines.append(
                        self.tr("Patient destinataire : {0} — INS {1} (Mon espace santé)").format(
                            who, patient_address.matricule
                        )
                    )
        self.patient_info.setText("\n".join(lines))
        self.patient_info.setVisible(bool(lines))
        colour = "#b91c1c" if refused else "#5b21b6"
        self.patient_info.setStyleSheet(f"#patient-recipients {{ color: {colour}; }}")
        self.end_conversation.setVisible(bool(found))

    def write_to_patient(self, address: str) -> None:
        """ "Écrire au patient": the address made from the registry's qualified INS."""
        self.to.setText(address)
        self.subject.setFocus()

    def add_recipients(self, field: str, addresses: list[str]) -> None:
        """Add to "to", "cc" or "bcc" (the address book's "Ajouter en À / en Cc")."""
        edit = {"to": self.to, "cc": self.cc, "bcc": self.bcc}[field]
        present = {a.lower() for a in _addresses(edit.text())}
        new = [a for a in addresses if a.lower() not in present]
        edit.setText(", ".join([*_addresses(edit.text()), *new]))

    # -- completion -----------------------------------------------------------------------

    @staticmethod
    def _fragment(text: str) -> str:
        return text.rsplit(",", 1)[-1].strip()

    def _typed(self, field: QLineEdit, text: str) -> None:
        completer = field.completer()
        if isinstance(completer, _AddressCompleter):
            completer.typed = text
        self._completing = field
        self._directory_rows = []
        self._completion_ticket = 0  # an answer on its way is for an older fragment
        self._fill_completions(self._fragment(text))
        if self.directory is not None and len(self._fragment(text)) >= 2:
            self._complete_timer.start()
        else:
            self._complete_timer.stop()

    def _ask_directory(self) -> None:
        field = self._completing
        if field is None or self.directory is None:
            return
        query = Query(self._fragment(field.text()), limit=COMPLETIONS)
        self._completion_ticket = self.directory.submit(
            self._kind + "-complete", functools.partial(search, query=query), urgent=True
        )

    @Slot(int, str, object)
    def _directory_answered(self, ticket: int, _kind: str, result: object) -> None:
        if ticket == getattr(self, "_trusted_ticket", None):
            self.trusted = result if isinstance(result, TrustedList) else None
            self.trusted_loaded = not isinstance(result, BaseException)
            return
        if ticket != self._completion_ticket or not isinstance(result, list):
            return  # an older fragment's answer, or no directory installed
        self._directory_rows = [m for m in result if isinstance(m, Mailbox)]
        field = self._completing
        if field is not None:
            self._fill_completions(self._fragment(field.text()))

    def _fill_completions(self, fragment: str) -> None:
        """Recent correspondents containing the fragment, then the directory's answers."""
        wanted = fragment.casefold()
        rows: list[tuple[str, str]] = []
        if wanted:
            rows = [(a, a) for a in self.recent if wanted in a.casefold()][: COMPLETIONS // 2]
        seen = {address.lower() for address, _ in rows}
        for mailbox in self._directory_rows:
            if mailbox.address.lower() not in seen:
                seen.add(mailbox.address.lower())
                rows.append((mailbox.address, labels.one_line(mailbox)))
        self.completions.clear()
        for address, shown in rows[:COMPLETIONS]:
            item = QStandardItem(shown)
            item.setData(address, AddressRole)
            item.setToolTip(shown)
            item.setEditable(False)
            self.completions.appendRow(item)
        field = self._completing
        completer = field.completer() if field is not None else None
        if field is None or completer is None:
            return
        if self.completions.rowCount() and field.hasFocus():
            completer.complete()
        elif not self.completions.rowCount() and (popup := completer.popup()) is not None:
            popup.hide()

    def add_files(self, paths: list[Path]) -> None:
        for path in paths:
            self.attachments.add_file(path)

    def choose_files(self) -> None:
        self.add_files(file_dialogs.open_files(self, "attach", self.tr("Joindre des fichiers")))

    # -- title and signature --------------------------------------------------------------

    def _show_title(self) -> None:
        subject = self.subject.text().strip()
        title = subject or self.tr("Rédaction")
        self.setWindowTitle(f"{title} {self.title_suffix}" if self.title_suffix else title)

    def _edited_after_save(self) -> None:
        if self.title_suffix:
            self.title_suffix = ""
            self._show_title()

    def _signature_for(self, address: str) -> str:
        account = self.store.account(address) if address else None
        text = account_settings.signature(self.store, account) if account is not None else ""
        return signature_block(text)

    def _insert_signature(self) -> None:
        """Below where she writes (above a quoted message); the cursor stays at the top."""
        self.signature = self._signature_for(self.from_box.currentText())
        if not self.signature:
            return
        body = self.body.toPlainText()
        self.body.setPlainText(
            self.signature + body.lstrip("\n") if body.strip() else self.signature
        )
        self.body.moveCursor(self.body.textCursor().MoveOperation.Start)

    def _swap_signature(self, address: str) -> None:
        """Another sender: its signature replaces the one inserted (unless she edited it)."""
        new = self._signature_for(address)
        body = self.body.toPlainText()
        if self.signature and self.signature in body:
            body = body.replace(self.signature, new, 1)
        elif new:
            body = new + body.lstrip("\n")
        self.signature = new
        cursor = self.body.textCursor().position()
        self.body.setPlainText(body)
        moved = self.body.textCursor()
        moved.setPosition(min(cursor, len(body)))
        self.body.setTextCursor(moved)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.add_files(dropped_files(event.mimeData()))
        event.acceptProposedAction()

    # -- drafts ---------------------------------------------------------------------------

    def save_draft(self) -> None:
        """Into the store (the autosave, a lock, a close): the text she typed is precious."""
        if self.sent:
            return
        draft = self.draft()
        untouched = drafts.is_empty(draft) or draft == self._opened
        if untouched and DraftStore(self.store).get(self.draft_key) is None:
            return  # nothing typed yet (a signature is not a draft): no draft
        drafts.save(self.store, self.draft_key, draft)

    def keep_draft(self) -> None:
        """ "Enregistrer le brouillon": saved here now, on the server at the next sync."""
        if self.sent:
            return
        draft = self.draft()
        drafts.save(self.store, self.draft_key, draft, explicit=True)
        self._kept = draft
        self.drafts_changed.emit()
        self.draft_kept.emit()
        self.title_suffix = self.tr("(brouillon enregistré)")
        self._show_title()

    def _forget_draft(self, why: str) -> None:
        self.sent = True
        self._autosave.stop()
        drafts.discard(self.store, self.draft_key, why=why)
        self.drafts_changed.emit()

    # -- actions --------------------------------------------------------------------------

    def send(self) -> None:
        draft = self.draft()
        account = self.store.account(draft.sender)
        if account is None or not account.smtp_url:
            QMessageBox.warning(
                self,
                self.tr("Envoi impossible"),
                self.tr("Ce compte n'a pas de serveur d'envoi (SMTP)."),
            )
            return
        lookup = self.patients.lookup if self.patients is not None else None
        try:  # before the trust question: an address that will be refused is said first
            answering = conversation_addresses(self._answering())
            check_recipients([*draft.to, *draft.cc, *draft.bcc], lookup, answering)
        except PatientMailError as error:
            QMessageBox.warning(self, self.tr("Envoi impossible"), error.user_message)
            return
        if not self.confirm_trust([*draft.to, *draft.cc, *draft.bcc]):
            return
        if not draft.subject:
            answer = QMessageBox.question(
                self, self.tr("Sans objet"), self.tr("Envoyer ce message sans objet ?")
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            enqueue(self.store, account, draft, patients=lookup)
        except (CaduceeError, OSError) as error:
            text = error.user_message if isinstance(error, CaduceeError) else str(error)
            QMessageBox.warning(self, self.tr("Envoi impossible"), text)
            return
        self._forget_draft("envoyé")
        self.queued.emit(account.address)
        self.close()

    def trust_verdict(self, addresses: list[str]) -> TrustVerdict:
        if not self.trusted_loaded and self.directory is not None:
            # Sent before the list arrived from the jobs' thread (it was asked at opening):
            # read it here once, rather than send unchecked.
            context = DirectoryContext(self.directory.places)
            try:
                self.trusted = context.trusted_list()
            except (CaduceeError, OSError):
                self.trusted = None
            self.trusted_loaded = True
        accounts = self.store.accounts()
        own = {account.address.lower() for account in accounts}
        others = [a for a in addresses if a.strip().lower() not in own]  # a note to herself
        cache_dir = self.directory.places.cache_dir if self.directory is not None else None
        return outside_trust_space(self.trusted, others, mssante_domains(accounts, cache_dir))

    def confirm_trust(self, addresses: list[str]) -> bool:
        """True to go on: every recipient is MSSanté, or she chose "Envoyer quand même"."""
        if self.directory is None:
            return True  # no profile to read the liste blanche from (a bare composer)
        verdict = self.trust_verdict(addresses)
        if not verdict.untrusted:
            return True
        text = (
            self.tr("Ces destinataires ne font pas partie de l'espace de confiance MSSanté :")
            + "\n\n"
            + "\n".join(f"• {a}" for a in verdict.untrusted)
        )
        text += "\n\n" + self.tr(
            "Un message envoyé hors MSSanté n'est pas protégé comme la messagerie sécurisée "
            "de santé : n'y mettez pas de données de santé d'un patient."
        )
        if not verdict.list_cached:
            text += "\n\n" + self.tr(
                "La liste blanche des domaines MSSanté n'est pas encore téléchargée sur ce "
                "poste : seules les adresses en « .mssante.fr » sont reconnues. Elle se "
                "télécharge avec « caducee directory trusted-update »."
            )
        box = QMessageBox(self)
        box.setObjectName("untrusted-warning")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Destinataire hors MSSanté"))
        box.setText(self.tr("Envoyer hors de l'espace de confiance MSSanté ?"))
        box.setInformativeText(text)
        send = box.addButton(self.tr("Envoyer quand même"), QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(self.tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.exec()
        chosen = box.clickedButton() is send
        box.deleteLater()
        return chosen

    def discard(self) -> None:
        self._forget_draft("abandonné")
        self.close()

    def ask_keep(self) -> QMessageBox.StandardButton:
        """Closing with text she has not saved: Save, Discard or Cancel."""
        buttons = QMessageBox.StandardButton
        return QMessageBox.question(
            self,
            self.tr("Enregistrer le brouillon ?"),
            self.tr(
                "Ce message n'est pas envoyé. L'enregistrer dans les brouillons pour le "
                "reprendre plus tard ?"
            ),
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        draft = self.draft()
        if (
            not self.sent
            and self.ask_on_close
            and not drafts.is_empty(draft)
            and draft != self._kept
            and draft != self._opened
        ):
            answer = self.ask_keep()
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Discard:
                self._forget_draft("abandonné")
            else:
                self.keep_draft()
        self.save_draft()  # kept as a draft unless sent or abandoned
        self._autosave.stop()
        super().closeEvent(event)

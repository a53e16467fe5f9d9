"""The reader pane: headers, the text of the message, its attachments.

An HTML body is shown sanitised and bounded (``app/store/html_body.py``): nothing remote is
ever loaded and no script can run; markup beyond the bounds (too deep, too big, too costly
for Qt to lay out) is shown as the message's text under a notice. Reading, parsing (once:
the attachments are read from the same parse), bounding and sanitising happen off the GUI
thread; a late result for a message no longer selected is dropped. What the GUI thread
still does, Qt's layout of the result, is bounded by the same rules.
"""

from __future__ import annotations

import html
import logging
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.audit import Action, AuditTrail
from app.filing.places import FiledPlace
from app.filing.service import FILED_KEYWORD
from app.mssante.subject import displayed
from app.ops.patient_mail import PatientBook
from app.ops.receipts import receipt_requested
from app.store.blobs import BlobStore
from app.store.db import MessageSummary
from app.store.html_body import break_long_runs, html_body, readable_html
from app.store.mime import ParsedMessage, parse_message_parts
from app.store.mime_attachments import Attachment, MessageParts
from app.ui import file_dialogs
from app.ui.document_pane import DocumentTabs
from app.ui.external import open_externally
from app.ui.html_view import SafeBrowser
from app.ui.jobs import BackgroundJob
from app.ui.models import attachment_icon, short_date
from app.ui.pdf_probe import Probe, shared_prober
from app.ui.pdf_view import PdfDialog
from app.ui.tracking import DeliveryPanel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """A message ready to show (built in the thread pool)."""

    message_id: int
    parsed: ParsedMessage | None  # None: the body is not downloaded
    parts: MessageParts | None
    html: str | None = None  # sanitised and bounded; None: show ``text``
    text: str = ""  # the text, long runs broken (Qt lays them out in quadratic time)
    too_complex: bool = False  # HTML beyond the bounds: the text is shown with a notice


def load(blobs: BlobStore, message_id: int, digest: str | None) -> Loaded:
    """Read, parse (once), bound and sanitise: the reader's work off the GUI thread."""
    raw = blobs.get(digest) if digest else None
    if raw is None:
        return Loaded(message_id, None, None)
    parsed, parts = parse_message_parts(raw)
    clean, too_complex = None, False
    if parsed.has_html:
        try:
            markup = html_body(parts)
            clean = readable_html(markup) if markup else None
            too_complex = markup is not None and clean is None
        except Exception:  # a defect: the text rendering is shown instead
            log.exception("HTML body not rendered")
    text = "" if clean else break_long_runs(parsed.body_text)
    return Loaded(message_id, parsed, parts, clean or None, text, too_complex)


class Reader(QWidget):
    receipt_answered = Signal(int, bool)  # message id, send the read receipt (else refuse)
    file_requested = Signal(int)  # message id: "Classer" its documents into a patient folder
    send_requested = Signal(int)  # message id: "Adresser" its filed documents to a colleague

    def __init__(
        self, blobs: BlobStore, temp_dir: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.blobs = blobs
        self.temp_dir = temp_dir or Path(tempfile.gettempdir()) / "caducee-attachments"
        self.pdf: PdfDialog | None = None
        self.current: int | None = None
        self.audit: AuditTrail | None = None  # the window's: attachments opened or saved
        # The window's: where the message's documents were filed ("Classé le … dans …").
        self.filed_places: Callable[[MessageSummary], list[FiledPlace]] | None = None
        self.patients: PatientBook | None = None  # the window's: a patient's mail shown so
        self._message: MessageSummary | None = None
        self._parts: MessageParts | None = None
        self._attachments: list[Attachment] = []
        self.headers = QLabel()
        self.headers.setWordWrap(True)
        self.headers.setAccessibleName(self.tr("En-têtes du message"))
        self.headers.setTextFormat(Qt.TextFormat.RichText)
        self.headers.linkActivated.connect(self._open_folder)
        self.patient_bar = QLabel()
        self.patient_bar.setObjectName("patient-bar")
        self.patient_bar.setWordWrap(True)
        self.patient_bar.setTextFormat(Qt.TextFormat.RichText)
        self.patient_bar.setStyleSheet(
            "#patient-bar { background: #ede9fe; border: 1px solid #8b5cf6; padding: 4px; }"
        )
        self.patient_bar.setAccessibleName(self.tr("Message d'un patient"))
        self.patient_bar.hide()
        self.body = SafeBrowser()  # links shown, opened only after she confirms
        self.body.setAccessibleName(self.tr("Texte du message"))
        self.notice = QLabel(
            self.tr("Ce message est trop complexe pour être affiché en HTML ; voici son texte.")
        )
        self.notice.setObjectName("html-notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(
            "#html-notice { background: #fef3c7; border: 1px solid #f59e0b; padding: 3px; }"
        )
        self.notice.hide()
        self.attachments = QListWidget()
        self.attachments.setAccessibleName(self.tr("Pièces jointes"))
        self.attachments.setMaximumHeight(90)
        self.attachments.itemDoubleClicked.connect(lambda _item: self.open_attachment())
        self.open = QPushButton(self.tr("Ouvrir"))
        self.open.clicked.connect(self.open_attachment)
        self.save = QPushButton(self.tr("Enregistrer sous…"))
        self.save.clicked.connect(self.save_attachment)
        self.file = QPushButton(self.tr("Classer…"))
        self.file.setObjectName("file-documents")
        self.file.setToolTip(self.tr("Classer les documents dans le dossier du patient (C)"))
        self.file.clicked.connect(self._file)
        self.send_on = QPushButton(self.tr("Adresser…"))
        self.send_on.setObjectName("send-filed-documents")
        self.send_on.setToolTip(self.tr("Adresser les documents classés à un confrère"))
        self.send_on.clicked.connect(self._send_on)
        buttons = QVBoxLayout()
        buttons.addWidget(self.open)
        buttons.addWidget(self.save)
        buttons.addWidget(self.file)
        buttons.addWidget(self.send_on)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.attachments, 1)
        row.addLayout(buttons)
        self.receipt_bar = QFrame()
        self.receipt_bar.setObjectName("receipt-bar")
        self.receipt_bar.setStyleSheet(
            "#receipt-bar { background: #e0f2fe; border: 1px solid #7dd3fc; }"
        )
        self.receipt_text = QLabel()
        send = QPushButton(self.tr("Envoyer l'accusé"))
        send.clicked.connect(lambda: self._answer_receipt(True))
        refuse = QPushButton(self.tr("Ne pas envoyer"))
        refuse.clicked.connect(lambda: self._answer_receipt(False))
        bar = QHBoxLayout(self.receipt_bar)
        bar.setContentsMargins(6, 2, 6, 2)
        bar.addWidget(self.receipt_text, 1)
        bar.addWidget(send)
        bar.addWidget(refuse)
        self.receipt_bar.hide()
        self.delivery = DeliveryPanel()  # a message she sent: each recipient's receipts
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.receipt_bar)
        layout.addWidget(self.patient_bar)
        layout.addWidget(self.headers)
        layout.addWidget(self.delivery)
        layout.addWidget(self.notice)
        self.documents = DocumentTabs(self.body)  # the text, then a tab per document
        layout.addWidget(self.documents.notice)
        layout.addWidget(self.documents, 1)
        layout.addLayout(row)
        self.clear()

    def clear(self) -> None:
        self.current, self._parts, self._attachments = None, None, []
        self._flags: tuple[str, ...] = ()
        self.receipt_bar.hide()
        self.patient_bar.hide()
        self.delivery.hide()
        self.notice.hide()
        self.headers.setText("")
        self.body.setPlainText("")
        self.documents.clear_documents()
        self.attachments.clear()
        self._show_attachments(False)

    def show_message(self, message: MessageSummary, digest: str | None) -> None:
        self.current = message.id
        self._message = message
        self._flags = message.flags
        self._parts = None
        self.receipt_bar.hide()
        self.delivery.show_for(message)
        self.notice.hide()
        self._show_patient(message)
        filed = self._filed_html(message)
        self.headers.setText(
            "<b>{}</b><br>{} {}<br>{} {}<br>{} {}{}".format(
                _escape(displayed(message.subject) or self.tr("(sans objet)")),
                self.tr("De :"),
                _escape(message.sender),
                self.tr("À :"),
                _escape(message.recipients),
                self.tr("Date :"),
                _escape(short_date(message.date)),
                filed,
            )
        )
        self.body.setPlainText(self.tr("Chargement…") if digest else self._not_downloaded())
        self.attachments.clear()
        self._show_attachments(False)
        self.documents.clear_documents()
        if digest:
            blobs, message_id = self.blobs, message.id
            self.documents.show_for(message_id, lambda: blobs.get(digest))
            BackgroundJob(
                self,
                lambda: load(blobs, message_id, digest),
                self._loaded,
                lambda error: self._failed(message_id, error),
            ).start()

    def _filed_html(self, message: MessageSummary) -> str:
        """ "Classé le 22/11/2026 dans le dossier de DUPONT Marie" and a link to the folder."""
        if FILED_KEYWORD not in message.flags:
            return ""
        places = self.filed_places(message) if self.filed_places is not None else []
        if not places:
            text = _escape(self.tr("Documents classés dans le dossier du patient."))
            return f"<br><span style='color:#166534'>{text}</span>"
        lines = []
        for place in places:
            said = self.tr("Classé le {0} dans le dossier de {1}").format(place.day, place.patient)
            link = QUrl.fromLocalFile(str(place.folder)).toString()
            lines.append(
                "<span style='color:#166534'>{}</span> — <a href='{}'>{}</a>".format(
                    _escape(said), html.escape(link, quote=True), _escape(self.tr("ouvrir"))
                )
            )
        return "<br>" + "<br>".join(lines)

    def _open_folder(self, link: str) -> None:
        """A filed-in folder's link: opened by the system's file manager."""
        url = QUrl(link)
        if not url.isLocalFile():
            return
        folder = Path(url.toLocalFile())
        if not folder.is_dir() or not open_externally(url):
            self.notice.setText(
                self.tr("Impossible d'ouvrir le dossier du patient : {0}").format(folder)
            )
            self.notice.show()

    def _show_patient(self, message: MessageSummary) -> None:
        """ECO.3.1.1-3.1.2: a patient's mail said so, with birth name, first names, INS."""
        patient = self.patients.sender(message.sender) if self.patients is not None else None
        self.patient_bar.setVisible(patient is not None)
        if patient is None:
            self.patient_bar.setText("")
            return
        source = (
            self.tr("identité du registre des patients")
            if patient.from_registry
            else self.tr("nom donné par le message, non vérifié : cet INS n'est pas dans votre "
                         "registre des patients")
        )  # fmt: skip
        self.patient_bar.setText(
            "<b>{}</b><br>{} <b>{}</b> — {} <b>{}</b> — {} <b>{}</b><br><i>{}</i>".format(
                self.tr("Message d'un patient (Mon espace santé)"),
                self.tr("Nom de naissance :"),
                _escape(patient.birth_name or "?"),
                self.tr("Prénom(s) :"),
                _escape(patient.first_names or "?"),
                self.tr("INS :"),
                _escape(patient.matricule),
                _escape(source),
            )
        )

    def _not_downloaded(self) -> str:
        return self.tr(
            "Ce message n'est pas encore téléchargé : il le sera à la prochaine synchronisation."
        )

    def _failed(self, message_id: int, error: BaseException) -> None:
        if message_id == self.current:
            log.warning("message not shown: %s", type(error).__name__)
            self.body.setPlainText(self.tr("Ce message n'a pas pu être lu."))

    def _loaded(self, loaded: Loaded) -> None:
        if loaded.message_id != self.current:
            return  # another message was selected meanwhile
        parsed = loaded.parsed
        if parsed is None:
            self.body.setPlainText(self._not_downloaded())
            return
        self._parts = loaded.parts
        self.notice.setVisible(loaded.too_complex)
        if loaded.html is not None:
            self.body.setHtml(loaded.html)
        else:
            self.body.setPlainText(loaded.text)
        asked_by = receipt_requested(parsed, self._flags)
        if asked_by is not None:
            self.receipt_text.setText(self.tr("{0} demande un accusé de lecture.").format(asked_by))
            self.receipt_bar.show()
        self._attachments = [a for a in parsed.attachments if not a.inline]
        for attachment in self._attachments:
            item = QListWidgetItem(
                attachment_icon(), f"{attachment.filename} ({_size(attachment.size)})"
            )
            item.setToolTip(attachment.content_type)
            self.attachments.addItem(item)
        self._show_attachments(bool(self._attachments))
        if self._attachments:
            self.attachments.setCurrentRow(0)

    def _answer_receipt(self, send: bool) -> None:
        self.receipt_bar.hide()
        if self.current is not None:
            self.receipt_answered.emit(self.current, send)

    def _show_attachments(self, visible: bool) -> None:
        self.attachments.setVisible(visible)
        self.open.setVisible(visible)
        self.save.setVisible(visible)
        self.file.setVisible(visible)
        self.send_on.setVisible(visible and FILED_KEYWORD in self._flags)

    def _file(self) -> None:
        if self.current is not None:
            self.file_requested.emit(self.current)

    def _send_on(self) -> None:
        if self.current is not None:
            self.send_requested.emit(self.current)

    def _chosen(self) -> tuple[Attachment, bytes] | None:
        row = self.attachments.currentRow()
        if self._parts is None or not 0 <= row < len(self._attachments):
            return None
        attachment = self._attachments[row]
        return attachment, self._parts.payload(attachment.part_index)

    def open_attachment(self) -> None:
        """A PDF inside Caducée; anything else with the system's viewer, from a file in the
        profile's temporary directory (removed when Caducée closes)."""
        chosen = self._chosen()
        if chosen is None:
            return
        attachment, data = chosen
        if self.documents.open_source(attachment.filename):
            return  # shown in its tab: a PDF, a CDA (IHE_XDM.ZIP), HPRIM results
        if attachment.content_type == "application/pdf" or attachment.filename.lower().endswith(
            ".pdf"
        ):
            self._open_pdf(attachment.filename, data)
            return
        folder = self.temp_dir / uuid.uuid4().hex
        folder.mkdir(parents=True, mode=0o700)
        target = folder / attachment.filename  # already a safe file name (parser)
        target.write_bytes(data)
        self._audit_export("pièce jointe ouverte par un autre programme")
        open_externally(QUrl.fromLocalFile(str(target)))

    def _open_pdf(self, name: str, data: bytes) -> None:
        """Tried by PDFium in a child process first (``pdf_probe``), then drawn in its window."""
        prober = self.documents.prober or shared_prober()

        def shown(probe: Probe) -> None:
            if not probe.safe:
                QMessageBox.warning(self, self.tr("PDF non affiché"), probe.notice or "")
                return
            self._audit_export("pièce jointe affichée (PDF)")
            self.pdf = PdfDialog(name, data, self)
            self.pdf.show()

        def failed(error: BaseException) -> None:
            log.warning("PDF not tried: %s", type(error).__name__)

        BackgroundJob(self, lambda: prober.probe(data), shown, failed).start()

    def save_attachment(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        attachment, data = chosen
        target = file_dialogs.save_file(
            self, "save-attachment", self.tr("Enregistrer la pièce jointe"), attachment.filename
        )
        if target is None:
            return
        try:
            target.write_bytes(data)
        except OSError as error:  # a full disk, a read-only folder: said, not lost silently
            QMessageBox.warning(
                self,
                self.tr("Enregistrer la pièce jointe"),
                self.tr("La pièce jointe n'a pas pu être enregistrée : {0}").format(
                    error.strerror or error
                ),
            )
            return
        self._audit_export("pièce jointe enregistrée")

    def _audit_export(self, what: str) -> None:
        """Never the file's name nor where it went: either may name the patient."""
        message = self._message
        if self.audit is not None and message is not None:
            self.audit.record(
                Action.EXPORT,
                account=message.account,
                message=message.id,
                folder=message.folder,
                request="local",
                detail=what,
            )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _size(value: int) -> str:
    if value < 1024:
        return f"{value} o"
    if value < 1024 * 1024:
        return f"{value // 1024} Ko"
    return f"{value / (1024 * 1024):.1f} Mo".replace(".", ",")

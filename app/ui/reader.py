"""The reader pane: headers, the text of the message, its attachments.

The body is shown as plain text (the parser's text rendering of HTML parts): nothing remote
is ever loaded and no script can run. Reading and parsing the message file happens off the
GUI thread; a late result for a message no longer selected is dropped.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import uuid
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.filing.service import FILED_KEYWORD
from app.mssante.subject import displayed
from app.ops.receipts import receipt_requested
from app.store.blobs import BlobStore
from app.store.db import MessageSummary
from app.store.html_body import html_body
from app.store.mime import Attachment, ParsedMessage, attachment_bytes, parse_message
from app.ui.external import open_externally
from app.ui.html_view import SafeBrowser, sanitise
from app.ui.jobs import BackgroundJob
from app.ui.models import attachment_icon, short_date
from app.ui.pdf_view import PdfDialog

log = logging.getLogger(__name__)


Loaded = tuple[bytes | None, ParsedMessage | None, str | None]  # raw, parsed, safe HTML


def _load(blobs: BlobStore, digest: str) -> Loaded:
    """In a pool thread: the message file read and parsed, its HTML part sanitised."""
    raw = blobs.get(digest)
    parsed = parse_message(raw) if raw is not None else None
    clean = None
    if raw is not None and parsed is not None and parsed.has_html:
        try:
            markup = html_body(raw)
            clean = sanitise(markup) if markup else None
        except Exception:  # a defect: the text rendering is shown instead
            log.exception("HTML body not rendered")
    return raw, parsed, clean


class Reader(QWidget):
    receipt_answered = Signal(int, bool)  # message id, send the read receipt (else refuse)
    file_requested = Signal(int)  # message id: "Classer" its documents into a patient folder

    def __init__(
        self, blobs: BlobStore, temp_dir: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.blobs = blobs
        self.temp_dir = temp_dir or Path(tempfile.gettempdir()) / "caducee-attachments"
        self.pdf: PdfDialog | None = None
        self.current: int | None = None
        self._raw: bytes | None = None
        self._attachments: list[Attachment] = []
        self.headers = QLabel()
        self.headers.setWordWrap(True)
        self.headers.setAccessibleName(self.tr("En-têtes du message"))
        self.body = SafeBrowser()  # links shown, opened only after she confirms
        self.body.setAccessibleName(self.tr("Texte du message"))
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
        buttons = QVBoxLayout()
        buttons.addWidget(self.open)
        buttons.addWidget(self.save)
        buttons.addWidget(self.file)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.receipt_bar)
        layout.addWidget(self.headers)
        layout.addWidget(self.body, 1)
        layout.addLayout(row)
        self.clear()

    def clear(self) -> None:
        self.current, self._raw, self._attachments = None, None, []
        self._flags: tuple[str, ...] = ()
        self.receipt_bar.hide()
        self.headers.setText("")
        self.body.setPlainText("")
        self.attachments.clear()
        self._show_attachments(False)

    def show_message(self, message: MessageSummary, digest: str | None) -> None:
        self.current = message.id
        self._flags = message.flags
        self.receipt_bar.hide()
        filed = (
            "<br><span style='color:#166534'>{}</span>".format(
                self.tr("Documents classés dans le dossier du patient.")
            )
            if FILED_KEYWORD in message.flags
            else ""
        )
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
        if digest:
            # The relay belongs to this widget and is deleted in its thread: a QObject of the
            # job's own would die in the pool's thread, before its queued result is delivered.
            shown = message.id
            BackgroundJob(
                self,
                functools.partial(_load, self.blobs, digest),
                lambda loaded: self._loaded(shown, *loaded),
                functools.partial(self._not_shown, shown),
            ).start()

    def _not_downloaded(self) -> str:
        return self.tr(
            "Ce message n'est pas encore téléchargé : il le sera à la prochaine synchronisation."
        )

    def _not_shown(self, message_id: int, error: BaseException) -> None:
        log.error("message not shown: %s", type(error).__name__)
        if message_id == self.current:
            self.body.setPlainText(self.tr("Ce message ne peut pas être affiché."))

    def _loaded(
        self, message_id: int, raw: bytes | None, parsed: ParsedMessage | None, html: str | None
    ) -> None:
        if message_id != self.current:
            return  # another message was selected meanwhile
        if parsed is None:
            self.body.setPlainText(self._not_downloaded())
            return
        self._raw = raw
        if html:
            self.body.setHtml(html)
        else:
            self.body.setPlainText(parsed.body_text)
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

    def _file(self) -> None:
        if self.current is not None:
            self.file_requested.emit(self.current)

    def _chosen(self) -> tuple[Attachment, bytes] | None:
        row = self.attachments.currentRow()
        if self._raw is None or not 0 <= row < len(self._attachments):
            return None
        attachment = self._attachments[row]
        return attachment, attachment_bytes(self._raw, attachment.part_index)

    def open_attachment(self) -> None:
        """A PDF inside Caducée; anything else with the system's viewer, from a file in the
        profile's temporary directory (removed when Caducée closes)."""
        chosen = self._chosen()
        if chosen is None:
            return
        attachment, data = chosen
        if attachment.content_type == "application/pdf" or attachment.filename.lower().endswith(
            ".pdf"
        ):
            self.pdf = PdfDialog(attachment.filename, data, self)
            self.pdf.show()
            return
        folder = self.temp_dir / uuid.uuid4().hex
        folder.mkdir(parents=True, mode=0o700)
        target = folder / attachment.filename  # already a safe file name (parser)
        target.write_bytes(data)
        open_externally(QUrl.fromLocalFile(str(target)))

    def save_attachment(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        attachment, data = chosen
        target, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Enregistrer la pièce jointe"), attachment.filename
        )
        if target:
            Path(target).write_bytes(data)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _size(value: int) -> str:
    if value < 1024:
        return f"{value} o"
    if value < 1024 * 1024:
        return f"{value // 1024} Ko"
    return f"{value / (1024 * 1024):.1f} Mo".replace(".", ",")

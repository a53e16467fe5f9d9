"""The main window's filing: documents into patients' folders, the patients, sending documents."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QWidget

from app.core import sqlite
from app.core.errors import CaduceeError
from app.core.settings import Settings
from app.filing.pending import PendingDocument
from app.filing.places import FiledPlace, filed_places
from app.filing.practice_import import destination_for
from app.filing.reader import read_documents
from app.filing.service import Filing
from app.mssante.model import MessageDocuments
from app.ops.outbox import Draft
from app.store.db import MessageSummary
from app.ui.filing_dialog import FilingDialog
from app.ui.filing_journal import FilingJournalDialog
from app.ui.filing_queue import FilingQueue
from app.ui.jobs import BackgroundJob
from app.ui.patients_dialog import PatientsDialog
from app.ui.send_documents_dialog import SendDocumentsDialog, open_send_documents, worker_sessions
from app.ui.window_messages import MessageWindow

log = logging.getLogger(__name__)


class FilingWindow(MessageWindow):
    """Filing a message's documents, the filing queue, the patients, "Adresser des documents"."""

    data_dir: Path
    filing: Filing | None
    filing_dialog: FilingDialog | None
    filing_queue: FilingQueue | None
    patients_dialog: PatientsDialog | None
    patients_root: Callable[[QWidget], Path | None] | None
    send_documents_dialog: SendDocumentsDialog | None

    # -- filing documents into patients' folders -------------------------------------------

    def _open_filing(self) -> Filing | None:
        if self.filing is not None:
            return self.filing
        root = self.patients_root(self) if self.patients_root is not None else None
        if root is None:
            return None
        try:
            destination = destination_for(Settings.load(self.data_dir / "config.toml"))
            self.filing = Filing.open(self.data_dir, root, self.store, destination)
        except CaduceeError as error:
            self.error_bar.report(error.user_message, error.detail)
            return None
        return self.filing

    def filed_places(self, message: MessageSummary) -> list[FiledPlace]:
        """Where the message's documents were filed, for the reader; never asks for the
        patients root (the one in config.toml, or the one opened in this session)."""
        filing = self.filing
        if filing is None:
            root = Settings.load(self.data_dir / "config.toml").patients_dir
            if root is None or not root.is_dir():
                return []
            try:
                filing = self.filing = Filing.open(self.data_dir, root, self.store)
            except CaduceeError:
                return []
        try:
            return filed_places(filing, message)
        except (CaduceeError, sqlite.Error):
            log.warning("filing journal not readable for the reader")
            return []

    def show_filing_journal(self) -> FilingJournalDialog | None:
        """Outils > Journal des classements… : who filed what, from which PC."""
        filing = self._open_filing()
        if filing is None:
            return None
        try:
            dialog = FilingJournalDialog(filing, self)
        except sqlite.Error as error:  # a share gone away: said where she looks
            self.error_bar.report(
                self.tr("Journal des classements illisible : {0}").format(type(error).__name__),
                str(error),
                retry=False,
            )
            return None
        dialog.show()
        return dialog

    def file_selected(self) -> None:
        selected = self._selected()
        if selected is not None and selected.has_attachments:
            self.file_message(selected.id)

    @Slot(int)
    def file_message(self, message_id: int) -> None:
        """ "Classer": the message's documents read off the GUI thread, then the dialog."""
        message = self.store.find(str(message_id))
        filing = self._open_filing()
        if message is None or filing is None or self.locked:
            return
        raw = self.store.raw(message)
        if raw is None:
            self.error_bar.report(
                self.tr("Le message n'est pas encore téléchargé : relevez le courrier d'abord."),
                "",
            )
            return
        BackgroundJob(
            self,
            lambda: read_documents(raw),
            lambda docs: self._show_filing(message, docs),
            lambda error: self.error_bar.report(
                error.user_message if isinstance(error, CaduceeError) else str(error), ""
            ),
        ).start()

    def _filing_dialog(
        self, message: MessageSummary, docs: MessageDocuments, index: int = 0
    ) -> FilingDialog | None:
        if self.filing is None or self.locked:
            return None
        dialog = FilingDialog(self.filing, message, docs, self)
        dialog.chooser.setCurrentIndex(dialog.chooser.findData(index))
        dialog.filed.connect(lambda _result: self._reload_keeping_selection())
        dialog.filed.connect(lambda _result: self._patients_changed())  # perhaps a new one
        self.filing_dialog = dialog
        return dialog

    def _show_filing(self, message: MessageSummary, docs: MessageDocuments) -> None:
        dialog = self._filing_dialog(message, docs)
        if dialog is not None:
            dialog.open()

    def open_filing_queue(self) -> None:
        filing = self._open_filing()
        if filing is None or self.locked:
            return
        queue = FilingQueue(filing, self.data_dir, self._file_pending, self)
        queue.changed.connect(self._reload_keeping_selection)
        self.filing_queue = queue
        queue.open()

    def open_patients(self) -> PatientsDialog | None:
        filing = self._open_filing()
        if filing is None or self.locked:
            return None
        dialog = PatientsDialog(filing.registry, self)
        dialog.write_to.connect(lambda _id, to: self._compose(Draft("", [to], "", "")))
        dialog.changed.connect(self._patients_changed)
        dialog.send_documents.connect(lambda patient_id: self.send_documents(patient_id))
        self.patients_dialog = dialog
        dialog.open()
        return dialog

    def send_documents(
        self, patient_id: str | None = None, message_id: int | None = None
    ) -> SendDocumentsDialog | None:
        """ "Adresser des documents": from a patient, or from a received message filed."""
        filing = self._open_filing()
        if filing is None or self.locked:
            return None
        worker = self.worker
        dialog = open_send_documents(
            self.store,
            filing,
            self.directory_jobs.places.cache_dir,
            worker_sessions(lambda a: worker.sessions.get(a) if worker is not None else None),
            self.directory_jobs,
            patient_id=patient_id,
            message=self.store.find(str(message_id)) if message_id is not None else None,
            sender=self._folder_scope().account,
            parent=self,
        )
        dialog.queued.connect(self._queued)
        self.send_documents_dialog = dialog
        return dialog

    def _patients_changed(self) -> None:
        if self.patient_book is not None:
            self.patient_book.reload()
        self.messages.invalidate()

    def _file_pending(self, pending: PendingDocument) -> None:
        dialog = self._filing_dialog(pending.message, pending.docs, pending.index)
        if dialog is not None:
            dialog.exec()

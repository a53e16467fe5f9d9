"""The main window: folders on the left, the message list above the reader on the right."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QItemSelection,
    QMetaObject,
    QModelIndex,
    QSettings,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QSystemTrayIcon,
    QTableView,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.core.audit import Action
from app.core.errors import CaduceeError
from app.directory import refresh
from app.filing.pending import PendingDocument
from app.filing.reader import read_documents
from app.filing.service import Filing
from app.mssante.model import MessageDocuments
from app.ops.accounts import session_lock_minutes
from app.ops.outbox import Draft, enqueue_message
from app.ops.patient_mail import PatientBook
from app.ops.receipts import MDN_SENT, read_receipt
from app.ops.replies import forward, reply
from app.store.changes import LocalChanges, NoTrashError
from app.store.db import MessageSummary, Store
from app.store.mime import parse_message
from app.store.views import Scope, blob_digest
from app.ui import threads
from app.ui.audit_dialog import AuditDialog
from app.ui.composer import Composer, saved_drafts
from app.ui.directory_panel import DirectoryPanel, OnlineSearch
from app.ui.directory_search import DirectoryContext, DirectoryJobs, DirectoryPlaces
from app.ui.documents_indexer import DocumentsIndexer
from app.ui.error_bar import ErrorBar
from app.ui.filing_dialog import FilingDialog
from app.ui.filing_queue import FilingQueue
from app.ui.jobs import BackgroundJob
from app.ui.list_menu import ListMenu
from app.ui.lock import InactivityTimer, LockOverlay
from app.ui.models import FolderTreeModel, MessageListModel, MessageRole, ScopeRole
from app.ui.patients_dialog import PatientsDialog
from app.ui.reader import Reader
from app.ui.send_documents_dialog import (
    SendDocumentsDialog,
    open_send_documents,
    worker_sessions,
)
from app.ui.sync_worker import BUSY, SessionGift, SyncWorker
from app.ui.tracking import install as install_tracking

NOT_SIGNED_IN = {"identifiant refusé", "carte retirée", "carte à vérifier"}
"""Account states that mean the unlocking sign-in failed (offline does not: the card said yes)."""
BUSY_RETRY_MS = 30_000
"""An account synced by another process meanwhile: the window tries again after this."""


class MainWindow(QMainWindow):
    sync_requested = Signal()
    session_given = Signal(object)  # a SessionGift for the worker (an account just added)
    sync_finished = Signal()  # the window has taken the results of a sync in

    def __init__(
        self,
        store: Store,
        settings_file: Path,
        worker: SyncWorker | None = None,
        temp_dir: Path | None = None,
        lock_minutes: int = 0,
        directory: DirectoryPlaces | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.directory_jobs = DirectoryJobs(directory or DirectoryPlaces.beside(settings_file))
        self.directory_online: OnlineSearch | None = None  # the Annuaire Santé API, when set
        self.directory_dock: QDockWidget | None = None
        self.worker = worker
        self.syncing = False
        self.sync_again = False  # asked while a sync ran (e.g. a message just queued)
        self.busy_retry = QTimer(self)  # an account synced by another process: later
        self.busy_retry.setSingleShot(True)
        self.busy_retry.setInterval(BUSY_RETRY_MS)
        self.busy_retry.timeout.connect(self.get_mail)
        self.drafts_dir = settings_file.parent / "drafts"
        self.composers: list[Composer] = []
        self.settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
        self.setWindowTitle("Caducée")
        self.folders = FolderTreeModel(store)
        self.messages = MessageListModel(store)
        self.reader = Reader(store.blobs, temp_dir)
        self.reader.audit = store.audit
        self.reader.receipt_answered.connect(self._receipt_answered)
        self.reader.file_requested.connect(self.file_message)
        self.reader.send_requested.connect(lambda m: self.send_documents(message_id=m))
        self.data_dir = settings_file.parent
        # Set by the application: the patients root (asked once, then in config.toml).
        self.patients_root: Callable[[QWidget], Path | None] | None = None
        self.filing: Filing | None = None
        self.filing_dialog: FilingDialog | None = None
        self.filing_queue: FilingQueue | None = None
        self.patients_dialog: PatientsDialog | None = None
        self.send_documents_dialog: SendDocumentsDialog | None = None
        # Set by the application: the registry's patients, to mark and check patients' mail.
        self.patient_book: PatientBook | None = None

        self.folder_view = QTreeView()
        self.folder_view.setModel(self.folders)
        self.folder_view.setHeaderHidden(True)
        self.folder_view.setAccessibleName(self.tr("Dossiers"))
        self.folder_view.expandAll()
        self.folder_view.selectionModel().selectionChanged.connect(self._folder_chosen)

        self.list_view = QTableView()
        self.list_view.setModel(self.messages)
        self.list_view.setAccessibleName(self.tr("Liste des messages"))
        self.list_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setSortingEnabled(True)
        self.list_view.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        self.list_view.verticalHeader().hide()
        self.list_view.verticalHeader().setDefaultSectionSize(24)
        self.list_view.setShowGrid(False)
        self.list_view.setWordWrap(False)
        header = self.list_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(2, 260)
        header.resizeSection(3, 130)
        header.resizeSection(MessageListModel.PATIENT_COLUMN, 240)
        self.list_view.selectionModel().selectionChanged.connect(self._message_chosen)
        self.list_menu = ListMenu(
            self.list_view, self.messages, self._open_filing, self._apply_scope
        )
        self.indexer = DocumentsIndexer(self.data_dir, self)  # archives, PDF text: after syncs
        self.indexer.progressed.connect(self.messages.invalidate)
        self.sync_finished.connect(self.indexer.start)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.list_view)
        right.addWidget(self.reader)
        right.setSizes([320, 420])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.folder_view)
        self.splitter.addWidget(right)
        self.splitter.setSizes([260, 900])
        self.error_bar = ErrorBar()
        self.error_bar.retry.connect(self.get_mail)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.error_bar)
        self.card_bar = QLabel()
        self.card_bar.setObjectName("card-bar")
        self.card_bar.setWordWrap(True)
        self.card_bar.setStyleSheet(
            "#card-bar { background: #fef3c7; border: 1px solid #d97706; padding: 6px; }"
        )
        self.card_bar.setAccessibleName(self.tr("État de la carte CPS"))
        self.card_bar.hide()
        column.addWidget(self.card_bar)
        column.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self._build_toolbar()
        self.count = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.hide()
        self.states: dict[str, str] = {}
        self.state_label = QLabel()
        self.statusBar().addWidget(self.state_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.count)
        self.locked = False
        self.unlocking = False
        self.disabled_while_locked: list[QAction] = []
        self.unlock_problems: list[str] = []
        self.lock_overlay = LockOverlay(self)
        self.lock_overlay.unlock_requested.connect(self.unlock)
        self.inactivity = InactivityTimer(lock_minutes, self)
        self.inactivity.expired.connect(self.lock)
        lock = QAction(self.tr("Verrouiller"), self)
        lock.setShortcut(QKeySequence("Ctrl+Alt+L"))
        lock.triggered.connect(self.lock)
        self.addAction(lock)
        # Set by the application: opens the wizard and returns what it hands over (or None).
        self.account_wizard: Callable[[QWidget], SessionGift | None] | None = None
        self._build_menus(lock)
        self.open_tracking = install_tracking(self, store, self.reader.delivery)
        self.tray: QSystemTrayIcon | None = None
        if worker is not None:
            self._connect_worker(worker)
            if QSystemTrayIcon.isSystemTrayAvailable():
                self.tray = QSystemTrayIcon(self.windowIcon(), self)
                self.tray.setToolTip("Caducée")
                self.tray.activated.connect(self._bring_to_front)
                self.tray.show()
        drafts = len(saved_drafts(self.drafts_dir))
        self.drafts_action.setVisible(bool(drafts))
        if drafts:
            self.drafts_action.setText(self.tr("Brouillons ({0})").format(drafts))
        self.resize(1200, 780)
        self._restore()
        self._select_first_folder()

    # -- building -------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Barre d'outils"))
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.get_mail_action = QAction(self.tr("Relever"), self)
        self.get_mail_action.setToolTip(self.tr("Relever le courrier (F5)"))
        self.get_mail_action.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+T")])
        self.get_mail_action.triggered.connect(self.get_mail)
        self.get_mail_action.setEnabled(self.worker is not None)
        bar.addAction(self.get_mail_action)
        for label, keys, handler in (
            (self.tr("Écrire"), "Ctrl+N", self.write),
            (self.tr("Répondre"), "Ctrl+R", self.reply),
            (self.tr("Répondre à tous"), "Ctrl+Shift+R", self.reply_all),
            (self.tr("Transférer"), "Ctrl+L", self.forward),
        ):
            action = QAction(label, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(handler)
            bar.addAction(action)
        self.directory_action = QAction(self.tr("Carnet d'adresses"), self)
        self.directory_action.setToolTip(self.tr("Annuaire MSSanté et favoris (Ctrl+Maj+B)"))
        self.directory_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.directory_action.triggered.connect(self.open_directory)
        bar.addAction(self.directory_action)
        self.drafts_action = QAction(self.tr("Brouillons"), self)
        self.drafts_action.setToolTip(self.tr("Reprendre les messages non envoyés"))
        self.drafts_action.triggered.connect(self._resume_drafts)
        bar.addAction(self.drafts_action)
        self.queue_action = QAction(self.tr("À classer"), self)
        self.queue_action.setObjectName("filing-queue")
        self.queue_action.setToolTip(self.tr("Les documents reçus à classer dans les dossiers"))
        self.queue_action.triggered.connect(self.open_filing_queue)
        bar.addAction(self.queue_action)
        bar.addSeparator()
        self.filters: dict[str, QAction] = {}
        for key, label in (
            ("unread", self.tr("Non lus")),
            ("flagged", self.tr("Suivis")),
            ("attachments", self.tr("Avec pièces jointes")),
            ("reports", self.tr("Accusés")),  # delivery/read reports: hidden unless asked
        ):
            action = QAction(label, self)
            action.setCheckable(True)
            action.toggled.connect(self._apply_scope)
            bar.addAction(action)
            self.filters[key] = action
        bar.addSeparator()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Rechercher (objet, adresses, texte, pièces…)"))
        self.search.setAccessibleName(self.tr("Recherche"))
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(380)
        self.search.returnPressed.connect(self._apply_scope)
        self.search.textChanged.connect(lambda text: None if text else self._apply_scope())
        bar.addWidget(self.search)
        find = QAction(self.tr("Rechercher"), self)
        find.setShortcut(QKeySequence("Ctrl+Shift+K"))
        find.triggered.connect(lambda: self.search.setFocus())
        self.addAction(find)
        delete = QAction(self.tr("Supprimer"), self)
        delete.setShortcut(QKeySequence.StandardKey.Delete)
        delete.triggered.connect(self.delete_selected)
        self.addAction(delete)
        for key, handler in (
            ("M", self.toggle_read),
            ("S", self.toggle_flag),
            ("N", self.next_unread),
            ("C", self.file_selected),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(handler)
            self.addAction(action)

    def _build_menus(self, lock: QAction) -> None:
        menu = self.menuBar().addMenu(self.tr("&Fichier"))
        self.add_account_action = menu.addAction(self.tr("Ajouter un compte…"))
        self.add_account_action.setObjectName("add-account")
        self.add_account_action.triggered.connect(self.add_account)
        self.add_account_action.setEnabled(self.worker is not None)
        patients_action = menu.addAction(self.tr("Patients…"))
        patients_action.setObjectName("patients")
        patients_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        patients_action.triggered.connect(self.open_patients)
        audit_action = menu.addAction(self.tr("Journal d'audit…"))
        audit_action.setObjectName("audit-trail")
        audit_action.triggered.connect(self.show_audit)
        menu.addSeparator()
        menu.addAction(lock)
        quit_action = menu.addAction(self.tr("Quitter"))
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

    def show_audit(self) -> AuditDialog:
        dialog = AuditDialog(self.store.audit, self)
        dialog.show()
        return dialog

    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        columns = self.settings.value("window/columns")
        if columns is not None:  # widths, order and sort column she chose
            self.list_view.horizontalHeader().restoreState(columns)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/columns", self.list_view.horizontalHeader().saveState())
        self.settings.sync()
        if self.filing is not None:
            self.filing.close()
            self.filing = None
        self.directory_jobs.close(wait=1.0)
        self.indexer.stop()
        super().closeEvent(event)

    # -- what is shown --------------------------------------------------------------------

    def _select_first_folder(self) -> None:
        account = self.folders.index(0, 0)
        first = self.folders.index(0, 0, account) if account.isValid() else QModelIndex()
        if first.isValid():
            self.folder_view.setCurrentIndex(first)

    def _folder_scope(self) -> Scope:
        index = self.folder_view.currentIndex()
        scope = index.data(ScopeRole) if index.isValid() else None
        return scope if isinstance(scope, Scope) else Scope()

    def _folder_chosen(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._apply_scope()

    def _apply_scope(self) -> None:
        base = self._folder_scope()
        text = self.search.text().strip()
        scope = Scope(
            account=base.account,
            folder=None if text else base.folder,  # a search covers the whole account
            search=text or None,
            unread=self.filters["unread"].isChecked(),
            flagged=self.filters["flagged"].isChecked(),
            attachments=self.filters["attachments"].isChecked(),
            reports=self.filters["reports"].isChecked(),
        )
        self.messages.set_scope(scope)
        self.reader.clear()
        found = self.messages.rowCount()
        self.count.setText(
            self.tr("{0} résultat(s)").format(found)
            if text
            else self.tr("{0} message(s)").format(found)
        )

    def _message_chosen(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        message = indexes[0].data(MessageRole) if indexes else None
        if message is None:
            return
        self.reader.show_message(message, blob_digest(self.store, message.id))
        self.store.audited_message(
            Action.READ,
            message,
            request="copie locale (lecteur)",
        )
        if message.unread:
            self.store.change_flags(message, ["\\Seen"])  # read: locally now, server later
            self._refresh_counts()

    def _selected(self) -> MessageSummary | None:
        index = self.list_view.currentIndex()
        message = index.data(MessageRole) if index.isValid() else None
        return message if isinstance(message, MessageSummary) else None

    def _refresh_counts(self) -> None:
        current = self._folder_scope()
        self.folder_view.selectionModel().blockSignals(True)
        self.folders.reload()
        self.folder_view.expandAll()
        self._reselect(current)
        self.folder_view.selectionModel().blockSignals(False)
        self.messages.invalidate()  # bold rows follow the new flags

    def _reselect(self, scope: Scope) -> None:
        pending = [self.folders.index(r, 0) for r in range(self.folders.rowCount())]
        while pending:  # match() cannot compare Python objects stored in items
            index = pending.pop()
            if index.data(ScopeRole) == scope:
                self.folder_view.setCurrentIndex(index)
                return
            pending += [
                self.folders.index(r, 0, index) for r in range(self.folders.rowCount(index))
            ]

    # -- actions --------------------------------------------------------------------------

    def next_unread(self) -> None:
        """The next unread message below the current one (Thunderbird's N)."""
        start = self.list_view.currentIndex().row() + 1
        for row in range(max(start, 0), self.messages.rowCount()):
            message = self.messages.message(row)
            if message is not None and message.unread:
                self.list_view.selectRow(row)
                self.list_view.scrollTo(self.messages.index(row, 0))
                return
        self.statusBar().showMessage(self.tr("Plus de message non lu ici."), 4000)

    def toggle_read(self) -> None:
        self._toggle("\\Seen")

    def toggle_flag(self) -> None:
        self._toggle("\\Flagged")

    def _toggle(self, flag: str) -> None:
        message = self._selected()
        if message is not None:
            on = flag in message.flags
            self.store.change_flags(message, [] if on else [flag], [flag] if on else [])
            self._reload_keeping_selection()

    def delete_selected(self) -> None:
        message = self._selected()
        if message is None:
            return
        try:
            try:
                LocalChanges(self.store).delete(message.id)
            except NoTrashError as no_trash:
                answer = QMessageBox.question(
                    self,
                    self.tr("Supprimer définitivement ?"),
                    self.tr(no_trash.user_message) + "\n" + self.tr("Le supprimer quand même ?"),
                )
                if answer != QMessageBox.StandardButton.Yes:
                    return
                LocalChanges(self.store).delete(message.id, permanent=True)
        except CaduceeError as error:
            self.statusBar().showMessage(error.user_message, 8000)
            return
        row = self.list_view.currentIndex().row()
        self._apply_scope()
        self._refresh_counts()
        if self.messages.rowCount():
            self.list_view.selectRow(min(row, self.messages.rowCount() - 1))

    def _reload_keeping_selection(self) -> None:
        """The store changed (a sync, a flag): same message selected, wherever it moved."""
        selected = self._selected()
        self.messages.refresh()
        self._refresh_counts()
        row = self.messages.row_of(selected.id) if selected is not None else None
        if row is not None:
            self.list_view.selectionModel().blockSignals(True)
            self.list_view.selectRow(row)
            self.list_view.selectionModel().blockSignals(False)
        self.count.setText(self.tr("{0} message(s)").format(self.messages.rowCount()))

    # -- filing documents into patients' folders -------------------------------------------

    def _open_filing(self) -> Filing | None:
        if self.filing is not None:
            return self.filing
        root = self.patients_root(self) if self.patients_root is not None else None
        if root is None:
            return None
        try:
            self.filing = Filing.open(self.data_dir, root, self.store)
        except CaduceeError as error:
            self.error_bar.report(error.user_message, error.detail)
            return None
        return self.filing

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

    # -- writing --------------------------------------------------------------------------

    def write(self) -> Composer:
        return self._compose(None)

    def reply(self) -> Composer | None:
        return self._answer("reply")

    def reply_all(self) -> Composer | None:
        return self._answer("all")

    def forward(self) -> Composer | None:
        return self._answer("forward")

    def _answer(self, how: str) -> Composer | None:
        message = self._selected()
        raw = self.store.raw(message) if message is not None else None
        if message is None or raw is None:
            self.statusBar().showMessage(self.tr("Choisissez d'abord un message téléchargé."), 5000)
            return None
        parsed = parse_message(raw)
        me = message.account
        if how == "forward":
            return self._compose(forward(parsed, raw, me))
        return self._compose(reply(parsed, me, to_all=how == "all"))

    def _receipt_answered(self, message_id: int, send: bool) -> None:
        """Send the read receipt (through the outbox) or not; never asked twice either way."""
        message = self.store.find(str(message_id))
        raw = self.store.raw(message) if message is not None else None
        account = self.store.account(message.account) if message is not None else None
        if message is None or raw is None or account is None:
            return
        if send:
            try:
                enqueue_message(
                    self.store,
                    account,
                    read_receipt(parse_message(raw), account.address, raw),
                    receipt_for=message,
                )
            except (CaduceeError, ValueError) as error:
                text = error.user_message if isinstance(error, CaduceeError) else str(error)
                self.statusBar().showMessage(text, 8000)
                return
        self.store.change_flags(message, [MDN_SENT])
        self.messages.invalidate()  # the list's copy of the flags is stale now
        if send:
            self.statusBar().showMessage(
                self.tr("Accusé de lecture placé dans la boîte d'envoi."), 5000
            )
            self.get_mail()

    def resume_drafts(self) -> list[Composer]:
        """Reopen the drafts saved on disk (a composer closed unsent, or a crash)."""
        return [self._compose(draft, path) for path, draft in saved_drafts(self.drafts_dir)]

    def refresh_directory_if_due(self) -> int | None:
        """Once a day, in the directory thread: the extraction file and the liste blanche
        (what the address book, the completion and the send warning read). Silent: an
        offline start tries again at the next one. Returns the job's ticket, if started."""
        places = self.directory_jobs.places
        if not refresh.due(places.cache_dir):
            return None

        def job(context: DirectoryContext) -> refresh.RefreshReport:
            context.close_index()  # Windows: the index cannot be replaced while open
            return refresh.refresh(places.data_dir, places.cache_dir, places.cache_dir)

        return self.directory_jobs.submit("daily-refresh", job)

    def open_directory(self) -> DirectoryPanel:
        """The address book, docked on the right (she can float it as a window)."""
        if self.directory_dock is None:
            panel = DirectoryPanel(
                self.store,
                self.directory_jobs,
                composer=lambda: next((c for c in reversed(self.composers) if c.isVisible()), None),
                online=self.directory_online,
            )
            panel.write_to.connect(lambda to: self._compose(Draft("", to, "", "")))
            self.directory_dock = QDockWidget(self.tr("Carnet d'adresses"), self)
            self.directory_dock.setObjectName("directory-dock")
            self.directory_dock.setWidget(panel)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.directory_dock)
        shown = self.directory_dock.widget()
        assert isinstance(shown, DirectoryPanel)  # noqa: S101 - set just above
        self.directory_dock.show()
        self.directory_dock.raise_()
        shown.search_field.setFocus()
        return shown

    def _compose(self, draft: Draft | None, draft_file: Path | None = None) -> Composer:
        composer = Composer(
            self.store,
            self.drafts_dir,
            draft,
            self._folder_scope().account,
            draft_file,
            directory=self.directory_jobs,
            patients=self.patient_book,
        )
        composer.queued.connect(self._queued)
        self.composers = [c for c in self.composers if c.isVisible()] + [composer]
        composer.show()
        return composer

    def _resume_drafts(self) -> None:
        self.resume_drafts()
        self.drafts_action.setVisible(False)

    @Slot(str)
    def _queued(self, _address: str) -> None:
        self.statusBar().showMessage(self.tr("Message placé dans la boîte d'envoi."), 5000)
        self.get_mail()  # sends what is due, then syncs

    # -- session lock -----------------------------------------------------------------------

    def lock(self) -> None:
        """Hide every message and forget the sign-in; nothing is synced until unlocked."""
        if self.locked:
            return
        self.locked = True
        self.reader.clear()
        for composer in self.composers:
            if composer.isVisible():
                composer.save_draft()
                composer.hide()  # kept, shown again once unlocked
        if self.directory_dock is not None:  # recent correspondents name patients (INS)
            self.directory_dock.hide()
        self.lock_overlay.problem.setText("")
        self.lock_overlay.cover()
        self.disabled_while_locked = [a for a in self.findChildren(QAction) if a.isEnabled()]
        for action in self.disabled_while_locked:  # no shortcut works behind the overlay
            action.setEnabled(False)
        if self.worker is not None:
            QMetaObject.invokeMethod(self.worker, "shutdown", Qt.ConnectionType.QueuedConnection)

    def unlock(self) -> None:
        """A new sign-in (card PIN or password, asked as at start); unlocked if it works."""
        if not self.locked or self.unlocking:
            return
        if self.worker is None:
            self._unlocked()
            return
        self.unlocking = True
        self.unlock_problems = []
        self.lock_overlay.button.setEnabled(False)
        queued = Qt.ConnectionType.QueuedConnection  # before the sync below, in its thread
        QMetaObject.invokeMethod(self.worker, "expect_typed_secrets", queued)
        self.get_mail()

    def _unlock_finished(self) -> None:
        self.unlocking = False
        self.lock_overlay.button.setEnabled(True)
        if self.unlock_problems:
            self.lock_overlay.problem.setText(self.unlock_problems[0])
            return
        self._unlocked()

    def _unlocked(self) -> None:
        self.locked = False
        self.lock_overlay.hide()
        self.card_bar.hide()  # the sign-in just worked: a card removed before is back
        for action in self.disabled_while_locked:
            if isValid(action):  # not one of a widget deleted meanwhile (a PDF's find field)
                action.setEnabled(True)
        self.disabled_while_locked = []
        self.inactivity.restart()
        for composer in self.composers:
            if not composer.sent:
                composer.show()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.locked:
            self.lock_overlay.setGeometry(self.rect())

    # -- syncing (the worker runs in its own thread) --------------------------------------

    def _connect_worker(self, worker: SyncWorker) -> None:
        # Explicitly queued, to @Slot methods: a plain callable would run in the worker's
        # thread and touch widgets from there.
        queued = Qt.ConnectionType.QueuedConnection
        self.sync_requested.connect(worker.sync_all, queued)
        self.session_given.connect(worker.adopt, queued)
        worker.account_started.connect(self._account_started, queued)
        worker.progressed.connect(self._progressed, queued)
        worker.account_done.connect(self._account_done, queued)
        worker.account_failed.connect(self._account_failed, queued)
        worker.all_done.connect(self._sync_finished, queued)
        worker.card_changed.connect(self._card_changed, queued)

    def add_account(self) -> None:
        """ "Ajouter un compte…": the wizard, then the new account syncs like the others."""
        if self.account_wizard is None or self.worker is None or self.locked:
            return
        gift = self.account_wizard(self)
        if gift is None:
            return
        self.session_given.emit(gift)  # queued before the sync below: the worker adopts first
        self.inactivity.minutes = session_lock_minutes(  # an MSSanté account: 120 at most
            self.inactivity.minutes, self.store.accounts(), self.directory_jobs.places.cache_dir
        )
        self.inactivity.restart()
        self._refresh_counts()
        self.get_mail()

    def get_mail(self) -> None:
        if self.worker is None or (self.locked and not self.unlocking):
            return
        if self.syncing:
            self.sync_again = True
            return
        self.syncing = True
        self.get_mail_action.setEnabled(False)
        self.sync_requested.emit()

    @Slot(str)
    def _account_started(self, address: str) -> None:
        self._set_state(address, self.tr("synchronisation…"))

    @Slot(str, str, int, int)
    def _progressed(self, address: str, phase: str, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{phase} %v/%m")
        self.progress.show()
        self._set_state(address, self.tr("synchronisation…"))

    def _bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    @Slot(str, object)
    def _account_done(self, address: str, report: object) -> None:
        self._set_state(address, self.tr("connecté"))
        self.card_bar.hide()  # signed in again if it was about the card
        if self._folder_scope().folder is None and not self.messages.rowCount():
            self._select_first_folder()  # the first sync just brought the folders
        self._reload_keeping_selection()
        new = getattr(report, "new", 0)
        if new and self.tray is not None and not self.isActiveWindow():
            # No sender or subject: a notification can be read by anyone near the screen.
            self.tray.showMessage(
                "Caducée", self.tr("{0} nouveau(x) message(s)").format(new), msecs=8000
            )

    @Slot(str, str, str, str)
    def _account_failed(self, address: str, state: str, message: str, details: str) -> None:
        self._set_state(address, self.state_names().get(state, state))
        if state == BUSY:  # not an error: its mail arrives all the same, shown once synced
            if not self.busy_retry.isActive():
                self.busy_retry.start()
            return
        if self.unlocking and state in NOT_SIGNED_IN:
            self.unlock_problems.append(message)
            return
        self.error_bar.report(f"{address} : {message}", details)

    @Slot()
    def _sync_finished(self) -> None:
        self.syncing = False
        self.progress.hide()
        self.get_mail_action.setEnabled(True)
        if self.unlocking:
            self._unlock_finished()
        self.sync_finished.emit()
        if self.sync_again:
            self.sync_again = False
            self.get_mail()

    @Slot(str, str)
    def _card_changed(self, address: str, state: str) -> None:
        """Removal locks the session at once (as Ctrl+Alt+L: the mail hidden, the sessions
        closed); unlocking needs the card back and its PIN (issue 17, item 4)."""
        if state == "REMOVED":
            self._set_state(address, self.tr("carte retirée"))
            self.lock()
            self.lock_overlay.problem.setText(
                self.tr("Carte CPS retirée : réinsérez-la, puis « Déverrouiller » et votre code.")
            )
            self.card_bar.setText(
                self.tr(
                    "Carte CPS retirée : relève et envoi suspendus. Réinsérez-la, puis "
                    "« Relever » pour saisir votre code."
                )
            )
            self.card_bar.show()  # a sync or a send now fails at once: nothing leaves
        elif state == "LOCKED":
            self.card_bar.setText(
                self.tr("Carte CPS réinsérée : « Relever » pour saisir votre code.")
            )
            self.card_bar.show()
        elif state == "READY":
            self.card_bar.hide()

    def state_names(self) -> dict[str, str]:
        """The worker's account states (French), as this window's language says them."""
        return {
            "carte retirée": self.tr("carte retirée"),
            "carte à vérifier": self.tr("carte à vérifier"),
            "identifiant refusé": self.tr("identifiant refusé"),
            "certificat refusé": self.tr("certificat refusé"),
            "hors ligne": self.tr("hors ligne"),
            BUSY: self.tr("relève en cours ailleurs"),
            "erreur": self.tr("erreur"),
        }

    def _set_state(self, address: str, state: str) -> None:
        self.states[address] = state
        self.state_label.setText(" · ".join(f"{a} : {s}" for a, s in self.states.items()))


def start_worker(window: MainWindow, worker: SyncWorker) -> QThread:
    """The worker's own thread, stopped with the window."""
    thread = QThread(window)
    thread.setObjectName("sync-worker")
    worker.moveToThread(thread)
    thread.start()
    return thread


def stop_worker(worker: SyncWorker, thread: QThread) -> None:
    """Close the worker's sessions in its own thread (card logged out), then end it."""
    QMetaObject.invokeMethod(worker, "shutdown", Qt.ConnectionType.BlockingQueuedConnection)
    threads.finish(thread)

"""The main window: folders on the left, the message list above the reader on the right."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMetaObject, QSettings, Qt, QThread, QTimer
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QLabel,
    QProgressBar,
    QSplitter,
    QSystemTrayIcon,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.filing.service import Filing
from app.ops.patient_mail import PatientBook
from app.store.db import Store
from app.ui import threads
from app.ui.account_states import AccountStates
from app.ui.composer import Composer
from app.ui.directory_panel import OnlineSearch
from app.ui.directory_search import DirectoryJobs, DirectoryPlaces
from app.ui.documents_indexer import DocumentsIndexer
from app.ui.error_bar import ErrorBar
from app.ui.filing_dialog import FilingDialog
from app.ui.filing_queue import FilingQueue
from app.ui.folder_actions import FolderActions
from app.ui.icons import icon
from app.ui.list_menu import ListMenu
from app.ui.list_threads import ListThreads
from app.ui.lock import InactivityTimer, LockOverlay
from app.ui.models import FolderTreeModel, MessageListModel
from app.ui.notify import NewMail
from app.ui.patients_dialog import PatientsDialog
from app.ui.printing import Printing
from app.ui.reader import Reader
from app.ui.send_documents_dialog import SendDocumentsDialog
from app.ui.send_views import SendViews
from app.ui.settings_actions import SettingsActions
from app.ui.sync_worker import SessionGift, SyncWorker
from app.ui.tracking import install as install_tracking
from app.ui.window_actions import ActionsWindow
from app.ui.window_session import BUSY_RETRY_MS


class MainWindow(ActionsWindow):
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
        self.reader.filed_places = self.filed_places
        self.data_dir = settings_file.parent
        # Set by the application: the patients root (asked once, then in config.toml).
        self.patients_root: Callable[[QWidget], Path | None] | None = None
        self.open_filing_destination: Callable[[], object] | None = None  # Classement menu
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
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list_view.setDragEnabled(True)  # onto a folder: moved, or copied with Ctrl
        self.list_view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.list_view.setDefaultDropAction(Qt.DropAction.MoveAction)  # Qt's default: copy
        # the indicator first: enabling sorting then sorts once (sortByColumn after it: twice)
        self.list_view.horizontalHeader().setSortIndicator(3, Qt.SortOrder.DescendingOrder)
        self.list_view.setSortingEnabled(True)
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
        self.messages.loading_started.connect(self._list_loading)
        self.messages.listed.connect(self._list_listed)
        self.list_menu = ListMenu(
            self.list_view, self.messages, self._open_filing, self._apply_scope
        )
        self.folder_actions = FolderActions(self)  # context menu, "Dossier" menu, drops, A
        self.archive_action = self.folder_actions.archive
        self.indexer = DocumentsIndexer(self.data_dir, self)  # archives, PDF text: after syncs
        self.indexer.progressed.connect(self.messages.invalidate)
        self.sync_finished.connect(self.indexer.start)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.list_view)
        right.addWidget(self.reader)
        right.setSizes([320, 420])
        self.send_views = SendViews(self, right)  # the outbox and drafts, shown instead
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.folder_view)
        self.splitter.addWidget(self.send_views.stack)
        self.splitter.setSizes([260, 900])
        self.error_bar = ErrorBar()
        self.error_bar.retry.connect(self.get_mail)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.error_bar)
        column.addWidget(self.send_views.notice)
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
        self.printing = Printing(self.reader, self)  # Ctrl+P: the message or its document
        self._build_toolbar()
        self.count = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.hide()
        self.state_label = QLabel()
        self.account_states = AccountStates(
            self.folders, self.state_label, self.progress, self._refresh_counts
        )
        self.states = self.account_states.states  # address: state, as the status bar says
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
        # Set by the application: opens the wizard and returns what it hands over (or None).
        self.account_wizard: Callable[[QWidget], SessionGift | None] | None = None
        self.open_tracking = install_tracking(self, store, self.reader.delivery)
        self._build_menus()
        self.folder_actions.join(self.menu_bar)  # its entries in the menu bar and on the tree
        self.list_threads = ListThreads(self)  # Affichage > Fils de discussion
        self.commands["archive"] = self.archive_action  # the message's right-click menu too
        self.settings_actions = SettingsActions(self)  # Préférences, comptes, aide (F1)
        self.settings_actions.add_to_menus()
        self.tray: QSystemTrayIcon | None = None
        self.new_mail = NewMail(self, store)
        if worker is not None:
            self._connect_worker(worker)
            if QSystemTrayIcon.isSystemTrayAvailable():
                shown = self.windowIcon()  # the edition's logo, else an envelope
                self.tray = QSystemTrayIcon(icon("mail") if shown.isNull() else shown, self)
                self.new_mail.tray = self.tray
                self.tray.setToolTip("Caducée")
                self.tray.activated.connect(self._bring_to_front)
                self.tray.show()
        self.send_views.refresh()
        self.resize(1200, 780)
        self._restore()
        self._select_first_folder()

    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:  # the toolbar shown or not, the address book docked
            self.restoreState(state)
        splitter = self.settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        columns = self.settings.value("window/columns")
        if columns is not None:  # widths, order and sort column she chose
            self.list_view.horizontalHeader().restoreState(columns)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/columns", self.list_view.horizontalHeader().saveState())
        self.settings.sync()
        if self.filing is not None:
            self.filing.close()
            self.filing = None
        self.directory_jobs.close(wait=1.0)
        self.indexer.stop()
        self.messages.close()  # the list loader's thread ends
        super().closeEvent(event)


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

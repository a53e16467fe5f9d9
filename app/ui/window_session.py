"""The main window's session: the lock (Ctrl+Alt+L, inactivity, card removal) and syncing."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMetaObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QProgressBar, QSystemTrayIcon, QWidget
from shiboken6 import isValid

from app.ops.accounts import session_lock_minutes
from app.ui.account_states import AccountStates, kind_of
from app.ui.composer import Composer
from app.ui.directory_search import DirectoryJobs
from app.ui.error_bar import ErrorBar
from app.ui.lock import InactivityTimer, LockOverlay
from app.ui.notify import NewMail
from app.ui.sync_worker import BUSY, PSC_AGAIN, SessionGift, SyncWorker
from app.ui.window_browse import BrowsingWindow

NOT_SIGNED_IN = {"identifiant refusé", "carte retirée", "carte à vérifier", PSC_AGAIN}
"""Account states that mean the unlocking sign-in failed (offline does not: the card said yes)."""
BUSY_RETRY_MS = 30_000
"""An account synced by another process meanwhile: the window tries again after this."""


class SessionWindow(BrowsingWindow):
    """Locking and unlocking the window; the sync worker's requests and reports."""

    sync_requested = Signal()
    session_given = Signal(object)  # a SessionGift for the worker (an account just added)
    sync_finished = Signal()  # the window has taken the results of a sync in

    account_states: AccountStates
    account_wizard: Callable[[QWidget], SessionGift | None] | None
    new_mail: NewMail
    busy_retry: QTimer
    card_bar: QLabel
    composers: list[Composer]
    directory_dock: QDockWidget | None
    directory_jobs: DirectoryJobs
    disabled_while_locked: list[QAction]
    error_bar: ErrorBar
    get_mail_action: QAction
    inactivity: InactivityTimer
    lock_overlay: LockOverlay
    locked: bool
    progress: QProgressBar
    state_label: QLabel
    states: dict[str, str]
    sync_again: bool
    syncing: bool
    tray: QSystemTrayIcon | None
    unlock_problems: list[str]
    unlocking: bool
    worker: SyncWorker | None

    # -- session lock -----------------------------------------------------------------------

    @property
    def notify_new_mail(self) -> bool:
        """Préférences: "Signaler les nouveaux messages" (``NewMail.enabled``)."""
        return self.new_mail.enabled

    @notify_new_mail.setter
    def notify_new_mail(self, value: bool) -> None:
        self.new_mail.enabled = value

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
        self.lock_overlay.explain({a.auth for a in self.store.accounts()})
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
        self.new_mail.started(address)
        self.account_states.set(address, "syncing", self.tr("synchronisation…"))

    @Slot(str, str, int, int, str)
    def _progressed(self, address: str, phase: str, done: int, total: int, folder: str) -> None:
        self.account_states.progressed(address, phase, done, total, folder)

    def _bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    @Slot(str, object)
    def _account_done(self, address: str, report: object) -> None:
        self.account_states.set(address, "connected", self.tr("connecté"))
        self.card_bar.hide()  # signed in again if it was about the card
        if _list_unchanged(report, self.messages.scope.chosen_by_flags):
            self._refresh_counts()  # the tree and the rows redrawn; no 100,000 ids listed
        else:
            self._reload_keeping_selection()  # the folder tree too: the first sync brings it
        if not self.folder_view.currentIndex().isValid() or (
            self._folder_scope().folder is None and not self.inbox_shown
        ):
            self._select_first_folder()  # her Inbox, not the account's folders mixed
        refused = list(getattr(report, "refused", []))
        if getattr(report, "flags_refused", 0):
            refused.append(
                self.tr("Le serveur a refusé {0} changement(s) d'indicateurs (lu, suivi…).").format(
                    report.flags_refused  # type: ignore[attr-defined]
                )
            )
        if refused:  # her offline changes the server would not do: said where she looks
            self.error_bar.report(f"{address} : {refused[0]}", "\n".join(refused), retry=False)
        self.new_mail.done(address)  # the status bar; the tray and taskbar if not in front

    @Slot(str, str, str, str)
    def _account_failed(self, address: str, state: str, message: str, details: str) -> None:
        self.account_states.set(address, kind_of(state), self.state_names().get(state, state))
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
        self.account_states.finished()
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
            self.account_states.set(address, "card", self.tr("carte retirée"))
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
            PSC_AGAIN: self.tr("connexion Pro Santé Connect à refaire"),
            "certificat refusé": self.tr("certificat refusé"),
            "hors ligne": self.tr("hors ligne"),
            BUSY: self.tr("relève en cours ailleurs"),
            "erreur": self.tr("erreur"),
        }


def _list_unchanged(report: object, chosen_by_flags: bool) -> bool:
    """The sync (its ``SyncReport``) added, removed or rebuilt nothing, so the list holds the
    same messages (flags and bodies that changed are redrawn); unknown: assume it changed."""
    if report is None or not hasattr(report, "new"):
        return False
    moved = ("new", "removed", "reset_folders") + (("flag_changes",) if chosen_by_flags else ())
    return not any(getattr(report, name, 1) for name in moved)

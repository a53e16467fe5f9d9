"""The window's "Préférences…", "Paramètres des comptes…", "Aide" (F1) and "À propos":
the actions, the dialogs they open, and what a change does to the running window.

``SettingsActions(window)`` makes the actions and puts them in the window's menus (Fichier,
and an "Aide" menu); the menu bar's builder (``app/ui/menus.py``) can take them from
``window.settings_actions`` instead. Each dialog is also a plain method, for tests and other
entry points: ``open_preferences``, ``open_accounts``, ``open_help``, ``open_about``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence

from app.directory import refresh
from app.ops.accounts import account_is_mssante, session_lock_minutes
from app.ui.about import AboutDialog, HelpWindow
from app.ui.account_dialog import AccountDialog
from app.ui.directory_search import DirectoryContext
from app.ui.preferences import PreferencesDialog

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

CONFIG_FILE = "config.toml"  # beside ui.ini in the profile's data folder (Profile.config_file)


class SettingsActions(QObject):
    forget_session = Signal(str)  # to the sync worker (queued): an account's servers changed

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.config_file = window.data_dir / CONFIG_FILE
        self.help: HelpWindow | None = None
        self._update_ticket = 0
        self.preferences_action = QAction(self.tr("Préférences…"), window)
        self.preferences_action.setObjectName("preferences")
        self.preferences_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.preferences_action.triggered.connect(self.open_preferences)
        self.accounts_action = QAction(self.tr("Paramètres des comptes…"), window)
        self.accounts_action.setObjectName("account-settings")
        self.accounts_action.triggered.connect(lambda: self.open_accounts())
        self.help_action = QAction(self.tr("Aide de Caducée"), window)
        self.help_action.setObjectName("help")
        self.help_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.help_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.help_action.triggered.connect(self.open_help)
        self.about_action = QAction(self.tr("À propos de Caducée"), window)
        self.about_action.setObjectName("about")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.open_about)
        window.addAction(self.help_action)  # F1 even with the menu bar hidden
        if window.worker is not None:
            self.forget_session.connect(
                window.worker.close_session, Qt.ConnectionType.QueuedConnection
            )
        window.directory_jobs.finished.connect(self._updated, Qt.ConnectionType.QueuedConnection)

    def add_to_menus(self) -> None:
        """Thunderbird's places: Outils > Préférences and Paramètres des comptes, Aide >
        Aide de Caducée (F1) and À propos."""
        menus = self.window.menu_bar.menus
        tools = menus["tools"]
        tools.addSeparator()
        tools.addAction(self.accounts_action)
        tools.addAction(self.preferences_action)
        help_menu = menus["help"]
        first = help_menu.actions()[0] if help_menu.actions() else None
        help_menu.insertAction(first, self.help_action)  # type: ignore[arg-type]
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)

    # -- the dialogs ------------------------------------------------------------------------

    def _mssante(self) -> bool:
        cache = self.window.directory_jobs.places.cache_dir
        return any(account_is_mssante(a, cache) for a in self.window.store.accounts())

    def open_preferences(self) -> PreferencesDialog:
        dialog = PreferencesDialog(
            self.config_file, self.window, mssante=self._mssante(), update_now=self.update_now
        )
        dialog.accepted.connect(lambda: self._apply(dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _apply(self, dialog: PreferencesDialog) -> None:
        """What changes at once: the lock delay, notifications, the default receipts."""
        settings = dialog.saved
        if settings is None:
            return
        window = self.window
        window.inactivity.minutes = session_lock_minutes(
            settings.lock_minutes, window.store.accounts(), window.directory_jobs.places.cache_dir
        )
        window.inactivity.restart()
        window.notify_new_mail = settings.notifications
        window.composer_receipts = (settings.delivery_receipt, settings.read_receipt)
        window.statusBar().showMessage(self.tr("Préférences enregistrées."), 5000)

    def open_accounts(self, address: str | None = None) -> AccountDialog:
        window = self.window
        dialog = AccountDialog(
            window.store,
            window.data_dir,
            window,
            address=address or window._folder_scope().account,
            busy=lambda: window.syncing,
        )
        dialog.changed.connect(self.forget_session)
        dialog.removed.connect(self._removed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _removed(self, address: str) -> None:
        window = self.window
        self.forget_session.emit(address)
        window.states.pop(address, None)
        window.inbox_shown = False
        window._refresh_counts()
        window._select_first_folder()
        window._apply_scope()
        window.send_views.refresh()
        window.statusBar().showMessage(
            self.tr("Compte {0} retiré, avec sa copie locale.").format(address), 8000
        )

    def open_help(self) -> HelpWindow:
        if self.help is None:
            self.help = HelpWindow(self.window)
        self.help.show()
        self.help.raise_()
        self.help.activateWindow()
        return self.help

    def open_about(self) -> AboutDialog:
        dialog = AboutDialog(self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- directory update now ---------------------------------------------------------------

    def update_now(self) -> int:
        """The directory and the liste blanche, now (Préférences' button), in the directory
        thread; the outcome in the status bar, a failure in the error bar."""
        places = self.window.directory_jobs.places

        def job(context: DirectoryContext) -> refresh.RefreshReport:
            context.close_index()  # Windows: the index cannot be replaced while open
            return refresh.refresh(places.data_dir, places.cache_dir, places.cache_dir)

        self.window.statusBar().showMessage(self.tr("Mise à jour de l'annuaire…"))
        self._update_ticket = self.window.directory_jobs.submit("refresh-now", job)
        return self._update_ticket

    @Slot(int, str, object)
    def _updated(self, ticket: int, _kind: str, result: object) -> None:
        if ticket != self._update_ticket:
            return
        self._update_ticket = 0
        window = self.window
        if isinstance(result, refresh.RefreshReport) and not result.failed:
            window.statusBar().showMessage(self.tr("Annuaire et liste blanche à jour."), 8000)
            return
        window.statusBar().clearMessage()
        reasons = (
            result.failed
            if isinstance(result, refresh.RefreshReport)
            else [getattr(result, "user_message", str(result))]
        )
        window.error_bar.report(
            self.tr("La mise à jour de l'annuaire a échoué."), "\n".join(reasons), retry=False
        )

"""The main window's actions (one per command, with its shortcut and icon), its toolbar, and
the menu bar built from them (``menus.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QToolBar

from app.store.views import Scope
from app.ui.audit_dialog import AuditDialog
from app.ui.folder_actions import FolderActions
from app.ui.icons import icon
from app.ui.list_menu import ListMenu
from app.ui.printing import Printing
from app.ui.results_view import ResultsDialog
from app.ui.search_box import SearchFeedback
from app.ui.window_filing import FilingWindow

Keys = Sequence[str]


class ActionsWindow(FilingWindow):
    """The commands, the toolbar, the menus and the shortcuts."""

    list_menu: ListMenu
    printing: Printing
    open_tracking: Callable[[], object]

    folder_actions: FolderActions

    # -- building -------------------------------------------------------------------------

    def _command(
        self,
        key: str,
        label: str,
        handler: Callable[[], object],
        keys: Keys = (),
        tip: str | None = None,
    ) -> QAction:
        """An action of the window: its shortcut works anywhere in it (menus hidden too)."""
        action = QAction(icon(key), label, self)
        action.setObjectName(key)
        action.setShortcuts([QKeySequence(k) for k in keys])
        if tip is not None:
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: handler())
        self.addAction(action)
        self.commands[key] = action
        return action

    def _build_commands(self) -> None:
        self.commands: dict[str, QAction] = {}
        command = self._command
        self.get_mail_action = command(
            "get-mail", self.tr("Relever"), self.get_mail, ("F5", "Ctrl+T"),
            self.tr("Relever le courrier (F5)"),
        )  # fmt: skip
        self.get_mail_action.setEnabled(self.worker is not None)
        command("write", self.tr("Écrire"), self.write, ("Ctrl+N",))
        command("reply", self.tr("Répondre"), self.reply, ("Ctrl+R",))
        command("reply-all", self.tr("Répondre à tous"), self.reply_all, ("Ctrl+Shift+R",))
        command("forward", self.tr("Transférer"), self.forward, ("Ctrl+L",))
        self.directory_action = command(
            "directory", self.tr("Carnet d'adresses"), self.open_directory, ("Ctrl+Shift+B",),
            self.tr("Annuaire MSSanté et favoris (Ctrl+Maj+B)"),
        )  # fmt: skip
        self.drafts_action = command(
            "drafts", self.tr("Brouillons"), self.send_views.open_drafts, (),
            self.tr("Reprendre les messages non envoyés"),
        )  # fmt: skip
        self.queue_action = command(
            "filing-queue", self.tr("À classer"), self.open_filing_queue, (),
            self.tr("Les documents reçus à classer dans les dossiers"),
        )  # fmt: skip
        command("search", self.tr("Rechercher"), self.search.setFocus, ("Ctrl+Shift+K",))
        command("delete", self.tr("Supprimer"), self.delete_selected, ("Del",))
        command("toggle-read", self.tr("Marquer comme lu / non lu"), self.toggle_read, ("M",))
        command("toggle-flag", self.tr("Suivre / ne plus suivre"), self.toggle_flag, ("S",))
        command("next-unread", self.tr("Message non lu suivant"), self.next_unread, ("N",))
        command("next", self.tr("Message suivant"), lambda: self.select_relative(1), ("F",))
        command("previous", self.tr("Message précédent"), lambda: self.select_relative(-1), ("B",))
        command("inbox", self.tr("Boîte de réception"), self.go_to_inbox)
        command("outbox", self.tr("Boîte d'envoi"), self.go_to_outbox)
        command("file", self.tr("Classer les documents…"), self.file_selected, ("C",))
        command(
            "send-documents", self.tr("Adresser des documents…"),
            lambda: self.send_documents(message_id=getattr(self._selected(), "id", None)),
        )  # fmt: skip
        command("results", self.tr("Résultats du patient…"), self.patient_results)
        command("print", self.tr("Imprimer…"), self.printing.print_, ("Ctrl+P",))
        command("print-preview", self.tr("Aperçu avant impression…"), self.printing.preview)
        command("print-pdf", self.tr("Imprimer en PDF…"), self.printing.to_pdf)
        self.add_account_action = command(
            "add-account", self.tr("Ajouter un compte…"), self.add_account
        )
        self.add_account_action.setEnabled(self.worker is not None)
        command("patients", self.tr("Patients…"), self.open_patients, ("Ctrl+Shift+P",))
        command("audit-trail", self.tr("Journal d'audit…"), self.show_audit)
        command("filing-journal", self.tr("Journal des classements…"), self.show_filing_journal)
        command("lock", self.tr("Verrouiller"), self.lock, ("Ctrl+Alt+L",))
        command("quit", self.tr("Quitter"), self.close, ("Ctrl+Q",))
        self.filters: dict[str, QAction] = {}
        for key, label in (
            ("unread", self.tr("Non lus")),
            ("flagged", self.tr("Suivis")),
            ("attachments", self.tr("Avec pièces jointes")),
            ("reports", self.tr("Accusés")),  # delivery/read reports: hidden unless asked
        ):
            action = QAction(icon(key), label, self)
            action.setObjectName(f"filter-{key}")
            action.setCheckable(True)
            action.toggled.connect(self._apply_scope)
            self.filters[key] = action

    def _build_toolbar(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Rechercher (objet, adresses, texte, pièces…)"))
        self.search.setAccessibleName(self.tr("Recherche"))
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(380)
        self.search_feedback = SearchFeedback(
            self.search, self.list_view, self._apply_scope, self.clear_filters
        )
        self._build_commands()
        bar = QToolBar(self.tr("Barre d'outils"))
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.addToolBar(bar)
        self.toolbar = bar
        for key in (
            "get-mail", "write", "reply", "reply-all", "forward", "directory", "drafts",
            "filing-queue",
        ):  # fmt: skip
            bar.addAction(self.commands[key])
        bar.addSeparator()
        for action in self.filters.values():
            bar.addAction(action)
        bar.addSeparator()
        bar.addWidget(self.search)

    def _build_menus(self) -> None:
        from app.ui.menus import MenuBar  # it reads this window's commands

        self.menu_bar = MenuBar(self)

    # -- commands of this layer -----------------------------------------------------------

    def clear_filters(self) -> None:
        for action in self.filters.values():
            action.blockSignals(True)
            action.setChecked(False)
            action.blockSignals(False)
        self._apply_scope()

    def go_to_inbox(self) -> None:
        account = self._folder_scope().account or next(
            (a.address for a in self.store.accounts()), None
        )
        if account is not None:
            self._reselect(Scope(account=account, folder="INBOX"))

    def go_to_outbox(self) -> None:
        account = self._folder_scope().account or next(
            (a.address for a in self.store.accounts()), None
        )
        if account is not None:
            self.send_views.open_outbox(account)

    def patient_results(self) -> ResultsDialog | None:
        message = self._selected()
        return self.list_menu.show_results(message) if message is not None else None

    def show_audit(self) -> AuditDialog:
        dialog = AuditDialog(self.store.audit, self)
        dialog.show()
        return dialog

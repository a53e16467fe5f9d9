"""The main window's toolbar, menus and keyboard shortcuts, wired to its actions."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QToolBar

from app.ui.audit_dialog import AuditDialog
from app.ui.folder_actions import FolderActions
from app.ui.window_filing import FilingWindow


class ActionsWindow(FilingWindow):
    """The toolbar, the menus and the shortcuts."""

    folder_actions: FolderActions

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
        self.drafts_action.triggered.connect(lambda: self.send_views.open_drafts())
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
        menu.addMenu(self.folder_actions.menu)
        menu.addSeparator()
        menu.addAction(lock)
        quit_action = menu.addAction(self.tr("Quitter"))
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

    def show_audit(self) -> AuditDialog:
        dialog = AuditDialog(self.store.audit, self)
        dialog.show()
        return dialog

""" "Paramètres des comptes": each account's servers, login (password accounts), signature,
and "Retirer ce compte…". Changes go through ``app.ops.account_settings``, as ``caducee
account edit|remove`` do; the address and the sign-in mode are not editable (remove the
account and add it again)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CaduceeError
from app.ops.account_settings import AccountChange, edit_account, remove_account
from app.store import account_settings
from app.store.db import Account, Store
from app.store.drafts import DraftStore
from app.ui.models import outbox_counts

AUTH_NAMES: dict[str, str] = {
    "card": str(QT_TRANSLATE_NOOP("AccountDialog", "Carte CPS")),
    "pkcs12": str(QT_TRANSLATE_NOOP("AccountDialog", "Certificat logiciel (.p12)")),
    "password": str(QT_TRANSLATE_NOOP("AccountDialog", "Mot de passe")),
    "psc": str(QT_TRANSLATE_NOOP("AccountDialog", "Pro Santé Connect")),
}


class AccountDialog(QDialog):
    changed = Signal(str)  # an account's servers or login changed (its session is stale)
    removed = Signal(str)

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        parent: QWidget | None = None,
        *,
        address: str | None = None,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("account-settings")
        self.setWindowTitle(self.tr("Paramètres des comptes"))
        self.store, self.data_dir, self.busy = store, data_dir, busy
        self.accounts = QComboBox()
        self.accounts.setObjectName("account-choice")
        self.accounts.setAccessibleName(self.tr("Compte"))
        self.auth = QLabel()
        self.auth.setObjectName("account-auth")
        self.imap = QLineEdit()
        self.imap.setObjectName("imap-url")
        self.smtp = QLineEdit()
        self.smtp.setObjectName("smtp-url")
        self.smtp.setPlaceholderText(self.tr("aucun (réception seulement)"))
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.signature = QPlainTextEdit()
        self.signature.setObjectName("signature")
        self.signature.setAccessibleName(self.tr("Signature"))
        self.signature.setPlaceholderText(
            self.tr("Dr Prénom NOM\nSpécialité — adresse du cabinet\nTéléphone")
        )
        self.signature.setTabChangesFocus(True)
        note = QLabel(
            self.tr(
                "L'adresse et le mode de connexion ne se modifient pas : retirez le compte "
                "puis ajoutez-le à nouveau."
            )
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Compte :"), self.accounts)
        form.addRow(self.tr("Connexion :"), self.auth)
        form.addRow(self.tr("Serveur IMAP :"), self.imap)
        form.addRow(self.tr("Serveur d'envoi (SMTP) :"), self.smtp)
        form.addRow(self.tr("Identifiant :"), self.username)
        form.addRow(self.tr("Signature :"), self.signature)
        form.addRow(note)
        self.remove_button = QPushButton(self.tr("Retirer ce compte…"))
        self.remove_button.setObjectName("remove-account")
        self.remove_button.clicked.connect(self.remove)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Enregistrer"))
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Fermer"))
        buttons.addButton(self.remove_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.accounts.currentIndexChanged.connect(lambda _row: self._show())
        self._fill(address)
        self.resize(620, 480)

    def _fill(self, address: str | None = None) -> None:
        self.accounts.blockSignals(True)
        self.accounts.clear()
        for account in self.store.accounts():
            self.accounts.addItem(account.address, account.address)
        if address is not None:
            self.accounts.setCurrentIndex(max(0, self.accounts.findData(address)))
        self.accounts.blockSignals(False)
        self._show()

    def account(self) -> Account | None:
        address = self.accounts.currentData()
        return self.store.account(address) if isinstance(address, str) else None

    def _show(self) -> None:
        account = self.account()
        for widget in (self.imap, self.smtp, self.username, self.signature, self.remove_button):
            widget.setEnabled(account is not None)
        if account is None:
            self.auth.setText(self.tr("aucun compte"))
            return
        self.auth.setText(self.tr(AUTH_NAMES.get(account.auth, account.auth)))
        self.imap.setText(account.imap_url)
        self.smtp.setText(account.smtp_url or "")
        self.username.setText(account.username or "")
        self.username.setEnabled(account.auth == "password")
        self.signature.setPlainText(account_settings.signature(self.store, account))

    def _change(self, account: Account) -> AccountChange:
        imap, smtp, username = self.imap.text().strip(), self.smtp.text().strip(), None
        if account.auth == "password" and self.username.text().strip() != (account.username or ""):
            username = self.username.text().strip()
        return AccountChange(
            imap=imap if imap != account.imap_url else None,
            smtp=smtp if smtp != (account.smtp_url or "") else None,
            username=username,
            signature=self.signature.toPlainText(),
        )

    def save(self) -> bool:
        account = self.account()
        if account is None:
            return False
        change = self._change(account)
        try:
            edit_account(self.store, account.address, change)
        except CaduceeError as error:
            QMessageBox.warning(self, self.tr("Paramètres du compte"), error.user_message)
            return False
        if change.imap is not None or change.smtp is not None or change.username is not None:
            self.changed.emit(account.address)
        self._show()  # the servers as stored (normal form)
        return True

    def remove(self) -> bool:
        account = self.account()
        if account is None:
            return False
        if self.busy():
            QMessageBox.information(
                self,
                self.tr("Retirer le compte"),
                self.tr("Une relève est en cours : réessayez quand elle sera finie."),
            )
            return False
        if not self.confirm_removal(account):
            return False
        try:
            remove_account(self.store, self.data_dir, account.address)
        except CaduceeError as error:
            QMessageBox.warning(self, self.tr("Retirer le compte"), error.user_message)
            return False
        self.removed.emit(account.address)
        self._fill()
        return True

    def confirm_removal(self, account: Account) -> bool:
        box = QMessageBox(self)
        box.setObjectName("confirm-remove-account")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Retirer le compte"))
        box.setText(self.tr("Retirer le compte {0} de Caducée ?").format(account.address))
        text = self.tr(
            "Sa copie locale des messages est effacée de cet ordinateur. Les messages restent "
            "sur le serveur de votre opérateur : en ajoutant le compte à nouveau, vous les "
            "retrouverez."
        )
        unsent, _problems = outbox_counts(self.store, account.address)
        drafts = DraftStore(self.store).count(account.address)
        if unsent or drafts:
            text += "\n\n" + self.tr(
                "Attention : {0} message(s) de la boîte d'envoi non encore envoyé(s) et {1} "
                "brouillon(s) de ce compte seront perdus."
            ).format(unsent, drafts)
        box.setInformativeText(text)
        remove = box.addButton(self.tr("Retirer le compte"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(self.tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.exec()
        chosen = box.clickedButton() is remove
        box.deleteLater()
        return chosen

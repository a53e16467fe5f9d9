"""The first-run wizard's address page (and the secret of a certificate file or a password
account)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from app.ops.discovery import edition_servers
from app.ui.wizard_page import (
    _ADDRESS,
    CARD,
    PAGE_CONNECT,
    PAGE_SERVERS,
    PASSWORD,
    PKCS12,
    _file_row,
    _Page,
)

# -- 3. her address (and the secret of a certificate file or a password account) ----------


class AddressPage(_Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Votre adresse de messagerie"))
        layout = QVBoxLayout(self)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        form = QFormLayout()
        self.address_box = QComboBox()
        self.address_box.setObjectName("address")
        self.address_box.setEditable(True)
        self.address_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.address_box.editTextChanged.connect(self.completeChanged)
        form.addRow(self.tr("Adresse :"), self.address_box)
        layout.addLayout(form)

        self.pkcs12_box = QGroupBox(self.tr("Certificat logiciel"))
        pkcs12_form = QFormLayout(self.pkcs12_box)
        self.pkcs12_path = QLineEdit()
        self.pkcs12_path.setObjectName("pkcs12-path")
        self.pkcs12_path.textChanged.connect(self.completeChanged)
        pkcs12_form.addRow(
            self.tr("Fichier .p12 :"),
            _file_row(
                self, self.pkcs12_path, self.tr("Certificat logiciel"),
                self.tr("Certificats (*.p12 *.pfx)"),
            ),
        )  # fmt: skip
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        pkcs12_form.addRow(self.tr("Phrase secrète :"), self.passphrase)
        self.pkcs12_remember = self._remember_box()
        pkcs12_form.addRow(self.pkcs12_remember)
        layout.addWidget(self.pkcs12_box)

        self.password_box = QGroupBox(self.tr("Connexion par mot de passe"))
        password_form = QFormLayout(self.password_box)
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setPlaceholderText(self.tr("par défaut : l'adresse"))
        password_form.addRow(self.tr("Identifiant :"), self.username)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.textChanged.connect(self.completeChanged)
        password_form.addRow(self.tr("Mot de passe :"), self.password)
        self.password_remember = self._remember_box()
        password_form.addRow(self.password_remember)
        layout.addWidget(self.password_box)
        layout.addStretch()
        self._looked_up: str | None = None

    def _remember_box(self) -> QCheckBox:
        box = QCheckBox(
            self.tr("Garder dans le trousseau du système (sinon demandé à chaque démarrage)")
        )
        box.setObjectName("remember")
        box.setToolTip(
            self.tr(
                "Le secret est confié au trousseau de Windows ou de votre session, jamais écrit "
                "dans un fichier. Le code de la carte CPS n'est jamais gardé."
            )
        )
        return box

    def remember(self, mode: str) -> bool:
        if mode == PKCS12:
            return self.pkcs12_remember.isChecked()
        return mode == PASSWORD and self.password_remember.isChecked()

    def initializePage(self) -> None:
        wizard = self.wizard_()
        mode = wizard.mode()
        self.pkcs12_box.setVisible(mode == PKCS12)
        self.password_box.setVisible(mode == PASSWORD)
        holder = wizard.card.holder if wizard.card is not None else None
        rpps = holder.rpps if holder is not None and mode == CARD else None
        if mode == PASSWORD:
            self.hint.setText(self.tr("L'adresse de cette boîte aux lettres."))
        else:
            self.hint.setText(
                self.tr(
                    "Votre adresse de messagerie sécurisée de santé (MSSanté), par exemple "
                    "prenom.nom@medecin.mssante.fr."
                )
            )
        if rpps and wizard.lookup_addresses is not None and self._looked_up != rpps:
            self._looked_up = rpps
            lookup = wizard.lookup_addresses
            self.hint.setText(self.tr("Recherche de vos adresses dans l'annuaire santé…"))
            wizard.submit("directory", lambda: lookup(rpps), self._found, self._not_found)

    def _found(self, addresses: list[str]) -> None:
        if not addresses:
            self._not_found(None)
            return
        typed = self.address_box.currentText()
        self.address_box.clear()
        self.address_box.addItems(addresses)
        if typed:
            self.address_box.setEditText(typed)
        self.hint.setText(self.tr("Adresse(s) trouvée(s) dans l'annuaire santé pour votre RPPS."))

    def _not_found(self, _error: object) -> None:
        self.hint.setText(
            self.tr(
                "L'annuaire santé n'indique pas d'adresse pour votre RPPS : saisissez-la "
                "(par exemple prenom.nom@medecin.mssante.fr)."
            )
        )

    def address(self) -> str:
        return self.address_box.currentText().strip()

    def nextId(self) -> int:
        """The operator's edition knows its servers: no servers page for its addresses."""
        if edition_servers(self.address(), self.wizard_().edition) is not None:
            return PAGE_CONNECT
        return PAGE_SERVERS

    def validatePage(self) -> bool:
        wizard = self.wizard_()
        found = edition_servers(self.address(), wizard.edition)
        if found is not None:
            wizard.servers_page.preset(self.address(), found)
        return True

    def isComplete(self) -> bool:
        if not _ADDRESS.fullmatch(self.address()):
            return False
        mode = self.wizard_().mode() if self.wizard() is not None else CARD
        if mode == PKCS12:
            return Path(self.pkcs12_path.text().strip()).is_file()
        if mode == PASSWORD:
            return bool(self.password.text())
        return True

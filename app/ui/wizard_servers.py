"""The first-run wizard's servers page: found or typed, and the "Tester" checks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from app.ops.diagnose import AuthMode, DiagnoseRequest, Report, Step, diagnose
from app.psc.client import PscClient
from app.transport.autoconfig import ServerSettings
from app.transport.endpoints import Endpoint, EndpointError, Protocol
from app.ui.wizard_page import PASSWORD, PKCS12, PSC, _file_row, _message, _no_pin, _Page, _Status

# -- 4. the servers, and "Tester" --------------------------------------------------------------


class ServersPage(_Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Les serveurs de votre opérateur"))
        layout = QVBoxLayout(self)
        self.status = _Status()
        layout.addWidget(self.status)
        form = QFormLayout()
        self.imap = QLineEdit()
        self.imap.setObjectName("imap")
        self.imap.setPlaceholderText("imaps://imap.operateur.fr:993")
        self.imap.textChanged.connect(self.completeChanged)
        self.smtp = QLineEdit()
        self.smtp.setObjectName("smtp")
        self.smtp.setPlaceholderText("smtps://smtp.operateur.fr:465")
        self.trust = QLineEdit()
        self.trust.setObjectName("trust")
        self.trust.setPlaceholderText(self.tr("facultatif : IGC-Santé fournie par défaut"))
        form.addRow(self.tr("Réception (IMAP) :"), self.imap)
        form.addRow(self.tr("Envoi (SMTP) :"), self.smtp)
        form.addRow(
            self.tr("Autorités de confiance (PEM) :"),
            _file_row(
                self, self.trust, self.tr("Autorités de confiance"),
                self.tr("Certificats (*.pem *.crt *.cer)"),
            ),
        )  # fmt: skip
        layout.addLayout(form)
        self.test_button = QPushButton(self.tr("Tester"))
        self.test_button.clicked.connect(self.test)
        layout.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.steps = QListWidget()
        self.steps.setObjectName("steps")
        layout.addWidget(self.steps, 1)
        self.source = "saisie"
        self._discovered_for: str | None = None
        self.report: Report | None = None

    def initializePage(self) -> None:
        wizard = self.wizard_()
        address = wizard.address()
        if self._discovered_for == address:
            return
        self._discovered_for = address
        self.steps.clear()
        self.imap.clear()
        self.smtp.clear()
        self.source = "saisie"
        domain = address.rpartition("@")[2]
        self.status.show_status("info", self.tr("Recherche des serveurs de {0}…").format(domain))
        discover = wizard.discover
        wizard.submit("discover", lambda: discover(address), self._discovered, self._not_discovered)

    def preset(self, address: str, found: ServerSettings) -> None:
        """The servers known without looking (the operator's edition), page not shown."""
        self._discovered_for = address
        self.steps.clear()
        self._discovered(found)

    def _discovered(self, found: ServerSettings | None) -> None:
        if found is None:
            self._not_discovered(None)
            return
        self.imap.setText(found.imap.url())
        self.smtp.setText(found.smtp.url() if found.smtp else "")
        self.source = found.source
        self.setObjectName("servers-page-found")
        self.status.show_status(
            "ok",
            self.tr("Serveurs trouvés"),
            self.tr("Réglages trouvés automatiquement ({0}). Vous pouvez les tester.").format(
                found.source
            ),
        )

    def _not_discovered(self, error: object) -> None:
        domain = self.wizard_().address().rpartition("@")[2]
        self.setObjectName("servers-page-unknown")
        text = self.tr(
            "Aucun réglage n'a été trouvé pour « {0} » (profils d'opérateurs, DNS, "
            "autoconfiguration). Saisissez les adresses des serveurs indiquées par votre "
            "opérateur, puis cliquez sur « Tester »."
        ).format(domain)
        if isinstance(error, BaseException):
            text = _message(error) + "\n" + text
        self.status.show_status("error", self.tr("Opérateur inconnu"), text)
        self.imap.setFocus()

    def endpoints(self) -> tuple[Endpoint, Endpoint | None]:
        imap = Endpoint.parse(self.imap.text().strip())
        if imap.protocol is not Protocol.IMAP:
            raise EndpointError(self.tr("« {0} » n'est pas une adresse IMAP.").format(imap))
        smtp_text = self.smtp.text().strip()
        smtp = Endpoint.parse(smtp_text) if smtp_text else None
        if smtp is not None and smtp.protocol is not Protocol.SMTP:
            raise EndpointError(self.tr("« {0} » n'est pas une adresse SMTP.").format(smtp))
        return imap, smtp

    def trust_file(self) -> Path | None:
        text = self.trust.text().strip()
        return Path(text) if text else None

    def isComplete(self) -> bool:
        try:
            self.endpoints()
        except (EndpointError, ValueError):
            return False
        return self.wizard() is None or "discover" not in self.wizard_().busy

    @Slot()
    def test(self) -> None:
        """The steps of ``caducee diagnose``, each shown as it ends."""
        wizard = self.wizard_()
        try:
            imap, smtp = self.endpoints()
        except (EndpointError, ValueError) as error:
            self.status.show_status("error", self.tr("Adresse de serveur invalide"), str(error))
            return
        self.steps.clear()
        self.test_button.setEnabled(False)
        self.status.show_status("info", self.tr("Test en cours…"))
        address_page = wizard.address_page
        mode = wizard.mode()
        secret = address_page.passphrase.text() if mode == PKCS12 else address_page.password.text()
        request = DiagnoseRequest(
            imap=imap,
            smtp=smtp,
            auth=AuthMode(mode),
            cache_dir=wizard.profile.cache_dir / "crl",
            module=wizard.module,
            settings_module=wizard.settings_module,
            pkcs12=Path(address_page.pkcs12_path.text().strip()) if mode == PKCS12 else None,
            username=(address_page.username.text().strip() or wizard.address())
            if mode == PASSWORD
            else None,
            trust=self.trust_file(),
            ask_pin=_no_pin,
            ask_secret=lambda _prompt: secret,
            card_session=wizard.keeper.session() if wizard.keeper is not None else None,
            address=wizard.address(),  # PSC: the test signs in through the browser
            psc_client=PscClient(wizard.psc_config) if mode == PSC and wizard.psc_config else None,
            psc_keeper=wizard.psc_keeper if mode == PSC else None,  # signed in once
            keep_psc=mode == PSC,  # "Connexion" goes on with this sign-in
        )
        emit = wizard.worker.step.emit
        wizard.submit("test", lambda: diagnose(request, emit), self._tested, self._test_failed)

    @Slot(object)
    def add_step(self, step: Step) -> None:
        mark = "✔" if step.ok else "✘"
        text = f"{mark} {step.title}" + (f" — {step.detail}" if step.detail else "")
        item = QListWidgetItem(text)
        item.setForeground(Qt.GlobalColor.darkGreen if step.ok else Qt.GlobalColor.red)
        item.setToolTip(text)
        self.steps.addItem(item)

    def _tested(self, report: Report) -> None:
        self.report = report
        wizard = self.wizard_()
        if report.psc_keeper is not None and report.psc_keeper is not wizard.psc_keeper:
            if wizard.psc_keeper is not None:
                wizard.psc_keeper.forget()
            wizard.psc_keeper = report.psc_keeper
        self.test_button.setEnabled(True)
        if report.ok:
            self.status.show_status(
                "ok", self.tr("Test réussi"), self.tr("Tout fonctionne : cliquez sur Suivant.")
            )
        else:
            failed = next((s for s in report.steps if not s.ok), None)
            self.status.show_status(
                "error",
                self.tr("Le test a échoué"),
                failed.detail if failed is not None else "",
            )

    def _test_failed(self, error: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.status.show_status("error", self.tr("Le test a échoué"), _message(error))

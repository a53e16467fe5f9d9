"""The first-run wizard's last page: connecting, storing the account, handing it over."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QProgressBar, QPushButton, QVBoxLayout

from app.core.audit import AuditTrail
from app.core.errors import (
    AuthenticationError,
    CaduceeError,
    CardError,
    Pkcs12Error,
    TlsError,
    TransportError,
)
from app.cps.keeper import CardState
from app.ops.accounts import (
    AccountExistsError,
    AccountSession,
    check_account,
    ensure_new,
    new_account,
    save_account,
)
from app.store.db import Account, Store
from app.transport.endpoints import EndpointError
from app.ui.psc_signin import sign_in_dialog
from app.ui.sync_worker import Prompter, SyncWorker
from app.ui.wizard_page import CARD, PASSWORD, PKCS12, PSC, _message, _no_pin, _Page, _Status


@dataclass
class Handover:
    """What the wizard gives the main window: the stored account and its open session (the
    card stays unlocked: the first sync does not ask the PIN again)."""

    account: Account
    session: AccountSession
    kept: bool | None = None  # the secret kept in the keyring: None when not asked

    def give_to(self, worker: SyncWorker, prompter: Prompter) -> None:
        """Before the worker's thread syncs: its session for this account is ours."""
        self.session.ask_pin = prompter.ask_pin  # after a removal, the window asks
        address = self.account.address

        def card_state(state: CardState) -> None:  # in the watcher's thread
            worker.card_changed.emit(address, state.name)

        self.session.watch_card(card_state)  # removal locks the window (issue 17, item 4)
        worker.sessions[address] = self.session


# -- 5. connecting and storing the account ------------------------------------------------------


class ConnectPage(_Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Connexion"))
        self.setFinalPage(True)
        layout = QVBoxLayout(self)
        self.status = _Status()
        layout.addWidget(self.status)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        layout.addWidget(self.progress)
        self.retry = QPushButton(self.tr("Réessayer"))
        self.retry.clicked.connect(self.connect_account)
        layout.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch()
        self.state = ""

    def initializePage(self) -> None:
        self.connect_account()

    def isComplete(self) -> bool:
        return self.wizard_().handover is not None

    def _set_state(self, state: str) -> None:
        self.state = state
        self.setObjectName(f"connect-page-{state}")

    @Slot()
    def connect_account(self) -> None:
        wizard = self.wizard_()
        if "connect" in wizard.busy or wizard.handover is not None:
            return
        servers, address_page = wizard.servers_page, wizard.address_page
        mode, address = wizard.mode(), wizard.address()
        try:
            imap, smtp = servers.endpoints()
        except (EndpointError, ValueError) as error:
            self._failed(error)
            return
        psc = wizard.psc_config if mode == PSC else None
        account = new_account(
            address,
            mode,
            imap.url(),
            smtp.url() if smtp else None,
            username=(address_page.username.text().strip() or None) if mode == PASSWORD else None,
            module=wizard.module if mode == CARD else None,
            pkcs12=Path(address_page.pkcs12_path.text().strip()) if mode == PKCS12 else None,
            trust=servers.trust_file(),
            source=servers.source,
            psc_issuer=wizard.psc_config.issuer if mode == PSC and wizard.psc_config else None,
            psc_client_id=wizard.psc_config.client_id
            if mode == PSC and wizard.psc_config
            else None,
        )
        secret = address_page.passphrase.text() if mode == PKCS12 else address_page.password.text()
        session = AccountSession(
            account,
            wizard.profile.cache_dir,
            _no_pin,
            lambda _prompt: secret,
            wizard.settings_module,
            audit=AuditTrail.of(wizard.profile.data_dir),
        )
        if wizard.keeper is not None and mode == CARD:
            session.adopt_card(wizard.keeper)
        if psc is not None:
            kept = wizard.psc_keeper
            try:  # her sign-in ("Tester"'s, else here in the GUI thread); the worker then
                # connects with it
                if kept is not None and kept.active and kept.client.config == psc:
                    session.adopt_psc(kept)
                else:
                    session.adopt_psc(sign_in_dialog(wizard, psc, address))
            except CaduceeError as error:
                self._failed(error)
                return
        data_dir = wizard.profile.data_dir
        remember = address_page.remember(mode)

        def connect_and_store() -> Handover:
            store = Store.open(data_dir)  # the worker thread's own connection
            try:
                ensure_new(store, address)  # before connecting: nothing asked for nothing
                check_account(session)
                kept = session.remember_secret() if remember else None
                return Handover(save_account(store, account), session, kept)
            finally:
                store.close()

        self._set_state("connecting")
        self.retry.hide()
        self.progress.show()
        self.status.show_status("info", self.tr("Connexion à {0}…").format(imap.host))
        wizard.submit("connect", connect_and_store, self._connected, self._failed)

    def _connected(self, handover: Handover) -> None:
        wizard = self.wizard_()
        wizard.handover = handover
        self._set_state("done")
        self.progress.hide()
        if wizard.adding:
            text = self.tr(
                "Le compte {0} est prêt. Sa première relève commence dès que vous cliquez sur "
                "« Terminer »."
            ).format(handover.account.address)
        else:
            text = self.tr(
                "Le compte {0} est prêt. La première relève commence à l'ouverture de la "
                "messagerie ; vous pouvez vous en servir pendant qu'elle avance."
            ).format(handover.account.address)
        if handover.kept is True:
            text += "\n\n" + self.tr("Le secret est gardé dans le trousseau du système.")
        elif handover.kept is False:
            text += "\n\n" + self.tr(
                "Aucun trousseau du système n'est disponible : le secret vous sera demandé "
                "à chaque démarrage."
            )
        self.status.show_status("ok", self.tr("Compte enregistré"), text)
        self.completeChanged.emit()

    def _failed(self, error: BaseException) -> None:
        self.progress.hide()
        self.retry.show()
        if isinstance(error, TlsError):
            self._set_state("certificate-refused")
            title = self.tr("Certificat refusé")
        elif isinstance(error, TransportError) and error.retryable:
            self._set_state("unreachable")
            title = self.tr("Serveur injoignable")
        elif isinstance(error, AuthenticationError):
            self._set_state("login-refused")
            title = self.tr("Connexion refusée")
        elif isinstance(error, Pkcs12Error):
            self._set_state("pkcs12")
            title = self.tr("Certificat logiciel illisible")
        elif isinstance(error, AccountExistsError):
            self._set_state("exists")
            title = self.tr("Compte déjà configuré")
        elif isinstance(error, CardError):
            self._set_state("card")
            title = self.tr("Problème de carte")
        else:
            self._set_state("error")
            title = self.tr("La connexion a échoué")
        self.status.show_status(
            "error",
            title,
            _message(error)
            + "\n\n"
            + self.tr("Vérifiez les réglages (« Précédent ») ou réessayez."),
        )

"""The first-run wizard: the card, who it says she is, the PIN, her address, the servers, a
check, and the account stored as ``caducee account add`` stores it; then the main window.

Card reads, logins, discovery, the "Tester" checks and the connection run in the wizard's
own worker thread (a card login can block for seconds; a server may not answer): pages
hand a job to ``WizardWorker`` and get its result back in @Slot methods through queued
connections (the Qt rule in docs/notes.md). A PIN is only ever the one she typed, used for
one login: a login runs once per "Valider" and the field is emptied at once; a wrong PIN
shows the tries left that the card reports.

The directory lookup by RPPS belongs to ``app/directory`` (another engineer's work): the
wizard takes it as ``lookup_addresses(rpps) -> list[str]``; without it the address is typed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.core.audit import AuditTrail
from app.core.edition import Edition, embedded_edition
from app.core.errors import (
    AuthenticationError,
    CaduceeError,
    CardAbsentError,
    CardError,
    CardModuleLoadError,
    CardModuleNotFoundError,
    CardRemovedError,
    NoAuthenticationCertificateError,
    NoReaderError,
    PinIncorrectError,
    PinLengthError,
    PinLockedError,
    Pkcs12Error,
    TlsError,
    TransportError,
)
from app.core.paths import Profile
from app.cps.card import CPS_PIN_TRIES, CardInfo, CardModule, PinPrompt
from app.cps.keeper import CardKeeper, CardState
from app.cps.modules import find_module
from app.ops.accounts import (
    AccountExistsError,
    AccountSession,
    check_account,
    ensure_new,
    new_account,
    save_account,
)
from app.ops.diagnose import AuthMode, DiagnoseRequest, Report, Step, diagnose
from app.ops.discovery import discover_servers, edition_servers
from app.psc.client import PscClient
from app.psc.keeper import TokenKeeper
from app.store.db import Account, Store
from app.transport.autoconfig import ServerSettings
from app.transport.endpoints import Endpoint, EndpointError, Protocol
from app.ui import threads
from app.ui.psc_signin import sign_in_dialog, wizard_psc_config
from app.ui.sync_worker import Prompter, SyncWorker

log = logging.getLogger(__name__)

LookupAddresses = Callable[[str], list[str]]
"""RPPS -> the MSSanté addresses the directory knows for her (``app/directory``, later)."""
Discover = Callable[[str], ServerSettings | None]

CARD, PKCS12, PASSWORD, PSC = "card", "pkcs12", "password", "psc"
PAGE_MODE, PAGE_CARD, PAGE_ADDRESS, PAGE_SERVERS, PAGE_CONNECT = range(5)
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_POLL_MS = 2000  # looking again for a reader or a card while the card page waits


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


def _no_pin(_prompt: PinPrompt) -> str | None:
    return None  # never a PIN she did not type on the card page


class WizardWorker(QObject):
    """Runs the wizard's jobs, one at a time, in its own thread."""

    finished = Signal(str, object)  # tag, result
    failed = Signal(str, object)  # tag, exception
    step = Signal(object)  # a diagnose Step, as it happens

    @Slot(str, object)
    def run(self, tag: str, job: Callable[[], object]) -> None:
        try:
            result = job()
        except Exception as error:  # shown to her in French; unexpected ones logged
            if not isinstance(error, CaduceeError | ValueError):
                log.exception("wizard job %s failed", tag)
            self.failed.emit(tag, error)
            return
        self.finished.emit(tag, result)


def _message(error: BaseException) -> str:
    if isinstance(error, CaduceeError):
        return error.user_message
    if isinstance(error, ValueError):
        return str(error)  # AddressError, EndpointError: French already
    return CaduceeError.default_message


class FirstRunWizard(QWizard):
    submitted = Signal(str, object)

    def __init__(
        self,
        profile: Profile,
        settings_module: str | None = None,
        *,
        module: str | None = None,
        lookup_addresses: LookupAddresses | None = None,
        discover: Discover | None = None,
        adding: bool = False,
        edition: Edition | Literal["embedded"] | None = "embedded",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("add-account-wizard" if adding else "first-run-wizard")
        self.adding = adding
        # The operator's edition (its installer embedded it): its servers without asking.
        self.edition = embedded_edition() if edition == "embedded" else edition
        self.profile = profile
        self.settings_module = settings_module
        self.module = module  # a module path given on purpose (tests, --module): stored
        self.lookup_addresses = lookup_addresses
        self.discover: Discover = discover or (lambda address: discover_servers(address, profile))
        self.keeper: CardKeeper | None = None
        self.card: CardInfo | None = None
        self.handover: Handover | None = None
        self.psc_keeper: TokenKeeper | None = None  # "Tester"'s PSC sign-in, for "Connexion"
        self._modules: dict[Path, CardModule] = {}  # one per path (touched by the worker)
        self._routes: dict[str, tuple[Callable[[Any], None], Callable[[Any], None]]] = {}
        self.busy: set[str] = set()  # the tags of the jobs under way
        self.setWindowTitle(
            self.tr("Caducée — ajouter un compte")
            if adding
            else self.tr("Caducée — premier démarrage")
        )
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("Suivant >"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< Précédent"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Annuler"))
        self.setButtonText(
            QWizard.WizardButton.FinishButton,
            self.tr("Terminer") if adding else self.tr("Ouvrir la messagerie"),
        )
        self.psc_config = wizard_psc_config(self.edition, profile.config_file)
        self.mode_page = ModePage(psc_offered=self.psc_config is not None)
        self.card_page = CardPage()
        self.address_page = AddressPage()
        self.servers_page = ServersPage()
        self.connect_page = ConnectPage()
        for page_id, page in enumerate(
            (self.mode_page, self.card_page, self.address_page, self.servers_page)
        ):
            self.setPage(page_id, page)
        self.setPage(PAGE_CONNECT, self.connect_page)
        if self.edition is not None and not adding and self.psc_config is None:
            self.setStartId(PAGE_CARD)  # the card, the PIN, and (found or typed) the address
        self.resize(720, 560)

        self.thread_ = QThread(self)
        self.thread_.setObjectName("wizard-worker")
        self.worker = WizardWorker()
        self.worker.moveToThread(self.thread_)
        queued = Qt.ConnectionType.QueuedConnection
        self.submitted.connect(self.worker.run, queued)
        self.worker.finished.connect(self._finished, queued)
        self.worker.failed.connect(self._failed, queued)
        self.worker.step.connect(self.servers_page.add_step, queued)
        self.thread_.start()

    # -- jobs -------------------------------------------------------------------------------

    def submit(
        self,
        tag: str,
        job: Callable[[], object],
        on_done: Callable[[Any], None],
        on_error: Callable[[Any], None],
    ) -> None:
        self._routes[tag] = (on_done, on_error)
        self.busy.add(tag)
        self.submitted.emit(tag, job)

    @Slot(str, object)
    def _finished(self, tag: str, result: object) -> None:
        self.busy.discard(tag)
        route = self._routes.pop(tag, None)
        if route is not None:
            route[0](result)

    @Slot(str, object)
    def _failed(self, tag: str, error: object) -> None:
        self.busy.discard(tag)
        route = self._routes.pop(tag, None)
        if route is not None:
            route[1](error)

    def card_module(self, path: Path) -> CardModule:
        """Called in the worker thread only."""
        if path not in self._modules:
            self._modules[path] = CardModule(path)
        return self._modules[path]

    # -- what the pages chose ---------------------------------------------------------------

    def mode(self) -> str:
        return self.mode_page.mode()

    def address(self) -> str:
        return self.address_page.address()

    def done(self, result: int) -> None:
        handed = self.handover is not None and self.handover.account.auth == CARD
        if self.keeper is not None and not handed:
            keeper = self.keeper
            self.keeper = None
            keeper.stop()  # cancelled, or another kind of account: log the card out
        psc_handed = self.handover is not None and self.handover.account.auth == PSC
        if self.psc_keeper is not None and not psc_handed:
            self.psc_keeper.forget()  # the test's tokens never outlive the wizard unused
        self.psc_keeper = None
        threads.finish(self.thread_)
        super().done(result)


class _Page(QWizardPage):
    def wizard_(self) -> FirstRunWizard:
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)  # noqa: S101 - the pages are its own
        return wizard


class _Status(QWidget):
    """A title and a sentence: information, success or a problem she can act on."""

    COLOURS: ClassVar[dict[str, tuple[str, str]]] = {
        "info": ("#1e3a8a", "#eff6ff"),
        "ok": ("#14532d", "#f0fdf4"),
        "error": ("#7f1d1d", "#fef2f2"),
    }

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("status-title")
        self.text = QLabel()
        self.text.setObjectName("status-text")
        self.text.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        self.kind = "info"

    def show_status(self, kind: str, title: str, text: str = "") -> None:
        self.kind = kind
        ink, paper = self.COLOURS[kind]
        self.setStyleSheet(
            f"QLabel {{ color: {ink}; background: {paper}; padding: 6px; }}"
            "QLabel#status-title { font-weight: bold; font-size: 14pt; }"
        )
        self.title.setText(title)
        self.text.setText(text)
        self.text.setVisible(bool(text))


# -- 1. how she signs in ---------------------------------------------------------------------


class ModePage(_Page):
    def __init__(self, psc_offered: bool = False) -> None:
        super().__init__()
        self.setTitle(self.tr("Bienvenue dans Caducée"))
        self.setSubTitle(
            self.tr(
                "Configurons votre messagerie sécurisée de santé (MSSanté). "
                "Comment vous connectez-vous ?"
            )
        )
        layout = QVBoxLayout(self)
        self.card = QRadioButton(self.tr("Avec ma carte CPS (recommandé)"))
        self.pkcs12 = QRadioButton(self.tr("Avec un certificat logiciel (fichier .p12)"))
        self.password = QRadioButton(
            self.tr("Avec un mot de passe (une autre boîte aux lettres, non MSSanté)")
        )
        self.psc = QRadioButton(self.tr("Pro Santé Connect (carte CPS ou e-CPS)"))
        self.psc.setVisible(psc_offered)  # first, when the operator takes PSC tokens
        self.group = QButtonGroup(self)
        for button in (self.psc, self.card, self.pkcs12, self.password):
            self.group.addButton(button)
            layout.addWidget(button)
        (self.psc if psc_offered else self.card).setChecked(True)
        layout.addStretch()

    def mode(self) -> str:
        if self.psc.isChecked():
            return PSC
        if self.pkcs12.isChecked():
            return PKCS12
        if self.password.isChecked():
            return PASSWORD
        return CARD

    def nextId(self) -> int:
        return PAGE_CARD if self.mode() == CARD else PAGE_ADDRESS


# -- 2. the card ------------------------------------------------------------------------------


class CardPage(_Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Votre carte CPS"))
        self.setSubTitle(self.tr("Le lecteur, la carte, puis votre code."))
        layout = QVBoxLayout(self)
        self.status = _Status()
        layout.addWidget(self.status)
        self.identity = QGroupBox(self.tr("La carte indique"))
        form = QFormLayout(self.identity)
        self.name = QLabel()
        self.profession = QLabel()
        self.rpps = QLabel()
        self.tries = QLabel()
        self.tries.setObjectName("tries-left")
        form.addRow(self.tr("Nom :"), self.name)
        form.addRow(self.tr("Profession :"), self.profession)
        form.addRow(self.tr("RPPS :"), self.rpps)
        form.addRow(self.tr("Essais restants :"), self.tries)
        layout.addWidget(self.identity)
        self.pin_box = QWidget()
        row = QHBoxLayout(self.pin_box)
        row.setContentsMargins(0, 0, 0, 0)
        self.pin_label = QLabel(self.tr("Code de la carte :"))
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.pin.returnPressed.connect(self.login)
        self.validate = QPushButton(self.tr("Valider le code"))
        self.validate.clicked.connect(self.login)
        row.addWidget(self.pin_label)
        row.addWidget(self.pin, 1)
        row.addWidget(self.validate)
        layout.addWidget(self.pin_box)
        self.again = QPushButton(self.tr("Rechercher à nouveau"))
        self.again.clicked.connect(self.detect)
        layout.addWidget(self.again, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch()
        self.other_modes = QPushButton(
            self.tr("Se connecter autrement (certificat logiciel, mot de passe)…")
        )
        self.other_modes.setObjectName("other-modes")
        self.other_modes.setFlat(True)
        self.other_modes.clicked.connect(self._other_modes)
        layout.addWidget(self.other_modes, 0, Qt.AlignmentFlag.AlignLeft)
        self.module: CardModule | None = None
        self.poll = QTimer(self)
        self.poll.setSingleShot(True)
        self.poll.setInterval(_POLL_MS)
        self.poll.timeout.connect(self._poll)
        self.state = ""

    def initializePage(self) -> None:
        wizard = self.wizard_()
        self.other_modes.setVisible(wizard.startId() == PAGE_CARD)  # no "Précédent" here
        if wizard.keeper is not None and wizard.card is not None:
            self._unlocked(wizard.card)
        else:
            self.detect()

    def isComplete(self) -> bool:
        return self.wizard_().keeper is not None

    @Slot()
    def _other_modes(self) -> None:
        """An operator's edition starts on the card: the first page is one click away."""
        self.poll.stop()
        wizard = self.wizard_()
        wizard.setStartId(PAGE_MODE)
        wizard.restart()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.setObjectName(f"card-page-{state}")

    @Slot()
    def detect(self) -> None:
        wizard = self.wizard_()
        if "card.read" in wizard.busy or "card.login" in wizard.busy:
            return
        self._set_state("searching")
        self.status.show_status("info", self.tr("Recherche du lecteur et de la carte…"))
        self.identity.hide()
        self.pin_box.hide()
        self.again.hide()
        module_given, settings = wizard.module, wizard.settings_module

        def read() -> tuple[CardModule, CardInfo]:
            module = wizard.card_module(find_module(module_given, settings).path)
            return module, module.card()

        wizard.submit("card.read", read, self._read, self._read_failed)

    @Slot()
    def _poll(self) -> None:
        if self.wizard_().currentPage() is self and self.state in ("no-reader", "no-card"):
            self.detect()

    def _read(self, result: tuple[CardModule, CardInfo]) -> None:
        self.module, card = result
        self.wizard_().card = card
        self._show_identity(card)
        if card.pin.locked:
            self._locked()
            return
        self._set_state("pin")
        if card.pin.pin_pad:
            text = self.tr("Cliquez sur « Valider le code », puis tapez-le sur le lecteur.")
        else:
            text = self.tr("Saisissez le code de votre carte (4 à 8 chiffres).")
        warning = ""
        if card.pin.final_try:
            warning = self.tr("Attention : dernier essai avant le blocage de la carte. ")
        elif card.pin.count_low:
            warning = self.tr("Attention : un code erroné a déjà été saisi. ")
        self.status.show_status("info", self.tr("Carte CPS trouvée"), warning + text)
        self.pin_box.show()
        self.pin.setEnabled(not card.pin.pin_pad)
        self.validate.setEnabled(True)
        self.pin.setFocus()

    def _show_identity(self, card: CardInfo) -> None:
        holder = card.holder
        unknown = self.tr("non indiqué")
        self.name.setText(holder.display_name if holder else card.token_label)
        self.profession.setText((holder.profession if holder else None) or unknown)
        self.rpps.setText((holder.rpps or holder.adeli if holder else None) or unknown)
        self._show_tries(card.pin.tries_left)
        self.identity.show()

    def _show_tries(self, tries: int | None) -> None:
        self.tries.setText(str(tries) if tries is not None else self.tr("inconnu"))
        low = tries is not None and tries < 3
        self.tries.setStyleSheet("QLabel { color: #b91c1c; font-weight: bold; }" if low else "")

    def _read_failed(self, error: BaseException) -> None:
        self.identity.hide()
        self.pin_box.hide()
        self.again.show()
        if isinstance(error, NoReaderError):
            self._set_state("no-reader")
            title = self.tr("Aucun lecteur de carte")
        elif isinstance(error, CardAbsentError | CardRemovedError):
            self._set_state("no-card")
            title = self.tr("Aucune carte dans le lecteur")
        elif isinstance(error, CardModuleNotFoundError | CardModuleLoadError):
            self._set_state("no-module")
            title = self.tr("Logiciel de la carte introuvable")
        elif isinstance(error, NoAuthenticationCertificateError):
            self._set_state("not-cps")
            title = self.tr("Carte non reconnue")
        else:
            self._set_state("card-error")
            title = self.tr("La carte n'a pas pu être lue")
        self.status.show_status("error", title, _message(error))
        if self.state in ("no-reader", "no-card"):
            self.poll.start()  # she plugs the reader in or inserts the card: seen by itself

    def _locked(self) -> None:
        self._set_state("locked")
        self.pin_box.hide()
        self._show_tries(0)
        self.again.show()
        message = PinLockedError().user_message
        self.status.show_status("error", self.tr("Carte CPS bloquée"), message)

    @Slot()
    def login(self) -> None:
        wizard = self.wizard_()
        card, module = wizard.card, self.module
        if card is None or module is None or "card.login" in wizard.busy:
            return
        typed = "" if card.pin.pin_pad else self.pin.text()
        self.pin.clear()  # one PIN, one login: never typed again for her
        self.validate.setEnabled(False)
        self.pin.setEnabled(False)
        self.status.show_status("info", self.tr("Vérification du code…"))

        def unlock() -> CardKeeper:
            keeper = CardKeeper(module, card.serial)
            keeper.unlock(lambda _prompt: typed)
            return keeper

        wizard.submit("card.login", unlock, self._logged_in, self._login_failed)

    def _logged_in(self, keeper: CardKeeper) -> None:
        wizard = self.wizard_()
        wizard.keeper = keeper
        session = keeper.session()
        wizard.card = session.card
        self._unlocked(session.card)
        self.completeChanged.emit()
        if wizard.currentPage() is self:
            wizard.next()

    def _unlocked(self, card: CardInfo) -> None:
        self._set_state("unlocked")
        self._show_identity(card)
        self._show_tries(CPS_PIN_TRIES)
        self.pin_box.hide()
        self.again.hide()
        self.status.show_status("ok", self.tr("Code accepté"))

    def _login_failed(self, error: BaseException) -> None:
        card = self.wizard_().card
        pin_pad = card is not None and card.pin.pin_pad
        self.pin.setEnabled(not pin_pad)
        self.validate.setEnabled(True)
        if isinstance(error, PinIncorrectError):
            self._set_state("wrong-pin")
            self._show_tries(error.tries_left)
            self.status.show_status("error", self.tr("Code incorrect"), error.user_message)
        elif isinstance(error, PinLockedError):
            self._locked()
        elif isinstance(error, PinLengthError):
            self._set_state("pin-form")
            self.status.show_status(
                "error",
                self.tr("Code non envoyé à la carte"),
                error.user_message + " " + self.tr("Aucun essai n'a été utilisé."),
            )
        elif isinstance(error, CardError):
            self._read_failed(error)
        else:
            self._set_state("card-error")
            self.status.show_status("error", self.tr("Échec"), _message(error))
        self.pin.setFocus()


def _file_row(parent: QWidget, field: QLineEdit, title: str, patterns: str) -> QHBoxLayout:
    """A path field with its "Parcourir…" button (the texts translated by the caller)."""
    choose = QPushButton(QApplication.translate("FirstRunWizard", "Parcourir…"))

    def pick() -> None:
        chosen, _ = QFileDialog.getOpenFileName(parent, title, field.text(), patterns)
        if chosen:
            field.setText(chosen)

    choose.clicked.connect(pick)
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(choose)
    return row


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
            audit=AuditTrail(wizard.profile.data_dir / "audit"),
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


def run_wizard(
    profile: Profile,
    settings_module: str | None,
    *,
    lookup_addresses: LookupAddresses | None = None,
    adding: bool = False,
    parent: QWidget | None = None,
) -> Handover | None:
    """Show the wizard until she finishes or cancels; the account is stored on finishing.
    ``adding``: from the main window's "Ajouter un compte…", not the first start."""
    wizard = FirstRunWizard(
        profile, settings_module, lookup_addresses=lookup_addresses, adding=adding, parent=parent
    )
    accepted = wizard.exec() == QWizard.DialogCode.Accepted
    return wizard.handover if accepted else None

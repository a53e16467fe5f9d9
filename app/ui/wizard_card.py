"""The first-run wizard's card page: the reader, the card, who it says she is, the PIN.

Never a dead end: when the card's software (Cryptolib CPS) is missing, the page says what
to install on this platform (Windows, macOS, an RPM-based Linux; on Debian and Ubuntu, where
the ANS's RPM does not install, that it cannot be), offers "Parcourir…" to choose the
module file, and the other ways in: a certificate file (PKCS#12) or Pro Santé Connect when
the operator takes it."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import (
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
)
from app.cps.card import CPS_PIN_TRIES, CardInfo, CardModule
from app.cps.keeper import CardKeeper
from app.cps.modules import OS_RELEASE, candidates, find_module, install_hint
from app.ui import file_dialogs
from app.ui.wizard_page import (
    _POLL_MS,
    PAGE_CARD,
    PAGE_MODE,
    PKCS12,
    PSC,
    _message,
    _Page,
    _Status,
)

MODULE_FILTERS = {
    "win32": "Module PKCS#11 (*.dll)",
    "darwin": "Module PKCS#11 (*.dylib *.so)",
}

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
        self.ways = QWidget()  # what she can do when the card cannot be used
        self.ways.setObjectName("ways-forward")
        ways = QHBoxLayout(self.ways)
        ways.setContentsMargins(0, 0, 0, 0)
        self.browse = QPushButton(self.tr("Parcourir…"))
        self.browse.setObjectName("browse-module")
        self.browse.setToolTip(self.tr("Choisir le fichier du module PKCS#11 de la carte"))
        self.browse.clicked.connect(self.choose_module)
        self.use_pkcs12 = QPushButton(self.tr("Utiliser un certificat logiciel (.p12)"))
        self.use_pkcs12.setObjectName("use-pkcs12")
        self.use_pkcs12.clicked.connect(lambda: self.switch_mode(PKCS12))
        self.use_psc = QPushButton(self.tr("Se connecter avec Pro Santé Connect"))
        self.use_psc.setObjectName("use-psc")
        self.use_psc.clicked.connect(lambda: self.switch_mode(PSC))
        for button in (self.browse, self.use_pkcs12, self.use_psc):
            ways.addWidget(button)
        ways.addStretch(1)
        self.ways.hide()
        layout.addWidget(self.ways)
        layout.addStretch()
        self.platform: str = sys.platform  # whose advice is given (tests choose)
        self.os_release: Path = OS_RELEASE
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
        self.ways.hide()
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
        text = _message(error)
        if self.state == "no-module":  # this platform's advice, not the command line's
            text = " ".join(
                (
                    self.tr(
                        "Le logiciel de la carte CPS (Cryptolib CPS) est introuvable ou "
                        "inutilisable sur cet ordinateur."
                    ),
                    install_hint(self.platform, self.os_release),
                    self.tr(
                        "Si le module est installé ailleurs, choisissez-le avec « Parcourir… »."
                    ),
                )
            )
        self._offer_ways()
        self.status.show_status("error", title, text)
        if self.state in ("no-reader", "no-card"):
            self.poll.start()  # she plugs the reader in or inserts the card: seen by itself

    def _offer_ways(self) -> None:
        """The card cannot be used now: the module file, or another way to sign in."""
        self.browse.setVisible(self.state in ("no-module", "card-error", "not-cps"))
        self.use_psc.setVisible(self.wizard_().psc_config is not None)
        self.ways.show()

    @Slot()
    def choose_module(self) -> None:
        """ "Parcourir…": the module file she (or her IT) knows; read again with it."""
        usual = next((p.parent for p in candidates(self.platform) if p.parent.is_dir()), None)
        chosen = file_dialogs.open_file(
            self,
            "card-module",
            self.tr("Module PKCS#11 de la carte CPS"),
            MODULE_FILTERS.get(self.platform, "Module PKCS#11 (*.so *.so.*)"),
            default=usual,
        )
        if chosen is None:
            return
        self.wizard_().module = str(chosen)  # stored with the account, as --module is
        self.detect()

    def switch_mode(self, mode: str) -> None:
        """Sign in another way: the first page's choice, then on to the address."""
        self.poll.stop()
        wizard = self.wizard_()
        button = {PKCS12: wizard.mode_page.pkcs12, PSC: wizard.mode_page.psc}[mode]
        button.setChecked(True)
        wizard.setStartId(PAGE_MODE)
        wizard.restart()
        wizard.next()

    def _locked(self) -> None:
        self._set_state("locked")
        self._offer_ways()
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

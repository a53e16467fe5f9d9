"""Signing in to Pro Santé Connect from the window: on this computer (the browser) or with
the phone (the e-CPS app flashes a QR code; CIBA when the provider offers it: she types her
national id, or finds the one of her last sign-in, and approves the notification on her
phone).

The QR page shows the code, the user code in large type, a visible two-minute countdown and
"Nouveau code"; when the verification page is on this computer (the demo's "e-CPS de
démonstration" on 127.0.0.1), it says a phone cannot open it and links it for the browser.
The engine's calls (discovery, device grant, polling) run in plain threads; their results
come back through ``_Bridge``'s signals, queued to the dialog's slots (the Qt
rule of docs/notes.md). Closing the dialog cancels what waits. The tokens go to the caller as
a ``TokenKeeper`` (``keeper``): nothing is written anywhere.
"""

from __future__ import annotations

import html
import ipaddress
import threading
import urllib.parse
import webbrowser
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CaduceeError
from app.psc import qr
from app.psc.client import DeviceAuthorization, PscClient
from app.psc.config import PscConfig, resolve
from app.psc.errors import PscCancelledError, PscProviderError
from app.psc.keeper import TokenKeeper

QR_PIXELS = 6  # per QR module: about 250 px for a verification URL


class _Bridge(QObject):
    """Results of the engine's threads, delivered in the GUI thread."""

    metadata = Signal(object)  # ProviderMetadata
    device = Signal(object, bytes)  # DeviceAuthorization, its QR code as PNG
    signed_in = Signal(object, int)  # TokenKeeper, generation
    failed = Signal(str, int)  # French message, generation


class PscSignInDialog(QDialog):
    """``exec()``: Accepted with ``keeper`` set, or Rejected (closed, cancelled)."""

    def __init__(
        self,
        client: PscClient,
        parent: QWidget | None = None,
        *,
        address: str = "",
        national_id: str | None = None,
        open_url: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.national_id = national_id
        self.open_url = open_url
        self.keeper: TokenKeeper | None = None
        self.offers_ciba = False
        self.device_request: DeviceAuthorization | None = None
        self.qr_png = b""
        self._cancel = threading.Event()
        self._generation = 0  # answers of a replaced code are ignored
        self.bridge = _Bridge()
        queued = Qt.ConnectionType.QueuedConnection
        self.bridge.metadata.connect(self._discovered, queued)
        self.bridge.device.connect(self._show_code, queued)
        self.bridge.signed_in.connect(self._signed_in, queued)
        self.bridge.failed.connect(self._failed, queued)

        self.setWindowTitle(self.tr("Connexion Pro Santé Connect"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = self.tr("Connectez-vous avec votre carte CPS ou votre e-CPS.")
        heading = QLabel(f"{intro}\n{address}" if address else intro)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages)

        choice = QWidget()
        column = QVBoxLayout(choice)
        self.browser_button = QPushButton(self.tr("Sur cet ordinateur (navigateur)"))
        self.phone_button = QPushButton(self.tr("Avec mon téléphone (code QR e-CPS)"))
        self.ciba_button = QPushButton(self.tr("Notification sur mon téléphone (CIBA)"))
        self.national_field = QLineEdit(national_id or "")
        self.national_field.setPlaceholderText(self.tr("Identifiant national (RPPS ou ADELI)"))
        self.national_field.textChanged.connect(self._national_changed)
        for button in (self.browser_button, self.phone_button):
            button.setEnabled(False)  # until discovery answered
            column.addWidget(button)
        self.ciba_row = QWidget()  # only when the provider offers CIBA
        ciba_layout = QHBoxLayout(self.ciba_row)
        ciba_layout.setContentsMargins(0, 0, 0, 0)
        ciba_layout.addWidget(self.national_field)
        ciba_layout.addWidget(self.ciba_button)
        self.ciba_row.setVisible(False)
        self.ciba_button.setEnabled(False)
        column.addWidget(self.ciba_row)
        self.browser_button.clicked.connect(self.use_browser)
        self.phone_button.clicked.connect(self.use_phone)
        self.ciba_button.clicked.connect(self.use_ciba)
        self.pages.addWidget(choice)

        page = QWidget()
        qr_layout = QVBoxLayout(page)
        self.qr_label = QLabel()
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_label.setMinimumSize(260, 260)
        hint = QLabel(self.tr("Flashez ce code avec l'application e-CPS de votre téléphone."))
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label = QLabel()
        font = QFont(self.code_label.font())
        font.setPointSize(max(font.pointSize(), 10) * 2)
        font.setBold(True)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 3)
        self.code_label.setFont(font)
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where_label = QLabel()
        self.where_label.setWordWrap(True)
        self.where_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.local_label = QLabel()  # a verification page on this computer (the demo's)
        self.local_label.setWordWrap(True)
        self.local_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.local_label.setTextFormat(Qt.TextFormat.RichText)
        self.local_label.linkActivated.connect(self._open_local)
        self.local_label.setVisible(False)
        self.countdown_label = QLabel()
        self.countdown_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.new_code_button = QPushButton(self.tr("Nouveau code"))
        self.new_code_button.clicked.connect(self.use_phone)
        for widget in (
            self.qr_label,
            hint,
            self.code_label,
            self.where_label,
            self.local_label,
            self.countdown_label,
        ):
            qr_layout.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.new_code_button)
        row.addStretch(1)
        qr_layout.addLayout(row)
        self.pages.addWidget(page)

        self.status = QLabel(self.tr("Recherche du fournisseur Pro Santé Connect…"))
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = QPushButton(self.tr("Annuler"))
        cancel.clicked.connect(self.reject)
        buttons.addWidget(cancel)
        layout.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self._run(lambda: self.bridge.metadata.emit(self.client.metadata()), 0)

    # -- the engine's work, in threads ------------------------------------------------------

    def _run(self, job: Callable[[], None], generation: int) -> None:
        def work() -> None:
            try:
                job()
            except CaduceeError as error:
                if not self._cancel.is_set():
                    self.bridge.failed.emit(error.user_message, generation)
            except Exception as error:  # noqa: BLE001 - a defect: said, never a silent dead dialog
                self.bridge.failed.emit(f"Erreur inattendue : {type(error).__name__}", generation)

        threading.Thread(target=work, name="psc-sign-in", daemon=True).start()

    @Slot(object)
    def _discovered(self, metadata: object) -> None:
        offers_device = getattr(metadata, "offers_device", False)
        self.browser_button.setEnabled(True)
        self.phone_button.setEnabled(bool(offers_device))
        if not offers_device:
            self.phone_button.setToolTip(self.tr("Ce fournisseur ne propose pas le code QR."))
        self.offers_ciba = bool(getattr(metadata, "offers_ciba", False))
        self.ciba_row.setVisible(self.offers_ciba)
        self._national_changed()
        self.browser_button.setFocus()  # Entrée: the browser, the first way offered
        self.status.setText(self.tr("Choisissez comment vous connecter."))

    @Slot()
    def _national_changed(self) -> None:
        typed = self.national_field.text().strip()
        self.ciba_button.setEnabled(self.offers_ciba and typed.isdigit() and len(typed) <= 20)

    @Slot()
    def use_browser(self) -> None:
        self._generation += 1
        generation = self._generation
        self.status.setText(
            self.tr("Poursuivez dans le navigateur (carte CPS ou e-CPS), puis revenez ici.")
        )
        self.browser_button.setEnabled(False)

        def job() -> None:
            tokens = self.client.sign_in_browser(self.open_url, cancel=self._cancel)
            self.bridge.signed_in.emit(TokenKeeper(self.client, tokens), generation)

        self._run(job, generation)

    @Slot()
    def use_phone(self) -> None:
        """A (new) QR code: the previous one's answers no longer count."""
        self._generation += 1
        generation = self._generation
        self.new_code_button.setEnabled(False)
        self.status.setText(self.tr("Demande d'un code…"))

        def job() -> None:
            device = self.client.start_device()
            self.bridge.device.emit(device, qr.png(device.qr_url, box_size=QR_PIXELS))
            tokens = self.client.wait_device(device, cancel=self._cancel)
            if generation == self._generation:
                self.bridge.signed_in.emit(TokenKeeper(self.client, tokens), generation)

        self._run(job, generation)

    @Slot()
    def use_ciba(self) -> None:
        self._generation += 1
        generation = self._generation
        self.ciba_button.setEnabled(False)
        self.status.setText(self.tr("Validez la connexion sur votre téléphone…"))

        national_id = self.national_field.text().strip()

        def job() -> None:
            request = self.client.start_ciba(national_id)
            tokens = self.client.wait_ciba(request, cancel=self._cancel)
            self.bridge.signed_in.emit(TokenKeeper(self.client, tokens), generation)

        self._run(job, generation)

    # -- results, in the GUI thread ---------------------------------------------------------

    @Slot(object, bytes)
    def _show_code(self, device: DeviceAuthorization, png: bytes) -> None:
        self.device_request, self.qr_png = device, png
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        self.qr_label.setPixmap(pixmap)
        self.qr_label.setMinimumSize(pixmap.size())  # never drawn under the text below
        self.code_label.setText(device.user_code)
        self.where_label.setText(
            self.tr("Ou ouvrez %1 et saisissez ce code.").replace("%1", device.verification_uri)
        )
        local = is_loopback(device.qr_url)
        self.local_label.setVisible(local)
        if local:
            self.local_label.setText(
                self.tr(
                    "Ce code mène à une page de cet ordinateur (127.0.0.1) : un téléphone ne "
                    'peut pas l\'ouvrir. <a href="%1">Ouvrir la page de validation dans le '
                    "navigateur de cet ordinateur</a>."
                ).replace("%1", html.escape(device.qr_url, quote=True))
            )
        self.pages.setCurrentIndex(1)
        self._fit()
        self.new_code_button.setEnabled(True)
        self.status.setText(self.tr("En attente de la validation sur le téléphone…"))
        self._tick()
        self.timer.start()

    def _fit(self) -> None:
        """Tall enough for the QR page (its wrapped lines count only through
        height-for-width, which the minimum size ignores: else they overlap the code)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        width = self.width()
        needed = (
            layout.totalHeightForWidth(width)
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        self.setMinimumHeight(needed)
        self.resize(width, max(self.height(), needed))

    @Slot(str)
    def _open_local(self, url: str) -> None:
        """The loopback verification page (the demo's e-CPS), in this computer's browser."""
        (self.open_url or webbrowser.open)(url)

    @Slot()
    def _tick(self) -> None:
        device = self.device_request
        if device is None:
            return
        left = int(device.remaining())
        if left <= 0:
            self.timer.stop()
            self.countdown_label.setText(self.tr("Code expiré : demandez un nouveau code."))
            return
        self.countdown_label.setText(
            self.tr("Code valable encore %1").replace("%1", f"{left // 60}:{left % 60:02d}")
        )

    @Slot(object, int)
    def _signed_in(self, keeper: TokenKeeper, generation: int) -> None:
        if generation != self._generation:
            keeper.forget()
            return
        self.keeper = keeper
        self.timer.stop()
        self.accept()

    @Slot(str, int)
    def _failed(self, message: str, generation: int) -> None:
        if generation not in (0, self._generation):
            return  # a replaced code expiring: not news
        self.status.setText(message)
        self.status.setStyleSheet("color: #b00020;")
        if generation == 0:  # discovery failed: nothing to choose (Annuler, then retry)
            return
        self.browser_button.setEnabled(True)
        self.new_code_button.setEnabled(True)
        self._national_changed()
        if self.device_request is not None and generation == self._generation:
            self.timer.stop()

    def done(self, result: int) -> None:
        self._cancel.set()  # what still waits (browser, polling) stops
        self.timer.stop()
        super().done(result)


def is_loopback(url: str) -> bool:
    """A page only this computer can open (127.0.0.1, ::1, localhost): the demo's and the
    lab's providers; a phone scanning the code would find nothing there."""
    try:  # the provider's text: anything, even an unparsable URL, never raises here
        host = urllib.parse.urlsplit(url).hostname or ""
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def wizard_psc_config(edition: object, config_file: object) -> PscConfig | None:
    """The provider the wizard offers PSC with: the operator's edition, else config.toml
    ``[psc]``; None when neither names one (the choice is then not offered)."""
    from pathlib import Path

    from app.core.edition import Edition
    from app.core.settings import Settings, SettingsError
    from app.psc.errors import PscConfigurationError

    settings = None
    if isinstance(config_file, Path):
        try:
            settings = Settings.load(config_file)
        except SettingsError:
            settings = None
    try:
        return resolve(settings=settings, edition=edition if isinstance(edition, Edition) else None)
    except (PscConfigurationError, PscProviderError):
        return None


def sign_in_dialog(parent: QWidget | None, config: PscConfig, address: str) -> TokenKeeper:
    """The sign-in window (in the GUI thread); its tokens, or PscCancelledError."""
    dialog = PscSignInDialog(PscClient(config), parent, address=address)
    dialog.exec()
    if dialog.keeper is None:
        raise PscCancelledError("PSC sign-in closed")
    return dialog.keeper

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
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QWidget, QWizard

from app.core.edition import Edition, embedded_edition
from app.core.errors import CaduceeError
from app.core.paths import Profile
from app.cps.card import CardInfo, CardModule
from app.cps.keeper import CardKeeper
from app.ops.discovery import discover_servers
from app.psc.keeper import TokenKeeper
from app.transport.autoconfig import ServerSettings
from app.ui import threads
from app.ui.psc_signin import wizard_psc_config
from app.ui.wizard_address import AddressPage
from app.ui.wizard_card import CardPage
from app.ui.wizard_connect import ConnectPage, Handover
from app.ui.wizard_mode import ModePage
from app.ui.wizard_page import CARD, PAGE_CARD, PAGE_CONNECT, PSC
from app.ui.wizard_servers import ServersPage

log = logging.getLogger(__name__)

LookupAddresses = Callable[[str], list[str]]
"""RPPS -> the MSSanté addresses the directory knows for her (``app/directory``, later)."""
Discover = Callable[[str], ServerSettings | None]


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

"""Syncing and sending off the GUI thread, and asking secrets from it.

``SyncWorker`` lives in its own ``QThread`` with its own store connection; it reports through
queued signals. When the engine needs the card PIN, a password or a passphrase, the worker
asks the ``Prompter`` (in the GUI thread) and waits for the answer: the engine never blocks
the window, and the window never does network or card work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from app.core.audit import AuditTrail
from app.core.edition import embedded_edition
from app.core.errors import (
    AuthenticationError,
    CaduceeError,
    CardError,
    CardRemovedError,
    TlsError,
    TransportError,
)
from app.core.keychain import get_secret, password_key, pkcs12_key
from app.cps.card import PinPrompt
from app.cps.keeper import CardState
from app.ops.accounts import AccountSession, check_account
from app.ops.drafts import push_after_sync
from app.ops.outbox import check_uncertain, deliver
from app.ops.sync import SyncBusyError, sync_account
from app.psc.client import PscClient
from app.psc.config import resolve
from app.psc.errors import PscCancelledError, PscError, PscUnreachableError
from app.psc.keeper import TokenKeeper
from app.store.db import Account, Store
from app.store.outbox import OutboxStore
from app.sync.engine import SyncReport
from app.transport.sasl import BearerRefusedError

log = logging.getLogger(__name__)


@dataclass
class Question:
    text: str
    secret: bool = True
    answer: str | None = None
    answered: threading.Event = field(default_factory=threading.Event)


Answerer = Callable[[Question], str | None]


@dataclass
class PscRequest:
    """A PSC sign-in the worker needs for ``account``; answered in the GUI thread."""

    account: Account
    keeper: TokenKeeper | None = None
    answered: threading.Event = field(default_factory=threading.Event)


PscAnswerer = Callable[[PscClient, Account], TokenKeeper | None]


class Prompter(QObject):
    """Asks in the GUI thread on behalf of the worker; ``answerer`` replaces the dialogs."""

    asked = Signal(object)
    psc_asked = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        answerer: Answerer | None = None,
        psc_answerer: PscAnswerer | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = parent
        self.answerer = answerer or self._dialog
        self.psc_answerer = psc_answerer or self._psc_dialog
        self.national_ids: dict[str, str] = {}  # account → national id of its last sign-in
        self.asked.connect(self._answer, Qt.ConnectionType.QueuedConnection)
        self.psc_asked.connect(self._answer_psc, Qt.ConnectionType.QueuedConnection)

    def sign_in_psc(self, account: Account, national_id: str | None = None) -> TokenKeeper:
        """Called from the worker thread: Pro Santé Connect's sign-in window, its tokens;
        ``PscCancelledError`` when she closed it. ``national_id`` (her last sign-in's) is
        offered already typed for CIBA."""
        if national_id:
            self.national_ids[account.address.lower()] = national_id
        request = PscRequest(account)
        self.psc_asked.emit(request)
        request.answered.wait()
        if request.keeper is None:
            raise PscCancelledError("PSC sign-in closed")
        return request.keeper

    @Slot(object)
    def _answer_psc(self, request: PscRequest) -> None:
        try:
            config = resolve(
                account_issuer=request.account.psc_issuer,
                account_client_id=request.account.psc_client_id,
                edition=embedded_edition(),
            )
            request.keeper = self.psc_answerer(PscClient(config), request.account)
        except CaduceeError:
            request.keeper = None
        finally:
            request.answered.set()

    def _psc_dialog(self, client: PscClient, account: Account) -> TokenKeeper | None:
        from app.ui.psc_signin import PscSignInDialog

        dialog = PscSignInDialog(
            client,
            self.window,
            address=account.address,
            national_id=self.national_ids.get(account.address.lower()),
        )
        dialog.exec()
        return dialog.keeper

    def ask(self, text: str) -> str | None:
        """Called from the worker thread: blocks it until the user answered or cancelled."""
        question = Question(text)
        self.asked.emit(question)
        question.answered.wait()
        return question.answer

    def ask_pin(self, prompt: PinPrompt) -> str | None:
        if prompt.pin_pad:
            return ""  # typed on the reader's own keypad
        text = prompt.message()
        if prompt.status.count_low:
            text = f"{prompt.status.describe().capitalize()}.\n{text}"
        return self.ask(text)

    @Slot(object)
    def _answer(self, question: Question) -> None:
        try:
            question.answer = self.answerer(question)
        finally:
            question.answered.set()

    def _dialog(self, question: Question) -> str | None:
        text, ok = QInputDialog.getText(
            self.window,
            "Caducée",
            question.text,
            QLineEdit.EchoMode.Password if question.secret else QLineEdit.EchoMode.Normal,
        )
        return text if ok else None


class SessionGift(Protocol):
    """An account session opened elsewhere (the wizard's), given to the worker."""

    def give_to(self, worker: SyncWorker, prompter: Prompter) -> None: ...


class SyncWorker(QObject):
    account_started = Signal(str)
    progressed = Signal(str, str, int, int, str)  # account, phase, done, total, folder
    account_done = Signal(str, object)  # account, SyncReport
    account_failed = Signal(str, str, str, str)  # account, state, French message, detail
    all_done = Signal()
    card_changed = Signal(str, str)  # account, CardState name (from the reader's watcher)
    uncertain_checked = Signal(int, str)  # outbox item, French problem ("" if checked)

    def __init__(
        self, data_dir: Path, cache_dir: Path, card_module: str | None, prompter: Prompter
    ) -> None:
        super().__init__()
        self.data_dir, self.cache_dir = data_dir, cache_dir
        self.card_module = card_module
        self.prompter = prompter
        self.sessions: dict[str, AccountSession] = {}
        self.typed_only = False  # the next sync asks every secret: the keyring proves nothing

    @Slot()
    def expect_typed_secrets(self) -> None:
        """Unlocking: a password or passphrase kept in the keyring would let anyone at the
        desk in, so the next sign-in asks what it needs, as the card asks its PIN."""
        self.typed_only = True

    @Slot()
    def sync_all(self) -> None:
        store = Store.open(self.data_dir)  # this thread's own connection
        try:
            for account in store.accounts():
                self._sync(store, account)
        finally:
            store.close()
            self.typed_only = False
            self.all_done.emit()

    def _sync(self, store: Store, account: Account) -> None:
        address = account.address
        self.account_started.emit(address)
        session = self.sessions.get(address) or self._session(account)

        def progress(phase: str, done: int, total: int, folder: str) -> None:
            self.progressed.emit(address, phase, done, total, folder)

        try:
            try:
                # Never waits: the window tries again later (window_session.BUSY_RETRY_MS).
                report: SyncReport = sync_account(
                    store, session, self.data_dir / "locks", progress=progress, wait=0
                )
            except SyncBusyError:
                if self.typed_only:  # unlocking: the sign-in is still proven
                    self._sign_in(session)
                raise
            self.progressed.emit(address, "envoi", 0, 1, "")
            report.sent = len(deliver(store, session).sent)
            self.progressed.emit(address, "envoi", 1, 1, "")
            for warning in push_after_sync(store, session):  # drafts to the server's Drafts
                log.warning("%s: drafts not pushed (%d chars of warning)", address, len(warning))
        except CaduceeError as error:
            if not error.retryable:  # a wrong secret or a card gone: ask again next time
                self.close_session(address)
            self.account_failed.emit(
                address, account_state(error), error.user_message, error.detail
            )
            return
        self.sessions[address] = session
        session.keep_fresh()  # PSC: refreshed in the background between syncs
        self.account_done.emit(address, report)

    @Slot(int)
    def check_uncertain(self, item_id: int) -> None:
        """What can be checked of an uncertain send (a copy on the server, a delivery
        report) before she decides whether to send it again."""
        store = Store.open(self.data_dir)
        problem = ""
        try:
            item = OutboxStore(store).get(item_id)
            account = store.account(item.account) if item is not None else None
            if account is not None:
                session = self.sessions.get(account.address) or self._session(account)
                check_uncertain(store, session, item_id)
        except CaduceeError as error:
            problem = error.user_message
        finally:
            store.close()
        self.uncertain_checked.emit(item_id, problem)

    @staticmethod
    def _sign_in(session: AccountSession) -> None:
        """Connect and log in, no more: what unlocking proves when the sync itself cannot
        run now (its errors are the sync's: a wrong secret keeps the window locked)."""
        check_account(session)

    def _session(self, account: Account) -> AccountSession:
        if self.typed_only:
            stored = None
        elif account.auth == "pkcs12":
            stored = get_secret(pkcs12_key(str(Path(account.pkcs12 or "").resolve())))
        elif account.auth == "password":
            stored = get_secret(password_key(account.address))
        else:
            stored = None

        def ask_secret(prompt: str) -> str | None:
            return stored if stored is not None else self.prompter.ask(prompt)

        def card_state(state: CardState) -> None:  # called in the watcher's thread
            self.card_changed.emit(account.address, state.name)

        audit = AuditTrail.of(self.data_dir)

        def sign_in_psc(account: Account) -> TokenKeeper:
            return self.prompter.sign_in_psc(account, audit.national_id(account.address))

        session = AccountSession(
            account,
            self.cache_dir,
            self.prompter.ask_pin,
            ask_secret,
            self.card_module,
            on_card_state=card_state,
            audit=audit,
            psc_sign_in=sign_in_psc,
        )
        self.sessions[account.address] = session
        return session

    @Slot(str)
    def close_session(self, address: str) -> None:
        session = self.sessions.pop(address, None)
        if session is not None:
            session.close()

    @Slot(object)
    def adopt(self, gift: SessionGift) -> None:
        """In the worker's thread: an account added while the window runs, its session
        already open (a card unlocked in the wizard is not asked for its PIN again)."""
        gift.give_to(self, self.prompter)

    @Slot()
    def shutdown(self) -> None:
        for address in list(self.sessions):
            self.close_session(address)


BUSY = "relève en cours ailleurs"
"""The account's state while another process (``caducee sync``, a second window) syncs it."""


PSC_AGAIN = "connexion Pro Santé Connect à refaire"
"""The account's state when its PSC session ended, was refused or the sign-in was closed."""


def account_state(error: CaduceeError) -> str:
    """The account's state in the status bar, in the doctor's words."""
    if isinstance(error, SyncBusyError):
        return BUSY
    if isinstance(error, CardRemovedError):
        return "carte retirée"
    if isinstance(error, CardError):
        return "carte à vérifier"
    if isinstance(error, PscUnreachableError):
        return "hors ligne"
    if isinstance(error, PscError | BearerRefusedError):
        return PSC_AGAIN
    if isinstance(error, AuthenticationError):
        return "identifiant refusé"
    if isinstance(error, TlsError):
        return "certificat refusé"
    if isinstance(error, TransportError) and error.retryable:
        return "hors ligne"
    return "erreur"

"""Keeps the current card session, and watches the reader for removal and re-insertion.

Accounts do not hold a card session: they hold ``keeper.session`` (through
``CardCredential``). When the card is removed the session is closed for good and every use
raises ``CardRemovedError`` ("Carte CPS retirée"); when it is back, the UI (or the CLI) asks
the PIN again with ``unlock`` and the same accounts connect with the new session, without
restarting anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import Enum

from app.core.errors import CaduceeError, CardAbsentError, CardLockedError, CardRemovedError
from app.cps.card import CardInfo, CardModule, CardSession, PinProvider

log = logging.getLogger(__name__)


class CardState(Enum):
    ABSENT = "absente"
    LOCKED = "insérée, code non saisi"
    READY = "prête"
    REMOVED = "retirée"


Listener = Callable[[CardState], None]


class CardKeeper:
    def __init__(
        self, module: CardModule, serial: str | None = None, poll_interval: float = 1.0
    ) -> None:
        self.module = module
        self.serial = serial  # the card this keeper is for; None: the first CPS card seen
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._unlocking = threading.Lock()  # one PIN request at a time
        self._card: CardInfo | None = None
        self._session: CardSession | None = None
        self._state = CardState.ABSENT
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- state ----------------------------------------------------------------------------

    @property
    def state(self) -> CardState:
        return self._state

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _set_state(self, state: CardState) -> None:
        with self._lock:
            changed = state is not self._state
            self._state = state
        if changed:
            log.info("card state: %s", state.name)
            for listener in list(self._listeners):
                try:
                    listener(state)
                except Exception:  # a listener's bug must not stop the watcher
                    log.exception("card state listener failed")

    # -- what accounts use ----------------------------------------------------------------

    def session(self) -> CardSession:
        """The live session, or ``CardRemovedError`` / ``CardAbsentError``."""
        with self._lock:
            session = self._session
            state = self._state
        if session is not None and session.alive:
            return session
        if state is CardState.REMOVED or (session is not None and session.removed):
            raise CardRemovedError("card removed")
        if state is CardState.LOCKED or session is not None:
            raise CardLockedError("card session locked")
        raise CardAbsentError("card not unlocked")

    def unlock(self, ask_pin: PinProvider) -> CardSession:
        """Read the card, ask the PIN once, log in once (after insertion or re-insertion).

        With a live session already, returns it without asking anything.
        """
        with self._unlocking:
            with self._lock:
                current = self._session
            if current is not None and current.alive:
                return current
            if current is not None:
                current.close()  # release the dead one before logging in again
            card = self.module.card(self.serial)
            session = self.module.login(card, ask_pin)
            with self._lock:
                self._session, self._card = session, card
                if self.serial is None:
                    self.serial = card.serial
        self._set_state(CardState.READY)
        return session

    def lock(self) -> None:
        """Close the session (session lock, or the user's request)."""
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()
        self._set_state(CardState.LOCKED if self._present() else CardState.ABSENT)

    # -- watching -------------------------------------------------------------------------

    def _present(self) -> bool | None:
        """None when the reader could not be read this time (busy card, transient error)."""
        with self._lock:
            card = self._card
        if card is not None:
            return self.module.presence(card)  # slot list only: cheap enough to poll
        try:
            cards = self.module.cards()  # nothing unlocked yet: look for any CPS card
        except CaduceeError:
            return None
        return any(self.serial in (None, found.serial) for found in cards)

    def poll(self) -> CardState:
        """One look at the reader; the watcher thread calls this periodically."""
        present = self._present()
        with self._lock:
            session = self._session
            state = self._state
        if present is None:
            return state  # unknown: an unreadable moment is not a removal
        if not present:
            if session is not None:
                session.mark_removed()
            seen_before = session is not None or state is not CardState.ABSENT
            self._set_state(CardState.REMOVED if seen_before else CardState.ABSENT)
        elif session is None or not session.alive:
            self._set_state(CardState.LOCKED)
        else:
            self._set_state(CardState.READY)
        return self._state

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self.poll()
        self._thread = threading.Thread(target=self._watch, name="card-watcher", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_interval):
            try:
                self.poll()
            except Exception:  # never let the watcher die silently
                log.exception("card watcher poll failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

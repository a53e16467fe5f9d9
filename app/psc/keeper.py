"""``TokenKeeper``: the PSC tokens of one session, in memory only (ECO.1.2.5).

Every new SASL login (sync, IDLE, outbox) asks ``access_token()``: the current token, or a
fresh one when it expires within ``margin`` seconds (PSC tokens last 4-5 minutes; a third
of the lifetime for tokens shorter than three minutes).
``renew()`` refreshes at once (a mail server refused the token: drop it, retry once with a
new one). A network cut leaves the refresh token in place, so the next login reopens the
session by itself while PSC's session lasts (ECO.1.2.7); a refresh token refused ends the
session: the tokens are forgotten and ``PscSessionEndedError`` ("Reconnectez-vous avec Pro
Santé Connect", ECO.1.2.6) is raised to every later login until she signs in again.
``forget()`` (the lock) drops everything. Optionally ``start()`` refreshes in the
background before expiry, so that a quiet session (IDLE only) keeps its PSC session.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.psc.client import PscClient
from app.psc.errors import PscError, PscSessionEndedError
from app.psc.tokens import Identity, Tokens

log = logging.getLogger(__name__)

REFRESH_MARGIN = 60.0  # seconds before expiry when a token counts as expired
MIN_REFRESH_GAP = 5.0  # the background refresh never asks more often (very short tokens)


def margin_for(tokens: Tokens, margin: float) -> float:
    """``margin``, or a third of the token's lifetime when that is shorter: a provider
    giving one-minute tokens would else have them refreshed all the time."""
    return min(margin, tokens.lifetime / 3)


@dataclass(frozen=True)
class SessionInfo:
    """What may be shown or logged of the session: never a token."""

    identity: Identity | None
    expires_at: float
    scope: str


class TokenKeeper:
    def __init__(
        self,
        client: PscClient,
        tokens: Tokens,
        *,
        margin: float = REFRESH_MARGIN,
        on_ended: Callable[[PscSessionEndedError], None] | None = None,
    ) -> None:
        self.client = client
        self.margin = margin
        self.on_ended = on_ended
        self._tokens: Tokens | None = tokens
        self._ended: PscSessionEndedError | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def info(self) -> SessionInfo | None:
        tokens = self._tokens
        if tokens is None:
            return None
        return SessionInfo(tokens.identity, tokens.expires_at, tokens.scope)

    @property
    def identity(self) -> Identity | None:
        tokens = self._tokens
        return tokens.identity if tokens else None

    @property
    def active(self) -> bool:
        return self._tokens is not None

    def access_token(self) -> str:
        """A token valid for at least ``margin`` seconds more (refreshed if need be)."""
        with self._lock:
            tokens = self._current()
            if tokens.expires_at - self.client.now() <= margin_for(tokens, self.margin):
                tokens = self._refresh(tokens)
            return tokens.access_token

    def renew(self) -> str:
        """A new token at once, the current one dropped (the server refused it)."""
        with self._lock:
            return self._refresh(self._current()).access_token

    def forget(self) -> None:
        """Drop the tokens (locking, closing): a new sign-in is needed."""
        with self._lock:
            self._tokens = None
            self._ended = PscSessionEndedError("tokens forgotten (locked or closed)")
        self.stop()

    def _current(self) -> Tokens:
        if self._tokens is None:
            raise self._ended or PscSessionEndedError("no tokens")
        return self._tokens

    def _refresh(self, tokens: Tokens) -> Tokens:
        try:
            fresh = self.client.refresh(tokens)
        except PscSessionEndedError as error:
            self._tokens, self._ended = None, error
            log.warning("PSC session ended: refresh refused")
            if self.on_ended is not None:
                self.on_ended(error)
            raise
        # any other error (network cut, provider down): the refresh token stays, and the
        # next login tries again (ECO.1.2.7)
        self._tokens = fresh
        log.info("PSC tokens refreshed")
        return fresh

    # -- background refresh ----------------------------------------------------------------

    def start(self) -> None:
        """Refresh ``margin`` seconds before each expiry until ``stop()`` or the end."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="psc-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self) -> None:
        retry = 5.0
        last = -MIN_REFRESH_GAP  # monotonic time of the last refresh here
        while not self._stop.is_set():
            tokens = self._tokens
            if tokens is None:
                return
            delay = tokens.expires_at - margin_for(tokens, self.margin) - self.client.now()
            delay = max(delay, last + MIN_REFRESH_GAP - time.monotonic())
            if delay > 0 and self._stop.wait(min(delay, 3600.0)):
                return
            if delay > 0:
                continue
            try:
                self.access_token()
                last = time.monotonic()
                retry = 5.0
            except PscSessionEndedError:
                return
            except PscError as error:  # offline: try again, a little later each time
                log.info("PSC background refresh failed (%s), again in %.0f s", error, retry)
                if self._stop.wait(retry):
                    return
                retry = min(retry * 2, 60.0)

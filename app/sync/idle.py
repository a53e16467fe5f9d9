"""Push: IDLE on a connection of its own, so new mail shows up without polling.

The watcher thread keeps one IMAP connection in IDLE on a folder (INBOX) and calls
``on_change(folder)`` when the server reports something; the sync worker then syncs. A lost
connection is reopened with growing delays; ``stop()`` ends it within a second.

With ``catch_up``, every (re)connection also reports a change once IDLE's folder is selected:
mail that arrived between the owner's last sync (or the connection's loss) and the start of
IDLE would otherwise wait for the next change to be seen.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from contextlib import suppress

from app.core.errors import CaduceeError
from app.transport.imap import ImapConnection, Mailbox, idle_wait

log = logging.getLogger(__name__)
RECONNECT_DELAYS = (1, 5, 15, 60, 300)


class IdleWatcher:
    def __init__(
        self,
        connect: Callable[[], ImapConnection],
        on_change: Callable[[str], None],
        folder: str = "INBOX",
        *,
        slice_seconds: float = 1.0,
        on_error: Callable[[CaduceeError], None] | None = None,
        catch_up: bool = False,
    ) -> None:
        self.connect = connect
        self.on_change = on_change
        self.folder = folder
        self.slice_seconds = slice_seconds  # IDLE is renewed after this long
        self.on_error = on_error or (lambda _error: None)
        self.catch_up = catch_up
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: ImapConnection | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="imap-idle", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._lock:  # no connection can be registered unseen from here on
            self._stop.set()
            connection = self._connection
        if connection is not None:  # wakes the thread out of its IDLE wait at once
            with suppress(OSError):
                connection.client.socket().shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                connection = self.connect()
            except CaduceeError as error:
                self.on_error(error)
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                self._stop.wait(delay)
                continue
            failures = 0
            with self._lock:  # stop() either sees this connection or has already been called
                if self._stop.is_set():
                    with suppress(OSError):
                        connection.client.shutdown()
                    return
                self._connection = connection
            try:
                self._watch(Mailbox(connection))
            except CaduceeError as error:
                if not self._stop.is_set():
                    self.on_error(error)
            finally:
                self._connection = None
                with suppress(OSError):
                    connection.client.shutdown()

    def _watch(self, mailbox: Mailbox) -> None:
        mailbox.select(self.folder)
        if self.catch_up:
            self.on_change(self.folder)
        while not self._stop.is_set():
            if idle_wait(mailbox, self.slice_seconds):
                log.info("IDLE: change reported")
                self.on_change(self.folder)

"""The message list's ids listed off the GUI thread (issue 22: the window never stalls more
than 100 ms at 100,000 messages).

Listing a large scope (a search over the account, the account's folders mixed, a sort by
subject) is 100-300 ms of SQL at 100,000 messages. ``ListLoader`` runs it in a thread of its
own, on a reader connection of its own opened the store's way (``Store.open``: the profile's
key; WAL lets it read beside the window's connection and the sync's writer). The SQL stays
the store's (``views.message_ids`` / ``views.threaded_rows``, through ``listing``).

Only the newest request counts: a request replaces the one waiting and interrupts the one
running (``sqlite3_interrupt``, safe from another thread), so typing fast lists the last
query only; a result that is not the newest is dropped. The model keeps showing the list
it has until the newest ids arrive (``MessageListModel``), then swaps them in.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QObject, QThread, Signal

from app.core import sqlite
from app.store.db import Store
from app.store.views import Scope, Threaded, message_ids, threaded_rows
from app.ui import threads


@dataclass(frozen=True)
class ListRequest:
    """What the list shows: its scope, its sort, flat or by conversation."""

    scope: Scope
    sort: str = "date"
    descending: bool = True
    threaded: bool = False


def listing(store: Store, request: ListRequest) -> list[int] | Threaded:
    """The request's ids in display order (by conversation: the store's ``Threaded``)."""
    if request.threaded:
        return threaded_rows(store, request.scope, request.sort, request.descending)
    return message_ids(store, request.scope, request.sort, request.descending)


class _Thread(QThread):
    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__()
        self.work = work
        self.setObjectName("list-loader")

    def run(self) -> None:
        self.work()


class ListLoader(QObject):
    """Lists requests in its thread, newest first and only; tells ``listed`` or ``failed``
    (in the GUI thread: connect them queued) with the request's number."""

    listed = Signal(int, object)  # request number, list[int] or Threaded
    failed = Signal(int, object)  # request number, the exception (raised again by the model)

    # Tests only: called with the reader connection once opened (a progress handler makes
    # its queries slow on purpose: real SQLite, nothing of the store replaced).
    prepare: ClassVar[Callable[[sqlite3.Connection], None] | None] = None

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self._lock = threading.Condition()
        self._wanted: tuple[int, ListRequest] | None = None
        self._newest = 0  # the number of the newest request (or cancel)
        self._running = 0  # the number of the request being listed, 0: none
        self._reader: sqlite3.Connection | None = None
        self._closed = False
        self._thread = _Thread(self._work)

    @property
    def thread_running(self) -> bool:
        return self._thread.isRunning()

    def request(self, request: ListRequest) -> int:
        """List ``request`` (replacing any older one); its number, as ``listed`` tells it."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the list loader is closed")
            self._newest += 1
            self._wanted = (self._newest, request)
            self._interrupt_stale()
            self._lock.notify()
            number = self._newest
        if not self._thread.isRunning():
            self._thread.start()
        return number

    def cancel(self) -> None:
        """Nothing asked before is wanted any more (the list was listed another way)."""
        with self._lock:
            self._newest += 1
            self._wanted = None
            self._interrupt_stale()

    def close(self) -> None:
        """Stop: the query running is interrupted, the thread ends, its connection closed."""
        with self._lock:
            self._closed = True
            self._wanted = None
            self._newest += 1
            self._interrupt_stale()
            self._lock.notify()
        if self._thread.isRunning():
            threads.finish(self._thread)

    def _interrupt_stale(self) -> None:  # holding the lock
        if self._running and self._running != self._newest and self._reader is not None:
            self._reader.interrupt()

    def _work(self) -> None:  # the loader's thread
        store: Store | None = None
        again = 0  # the request listed again after an interrupt meant for an older one
        try:
            while True:
                with self._lock:
                    while self._wanted is None and not self._closed:
                        self._lock.wait()
                    if self._closed or self._wanted is None:
                        return
                    (number, request), self._wanted = self._wanted, None
                    self._running = number
                try:
                    if store is None:
                        store = Store.open(self.data_dir)
                        with self._lock:
                            self._reader = store.db
                        if ListLoader.prepare is not None:
                            ListLoader.prepare(store.db)
                    rows: Any = listing(store, request)
                except Exception as error:  # noqa: BLE001 - raised again in the GUI thread
                    with self._lock:
                        self._running = 0
                        newest = number == self._newest and not self._closed
                        late = newest and _interrupted(error) and again != number
                        if late and self._wanted is None:  # hit by an interrupt meant for
                            self._wanted, again = (number, request), number  # the one before
                            continue
                    if newest:
                        self._tell(self.failed, number, error)
                    continue
                with self._lock:
                    self._running = 0
                    newest = number == self._newest and not self._closed
                if newest:
                    self._tell(self.listed, number, rows)
        finally:
            with self._lock:
                self._reader = None
            if store is not None:
                store.close()

    @staticmethod
    def _tell(signal: Any, number: int, value: object) -> None:
        with suppress(RuntimeError):  # the loader was deleted meanwhile: nobody to tell
            signal.emit(number, value)


def _interrupted(error: BaseException) -> bool:
    return isinstance(error, sqlite.Error) and "interrupt" in str(error).lower()

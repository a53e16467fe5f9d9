"""The documents' background pass, run by the window after each sync.

At ingest the sync reads a message's documents light (archives and PDF text wait); the
engine's resumable pass (``app.store.documents_index.index_pending``) completes them: the
list's Patient column and kind for IHE_XDM archives, the PDFs' words for the search. It runs
here in the thread pool on a store connection of its own (SQLite connections stay in their
thread), a few seconds at a time, until nothing is left; after each slice the list reads
its rows again. Closing the window stops it between two slices.

Each slice first places in their conversations the rows stored before those were kept
(``app.store.threads.backfill``: their files' headers); the window starts the pass when it
opens if there are any, and the list by conversation is read again when some were placed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.store import threads
from app.store.db import Store
from app.store.documents_index import IndexProgress, index_pending
from app.ui.jobs import BackgroundJob

log = logging.getLogger(__name__)

SLICE_SECONDS = 2.0  # one call of the pass; the list is refreshed between two
PAUSE_MS = 200  # between two slices: the sync and the window come first


@dataclass(frozen=True)
class SliceProgress(IndexProgress):
    placed: int = 0  # rows placed in their conversations (app.store.threads)


def index_slice(data_dir: Path, budget: float = SLICE_SECONDS) -> IndexProgress:
    """One slice of the pass on this thread's own connection: conversations, then
    documents (both counted in ``done`` and ``left``)."""
    store = Store.open(data_dir)
    try:
        placed = threads.backfill(store, budget=budget / 2)
        documents = index_pending(store, budget=budget / 2)
        return SliceProgress(
            documents.done + placed.done, documents.left + placed.left, placed.done
        )
    finally:
        store.close()


class DocumentsIndexer(QObject):
    progressed = Signal()  # messages got their columns: the list reads its rows again
    threads_placed = Signal()  # messages got their conversation: the threaded list too

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.running = False
        self.stopped = False
        self.again = False  # a sync ended while a slice ran: go on after it
        self.left: int | None = None  # messages still waiting after the last slice
        self._next = QTimer(self)
        self._next.setSingleShot(True)
        self._next.timeout.connect(self.start)

    def start(self) -> None:
        if self.stopped:
            return
        if self.running:
            self.again = True
            return
        self.running = True
        data_dir = self.data_dir
        BackgroundJob(self, lambda: index_slice(data_dir), self._done, self._failed).start()

    def stop(self) -> None:
        self.stopped = True
        self._next.stop()

    def _done(self, progress: IndexProgress) -> None:
        self.running = False
        self.left = progress.left
        if self.stopped:  # the window is closing: its list and store may be gone already
            return
        if progress.done:
            self.progressed.emit()
        if isinstance(progress, SliceProgress) and progress.placed:
            self.threads_placed.emit()
        going = progress.left and progress.done  # no progress: left for the next sync
        if (going or self.again) and not self.stopped:
            self.again = False
            self._next.start(PAUSE_MS)

    def _failed(self, error: BaseException) -> None:
        self.running = False
        log.warning("documents pass stopped: %s", type(error).__name__)  # retried next sync

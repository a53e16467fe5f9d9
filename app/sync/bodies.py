"""The body pass of a sync as a pipeline: the next messages are read from the server while
the previous ones are written to disk (threads: hashing and file creation release the GIL)
and parsed (worker processes, ``app.store.ingest``), then indexed here in the order they were
read, several server batches per transaction (``COMMIT_*``).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from types import TracebackType
from typing import TypeVar

from app.store.db import Folder, Store
from app.store.ingest import IngestedBody, index_files, ingest, ready, store_files, worker_pool

log = logging.getLogger(__name__)

POOL_MIN_MESSAGES = 100  # fewer: done in this process (a worker costs ~0.1 s to start)
MAX_WORKERS = 4
CHUNK_BYTES = 2 * 1024 * 1024  # one task: small, so that every worker has some
CHUNK_COUNT = 25
IN_FLIGHT = 2  # server batches read and not yet in the database (bounds memory)
# Parsed batches committed together, up to these bounds: each commit writes the full-text
# index's new segment and encrypts every page it changed, and the same index pages were
# written again at every server batch (200 messages): at 10,000 messages, 52 commits cost
# 1.2 s of the sync thread's CPU, 7 commits 0.4 s (docs/performance.md, session 11).
COMMIT_MESSAGES = 2000
COMMIT_TEXT = 32 * 1024 * 1024  # characters of text held for the index (bounds memory)
COMMIT_SECONDS = 5.0  # since the first held batch was read: a slow server's go at once

Chunk = list[tuple[int, bytes]]
Stored = Callable[[int, int], None]
"""(messages, bytes) just committed to the database."""


_Item = TypeVar("_Item")


@contextmanager
def read_ahead(items: Iterator[_Item]) -> Iterator[Iterator[_Item]]:
    """``items`` produced by a thread, one ahead of the consumer.

    For the server's responses: the server prepares the next batch while this process
    stores the previous one, instead of waiting for our next command. The thread is the
    only one to use the connection meanwhile; its errors are raised in the consumer.
    Leaving early (an error in the consumer) lets the thread finish its current command.
    """
    handoff: queue.Queue[tuple[bool, _Item | BaseException | None]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(entry: tuple[bool, _Item | BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
            put((False, error))
            return
        put((False, None))

    def consume() -> Iterator[_Item]:
        while True:
            is_item, value = handoff.get()
            if isinstance(value, BaseException):
                raise value
            if not is_item:
                return
            yield value  # type: ignore[misc]

    thread = threading.Thread(target=produce, name="imap-read-ahead", daemon=True)
    thread.start()
    interrupted = False
    try:
        yield consume()
    except BaseException as error:
        interrupted = not isinstance(error, Exception)  # Ctrl-C: the connection is dropped
        raise
    finally:
        stop.set()
        if not interrupted:
            thread.join()


def default_workers() -> int:
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def start_workers(workers: int) -> ProcessPoolExecutor:
    """A pool whose processes start now rather than at the first body batch: a spawned
    worker imports for ~0.1 s, which the header pass hides. The caller shuts it down, or
    hands it to a :class:`BodyPipeline`, which does."""
    pool = worker_pool(workers)
    for _ in range(workers):  # the executor starts one process per task until it has them all
        pool.submit(ready)
    return pool


def _chunks(bodies: dict[int, bytes]) -> list[Chunk]:
    chunks: list[Chunk] = []
    current: Chunk = []
    weight = 0
    for uid, raw in bodies.items():
        if current and (weight + len(raw) > CHUNK_BYTES or len(current) >= CHUNK_COUNT):
            chunks.append(current)
            current, weight = [], 0
        current.append((uid, raw))
        weight += len(raw)
    if current:
        chunks.append(current)
    return chunks


def _text_size(body: IngestedBody) -> int:
    return len(body.body_text) + len(body.overview.text)


class BodyPipeline:
    """``submit`` what one FETCH returned; it is stored a little later (file, then row).

    ``workers=0``: everything in this process, as soon as submitted; ``pool``: worker
    processes already started (:func:`start_workers`), shut down here. Parsed batches are
    held and committed together (``COMMIT_*``: one transaction for several server batches,
    never two folders). Leaving the ``with`` block normally waits for what is in flight;
    on an error, what is already done is still committed (the next sync has less to fetch
    again), the rest is dropped (its files, if written, are collected by the next sync).
    """

    def __init__(
        self,
        store: Store,
        *,
        workers: int,
        stored: Stored,
        pool: ProcessPoolExecutor | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.root = str(store.blobs.root)
        self.key = store.blobs.key
        self.stored = stored
        self.pool: ProcessPoolExecutor | None = pool
        self.threads: ThreadPoolExecutor | None = None
        if workers > 0:
            if self.pool is None:
                self.pool = worker_pool(workers)
            self.threads = ThreadPoolExecutor(2 * workers + 2, thread_name_prefix="bodies")
        # (folder, its chunks' futures, when its bytes came from the server)
        self.pending: deque[tuple[Folder, list[Future[list[IngestedBody]]], float]] = deque()
        self.clock = clock
        self.held: list[IngestedBody] = []  # parsed, not committed yet: all of held_folder
        self.held_folder: Folder | None = None
        self.held_text = 0
        self.held_since = 0.0

    def submit(self, folder: Folder, bodies: dict[int, bytes]) -> None:
        while len(self.pending) >= IN_FLIGHT:
            self._store_oldest()
        read_at = self.clock()
        self.pending.append((folder, [self._start(chunk) for chunk in _chunks(bodies)], read_at))
        while self.pending and all(future.done() for future in self.pending[0][1]):
            self._store_oldest()

    def _start(self, chunk: Chunk) -> Future[list[IngestedBody]]:
        if self.threads is not None:
            return self.threads.submit(self._ingest, chunk)
        here: Future[list[IngestedBody]] = Future()
        here.set_result(ingest(self.root, self.key, chunk))
        return here

    def _ingest(self, chunk: Chunk) -> list[IngestedBody]:
        """In a thread: write the files, then have a worker process parse them."""
        files = store_files(self.root, self.key, chunk)
        del chunk[:]  # the bytes are on disk: free them now (the caller keeps the list)
        pool = self.pool
        if pool is not None:
            try:
                return pool.submit(index_files, self.root, self.key, files).result()
            except BrokenProcessPool:  # a worker died (out of memory?): carry on here
                self._lose_pool()
        return index_files(self.root, self.key, files)

    def _lose_pool(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            log.warning("body workers lost; parsing continues in the sync process")
            pool.shutdown(wait=False, cancel_futures=True)

    def _store_oldest(self) -> None:
        folder, futures, read_at = self.pending.popleft()
        try:
            ingested = [body for future in futures for body in future.result()]
        except Exception:  # this batch failed (disk full...): what is held is done, kept
            try:
                self._commit()
            except Exception:
                log.warning("parsed batches could not be stored after an error", exc_info=True)
            raise
        if self.held_folder is not None and self.held_folder.id != folder.id:
            self._commit()
        if not self.held:  # the bound in time counts from when the server gave it (a slow
            self.held_folder, self.held_since = folder, read_at  # link: each batch at once)
        self.held += ingested
        self.held_text += sum(_text_size(body) for body in ingested)
        if (
            len(self.held) >= COMMIT_MESSAGES
            or self.held_text >= COMMIT_TEXT
            or self.clock() - self.held_since >= COMMIT_SECONDS
        ):
            self._commit()

    def _commit(self) -> None:
        """The held batches into the database, one transaction."""
        folder, held = self.held_folder, self.held
        self.held, self.held_folder, self.held_text = [], None, 0
        if folder is None or not held:
            return
        stored = self.store.add_ingested(folder, held)  # what this sync stored
        self.stored(len(stored), sum(body.size for body in stored))

    def __enter__(self) -> BodyPipeline:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                while self.pending:
                    self._store_oldest()
                self._commit()
            elif issubclass(kind, Exception):
                self._store_finished()
        finally:
            self.pending.clear()
            self.held, self.held_folder = [], None  # Ctrl-C: dropped, fetched again next time
            # Ctrl-C: leave at once; the workers ignore SIGINT and follow their parent.
            if self.threads is not None:
                self.threads.shutdown(wait=kind is None, cancel_futures=True)
            if self.pool is not None:
                self.pool.shutdown(wait=kind is None, cancel_futures=True)

    def _store_finished(self) -> None:
        """After an error: commit the batches whose work is complete, ignore the others."""
        try:
            while self.pending and all(future.done() for future in self.pending[0][1]):
                self._store_oldest()
            self._commit()
        except Exception:
            log.warning("a finished batch could not be stored after an error", exc_info=True)

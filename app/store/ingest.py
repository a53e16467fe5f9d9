"""Whole messages -> files on disk + what the full-text index needs, in worker processes.

The body pass of a sync is CPU-bound Python (MIME parsing) and file creation (a system
call each): under the GIL a thread gains nothing (docs/performance.md), so this work
runs in a pool of processes while the sync reads the next messages from the server.

A worker only ever gets message bytes and the directory of message files. It imports
this module, ``app.store.blobs``, ``app.store.mime`` (with its ``mime_*`` parts) and the
document readers of ``app.mssante`` (patient, kind, document words: issue 18), nothing
else: no account, no connection, no keyring, no card. The pool is started with "spawn" on
every platform (what Windows and a PyInstaller build use anyway), so no memory of the
parent (secrets included) is inherited, and the secrets the command line may take from the
environment are removed from the worker's environment as it starts.

Crash safety is the store's usual rule: a worker writes the file (atomic rename) before
it answers, and the row that refers to it is committed afterwards by the sync.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from app.mssante.overview import MessageOverview, ingest_overview
from app.store.blobs import BlobStore
from app.store.mime import ParsedMessage, parse_message_parts
from app.store.mime_headers import Address, HeaderSummary


@dataclass(frozen=True, slots=True)
class IngestedBody:
    """A message stored on disk, and its text for the index (all the sync keeps of it)."""

    uid: int
    digest: str  # SHA-256 of the raw message: its file in BlobStore
    size: int
    subject: str
    sender: str
    recipients: str
    body_text: str
    attachment_names: str
    has_attachments: bool
    overview: MessageOverview  # patient, kind, results, document words (not PDF text)
    # its conversation, for a row stored before those were kept (app/store/threads.py)
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


def _show(address: Address) -> str:
    return f"{address.name} <{address.address}>" if address.name else address.address


def addresses_of(parsed: ParsedMessage | HeaderSummary) -> tuple[str, str]:
    """(sender, recipients) as the message list shows them and the index searches them."""
    sender = _show(parsed.sender) if parsed.sender else ""
    recipients = ", ".join(_show(a) for a in (*parsed.to, *parsed.cc))
    return sender, recipients


def _indexed(uid: int, digest: str, raw: bytes) -> IngestedBody:
    parsed, parts = parse_message_parts(raw, sizes=False)  # the index keeps no sizes
    sender, recipients = addresses_of(parsed)
    return IngestedBody(
        uid=uid,
        digest=digest,
        size=len(raw),
        subject=parsed.subject,
        sender=sender,
        recipients=recipients,
        body_text=parsed.body_text,
        attachment_names=" ".join(a.filename for a in parsed.attachments),
        has_attachments=bool(parsed.attachments),
        overview=ingest_overview(raw, parsed, parts),
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
    )


def ingest(root: str, key: bytes | None, items: Iterable[tuple[int, bytes]]) -> list[IngestedBody]:
    """Store each ``(uid, raw message)`` under ``root`` and extract its index text, here.

    Never fails on a message's content (``parse_message`` degrades instead); an OSError
    writing a file (disk full) is raised.
    """
    blobs = _blob_store(root, key)
    return [_indexed(uid, blobs.put(raw), raw) for uid, raw in items]


StoredFile = tuple[int, str]
"""(uid, digest): a message already written by ``BlobStore.put``."""


def store_files(
    root: str, key: bytes | None, items: Iterable[tuple[int, bytes]]
) -> list[StoredFile]:
    """The file half of :func:`ingest` (hashing, sealing and writing release the GIL: a
    thread's job)."""
    blobs = _blob_store(root, key)
    return [(uid, blobs.put(raw)) for uid, raw in items]


def index_files(root: str, key: bytes | None, files: Iterable[StoredFile]) -> list[IngestedBody]:
    """The parsing half of :func:`ingest`, for a worker process: it reads the files just
    written (from the page cache) rather than receiving the bytes through a pipe (the key,
    32 bytes, goes through it: never a file)."""
    blobs = _blob_store(root, key)
    indexed = []
    for uid, digest in files:
        raw = blobs.get(digest)
        if raw is None:  # changed since written a moment ago: its row says "not downloaded"
            raise OSError(f"message file {digest[:8]}… unreadable right after writing")
        indexed.append(_indexed(uid, digest, raw))
    return indexed


_stores: dict[tuple[str, bytes | None], BlobStore] = {}


def _blob_store(root: str, key: bytes | None) -> BlobStore:
    store = _stores.get((root, key))
    if store is None:
        store = _stores[(root, key)] = BlobStore(Path(root), key=key)
    return store


# -- the worker pool ---------------------------------------------------------------------------


def _worker_start() -> None:
    """In each worker as it starts: forget the environment's secrets, leave Ctrl-C to the
    parent (it shuts the pool down), die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in [n for n in os.environ if n.upper().startswith("CADUCEE_")]:
        os.environ.pop(name, None)
    parent = multiprocessing.parent_process()
    if parent is not None:
        # A sync killed (SIGKILL, Task Manager) cannot stop its pool: without this, idle
        # workers would wait on their queue forever. A file half-written at that moment is
        # a temporary file, removed by the next sync's collection.
        def exit_with_parent() -> None:
            parent.join()
            os._exit(0)

        threading.Thread(target=exit_with_parent, name="parent-watch", daemon=True).start()


def ready() -> None:
    """A task that does nothing: submitted to start a worker before there is work."""


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Processes for :func:`ingest`; the caller shuts the pool down."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
    )

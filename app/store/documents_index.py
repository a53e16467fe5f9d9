"""The documents of stored messages, for the list and the search (issue 18 items 4 and 5).

API:

- At ingest (``app.store.ingest``, in the sync's worker processes) a message with
  attachments is read once (``app.mssante.overview.overview``): its row gets ``patient``,
  ``patient_ins``, ``doc_kind``, ``results``, ``abnormal`` and ``doc_state`` (1 when its PDFs'
  text is still to be indexed, else 2), and its CDA / HPRIM words go to ``document_search``.
  No PDF text on the sync's critical path.
- :func:`index_pending` ``(store, *, budget=2.0, batch=20) -> IndexProgress``: the resumable
  background pass. Messages stored before this version (``doc_state`` NULL) are read as at
  ingest; messages with PDFs (``doc_state`` 1) get their PDFs' text (``app.mssante.pdf_text``:
  a child process with time and memory limits) added to ``document_search``. Works in
  batches, oldest rowid first, each message committed on its own; stops after ``budget``
  seconds. Call it again until ``IndexProgress.left`` is 0 (the sync does after each pass;
  the window may from a worker thread; ``caducee index-documents`` runs it to the end).
- ``app.store.document_rows.record(db, rowid, overview, state)``: one message's columns
  and words.
- :data:`LIST_COLUMNS`: the ``messages`` columns the list model reads (no parsing at paint
  time): ``patient, patient_ins, doc_kind, results, abnormal, flags`` ("classé" = the
  ``$MSSanteClasse`` keyword in ``flags``, set by filing).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

from app.mssante.documents import read_message
from app.mssante.model import MessageDocuments
from app.mssante.overview import MessageOverview, header_section, overview, overview_of
from app.mssante.pdf_text import pdf_texts
from app.store.db import Store
from app.store.document_rows import DONE, record

log = logging.getLogger(__name__)

LIST_COLUMNS = ("patient", "patient_ins", "doc_kind", "results", "abnormal", "flags")
MAX_PDFS_PER_MESSAGE = 20
MAX_BATCH_PDF_BYTES = 64 * 1024 * 1024  # PDFs held at once by a batch


@dataclass(frozen=True)
class IndexProgress:
    done: int  # messages completed by this call
    left: int  # messages still waiting


def pending(store: Store) -> int:
    row = store.db.execute(
        "SELECT count(*) FROM messages WHERE blob IS NOT NULL "
        "AND (doc_state IS NULL OR doc_state < 2)"
    ).fetchone()
    return int(row[0])


def _pdfs(documents: MessageDocuments) -> list[bytes]:
    seen: set[int] = set()
    pdfs: list[bytes] = []
    for document in documents.documents:
        for file in (document.readable, *document.originals):
            if file is None or file.media_type != "application/pdf" or id(file.data) in seen:
                continue
            seen.add(id(file.data))
            pdfs.append(file.data)
    return pdfs[:MAX_PDFS_PER_MESSAGE]


@dataclass
class _Read:
    rowid: int
    found: MessageOverview | None  # None: unreadable (missing file, reader bug)
    pdfs: list[bytes]


def index_pending(store: Store, *, budget: float = 2.0, batch: int = 20) -> IndexProgress:
    """Read and index waiting messages for about ``budget`` seconds (a batch started is
    finished). Never raises for a message's content: a message that cannot be read is
    marked done with what was read. The PDFs of a batch go to one child process."""
    deadline = time.monotonic() + budget
    done = 0
    last = 0
    while time.monotonic() < deadline:
        rows = store.db.execute(
            "SELECT id, blob FROM messages WHERE blob IS NOT NULL "
            "AND (doc_state IS NULL OR doc_state < 2) AND id > ? ORDER BY id LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            break
        read: list[_Read] = []
        size = 0
        for rowid, digest in rows:
            last = rowid
            read.append(_read_one(store, rowid, digest))
            size += sum(len(p) for p in read[-1].pdfs)
            if size > MAX_BATCH_PDF_BYTES or time.monotonic() >= deadline:
                break
        texts = iter(pdf_texts([p for r in read for p in r.pdfs]))
        for item in read:
            words = "\n".join(t.text for t in (next(texts) for _ in item.pdfs) if t.text)
            _write(store, item, words)
            done += 1
    return IndexProgress(done, pending(store))


def _read_one(store: Store, rowid: int, digest: str) -> _Read:
    raw = store.blobs.get(digest)
    if raw is None:  # damaged or collected: the next sync fetches it again, read then
        return _Read(rowid, None, [])
    try:
        found = overview(raw, documents=False)  # a receipt, or the header's patient address
        if found.kind == "receipt":
            return _Read(rowid, found, [])
        documents = read_message(raw)
        found = overview_of(documents, header_section(raw))
        return _Read(rowid, found, _pdfs(documents) if found.pdfs else [])
    except Exception:  # a reader bug must not stop the pass: logged, the message skipped
        log.exception("document index failed on message row %s", rowid)
        return _Read(rowid, None, [])


def _write(store: Store, item: _Read, words: str) -> None:
    with store.transaction() as db:
        if item.found is None:
            db.execute("UPDATE messages SET doc_state = 2 WHERE id = ?", (item.rowid,))
            return
        found = item.found
        if words:
            found = replace(found, text=f"{found.text}\n{words}" if found.text else words)
        exists = db.execute("SELECT 1 FROM messages WHERE id = ?", (item.rowid,)).fetchone()
        if exists is not None:
            record(db, item.rowid, found, DONE)

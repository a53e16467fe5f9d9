"""One message's document columns and words in ``store.sqlite3`` (migration 8).

Shared by the sync (``Store.add_ingested``) and the background pass
(``app.store.documents_index``); see there for what the columns hold.
"""

from __future__ import annotations

import sqlite3

from app.mssante.overview import MessageOverview
from app.store.search_keys import keys_of

READ, DONE = 1, 2  # doc_state: documents read (PDF text pending), everything indexed


def state_for(found: MessageOverview) -> int | None:
    """NULL: an archive still to read in full; READ: PDFs whose text is still to index."""
    if not found.complete:
        return None
    return READ if found.pdfs else DONE


def record(
    db: sqlite3.Connection,
    rowid: int,
    found: MessageOverview,
    state: int | None,
    *,
    key: int | None = None,
) -> None:
    """One message's list columns and document words (inside the caller's transaction);
    ``key``: its full-text key (``search_keys``), when the caller has it already."""
    db.execute(
        "UPDATE messages SET patient = ?, patient_ins = ?, doc_kind = ?, results = ?, "
        "abnormal = ?, doc_state = ? WHERE id = ?",
        (found.patient, found.patient_ins, found.kind, found.results, found.abnormal, state, rowid),
    )
    replaced = found.text or state != DONE or found.kind is not None  # (re)stored: old words go
    if not replaced:
        return
    if key is None:
        key = keys_of(db, [rowid]).get(rowid)
        if key is None:
            return
    db.execute("DELETE FROM document_search WHERE rowid = ?", (key,))
    if found.text:
        db.execute(
            "INSERT INTO document_search (rowid, documents) VALUES (?, ?)", (key, found.text)
        )

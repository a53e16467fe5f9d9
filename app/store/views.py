"""Read-only queries for the desktop views: message ids in display order, then their rows
page by page (a folder of 100,000 messages is never loaded whole), and per-folder counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.store import search_keys
from app.store.db import MessageSummary, Store, fts_query

SORT_COLUMNS = {
    "date": "m.date",
    "sender": "m.sender",
    "subject": "m.subject",
    "patient": "m.patient",
}


@dataclass(frozen=True)
class Scope:
    """Which messages a view shows: one folder, or a search (optionally in one folder)."""

    account: str | None = None
    folder: str | None = None
    search: str | None = None
    unread: bool = False
    flagged: bool = False
    attachments: bool = False
    reports: bool = False  # delivery and read reports too (hidden by default: "Suivi des envois")
    patient: str | None = None  # messages whose patient (as read from them) contains this
    kind: str | None = None  # one of app.mssante.overview.KINDS
    abnormal: bool = False  # with an abnormal lab result


def message_ids(
    store: Store, scope: Scope, sort: str = "date", descending: bool = True
) -> list[int]:
    column = SORT_COLUMNS[sort]
    clauses: list[str] = []
    params: list[object] = []
    if scope.account is not None:
        clauses.append("a.address = ? COLLATE NOCASE")
        params.append(scope.account)
    if scope.folder is not None:
        clauses.append("f.name = ?")
        params.append(scope.folder)
    if scope.unread:
        clauses.append("(' ' || m.flags || ' ') NOT LIKE '% \\Seen %'")
    if scope.flagged:
        clauses.append("(' ' || m.flags || ' ') LIKE '% \\Flagged %'")
    if scope.attachments:
        clauses.append("m.has_attachments = 1")
    if not scope.reports:
        clauses.append("m.report IS NULL")
    if scope.patient:
        clauses.append("m.patient LIKE ? ESCAPE '\\'")
        escaped = scope.patient.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    if scope.kind is not None:
        clauses.append("m.doc_kind = ?")
        params.append(scope.kind)
    if scope.abnormal:
        clauses.append("m.abnormal > 0")
    if scope.search is not None:
        query = fts_query(scope.search)
        if query is None:
            return []
        # In the same statement (not the matching summaries first): the list follows the
        # search as she types, on every key pause (app/ui/search_box.py).
        clauses.append(  # the full-text tables are keyed by date then id (search_keys)
            f"{search_keys.KEY} IN (SELECT rowid FROM search WHERE search MATCH ? UNION "  # noqa: S608
            "SELECT rowid FROM document_search WHERE document_search MATCH ?)"
        )
        params += [query, query]
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    direction = "DESC" if descending else "ASC"
    rows = store.db.execute(
        "SELECT m.id FROM messages m JOIN folders f ON f.id = m.folder_id "  # noqa: S608
        f"JOIN accounts a ON a.id = f.account_id{where} "
        f"ORDER BY {column} COLLATE NOCASE {direction}, m.id {direction}",
        params,
    )
    return [r[0] for r in rows]


def summaries(store: Store, ids: Sequence[int]) -> dict[int, MessageSummary]:
    """The rows of ``ids`` (those still there), by id."""
    found: dict[int, MessageSummary] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        rows = store.db.execute(
            f"{Store._SUMMARY} WHERE m.id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            summary = Store._summary(row)  # same row shape as the store's own lists
            found[summary.id] = summary
    return found


@dataclass(frozen=True)
class FolderCount:
    total: int
    unread: int


def folder_counts(store: Store, account: str) -> dict[str, FolderCount]:
    """Each folder's messages and unread ones (reports apart), kept by the store's triggers
    (migration 14): no message row is read."""
    rows = store.db.execute(
        "SELECT f.name, coalesce(c.total, 0), coalesce(c.unread, 0) FROM folders f "
        "JOIN accounts a ON a.id = f.account_id "
        "LEFT JOIN folder_counts c ON c.folder_id = f.id "
        "WHERE a.address = ? COLLATE NOCASE",
        (account,),
    )
    return {r[0]: FolderCount(r[1], r[2]) for r in rows}


def blob_digest(store: Store, message_id: int) -> str | None:
    """The name of the message's file, if it is downloaded (the file is read elsewhere)."""
    row = store.db.execute("SELECT blob FROM messages WHERE id = ?", (message_id,)).fetchone()
    return row[0] if row is not None else None

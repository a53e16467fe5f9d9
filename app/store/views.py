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


INDEXED_SORTS = ("date", "subject", "sender")  # a whole folder's list read off an index


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

    @property
    def chosen_by_flags(self) -> bool:
        """Which messages it holds depends on their flags: a flag changed may add or
        remove one (else the same rows, drawn again)."""
        return self.unread or self.flagged


_FROM = (
    "FROM messages m JOIN folders f ON f.id = m.folder_id JOIN accounts a ON a.id = f.account_id"
)
_UNREAD = "(' ' || m.flags || ' ') NOT LIKE '% \\Seen %'"


def _place(scope: Scope) -> tuple[list[str], list[object]]:
    """The scope's account and folder as clauses over ``f`` and ``a``, and their parameters."""
    clauses: list[str] = []
    params: list[object] = []
    if scope.account is not None:
        clauses.append("a.address = ? COLLATE NOCASE")
        params.append(scope.account)
    if scope.folder is not None:
        clauses.append("f.name = ?")
        params.append(scope.folder)
    return clauses, params


def _where(scope: Scope) -> tuple[str, list[object]] | None:
    """The scope's WHERE clause over ``messages m`` joined to ``folders f`` and ``accounts
    a``, and its parameters; None when nothing can match (a search without words)."""
    clauses, params = _place(scope)
    if scope.unread:
        clauses.append(_UNREAD)
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
            return None
        # In the same statement (not the matching summaries first): the list follows the
        # search as she types, on every key pause (app/ui/search_box.py).
        clauses.append(  # the full-text tables are keyed by date then id (search_keys)
            f"{search_keys.KEY} IN (SELECT rowid FROM search WHERE search MATCH ? UNION "  # noqa: S608
            "SELECT rowid FROM document_search WHERE document_search MATCH ?)"
        )
        params += [query, query]
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


def message_ids(
    store: Store, scope: Scope, sort: str = "date", descending: bool = True
) -> list[int]:
    query = list_query(scope, sort, descending)
    if query is None:
        return []
    return [r[0] for r in store.db.execute(*query)]


def list_query(
    scope: Scope, sort: str = "date", descending: bool = True
) -> tuple[str, list[object]] | None:
    """The statement listing the scope's ids in display order, and its parameters; None
    when nothing can match."""
    column = SORT_COLUMNS[sort]
    found = _where(scope)
    if found is None:
        return None
    where, params = found
    direction = "DESC" if descending else "ASC"
    # A whole folder is read off its sort's index (store migration 16). Narrowed further,
    # the rows kept are sorted instead ("+": not the index): walking the index in order
    # would read every row of the folder to test it (a second at 100,000 for "Non lus").
    order = column if _whole_folder(scope) and sort in INDEXED_SORTS else f"+{column}"
    sql = (
        f"SELECT m.id {_FROM}{where} ORDER BY {order} COLLATE NOCASE {direction}, m.id {direction}"
    )
    return sql, params


def scope_size(store: Store, scope: Scope) -> int:
    """At most how many messages the scope lists, from the folders' counts kept by the
    store's triggers (migration 14: no message row read): its folder's, else its account's,
    else every folder's. Reports are not counted (the list hides them by default)."""
    clauses, params = _place(scope)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    row = store.db.execute(
        "SELECT coalesce(sum(c.total), 0) FROM folder_counts c "  # noqa: S608 - constant SQL
        f"JOIN folders f ON f.id = c.folder_id JOIN accounts a ON a.id = f.account_id{where}",
        params,
    ).fetchone()
    return int(row[0])


def _whole_folder(scope: Scope) -> bool:
    """The scope is a folder's list as shown, nothing narrowing it."""
    narrowed = (scope.unread, scope.flagged, scope.attachments, scope.reports, scope.abnormal)
    return (
        scope.folder is not None
        and not any(narrowed)
        and not scope.patient
        and scope.kind is None
        and scope.search is None
    )


@dataclass(frozen=True)
class Threaded:
    """The scope's messages by conversation (app/store/threads.py), as parallel columns: a
    100,000-message list is five lists, not 100,000 objects."""

    ids: Sequence[int]
    threads: Sequence[str]  # each message's conversation key
    sizes: Sequence[int]  # messages of its conversation in the scope
    unread: Sequence[int]  # of which unread
    depths: Sequence[int]  # its depth less the shallowest of its conversation in the scope

    def head(self, row: int) -> bool:
        """The first message shown of its conversation (its oldest in the scope)."""
        return row == 0 or self.threads[row - 1] != self.threads[row]

    def indent(self, row: int) -> int:
        """0 for a conversation's head, at least 1 for the messages under it."""
        return 0 if self.head(row) else max(self.depths[row], 1)


def threaded_rows(
    store: Store, scope: Scope, sort: str = "date", descending: bool = True
) -> Threaded:
    """The scope's messages by conversation, ordered in SQL: conversations by their newest
    message (sort by date) or by their message that comes first in the column's order
    (other sorts), in ``descending`` order, then each conversation's messages oldest first.
    Only the scope's messages count (a search shows the matching messages of each
    conversation).

    The scope is read once, in the table's order (MATERIALIZED: walking an index in
    conversation order reads the table at random, 3x slower at 100,000), then grouped."""
    column = SORT_COLUMNS[sort]
    found = _where(scope)
    if found is None:
        return Threaded((), (), (), (), ())
    where, params = found
    direction = "DESC" if descending else "ASC"
    # By date, the newest message; by another column, the conversation's message that
    # comes first in the chosen order.
    rank = "max(d)" if sort == "date" else f"{'max' if descending else 'min'}(k COLLATE NOCASE)"
    rows = store.db.execute(
        "WITH scoped AS MATERIALIZED ("  # noqa: S608 - constant SQL, values bound
        f"SELECT m.id, coalesce(m.thread, '<' || m.id) AS t, m.date AS d, {column} AS k, "
        f"coalesce(m.thread_depth, 0) AS depth, {_UNREAD} AS unread {_FROM}{where}), "
        f"g AS (SELECT t, {rank} AS rank, max(id) AS last, count(*) AS size, "
        "sum(unread) AS unread, min(depth) AS base FROM scoped GROUP BY t) "
        "SELECT s.id, s.t, g.size, g.unread, s.depth - g.base FROM scoped s JOIN g ON g.t = s.t "
        f"ORDER BY g.rank COLLATE NOCASE {direction}, g.last {direction}, s.d, s.id",
        params,
    ).fetchall()
    if not rows:
        return Threaded((), (), (), (), ())
    ids, keys, sizes, unread, depths = zip(*rows, strict=True)
    return Threaded(ids, keys, sizes, unread, depths)


def thread_unread(store: Store, scope: Scope, threads: Sequence[str]) -> dict[str, int]:
    """Unread messages of the scope in each of ``threads`` (conversation keys): the list's
    heads read them a page at a time, so that they follow her reading at once."""
    found = _where(scope)
    if found is None or not threads:
        return {}
    where, params = found
    counts: dict[str, int] = {}
    for start in range(0, len(threads), 400):
        chunk = list(threads[start : start + 400])
        marks = ",".join("?" * len(chunk))
        clause = f"{where} AND" if where else " WHERE"
        rows = store.db.execute(
            f"SELECT m.thread, sum({_UNREAD}) {_FROM}{clause} m.thread IN ({marks}) "
            "GROUP BY m.thread",
            [*params, *chunk],
        )
        counts.update({r[0]: int(r[1] or 0) for r in rows})
    return counts


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

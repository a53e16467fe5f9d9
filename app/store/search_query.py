"""Full-text search of the store, newest first, without sorting every match (issue 22).

The full-text tables hand their matches newest first (``app.store.search_keys``): a page is
read off their head and stops at its end. A folder or account holding few of many matches is
asked in SQL instead, once the head has given :data:`SCOPED_AFTER` matches and not filled
the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.store import search_keys

if TYPE_CHECKING:
    from app.store.db import MessageSummary, Store

# Matches read off the full-text head for a folder or account before asking SQL for the
# scope's own (a small folder among many matches).
SCOPED_AFTER = 4000


def search(
    store: Store,
    text: str,
    folder: str | None = None,
    limit: int | None = None,
    account: str | None = None,
) -> list[MessageSummary]:
    from app.store.db import fts_query

    query = fts_query(text)
    if query is None:
        return []
    where, params = store._scope(account, folder)
    where = where + " AND" if where else " WHERE"
    found: list[MessageSummary] = []
    seen = 0
    batch = min(max(2 * (limit or 0), 100), 1000)
    for ids in search_keys.newest_matches(store.db, query, batch):
        if where != " WHERE" and seen >= SCOPED_AFTER:
            return _scoped(store, where, params, query, limit)
        seen += len(ids)
        marks = ",".join("?" * len(ids))
        rows = {
            row["id"]: row
            for row in store.db.execute(
                f"{store._SUMMARY}{where} m.id IN ({marks})",
                [*params, *ids],
            )
        }
        for message_id in ids:
            row = rows.get(message_id)
            if row is not None:
                found.append(store._summary(row))
                if limit is not None and len(found) >= limit:
                    return found
    return found


def _scoped(
    store: Store, where: str, params: list[Any], query: str, limit: int | None
) -> list[MessageSummary]:
    """The scope's messages (by their index) whose key is among the matches."""
    sql = (
        f"{store._SUMMARY}{where} {search_keys.KEY} IN (SELECT rowid FROM search WHERE "  # noqa: S608
        "search MATCH ? UNION SELECT rowid FROM document_search WHERE document_search "
        "MATCH ?) ORDER BY m.date DESC, m.id DESC"
    )
    values = [*params, query, query]
    if limit is not None:
        sql += " LIMIT ?"
        values.append(limit)
    return [store._summary(row) for row in store.db.execute(sql, values)]

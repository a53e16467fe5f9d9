"""The full-text tables' rowids: a message's date first, then its id (issue 22).

``search`` and ``document_search`` are keyed by ``(epoch seconds of the date << 31) | id``
instead of the message's id, so FTS5 hands its matches newest first (``ORDER BY rowid
DESC``) and a page of results stops after its last row: no sort of every match, which at
100,000 messages cost 150-200 ms for a common word. The id is read back from the low 31
bits; dates are clamped to 1970-2106 (a missing date sorts last, as in the list; dates
outside those years sort among themselves by id, where the list sorts them by date).

The key is computed in SQL only (:data:`KEY`), from the row in ``messages`` (alias ``m``):
one definition, whatever writes or deletes an entry. A message's date never changes once
stored, so neither does its key.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Iterator

ID_BITS = 31
ID_MASK = (1 << ID_BITS) - 1
MAX_EPOCH = (1 << 32) - 1

# The key of the message row aliased ``m``. Constant SQL: nothing from outside goes in.
KEY = (
    "(((CASE WHEN strftime('%s', m.date) IS NULL THEN 0 ELSE "
    f"MIN(MAX(CAST(strftime('%s', m.date) AS INTEGER), 0), {MAX_EPOCH - 1}) + 1 END)"
    f" << {ID_BITS}) | m.id)"
)


# The key of the message whose id is the bound parameter.
KEY_OF_ID = f"(SELECT {KEY} FROM messages m WHERE m.id = ?)"  # noqa: S608 - constant


def message_id(key: int) -> int:
    return key & ID_MASK


def unindex(db: sqlite3.Connection, where: str, params: tuple[object, ...]) -> None:
    """Remove from both full-text tables the messages ``m`` selected by ``where`` (constant
    SQL over ``messages m``), before their rows go."""
    for table in ("search", "document_search"):
        db.execute(
            f"DELETE FROM {table} WHERE rowid IN (SELECT {KEY} FROM messages m WHERE {where})",  # noqa: S608
            params,
        )


def replace_texts(db: sqlite3.Connection, entries: list[tuple[int, str, str, str, str]]) -> None:
    """Entries of ``search`` (key, subject, addresses, body, attachments), any former ones
    replaced, in the order given: key order, as FTS5 writes its pending terms out each time a
    key is lower than the previous one (3x the work in the server's order). Row by row,
    delete then insert: deleting them all first cost a third more."""
    for entry in entries:
        db.execute("DELETE FROM search WHERE rowid = ?", (entry[0],))
        db.execute(
            "INSERT INTO search (rowid, subject, addresses, body, attachments) "
            "VALUES (?, ?, ?, ?, ?)",
            entry,
        )


def newest_matches(db: sqlite3.Connection, query: str, batch: int) -> Iterator[list[int]]:
    """Message ids matching ``query`` (an FTS5 query) in either table, newest first, in
    batches of about ``batch``, each id once. Lazy: stop reading when the page is full."""

    def keys(table: str) -> Iterator[int]:
        cursor = db.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC",  # noqa: S608
            (query,),
        )
        while rows := cursor.fetchmany(batch):
            yield from (row[0] for row in rows)

    out: list[int] = []
    last: int | None = None
    for key in heapq.merge(keys("search"), keys("document_search"), reverse=True):
        if key == last:  # in both tables: once
            continue
        last = key
        out.append(message_id(key))
        if len(out) >= batch:
            yield out
            out = []
    if out:
        yield out


def keys_of(db: sqlite3.Connection, ids: list[int]) -> dict[int, int]:
    """The full-text key of each message id (ids not in ``messages`` left out)."""
    keys: dict[int, int] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        keys.update(
            db.execute(
                f"SELECT m.id, {KEY} FROM messages m WHERE m.id IN ({marks})",  # noqa: S608
                chunk,
            ).fetchall()
        )
    return keys

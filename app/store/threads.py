"""Conversations (issue 20, "Fils de discussion"): which stored messages belong together.

Each row of ``messages`` carries (migration "conversations"):

- ``thread``: the key of its conversation. The root the message names: the first of its
  ``References`` (RFC 5322 asks clients to keep it), else its ``In-Reply-To``, else its own
  Message-ID; a message without any identifier is a conversation of its own, keyed
  ``'<' || id`` (``<`` is never part of a Message-ID as stored). When the store already
  holds a message of the conversation (one its references name, or one keyed by a name
  among them), that message's key is taken; and every row keyed by one of the names it
  carries (its references, its own Message-ID) joins it. So a reply that arrives before its
  root, or whose ``References`` are missing or broken (only ``In-Reply-To``), still meets
  the siblings and the root once they are here, whatever the order of arrival.
- ``thread_depth``: how far down the conversation it is: the number of its references (1
  with ``In-Reply-To`` alone, 0 for a first message). The list indents by the difference
  with the shallowest message of the conversation it shows.

``thread_depth`` NULL: not read yet (rows stored before the migration, keyed ``'<' || id``
meanwhile). :func:`backfill` reads their files' headers, a batch at a time (the window's
background pass after it opens and after each sync, ``caducee list --threads``); a row
whose body is not downloaded yet gets its key when the sync brings it
(``Store.add_ingested``).

The list's order is computed in SQL (``app.store.views.threaded_rows``).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from app.core import sqlite
from app.store.mime_headers import parse_header_summary

if TYPE_CHECKING:  # app.store.db imports this module
    from app.store.db import Store

log = logging.getLogger(__name__)

OWN_PREFIX = "<"  # '<' || id: a conversation of one message without identifiers


class Named(Protocol):
    """What places a message: its parsed headers (``HeaderSummary``, ``IngestedBody``)."""

    @property
    def message_id(self) -> str | None: ...
    @property
    def in_reply_to(self) -> str | None: ...
    @property
    def references(self) -> tuple[str, ...]: ...


def place(db: sqlite3.Connection, rowid: int, named: Named) -> str:
    """:func:`assign` from a message's parsed headers (``IngestedBody``)."""
    return assign(db, rowid, named.message_id, named.in_reply_to, named.references)


def depth_of(in_reply_to: str | None, references: Sequence[str]) -> int:
    if references:
        return len(references)
    return 1 if in_reply_to else 0


def _names(in_reply_to: str | None, references: Sequence[str]) -> list[str]:
    return list(dict.fromkeys([*references, *([in_reply_to] if in_reply_to else [])]))


def key_for(db: sqlite3.Connection, named: Named) -> tuple[str | None, int]:
    """(conversation key, depth) of a message about to be stored; the key is None for a
    message without any identifier (its row id, once it has one: :func:`join`)."""
    names = _names(named.in_reply_to, named.references)
    depth = depth_of(named.in_reply_to, named.references)
    if not names:
        return named.message_id, depth
    marks = ",".join("?" * len(names))
    known = db.execute(  # the conversation as the store knows it already, if it does
        "SELECT thread FROM messages WHERE thread_depth IS NOT NULL "  # noqa: S608
        f"AND (message_id IN ({marks}) OR thread IN ({marks})) LIMIT 1",
        [*names, *names],
    ).fetchone()
    return (str(known[0]) if known is not None and known[0] else names[0]), depth


def join(db: sqlite3.Connection, rowid: int, key: str | None, named: Named) -> str:
    """After the row ``rowid`` was stored with ``key`` (:func:`key_for`): the rows keyed by
    one of the names it carries join its conversation. Returns the key."""
    if key is None:
        key = f"{OWN_PREFIX}{rowid}"
        db.execute("UPDATE messages SET thread = ? WHERE id = ?", (key, rowid))
    own = [named.message_id] if named.message_id else []
    joining = [n for n in {*_names(named.in_reply_to, named.references), *own} if n != key]
    if joining:  # rows that took one of these names as their root: the same conversation
        marks = ",".join("?" * len(joining))
        db.execute(
            f"UPDATE messages SET thread = ? WHERE thread IN ({marks})",  # noqa: S608
            [key, *joining],
        )
    return key


@dataclass(frozen=True, slots=True)
class _Named:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]


def assign(
    db: sqlite3.Connection,
    rowid: int,
    message_id: str | None,
    in_reply_to: str | None,
    references: Sequence[str],
) -> str:
    """Place the stored row ``rowid``, not placed yet (``thread_depth`` NULL), in its
    conversation (inside the caller's transaction); returns the conversation's key."""
    named = _Named(message_id, in_reply_to, tuple(references))
    key, depth = key_for(db, named)
    db.execute("UPDATE messages SET thread = ?, thread_depth = ? WHERE id = ?", (key, depth, rowid))
    return join(db, rowid, key, named)


# -- rows stored before threads were kept ------------------------------------------------


@dataclass(frozen=True)
class BackfillProgress:
    done: int  # rows placed by this call
    left: int  # rows still waiting (with a file to read)


def pending(db: sqlite3.Connection) -> int:
    row = db.execute(
        "SELECT count(*) FROM messages WHERE thread_depth IS NULL AND blob IS NOT NULL"
    ).fetchone()
    return int(row[0])


def backfill(store: Store, *, budget: float = 2.0, batch: int = 200) -> BackfillProgress:
    """Place rows stored before threads were kept, oldest first, reading their files'
    headers, for about ``budget`` seconds (a batch started is finished; one transaction per
    batch). A file that cannot be read places the row by its stored Message-ID. Never raises
    for a message's content."""
    deadline = time.monotonic() + budget
    done, last = 0, 0
    while time.monotonic() < deadline:
        rows = store.db.execute(
            "SELECT id, blob, message_id FROM messages WHERE thread_depth IS NULL "
            "AND blob IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            break
        read: list[tuple[int, str | None, str | None, tuple[str, ...]]] = []
        for rowid, digest, stored_id in rows:
            last = rowid
            raw = store.blobs.get(digest)
            if raw is None:  # damaged or collected: by what the row says
                read.append((rowid, stored_id, None, ()))
                continue
            summary = parse_header_summary(raw)  # the header section only
            read.append(
                (rowid, summary.message_id or stored_id, summary.in_reply_to, summary.references)
            )
        with sqlite.transaction(store.db) as db:
            for rowid, message_id, in_reply_to, references in read:
                still = db.execute(  # not placed meanwhile (its body synced, another pass)
                    "SELECT 1 FROM messages WHERE id = ? AND thread_depth IS NULL", (rowid,)
                ).fetchone()
                if still is not None:
                    assign(db, rowid, message_id, in_reply_to, references)
                    done += 1
    return BackfillProgress(done, pending(store.db))

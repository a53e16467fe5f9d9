"""What a sync writes into the store: headers first (the list usable at once), then the
bodies parsed by the workers with their full text, and the receipts those bring; written
in transactions the files precede, with the write-ahead log checkpointed once per sync.

A part of :class:`app.store.db.Store` (its base class), kept apart for size.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from app.core import sqlite
from app.store import search_keys
from app.store.blobs import BlobStore

if TYPE_CHECKING:
    from app.store.db import Folder, HeaderRow, Store
    from app.store.header_facts import HeaderFacts
    from app.store.ingest import IngestedBody

# The parsing and indexing code (MIME, reports, conversations, documents) is imported by the
# methods that write messages: opening the store, or a sync that finds nothing new, does not
# load it (issue 22, item 2; tests/unit/test_cli_startup.py).

log = logging.getLogger(__name__)

BULK_CHECKPOINT_PAGES = 20_000  # the log of a sync may grow to ~80 MB before a checkpoint
BULK_CACHE_KIB = 65_536  # the sync's page cache (SQLite's default: 2,000 KiB)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


class MessageWrites:
    db: sqlite3.Connection
    blobs: BlobStore

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite.transaction(self.db)

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """A sync storing many messages: its write-ahead log checkpointed once at the end,
        not every 1,000 pages (each checkpoint copies the pages into the database and waits
        for the disk twice; the index pages a sync rewrites again and again were copied
        each time). A crash meanwhile loses nothing more: the log is replayed at the next
        open. Its page cache larger meanwhile: past SQLite's 2 MB, each page read again is
        decrypted and checked again (a store of 100,000 messages built 18 % faster)."""
        cache = int(self.db.execute("PRAGMA cache_size").fetchone()[0])
        self.db.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
        self.db.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            self.db.execute(f"PRAGMA cache_size = {cache}")  # the pages beyond it freed
            self.db.execute("PRAGMA wal_autocheckpoint = 1000")  # SQLite's default
            try:
                self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite.Error:  # busy, or the store went away: the next writer does it
                log.warning("checkpoint after a sync not done", exc_info=True)

    def add_headers(
        self,
        folder: Folder,
        rows: Sequence[HeaderRow],
        facts: Sequence[HeaderFacts] | None = None,
    ) -> int:
        """First pass: summaries, searchable by subject and addresses at once. Returns how
        many were new here (a UID already stored is left as it is). ``facts``: each row's
        :func:`header_facts`, when already computed (by a worker process)."""
        from app.store import threads
        from app.store.header_facts import header_facts

        if facts is None:
            facts = [header_facts(row.header) for row in rows]
        added = 0
        titles: list[tuple[int, str, str]] = []
        with self.transaction() as db:
            for row, fact in zip(rows, facts, strict=True):
                parsed, sender, recipients = fact.summary, fact.sender, fact.recipients
                thread, depth = threads.key_for(db, parsed)  # its conversation
                cursor = db.execute(
                    "INSERT INTO messages (folder_id, uid, modseq, flags, internal_date, size, "
                    "message_id, subject, sender, recipients, date, report, thread, "
                    "thread_depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (folder_id, uid) DO NOTHING",
                    (
                        folder.id,
                        row.uid,
                        row.modseq,
                        " ".join(row.flags),
                        _iso(row.internal_date),
                        row.size,
                        parsed.message_id,
                        parsed.subject,
                        sender,
                        recipients,
                        _iso(parsed.date or row.internal_date),
                        fact.report,  # a DSN or MDN: hidden from lists
                        thread,
                        depth,
                    ),
                )
                if cursor.rowcount:
                    added += 1
                    threads.join(db, int(cursor.lastrowid or 0), thread, parsed)
                    titles.append(
                        (int(cursor.lastrowid or 0), parsed.subject, f"{sender} {recipients}")
                    )
            # In key order (date, then id): FTS5 writes its pending terms out whenever a rowid
            # is lower than the previous one.
            keys = search_keys.keys_of(db, [rowid for rowid, _subject, _addresses in titles])
            db.executemany(
                "INSERT INTO search (rowid, subject, addresses, body, attachments) "
                "VALUES (?, ?, ?, '', '')",
                sorted((keys[rowid], subject, addresses) for rowid, subject, addresses in titles),
            )
        return added

    def add_bodies(self, folder: Folder, bodies: dict[int, bytes]) -> list[IngestedBody]:
        """Second pass, in this process: whole messages on disk, then indexed."""
        from app.store.ingest import ingest

        return self.add_ingested(
            folder, ingest(str(self.blobs.root), self.blobs.key, bodies.items())
        )

    def add_ingested(self, folder: Folder, bodies: Sequence[IngestedBody]) -> list[IngestedBody]:
        """Second pass: messages already on disk (``ingest``) get their file and full text.

        One transaction: the files exist before any row refers to them. Returns the bodies
        stored here: not those of messages expunged meanwhile, nor those some other sync
        stored first (their rows are left as they are).
        """
        from app.store import threads
        from app.store.document_rows import record, state_for

        with self.transaction() as db:
            found = []
            for body in bodies:
                row = db.execute(
                    "SELECT id, thread_depth IS NULL FROM messages "
                    "WHERE folder_id = ? AND uid = ? AND blob IS NULL",
                    (folder.id, body.uid),
                ).fetchone()
                if row is not None:  # else expunged or stored meanwhile: the file is collected
                    found.append((int(row[0]), body))  # later if nothing refers to it
                    if row[1]:  # stored before conversations were kept: placed now
                        threads.place(db, int(row[0]), body)
            db.executemany(
                "UPDATE messages SET blob = ?, has_attachments = ? WHERE id = ?",
                ((body.digest, int(body.has_attachments), rowid) for rowid, body in found),
            )
            keys = search_keys.keys_of(db, [rowid for rowid, _body in found])
            in_order = sorted(found, key=lambda item: keys[item[0]])
            search_keys.replace_texts(
                db,
                [
                    (
                        keys[rowid],
                        body.subject,
                        f"{body.sender} {body.recipients}",
                        body.body_text,
                        body.attachment_names,
                    )
                    for rowid, body in in_order
                ],
            )
            for rowid, body in in_order:
                record(db, rowid, body.overview, state_for(body.overview), key=keys[rowid])
        self._apply_reports([rowid for rowid, _body in found])
        return [body for _rowid, body in found]

    def _apply_reports(self, rows: Sequence[int]) -> None:
        """Delivery and read reports among messages just stored move the receipts followed
        (``app.store.receipts``), whichever sync or folder brought them."""
        reports = []
        for start in range(0, len(rows), 500):
            chunk = list(rows[start : start + 500])
            reports += [
                r[0]
                for r in self.db.execute(
                    "SELECT id FROM messages WHERE report IS NOT NULL AND "  # noqa: S608
                    f"id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            ]
        if reports:
            from app.store.receipts import ReceiptStore

            receipts = ReceiptStore(cast("Store", self))
            with cast("Store", self).audit.batched():  # one flush for the batch's reports
                for message_row in reports:
                    try:
                        receipts.apply_message(message_row)
                    except (sqlite.Error, OSError):  # the mail is stored; the report waits
                        log.exception("receipt report %s not applied yet", message_row)

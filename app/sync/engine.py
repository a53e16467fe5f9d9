"""Per-account sync: folders, then headers (the inbox is usable at once), then bodies.

Incremental where the server allows it: STATUS first (an unchanged folder costs one
command; with LIST-STATUS every folder's comes with the folder list, one command for all),
then QRESYNC (the SELECT response brings expunges and flag changes), or else
CONDSTORE's CHANGEDSINCE for flags and UID SEARCH to find expunged messages; a full reset
when UIDVALIDITY changes. Every step commits on its own and is idempotent, so a
sync killed at any point resumes on the next run without losing or duplicating anything:
the folder's recorded state is only advanced once its messages are stored.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Future
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from app.core.audit import Action
from app.core.errors import ProtocolError
from app.store.changes import LocalChanges
from app.store.db import Account, Folder, HeaderRow, Store
from app.sync.replay import ChangeReplayer
from app.transport.imap import FolderStatus, Mailbox

if TYPE_CHECKING:  # the body pass (parser, worker processes) is loaded when there are bodies:
    # a sync that finds nothing new is mostly start-up (issue 22, item 2)
    from concurrent.futures import ProcessPoolExecutor

    from app.store.header_facts import HeaderFacts

log = logging.getLogger(__name__)
_Item = TypeVar("_Item")

HEADER_BATCH = 500  # the first batch of a folder: the newest, in the list at once
# The next ones: fewer commits (each rewrites the index pages); at most 1,000 as UID_CHUNK,
# scattered UIDs make the command line long (RFC 7162 advises under 8,192 octets).
HEADER_BATCH_MORE = 1000
PARSED_APART = 50  # fewer header sections in a batch: parsed here (a task costs ~1 ms)
BODY_BATCH_BYTES = 16 * 1024 * 1024
BODY_BATCH_COUNT = 200

Progress = Callable[[str, int, int, str], None]
"""(phase, done, total, folder) for a progress bar; phases: "dossiers", "en-têtes",
"messages"; the folder (its IMAP name) being read, "" when none."""


@dataclass
class SyncReport:
    """What this run did to the local copy: messages it stored (not merely fetched: one
    stored meanwhile by another sync is not counted), removed, whose flags it changed."""

    folders: int = 0
    new: int = 0
    removed: int = 0
    flag_changes: int = 0
    bodies: int = 0
    bytes: int = 0
    skipped_unchanged: int = 0
    sent: int = 0  # outbox messages sent at the end of the sync
    flags_pushed: int = 0  # local flag changes replayed on the server
    flags_refused: int = 0  # local flag changes the server refused (backed out)
    changes_replayed: int = 0  # local moves, copies, deletions, folder changes done
    refused: list[str] = field(default_factory=list)  # what the server refused, in French
    reset_folders: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


class _Rebuilt(Exception):
    """The folder's UIDVALIDITY changed after its STATUS was read."""


def _ahead(items: Iterator[_Item]) -> AbstractContextManager[Iterator[_Item]]:
    """``bodies.read_ahead``, imported when first needed (several batches of headers)."""
    from app.sync.bodies import read_ahead

    return read_ahead(items)


class _HeaderParsing:
    """A batch's :class:`HeaderFacts`, computed by the worker processes when there are
    (split among them), else here when asked; a pool gone wrong falls back to here."""

    def __init__(self, pool: ProcessPoolExecutor | None, rows: Sequence[HeaderRow]) -> None:
        from concurrent.futures.process import BrokenProcessPool

        from app.store.header_facts import facts_of
        from app.sync.bodies import default_workers

        self.rows = rows
        self.futures: list[Future[list[HeaderFacts]]] = []
        if pool is None or len(rows) < 2 * PARSED_APART:
            return
        share = -(-len(rows) // default_workers())  # ceiling: one task per worker
        share = max(share, PARSED_APART)
        try:
            self.futures = [
                pool.submit(facts_of, [row.header for row in rows[start : start + share]])
                for start in range(0, len(rows), share)
            ]
        except (BrokenProcessPool, RuntimeError):  # broken, or shut down
            self.futures = []

    def result(self) -> list[HeaderFacts]:
        from concurrent.futures.process import BrokenProcessPool

        from app.store.header_facts import facts_of

        if self.futures:
            try:
                return [fact for future in self.futures for fact in future.result()]
            except (BrokenProcessPool, CancelledError):
                log.warning("header parsing workers lost; parsed in the sync process")
        return facts_of(row.header for row in self.rows)


def _header_batches(uids: Sequence[int]) -> list[Sequence[int]]:
    """``HEADER_BATCH`` first, then ``HEADER_BATCH_MORE`` at a time."""
    rest = uids[HEADER_BATCH:]
    more = [rest[i : i + HEADER_BATCH_MORE] for i in range(0, len(rest), HEADER_BATCH_MORE)]
    return [uids[:HEADER_BATCH], *more] if uids else []


class AccountSync:
    def __init__(
        self, store: Store, account: Account, mailbox: Mailbox, progress: Progress | None = None
    ) -> None:
        self.store = store
        self.account = account
        self.mailbox = mailbox
        self.progress = progress or (lambda _phase, _done, _total, _folder: None)
        self.report = SyncReport()
        self.bodies = False  # whether this run fetches bodies after the headers
        self._workers: ProcessPoolExecutor | None = None  # started early, see _start_workers
        self._listed: dict[str, FolderStatus] = {}  # statuses that came with the folder list

    def run(self, *, bodies: bool = True, collect: bool = True) -> SyncReport:
        """``collect``: remove the message files nothing refers to any more, at the end
        (``app.ops.sync`` does it itself, minding the other processes' syncs)."""
        self.bodies = bodies
        with self.store.bulk_writes():
            return self._run(bodies=bodies, collect=collect)

    def _run(self, *, bodies: bool, collect: bool) -> SyncReport:
        try:
            replay = ChangeReplayer(self.store, self.account, self.mailbox).run()
            self.report.changes_replayed = replay.replayed
            self.report.refused += replay.refused
            folders = self.sync_folder_list()
            for index, folder in enumerate(folders, start=1):
                self.progress("dossiers", index, len(folders), folder.name)
                self.sync_headers(folder)
            if bodies:
                self.fetch_bodies(folders)
                if collect:
                    self.store.collect_blobs()
        finally:
            workers, self._workers = self._workers, None
            if workers is not None:  # not handed to the body pass (an error, or few bodies)
                workers.shutdown(wait=False, cancel_futures=True)
        return self.report

    def _start_workers(self, new_messages: int) -> None:
        """Many new messages: their bodies will be parsed by worker processes, which start
        now, while the headers are fetched (one core is mostly idle then), instead of when
        the first bodies arrive."""
        if not (self.bodies and self._workers is None and new_messages):
            return
        from app.sync import bodies

        if new_messages >= bodies.POOL_MIN_MESSAGES:
            self._workers = bodies.start_workers(bodies.default_workers())

    def sync_folder_list(self) -> list[Folder]:
        remote, self._listed = self.mailbox.folders_and_status()
        for info in remote:
            self.store.upsert_folder(
                self.account, info.name, info.delimiter, info.special_use, info.selectable
            )
        names = {info.name for info in remote}
        waiting = {  # created or renamed here while this sync ran: not the server's yet
            change.target
            for change in LocalChanges(self.store).pending(self.account)
            if change.kind in ("create_folder", "rename_folder")
        }
        for folder in self.store.folders(self.account):
            if folder.name not in names and folder.name not in waiting:  # gone on the server
                self.store.delete_folder(folder)
        folders = [f for f in self.store.folders(self.account) if f.selectable and f.name in names]
        self.report.folders = len(folders)
        return folders

    def sync_headers(self, folder: Folder, *, retry: bool = True) -> None:
        # Read before this folder's turn, the listed status is at worst older than the
        # server's: the state recorded from it then only makes the next sync look again.
        status = self._listed.pop(folder.name, None) or self.mailbox.status(folder.name)
        if folder.uidvalidity is not None and status.uidvalidity != folder.uidvalidity:
            log.info("UIDVALIDITY changed for a folder: local copy reset")
            self.store.reset_folder(folder, status.uidvalidity)
            self.report.reset_folders.append(folder.name)
            folder = next(f for f in self.store.folders(self.account) if f.id == folder.id)
        elif self._unchanged(folder, status) and not self.store.pending_flags(folder):
            self.report.skipped_unchanged += 1
            return
        try:
            if self.push_flags(folder):
                status = self.mailbox.status(folder.name)  # our own changes moved the modseq
            new_uids = self._quick_resync(folder)
            if new_uids is None:  # no QRESYNC, or the server could not use what we know
                new_uids = self._full_resync(folder, self.store.uids(folder))
        except _Rebuilt:  # between STATUS and SELECT: start again, STATUS will say so
            if not retry:
                raise ProtocolError(
                    "UIDVALIDITY keeps changing",
                    user_message="Un dossier est reconstruit sur le serveur pendant la "
                    "synchronisation ; relancez-la plus tard.",
                ) from None
            self.sync_headers(folder, retry=False)
            return
        new = sorted(new_uids, reverse=True)  # newest first: the inbox fills from the top
        self._start_workers(self.report.new + len(new))  # this run's new messages so far
        batches = _header_batches(new)
        fetches = (self.mailbox.headers(batch) for batch in batches)
        stored = 0

        def store(batch: _HeaderParsing) -> None:
            nonlocal stored
            self.report.new += self.store.add_headers(folder, batch.rows, batch.result())
            stored += len(batch.rows)
            self.progress("en-têtes", stored, len(new), folder.name)

        # Several batches: the next one is read while this one is stored (the connection is
        # the reading thread's alone meanwhile; this thread only uses the store), and
        # parsed by the workers meanwhile when they are there.
        waiting: _HeaderParsing | None = None
        with _ahead(fetches) if len(batches) > 1 else nullcontext(fetches) as answers:
            try:
                for index, fetched in enumerate(answers):
                    rows = [
                        HeaderRow(h.uid, h.flags, h.internal_date, h.size, h.modseq, h.header)
                        for h in fetched
                    ]
                    # The first batch here: the workers are still starting (~0.3 s), and
                    # a sync of a few hundred new messages has only this one.
                    parsing = _HeaderParsing(self._workers if index else None, rows)
                    if waiting is not None:
                        store(waiting)
                    waiting = parsing
            except Exception:
                if waiting is not None:  # fetched before the error: kept
                    with contextlib.suppress(Exception):
                        store(waiting)
                raise
        if waiting is not None:
            store(waiting)
        self.store.set_folder_state(
            folder,
            uidvalidity=status.uidvalidity,
            uidnext=status.uidnext,
            highestmodseq=status.highestmodseq,
            messages=status.messages,
        )

    def _quick_resync(self, folder: Folder) -> set[int] | None:
        """QRESYNC (RFC 7162): the SELECT response carries the expunges (VANISHED) and flag
        changes since the recorded mod-sequence; new messages are the UIDs from the recorded
        UIDNEXT up. Stores the expunges and flag changes; returns the UIDs to fetch, or None
        when the folder must be resynced the long way. The store is asked about these UIDs
        only, never for every UID of the folder: the work follows what changed.

        The recorded UIDNEXT and mod-sequence only move once every header below them is
        stored (``set_folder_state`` comes last), so a sync killed half-way asks again for
        the same changes: applying them twice changes nothing.
        """
        if not (
            self.mailbox.qresync
            and folder.uidvalidity is not None
            and folder.highestmodseq is not None
            and folder.uidnext is not None
        ):
            return None
        resync = self.mailbox.select_qresync(  # every stored UID is at most the highest one
            folder.name,
            folder.uidvalidity,
            folder.highestmodseq,
            known_up_to=self.store.highest_uid(folder),
        )
        if not resync.resynced:
            if resync.uidvalidity != folder.uidvalidity:
                raise _Rebuilt
            log.info("QRESYNC parameters ignored by the server: full resync")
            return None
        known = self.store.stored_uids(folder, resync.vanished | resync.changed.keys())
        changes = {uid: c for uid, c in resync.changed.items() if uid in known}
        self._apply(folder, known & resync.vanished, changes)  # new ones come with headers
        # Stored from UIDNEXT up: headers a sync killed half-way stored, its state not moved.
        return self.mailbox.uids_from(folder.uidnext) - self.store.uids_from(folder, folder.uidnext)

    def _full_resync(self, folder: Folder, local: set[int]) -> set[int]:
        """Without QRESYNC: every UID of the folder (UID SEARCH ALL) to find the expunges,
        then the flags of the known messages, only those changed since the recorded
        mod-sequence with CONDSTORE."""
        uidvalidity = self.mailbox.select(folder.name)
        if folder.uidvalidity is not None and uidvalidity not in (None, folder.uidvalidity):
            raise _Rebuilt  # the UIDs below would not be the ones stored
        remote = self.mailbox.all_uids()
        known = local & remote
        changes: dict[int, tuple[tuple[str, ...], int | None]] = {}
        if known:
            since = folder.highestmodseq if self.mailbox.condstore else None
            changes = self.mailbox.flags(sorted(known), since)
        self._apply(folder, local - remote, changes)
        return remote - local

    def _apply(
        self,
        folder: Folder,
        gone: set[int],
        changes: dict[int, tuple[tuple[str, ...], int | None]],
    ) -> None:
        if gone:
            self.report.removed += self.store.remove_uids(folder, gone)
        if changes:
            self.report.flag_changes += self.store.set_flags(folder, changes)

    def push_flags(self, folder: Folder) -> bool:
        """Replay local flag changes (made offline too) before reading the server's.

        A change for a message the server no longer has is dropped: the message goes away
        locally with the expunge that follows. Each replayed change is forgotten at once.
        """
        pending = self.store.pending_flags(folder)
        if not pending:
            return False
        uidvalidity = self.mailbox.select_writable(folder.name)
        if folder.uidvalidity is not None and uidvalidity not in (None, folder.uidvalidity):
            raise _Rebuilt  # these UIDs now name other messages: change nothing
        for operation, uid, add, remove in pending:
            try:
                self.mailbox.store_flags(uid, add, remove)
            except ProtocolError:  # refused: back out to what the server has
                self.store.done_flags([operation])
                self.store.set_flags(folder, self.mailbox.flags([uid]))
                self.report.flags_refused += 1
                self._audit_flags(folder, uid, add, remove, "refusé (annulé localement)")
                continue
            self.store.done_flags([operation])
            self._audit_flags(folder, uid, add, remove, "ok")
            self.report.flags_pushed += 1
        return True

    def _audit_flags(
        self, folder: Folder, uid: int, add: Sequence[str], remove: Sequence[str], result: str
    ) -> None:
        row = self.store.db.execute(
            "SELECT id FROM messages WHERE folder_id = ? AND uid = ?", (folder.id, uid)
        ).fetchone()
        self.store.audited(
            Action.FLAG,
            account=self.account.address,
            message=row[0] if row is not None else None,
            folder=folder.name,
            request=f"UID STORE {uid}",
            result=result,
            detail=" ".join([f"+{f}" for f in add] + [f"-{f}" for f in remove]),
        )

    @staticmethod
    def _unchanged(folder: Folder, status: FolderStatus) -> bool:
        return (
            folder.uidvalidity == status.uidvalidity
            and folder.uidnext == status.uidnext
            and folder.messages == status.messages
            and folder.highestmodseq == status.highestmodseq
        )

    def fetch_bodies(self, folders: Sequence[Folder]) -> None:
        """Whole messages, folder by folder, in a pipeline: a thread reads the next batch
        from the server while worker processes write and parse the previous ones and this
        thread indexes them (``app.sync.bodies``)."""
        pending = {f.id: self.store.missing_bodies(f, 1_000_000) for f in folders}
        # Sizes as the header pass stored them: no RFC822.SIZE round trip per folder.
        sizes = {f.id: self.store.missing_body_sizes(f) for f in folders if pending[f.id]}
        total = sum(len(uids) for uids in pending.values())
        if not total:
            return
        from app.sync.bodies import POOL_MIN_MESSAGES, BodyPipeline, default_workers, read_ahead

        workers, self._workers = self._workers, None  # from here on the pipeline's to stop
        done = 0
        reading = ""  # the folder read from the server now (the reading thread sets it)

        def stored(messages: int, size: int) -> None:
            nonlocal done
            done += messages
            self.report.bodies += messages
            self.report.bytes += size
            self.progress("messages", done, total, reading)

        def read() -> Iterator[tuple[Folder, dict[int, bytes]]]:
            nonlocal reading
            for folder in folders:
                uids = pending[folder.id]
                if not uids:
                    continue
                reading = folder.name
                self.mailbox.select(folder.name)
                for batch in self._body_batches(uids, sizes[folder.id]):
                    yield folder, self.mailbox.bodies(batch)

        if total < POOL_MIN_MESSAGES:  # a few new messages: no threads, no processes
            if workers is not None:
                workers.shutdown(wait=False, cancel_futures=True)
            with BodyPipeline(self.store, workers=0, stored=stored) as pipeline:
                for folder, bodies in read():
                    pipeline.submit(folder, bodies)
            return
        with (
            BodyPipeline(
                self.store, workers=default_workers(), stored=stored, pool=workers
            ) as pipeline,
            read_ahead(read()) as batches,
        ):
            for folder, bodies in batches:
                pipeline.submit(folder, bodies)

    @staticmethod
    def _body_batches(uids: Sequence[int], sizes: dict[int, int]) -> list[list[int]]:
        """Batches bounded in count and bytes (a 50 MB attachment travels alone)."""
        batches: list[list[int]] = []
        current: list[int] = []
        weight = 0
        for uid in uids:
            size = sizes.get(uid, 0)
            if current and (weight + size > BODY_BATCH_BYTES or len(current) >= BODY_BATCH_COUNT):
                batches.append(current)
                current, weight = [], 0
            current.append(uid)
            weight += size
        if current:
            batches.append(current)
        return batches

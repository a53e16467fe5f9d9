"""Per-account sync: folders, then headers (the inbox is usable at once), then bodies.

Incremental where the server allows it: STATUS first (an unchanged folder costs one
command), CONDSTORE's CHANGEDSINCE for flags, UID SEARCH to find expunged messages, and a
full reset when UIDVALIDITY changes. Every step commits on its own and is idempotent, so a
sync killed at any point resumes on the next run without losing or duplicating anything:
the folder's recorded state is only advanced once its messages are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from app.core.errors import ProtocolError
from app.store.db import Account, Folder, HeaderRow, Store
from app.sync.bodies import POOL_MIN_MESSAGES, BodyPipeline, default_workers, read_ahead
from app.transport.imap import FolderStatus, Mailbox

log = logging.getLogger(__name__)

HEADER_BATCH = 500
BODY_BATCH_BYTES = 16 * 1024 * 1024
BODY_BATCH_COUNT = 200

Progress = Callable[[str, int, int], None]
"""(phase, done, total) for a progress bar; phases: "dossiers", "en-têtes", "messages"."""


@dataclass
class SyncReport:
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
    reset_folders: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def _chunks(items: Sequence[int], size: int) -> list[Sequence[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class AccountSync:
    def __init__(
        self, store: Store, account: Account, mailbox: Mailbox, progress: Progress | None = None
    ) -> None:
        self.store = store
        self.account = account
        self.mailbox = mailbox
        self.progress = progress or (lambda _phase, _done, _total: None)
        self.report = SyncReport()

    def run(self, *, bodies: bool = True) -> SyncReport:
        folders = self.sync_folder_list()
        for index, folder in enumerate(folders, start=1):
            self.progress("dossiers", index, len(folders))
            self.sync_headers(folder)
        if bodies:
            self.fetch_bodies(folders)
            self.store.collect_blobs()
        return self.report

    def sync_folder_list(self) -> list[Folder]:
        remote = self.mailbox.folders()
        for info in remote:
            self.store.upsert_folder(
                self.account, info.name, info.delimiter, info.special_use, info.selectable
            )
        names = {info.name for info in remote}
        for folder in self.store.folders(self.account):
            if folder.name not in names:  # deleted or renamed on the server
                self.store.delete_folder(folder)
        folders = [f for f in self.store.folders(self.account) if f.selectable]
        self.report.folders = len(folders)
        return folders

    def sync_headers(self, folder: Folder) -> None:
        status = self.mailbox.status(folder.name)
        if folder.uidvalidity is not None and status.uidvalidity != folder.uidvalidity:
            log.info("UIDVALIDITY changed for a folder: local copy reset")
            self.store.reset_folder(folder, status.uidvalidity)
            self.report.reset_folders.append(folder.name)
            folder = next(f for f in self.store.folders(self.account) if f.id == folder.id)
        elif self._unchanged(folder, status) and not self.store.pending_flags(folder):
            self.report.skipped_unchanged += 1
            return
        if self.push_flags(folder):
            status = self.mailbox.status(folder.name)  # our own changes moved the modseq
        self.mailbox.select(folder.name)
        local = self.store.uids(folder)
        remote = self.mailbox.all_uids()
        gone = local - remote
        if gone:
            self.store.remove_uids(folder, gone)
            self.report.removed += len(gone)
        known = local & remote
        if known:
            since = folder.highestmodseq if self.mailbox.condstore else None
            changes = self.mailbox.flags(sorted(known), since)
            if changes:
                self.store.set_flags(folder, changes)
                self.report.flag_changes += len(changes)
        new = sorted(remote - local, reverse=True)  # newest first: the inbox fills from the top
        for done, batch in enumerate(_chunks(new, HEADER_BATCH), start=1):
            fetched = self.mailbox.headers(batch)
            self.store.add_headers(
                folder,
                [
                    HeaderRow(h.uid, h.flags, h.internal_date, h.size, h.modseq, h.header)
                    for h in fetched
                ],
            )
            self.report.new += len(fetched)
            self.progress("en-têtes", min(done * HEADER_BATCH, len(new)), len(new))
        self.store.set_folder_state(
            folder,
            uidvalidity=status.uidvalidity,
            uidnext=status.uidnext,
            highestmodseq=status.highestmodseq,
            messages=status.messages,
        )

    def push_flags(self, folder: Folder) -> bool:
        """Replay local flag changes (made offline too) before reading the server's.

        A change for a message the server no longer has is dropped: the message goes away
        locally with the expunge that follows. Each replayed change is forgotten at once.
        """
        pending = self.store.pending_flags(folder)
        if not pending:
            return False
        self.mailbox.select_writable(folder.name)
        for operation, uid, add, remove in pending:
            try:
                self.mailbox.store_flags(uid, add, remove)
            except ProtocolError:  # refused: back out to what the server has
                self.store.done_flags([operation])
                self.store.set_flags(folder, self.mailbox.flags([uid]))
                self.report.flags_refused += 1
                continue
            self.store.done_flags([operation])
            self.report.flags_pushed += 1
        return True

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
        total = sum(len(uids) for uids in pending.values())
        if not total:
            return
        done = 0

        def stored(messages: int, size: int) -> None:
            nonlocal done
            done += messages
            self.report.bodies += messages
            self.report.bytes += size
            self.progress("messages", done, total)

        def read() -> Iterator[tuple[Folder, dict[int, bytes]]]:
            for folder in folders:
                uids = pending[folder.id]
                if not uids:
                    continue
                self.mailbox.select(folder.name)
                sizes = self.mailbox.sizes(uids)
                for batch in self._body_batches(uids, sizes):
                    yield folder, self.mailbox.bodies(batch)

        if total < POOL_MIN_MESSAGES:  # a few new messages: no threads, no processes
            with BodyPipeline(self.store, workers=0, stored=stored) as pipeline:
                for folder, bodies in read():
                    pipeline.submit(folder, bodies)
            return
        with (
            BodyPipeline(self.store, workers=default_workers(), stored=stored) as pipeline,
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

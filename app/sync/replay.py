"""Replay local moves, copies, deletions and folder changes on the server, in order.

Runs at the start of a sync, before the folder list and headers are read, so that the
server already reflects the doctor's changes when it is compared with the local copy.
Each change is forgotten as soon as the server did it, or backed out (the local copy goes
back to what the server has) when the server refuses it. A connection lost in the middle
stops the sync with the change still queued; replaying it again is safe:

- a move whose message is no longer in its source folder was done (or the message was
  removed by someone else): the moved row is dropped and the target folder's sync brings
  the message if it is there — nothing is lost or doubled;
- a copy already started is looked for by Message-ID in the target before copying again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from app.core.errors import ProtocolError
from app.store.changes import LocalChanges, PendingChange
from app.store.db import Account, Store
from app.transport.imap import Mailbox

log = logging.getLogger(__name__)

_REFUSED = {
    "move": "Le serveur a refusé de déplacer un message de « {folder} » vers « {target} » : "
    "il est revenu dans « {folder} ».",
    "copy": "Le serveur a refusé de copier un message de « {folder} » vers « {target} » : "
    "la copie a été retirée.",
    "delete": "Le serveur a refusé de supprimer un message de « {folder} » : il y est encore.",
    "create_folder": "Le serveur a refusé de créer le dossier « {target} ».",
    "rename_folder": "Le serveur a refusé de renommer « {folder} » en « {target} » : "
    "le dossier garde son nom.",
    "delete_folder": "Le serveur a refusé de supprimer le dossier « {folder} » : il revient.",
}


@dataclass
class ReplayReport:
    replayed: int = 0
    refused: list[str] = field(default_factory=list)


class ChangeReplayer:
    def __init__(self, store: Store, account: Account, mailbox: Mailbox) -> None:
        self.store = store
        self.changes = LocalChanges(store)
        self.account = account
        self.mailbox = mailbox
        self.report = ReplayReport()

    def run(self) -> ReplayReport:
        for change in self.changes.pending(self.account):
            try:
                uid = self._replay(change)
            except ProtocolError as error:  # refused (NO/BAD); a lost connection propagates
                log.info("a queued %s was refused by the server", change.kind)
                self.changes.back_out(change)
                self.report.refused.append(
                    _REFUSED[change.kind].format(folder=change.folder, target=change.target)
                    + f" ({error.detail})"
                )
                continue
            self.changes.done(change, uid=uid)
            self.report.replayed += 1
        return self.report

    def _replay(self, change: PendingChange) -> int | None:
        """Do the change on the server; the new UID of a moved or copied message."""
        kind, target = change.kind, change.target or ""
        if kind == "create_folder":
            self._create(target)
        elif kind == "rename_folder":
            self.mailbox.rename_folder(change.folder, target)
        elif kind == "delete_folder":
            if self.mailbox.folder_exists(change.folder):
                self.mailbox.delete_folder(change.folder)
        elif not self._select_source(change):
            return None  # the folder is gone on the server, and the message with it
        elif kind == "copy":
            return self._copy(change)
        elif change.uid is not None and self.mailbox.uid_exists(change.uid):
            # Flags changed locally follow the moved row and are pushed to its new UID.
            if kind == "move":
                return self.mailbox.move(change.uid, target)
            self.mailbox.expunge(change.uid)
        return None

    def _create(self, name: str) -> None:
        try:
            self.mailbox.create_folder(name)
        except ProtocolError:
            if not self.mailbox.folder_exists(name):  # e.g. created by another client: fine
                raise

    def _select_source(self, change: PendingChange) -> bool:
        if not self.mailbox.folder_exists(change.folder):
            return False
        self.mailbox.select_writable(change.folder)
        return True

    def _copy(self, change: PendingChange) -> int | None:
        target = change.target or ""
        if change.started and change.message_id:  # copied before a crash, perhaps
            self.mailbox.select(target)
            done = self.mailbox.find_message_id(change.message_id)
            self.mailbox.select_writable(change.folder)
            if done is not None:
                return done
        if change.uid is None or not self.mailbox.uid_exists(change.uid):
            return None  # the original is gone on the server: the copy goes too
        self.changes.mark_started(change)
        return self.mailbox.copy(change.uid, target)

"""Replay local moves, copies, deletions and folder changes on the server, in order.

Runs at the start of a sync, before the folder list and headers are read, so that the
server already reflects the doctor's changes when it is compared with the local copy.
Each change is forgotten as soon as the server did it, or backed out (the local copy goes
back to what the server has) when the server refuses it or when the server's folder is no
longer the one she changed. A connection lost in the middle stops the sync with the change
still queued; replaying it again is safe:

- a move or deletion whose message is no longer in its source folder was done (or the
  message was removed by someone else): the moved row is dropped and the target folder's
  sync brings the message if it is there — nothing is lost or doubled;
- a copy already started is looked for by Message-ID in the target before copying again;
- a rename already done (old name gone, new name there) counts as done.

Never acted upon: a UID of a folder rebuilt since (other UIDVALIDITY), and a folder to
delete that received mail she has not seen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from app.core.audit import Action
from app.core.errors import CaduceeError, ProtocolError, TransportError
from app.store.changes import LocalChanges, PendingChange
from app.store.db import Account, Store
from app.transport.imap import Mailbox

log = logging.getLogger(__name__)

_REFUSED = {
    "move": "Le serveur a refusé de déplacer un message de « {folder} » vers « {target} » : "
    "il reste dans « {folder} ».",
    "copy": "Le serveur a refusé de copier un message de « {folder} » vers « {target} » : "
    "la copie a été retirée.",
    "delete": "Le serveur a refusé de supprimer un message de « {folder} » : il y est encore.",
    "create_folder": "Le serveur a refusé de créer le dossier « {target} ».",
    "rename_folder": "Le serveur a refusé de renommer « {folder} » en « {target} » : "
    "le dossier garde son nom.",
    "delete_folder": "Le serveur a refusé de supprimer le dossier « {folder} » : il revient.",
}
_REBUILT = (
    "Le dossier « {folder} » a été reconstruit sur le serveur depuis votre modification : "
    "elle n'a pas été faite, pour ne pas toucher un autre message."
)
_UNSEEN = (
    "Le dossier « {folder} » a reçu des messages que vous n'avez pas encore vus : il n'a pas "
    "été supprimé."
)
_CANCELLED = " {count} modification(s) qui en dépendai(en)t ont été annulée(s)."
_DEFECT = (
    "Une modification locale (« {folder} ») n'a pas pu être reportée sur le serveur ; elle "
    "reste en attente."
)


# What each queued change becomes on the server, for the audit trail.
_AUDIT = {
    "move": (Action.MOVE, "UID MOVE"),
    "copy": (Action.COPY, "UID COPY"),
    "delete": (Action.DELETE, "UID STORE \\Deleted + UID EXPUNGE"),
    "create_folder": (Action.FOLDER, "CREATE"),
    "rename_folder": (Action.FOLDER, "RENAME"),
    "delete_folder": (Action.FOLDER, "DELETE"),
}


class _NotDone(ProtocolError):
    """The server's folder is not the one the change was made on: back out."""


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
        for queued in self.changes.pending(self.account):
            change = self.changes.get(queued.id)  # a back-out may have cancelled it
            if change is None:
                continue
            try:
                uid = self._replay(change)
            except _NotDone as reason:
                self._audit(change, "non fait (dossier changé)")
                self._back_out(change, reason.user_message)
                continue
            except ProtocolError:  # refused (NO/BAD)
                log.info("a queued %s was refused by the server", change.kind)  # no names: patients
                self._audit(change, "refusé (annulé localement)")
                self._back_out(change, _REFUSED[change.kind])
                continue
            except TransportError as error:
                self._audit(change, f"erreur {type(error).__name__} (reste en attente)")
                raise  # connection lost: the change stays queued for the next sync
            except (CaduceeError, ValueError, UnicodeError, LookupError) as error:
                # One odd change must not stop every sync: it stays queued, said once here.
                log.warning("a queued %s could not be replayed: %r", change.kind, error)
                self._audit(change, f"erreur {type(error).__name__} (reste en attente)")
                self.report.refused.append(_DEFECT.format(folder=change.folder))
                continue
            self.changes.done(change, uid=uid)
            self._audit(change, "ok")
            self.report.replayed += 1
        return self.report

    def _audit(self, change: PendingChange, result: str) -> None:
        action, request = _AUDIT.get(change.kind, (Action.FOLDER, change.kind))
        self.store.audited(
            action,
            account=self.account.address,
            message=change.row_id,
            folder=change.folder,
            target=change.target,
            request=request,
            result=result,
        )

    def _back_out(self, change: PendingChange, message: str) -> None:
        cancelled = self.changes.back_out(change)
        text = message.format(folder=change.folder, target=change.target)
        if cancelled:
            text += _CANCELLED.format(count=cancelled)
        self.report.refused.append(text)

    def _replay(self, change: PendingChange) -> int | None:
        """Do the change on the server; the new UID of a moved or copied message."""
        kind, target = change.kind, change.target or ""
        if kind == "create_folder":
            self._create(target)
        elif kind == "rename_folder":
            self._rename(change.folder, target)
        elif kind == "delete_folder":
            self._delete_folder(change)
        elif not self._select_source(change):
            return None  # the folder is gone on the server, and the message with it
        elif kind == "copy":
            return self._copy(change)
        elif change.uid is not None and self.mailbox.uid_exists(change.uid):
            self.changes.mark_started(change)
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

    def _rename(self, old: str, new: str) -> None:
        self._leave_folders()
        try:
            self.mailbox.rename_folder(old, new)
        except ProtocolError:
            done = self.mailbox.folder_exists(new) and not self.mailbox.folder_exists(old)
            if not done:  # else: renamed before a crash cut the record of it
                raise

    def _delete_folder(self, change: PendingChange) -> None:
        if not self.mailbox.folder_exists(change.folder):
            return
        status = self.mailbox.status(change.folder)
        if change.uidvalidity is not None and status.uidvalidity != change.uidvalidity:
            raise _NotDone("folder rebuilt", user_message=_REBUILT)
        if change.uidnext is None or (status.uidnext or 0) > change.uidnext:
            raise _NotDone("mail not seen", user_message=_UNSEEN)
        self._leave_folders()  # a server drops a connection whose folder it deletes
        self.mailbox.delete_folder(change.folder)

    def _leave_folders(self) -> None:
        self.mailbox.select("INBOX")  # read-only: nothing is expunged by leaving it

    def _select_source(self, change: PendingChange) -> bool:
        if not self.mailbox.folder_exists(change.folder):
            return False
        uidvalidity = self.mailbox.select_writable(change.folder)
        if change.uidvalidity is not None and uidvalidity not in (None, change.uidvalidity):
            raise _NotDone("folder rebuilt", user_message=_REBUILT)
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

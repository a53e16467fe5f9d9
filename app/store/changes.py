"""Moves, copies, deletions and folder changes made locally — offline too.

Each change is applied to the local copy at once (the doctor sees it whatever the network)
and queued in ``pending_changes``; the next sync replays the queue in order on the server
(``app/sync/replay.py``) and backs a change out if the server refuses it.

A message moved or copied locally keeps its row (and local id) in the target folder with
``uid = -(id of the change)`` until the server gives it a UID. Changing such a message again
before the sync rewrites its pending change instead of chaining a second one, so the queue
never refers to a UID the server does not know.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from app.core.audit import Action
from app.core.errors import LocalChangeError
from app.store import search_keys
from app.store.db import Account, Folder, Store
from app.store.folder_roles import folder_role

PROTECTED_FOLDERS = {"Inbox", "Sent", "Drafts", "Trash", "Junk"}
"""Special-use folders that cannot be renamed or deleted from Caducée."""


class NoTrashError(LocalChangeError):
    """No trash folder on this account: a deletion would be for good."""

    default_message = "Ce compte n'a pas de corbeille : le message serait supprimé définitivement."


@dataclass(frozen=True)
class PendingChange:
    id: int
    account_id: int
    kind: str
    folder_id: int | None
    folder: str
    uid: int | None
    target_id: int | None
    target: str | None
    row_id: int | None
    message_id: str | None
    started: bool
    uidvalidity: int | None = None  # of the source folder when the change was made
    uidnext: int | None = None  # idem, for a folder deletion: mail beyond it is unseen


@dataclass(frozen=True)
class _Row:
    id: int
    folder_id: int
    uid: int
    message_id: str | None


class LocalChanges:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    # -- reading the queue ----------------------------------------------------------------

    def pending(self, account: Account) -> list[PendingChange]:
        rows = self.db.execute(
            "SELECT * FROM pending_changes WHERE account_id = ? ORDER BY id", (account.id,)
        )
        return [_change(row) for row in rows]

    def get(self, change_id: int) -> PendingChange | None:
        row = self.db.execute("SELECT * FROM pending_changes WHERE id = ?", (change_id,)).fetchone()
        return _change(row) if row is not None else None

    # -- messages -------------------------------------------------------------------------

    def move(self, message_id: int, target: Folder) -> None:
        """Move a message to ``target`` (same account)."""
        with self.store.transaction() as db:
            row = self._row(db, message_id)
            source = self._folder(db, row.folder_id)
            self._move(db, row, target)
        self._queued(Action.MOVE, source, message_id, target.name)

    def copy(self, message_id: int, target: Folder) -> int:
        """Copy a message to ``target``; returns the local id of the copy."""
        with self.store.transaction() as db:
            row = self._row(db, message_id)
            if row.uid < 0:
                raise LocalChangeError(
                    "copy of a message not yet synced",
                    user_message="Ce message attend encore la synchronisation : copiez-le "
                    "après la prochaine synchronisation.",
                )
            source = self._folder(db, row.folder_id)
            self._check_target(source, target)
            change = self._queue(
                db, "copy", source, row.uid, target=target, message_id=row.message_id
            )
            copy_id = _copy_row(db, row.id, target.id, -change)
            db.execute("UPDATE pending_changes SET row_id = ? WHERE id = ?", (copy_id, change))
        self._queued(Action.COPY, source, message_id, target.name)
        return copy_id

    def delete(self, message_id: int, *, permanent: bool = False) -> None:
        """To the Trash folder when there is one (and it is not already there), else for good."""
        with self.store.transaction() as db:
            row = self._row(db, message_id)
            source = self._folder(db, row.folder_id)
            trash = self._trash(db, source.account_id)
            if not permanent and trash is None:
                raise NoTrashError("no trash folder")
            to_trash = not permanent and trash is not None and trash.id != source.id
            if to_trash and trash is not None:
                self._move(db, row, trash)
            elif row.uid < 0:
                self._forget_local_result(db, row)
            else:
                self._queue(db, "delete", source, row.uid)
                _forget_pending_flags(db, row)
            if not to_trash:
                _drop_row(db, row.id)
        self._queued(Action.DELETE, source, message_id, trash.name if to_trash and trash else None)

    def _queued(
        self,
        action: Action,
        source: Folder,
        message: int | None,
        target: str | None,
        detail: str | None = None,
    ) -> None:
        """The local change in the audit trail; the replay records the server's answer."""
        self.store.audited(
            action,
            account_id=source.account_id,
            message=message,
            folder=source.name,
            target=target,
            request="local",
            result="en attente",
            detail=detail,
        )

    def _move(self, db: sqlite3.Connection, row: _Row, target: Folder) -> None:
        if row.folder_id == target.id:
            return
        if row.uid < 0:  # moved or copied locally already: rewrite that change
            self._retarget(db, row, target)
            return
        source = self._folder(db, row.folder_id)
        self._check_target(source, target)
        change = self._queue(
            db, "move", source, row.uid, target=target, row_id=row.id, message_id=row.message_id
        )
        _rekey(db, row, target.id, -change)

    def _retarget(self, db: sqlite3.Connection, row: _Row, target: Folder) -> None:
        change = self._change_of(db, row)
        if change.started:  # the sync is doing it right now: it will have a real UID soon
            raise _in_flight()
        self._check_target(self._folder(db, row.folder_id), target)
        if change.kind == "move" and change.folder_id == target.id:  # back where it was
            db.execute("DELETE FROM pending_changes WHERE id = ?", (change.id,))
            _put_back(db, row, target.id, change.uid or 0)
            return
        later_folder_change = db.execute(
            "SELECT 1 FROM pending_changes WHERE account_id = ? AND id > ? AND kind IN "
            "('create_folder', 'rename_folder', 'delete_folder')",
            (change.account_id, change.id),
        ).fetchone()
        if later_folder_change is None:  # same place in the queue, new destination
            db.execute(
                "UPDATE pending_changes SET target_id = ?, target = ? WHERE id = ?",
                (target.id, target.name, change.id),
            )
            _rekey(db, row, target.id, -change.id)
            return
        # Folders changed since: the names at this place of the queue may not be the
        # destination's. Queue it again at the end, where they are.
        source = _folder_by_id(db, change.folder_id or 0)
        if source is None:  # its source folder is deleted by a change queued meanwhile
            raise LocalChangeError(
                "source folder deleted meanwhile",
                user_message="Ce message vient d'un dossier supprimé depuis : synchronisez "
                "avant de le déplacer vers ce nouveau dossier.",
            )
        db.execute("DELETE FROM pending_changes WHERE id = ?", (change.id,))
        again = self._queue(
            db,
            change.kind,
            source,
            change.uid,
            target=target,
            row_id=row.id,
            message_id=change.message_id,
        )
        _rekey(db, row, target.id, -again)

    def _forget_local_result(self, db: sqlite3.Connection, row: _Row) -> None:
        """A locally moved or copied message deleted before the sync."""
        change = self._change_of(db, row)
        if change.started:
            raise _in_flight()
        if change.kind == "copy":  # the copy never reaches the server
            db.execute("DELETE FROM pending_changes WHERE id = ?", (change.id,))
        else:  # the move becomes a deletion at the source
            db.execute(
                "UPDATE pending_changes SET kind = 'delete', target_id = NULL, target = NULL, "
                "row_id = NULL WHERE id = ?",
                (change.id,),
            )
        _forget_pending_flags(db, row)

    # -- folders --------------------------------------------------------------------------

    def create_folder(self, account: Account, name: str) -> Folder:
        name = _valid_name(name)
        with self.store.transaction() as db:
            if _folder_named(db, account.id, name) is not None:
                raise LocalChangeError(
                    "folder exists", user_message=f"Le dossier « {name} » existe déjà."
                )
            delimiter = _delimiter(db, account.id)
            db.execute(
                "INSERT INTO folders (account_id, name, delimiter, selectable) VALUES (?, ?, ?, 1)",
                (account.id, name, delimiter),
            )
            db.execute(
                "INSERT INTO pending_changes (account_id, kind, folder, target) "
                "VALUES (?, 'create_folder', ?, ?)",
                (account.id, name, name),
            )
            folder = _folder_named(db, account.id, name)
        assert folder is not None  # noqa: S101 - inserted just above
        self._queued(Action.FOLDER, folder, None, None, "création")
        return folder

    def rename_folder(self, folder: Folder, new_name: str) -> None:
        new_name = _valid_name(new_name)
        _check_changeable(folder)
        with self.store.transaction() as db:
            if _folder_named(db, folder.account_id, new_name) is not None:
                raise LocalChangeError(
                    "folder exists", user_message=f"Le dossier « {new_name} » existe déjà."
                )
            creation = self._creation(db, folder)
            _rename_locally(db, folder, new_name)
            if creation is not None:  # not on the server yet: create it under its new name
                _rename_in_queue(db, folder, new_name, creation)
            else:
                db.execute(
                    "INSERT INTO pending_changes (account_id, kind, folder_id, folder, target) "
                    "VALUES (?, 'rename_folder', ?, ?, ?)",
                    (folder.account_id, folder.id, folder.name, new_name),
                )
        self._queued(Action.FOLDER, folder, None, new_name, "renommage")

    def delete_folder(self, folder: Folder) -> None:
        """Delete a folder and the messages in it (the caller asks for confirmation)."""
        _check_changeable(folder)
        with self.store.transaction() as db:
            if _children(db, folder):
                raise LocalChangeError(
                    "folder has children",
                    user_message=f"Le dossier « {folder.name} » contient des sous-dossiers : "
                    "supprimez-les d'abord.",
                )
            for row in _rows(db, folder.id):
                if row.uid < 0:  # moved or copied here locally: these changes go away
                    self._forget_local_result(db, row)
            creation = self._creation(db, folder)
            if creation is not None:
                db.execute("DELETE FROM pending_changes WHERE id = ?", (creation,))
            else:
                db.execute(
                    "INSERT INTO pending_changes (account_id, kind, folder_id, folder, "
                    "uidvalidity, uidnext) VALUES (?, 'delete_folder', ?, ?, ?, ?)",
                    (folder.account_id, folder.id, folder.name, folder.uidvalidity, folder.uidnext),
                )
            search_keys.unindex(db, "m.folder_id = ?", (folder.id,))
            db.execute("DELETE FROM pending_flags WHERE folder_id = ?", (folder.id,))
            db.execute("DELETE FROM folders WHERE id = ?", (folder.id,))
        self._queued(Action.FOLDER, folder, None, None, "suppression")

    def move_folder(self, folder: Folder, parent: Folder | None) -> str:
        """Put a folder (and its sub-folders) under ``parent``, or at the top of the
        account with None: a rename on the server. Returns the folder's new name."""
        leaf = leaf_name(folder)
        if parent is None:
            new_name = leaf
        else:
            below = folder.name + (folder.delimiter or "\0")
            if parent.id == folder.id or parent.name.startswith(below):
                raise LocalChangeError(
                    "into itself",
                    user_message=f"Le dossier « {leaf} » ne peut pas aller dans lui-même "
                    "ni dans un de ses sous-dossiers.",
                )
            new_name = self.child_name(parent, leaf)
        if new_name != folder.name:
            self.rename_folder(folder, new_name)
        return new_name

    def child_name(self, parent: Folder, leaf: str) -> str:
        """The full name of a sub-folder ``leaf`` of ``parent`` (the server's delimiter)."""
        delimiter = parent.delimiter or _delimiter(self.db, parent.account_id) or "/"
        return parent.name + delimiter + leaf.strip()

    def mark_folder_read(self, folder: Folder) -> int:
        """Every unread message of the folder read, locally now and queued for the server
        (one transaction, whatever the number); returns how many changed."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO pending_flags (folder_id, uid, add_flags, remove_flags) "
                "SELECT folder_id, uid, '\\Seen', '' FROM messages WHERE folder_id = ? "
                "AND (' ' || flags || ' ') NOT LIKE '% \\Seen %' ORDER BY id",
                (folder.id,),
            )
            changed = db.execute(
                "UPDATE messages SET flags = trim(flags || ' \\Seen') WHERE folder_id = ? "
                "AND (' ' || flags || ' ') NOT LIKE '% \\Seen %'",
                (folder.id,),
            ).rowcount
        if changed:
            self.store.audited(
                Action.FLAG,
                account_id=folder.account_id,
                folder=folder.name,
                request="local",
                result="en attente",
                detail=f"dossier marqué comme lu ({changed} message(s))",
            )
        return changed

    # -- used by the replay ---------------------------------------------------------------

    def done(self, change: PendingChange, *, uid: int | None = None) -> None:
        """The server did it; a moved or copied row takes the UID the server gave."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM pending_changes WHERE id = ?", (change.id,))
            if change.row_id is None or change.target_id is None:
                return
            row = _find_row(db, change.row_id)
            if row is None or row.uid != -change.id:
                return
            taken = db.execute(
                "SELECT 1 FROM messages WHERE folder_id = ? AND uid = ?", (row.folder_id, uid)
            ).fetchone()
            if uid is None or taken:  # unknown UID: the folder's sync brings the message
                _forget_pending_flags(db, row)
                _drop_row(db, row.id)
            else:
                _rekey(db, row, row.folder_id, uid)

    def mark_started(self, change: PendingChange) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE pending_changes SET started = 1 WHERE id = ?", (change.id,))

    def back_out(self, change: PendingChange) -> int:
        """The server refused: the local copy goes back to what the server has.

        For a refused move or copy, later changes that relied on it are cancelled too — the
        deletion of the original, or of the folder it was moved out of — so that the
        message is never lost; returns how many were cancelled.
        """
        with self.store.transaction() as db:
            db.execute("DELETE FROM pending_changes WHERE id = ?", (change.id,))
            if change.kind == "rename_folder" and change.folder_id is not None:
                folder = _folder_by_id(db, change.folder_id)
                if (
                    folder is not None
                    and folder.name == change.target
                    and _folder_named(db, folder.account_id, change.folder) is None
                ):
                    _rename_locally(db, folder, change.folder)
                return 0
            if change.kind not in ("move", "copy"):
                return 0  # deletions and creations: the next sync shows the server's state
            cancelled = db.execute(
                "DELETE FROM pending_changes WHERE account_id = ? AND id > ? AND folder_id = ? "
                "AND ((kind = 'delete' AND uid = ?) OR kind = 'delete_folder')",
                (change.account_id, change.id, change.folder_id, change.uid),
            ).rowcount
            row = _find_row(db, change.row_id) if change.row_id is not None else None
            if row is None or row.uid != -change.id:
                return cancelled
            source = _folder_by_id(db, change.folder_id) if change.folder_id else None
            if change.kind == "move" and source is not None and change.uid is not None:
                _put_back(db, row, source.id, change.uid)
            else:  # a refused copy, or a move out of a folder deleted here (it comes back)
                _forget_pending_flags(db, row)
                _drop_row(db, row.id)
            return cancelled

    # -- helpers --------------------------------------------------------------------------

    def _queue(
        self,
        db: sqlite3.Connection,
        kind: str,
        source: Folder,
        uid: int | None,
        *,
        target: Folder | None = None,
        row_id: int | None = None,
        message_id: str | None = None,
    ) -> int:
        cursor = db.execute(
            "INSERT INTO pending_changes (account_id, kind, folder_id, folder, uid, target_id, "
            "target, row_id, message_id, uidvalidity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                source.account_id,
                kind,
                source.id,
                source.name,
                uid,
                target.id if target else None,
                target.name if target else None,
                row_id,
                message_id,
                source.uidvalidity,
            ),
        )
        assert cursor.lastrowid is not None  # noqa: S101 - an INSERT always sets it
        return cursor.lastrowid

    @staticmethod
    def _row(db: sqlite3.Connection, message_id: int) -> _Row:
        row = _find_row(db, message_id)
        if row is None:
            raise LocalChangeError(
                "no such message", user_message="Ce message n'est plus dans la copie locale."
            )
        return row

    @staticmethod
    def _folder(db: sqlite3.Connection, folder_id: int) -> Folder:
        folder = _folder_by_id(db, folder_id)
        if folder is None:
            raise LocalChangeError(
                "no such folder", user_message="Ce dossier n'est plus dans la copie locale."
            )
        return folder

    @staticmethod
    def _trash(db: sqlite3.Connection, account_id: int) -> Folder | None:
        """The special-use Trash, else a folder named like one (``folder_role``)."""
        rows = db.execute(
            "SELECT id, name, delimiter, special_use FROM folders WHERE account_id = ? "
            "AND selectable = 1 ORDER BY id",
            (account_id,),
        ).fetchall()
        marked = [r for r in rows if r["special_use"] == "Trash"]
        named = [
            r for r in rows if folder_role(r["name"], r["delimiter"], r["special_use"]) == "Trash"
        ]
        chosen = (marked or named or [None])[0]
        return _folder_by_id(db, chosen["id"]) if chosen is not None else None

    @staticmethod
    def _check_target(source: Folder, target: Folder) -> None:
        if target.account_id != source.account_id:
            raise LocalChangeError(
                "another account",
                user_message="Les messages ne passent pas d'un compte à un autre : "
                "transférez-les plutôt.",
            )
        if not target.selectable:
            raise LocalChangeError(
                "not selectable",
                user_message=f"Le dossier « {target.name} » ne peut pas contenir de messages.",
            )

    @staticmethod
    def _change_of(db: sqlite3.Connection, row: _Row) -> PendingChange:
        found = db.execute("SELECT * FROM pending_changes WHERE id = ?", (-row.uid,)).fetchone()
        if found is None:  # cannot happen: a negative uid is only given with its change
            raise LocalChangeError(f"no pending change {-row.uid} for a local message")
        return _change(found)

    @staticmethod
    def _creation(db: sqlite3.Connection, folder: Folder) -> int | None:
        row = db.execute(
            "SELECT id FROM pending_changes WHERE account_id = ? AND kind = 'create_folder' "
            "AND target = ?",
            (folder.account_id, folder.name),
        ).fetchone()
        return int(row[0]) if row is not None else None


def _change(row: sqlite3.Row) -> PendingChange:
    data = dict(row)
    data.pop("created_at", None)
    data["started"] = bool(data["started"])
    return PendingChange(**data)


def _find_row(db: sqlite3.Connection, message_id: int) -> _Row | None:
    row = db.execute(
        "SELECT id, folder_id, uid, message_id FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    return _Row(*row) if row is not None else None


def _rows(db: sqlite3.Connection, folder_id: int) -> list[_Row]:
    rows = db.execute(
        "SELECT id, folder_id, uid, message_id FROM messages WHERE folder_id = ?", (folder_id,)
    )
    return [_Row(*row) for row in rows]


_FOLDER_COLUMNS = (
    "id, account_id, name, delimiter, special_use, selectable, uidvalidity, uidnext, "
    "highestmodseq, messages"
)


def _folder_by_id(db: sqlite3.Connection, folder_id: int) -> Folder | None:
    row = db.execute(
        f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE id = ?",  # noqa: S608 - constant columns
        (folder_id,),
    ).fetchone()
    return _to_folder(row)


def _folder_named(db: sqlite3.Connection, account_id: int, name: str) -> Folder | None:
    row = db.execute(
        f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE account_id = ? AND name = ?",  # noqa: S608 - constant columns
        (account_id, name),
    ).fetchone()
    return _to_folder(row)


def _to_folder(row: sqlite3.Row | None) -> Folder | None:
    if row is None:
        return None
    return Folder(**{**dict(row), "selectable": bool(row["selectable"])})


def _rekey(db: sqlite3.Connection, row: _Row, folder_id: int, uid: int) -> None:
    """Give a message row a new place; its pending flag changes follow it."""
    db.execute("UPDATE messages SET folder_id = ?, uid = ? WHERE id = ?", (folder_id, uid, row.id))
    db.execute(
        "UPDATE pending_flags SET folder_id = ?, uid = ? WHERE folder_id = ? AND uid = ?",
        (folder_id, uid, row.folder_id, row.uid),
    )


def _put_back(db: sqlite3.Connection, row: _Row, folder_id: int, uid: int) -> None:
    """A moved row back to its original place — unless a sync fetched the message there
    again meanwhile, in which case this row is the extra one."""
    taken = db.execute(
        "SELECT 1 FROM messages WHERE folder_id = ? AND uid = ?", (folder_id, uid)
    ).fetchone()
    if taken:
        _forget_pending_flags(db, row)
        _drop_row(db, row.id)
    else:
        _rekey(db, row, folder_id, uid)


def _in_flight() -> LocalChangeError:
    return LocalChangeError(
        "change in flight",
        user_message="Ce message est en cours de synchronisation : réessayez dans un instant.",
    )


def _forget_pending_flags(db: sqlite3.Connection, row: _Row) -> None:
    db.execute(
        "DELETE FROM pending_flags WHERE folder_id = ? AND uid = ?", (row.folder_id, row.uid)
    )


def _copy_row(db: sqlite3.Connection, row_id: int, folder_id: int, uid: int) -> int:
    columns = (
        "modseq, flags, internal_date, size, message_id, subject, sender, recipients, date, "
        "has_attachments, blob, thread, thread_depth"
    )
    cursor = db.execute(
        f"INSERT INTO messages (folder_id, uid, {columns}) "  # noqa: S608 - constant columns
        f"SELECT ?, ?, {columns} FROM messages WHERE id = ?",
        (folder_id, uid, row_id),
    )
    copy_id = cursor.lastrowid
    db.execute(
        "INSERT INTO search (rowid, subject, addresses, body, attachments) "  # noqa: S608
        f"SELECT (SELECT {search_keys.KEY} FROM messages m WHERE m.id = ?), subject, addresses, "
        f"body, attachments FROM search WHERE rowid = (SELECT {search_keys.KEY} FROM messages m "
        "WHERE m.id = ?)",
        (copy_id, row_id),
    )
    assert copy_id is not None  # noqa: S101 - an INSERT always sets it
    return copy_id


def _drop_row(db: sqlite3.Connection, row_id: int) -> None:
    search_keys.unindex(db, "m.id = ?", (row_id,))
    db.execute("DELETE FROM messages WHERE id = ?", (row_id,))


def leaf_name(folder: Folder) -> str:
    """The folder's own name, without its parents'."""
    return folder.name.rpartition(folder.delimiter)[2] if folder.delimiter else folder.name


def _valid_name(name: str) -> str:
    name = name.strip()
    if not name or any(c in name for c in "\r\n\0%*") or len(name) > 200:
        raise LocalChangeError(
            f"invalid folder name {name!r}",
            user_message="Nom de dossier invalide (vide, trop long, ou avec % * ou un saut "
            "de ligne).",
        )
    return name


def is_protected(folder: Folder) -> bool:
    """A folder of the mail system (Inbox, Sent...): never renamed, moved or deleted here."""
    return folder.special_use in PROTECTED_FOLDERS or folder.name.upper() == "INBOX"


def _check_changeable(folder: Folder) -> None:
    if is_protected(folder):
        raise LocalChangeError(
            "special-use folder",
            user_message=f"Le dossier « {folder.name} » est un dossier du système de "
            "messagerie : il ne peut être ni renommé ni supprimé.",
        )


def _delimiter(db: sqlite3.Connection, account_id: int) -> str | None:
    row = db.execute(
        "SELECT delimiter FROM folders WHERE account_id = ? AND delimiter IS NOT NULL LIMIT 1",
        (account_id,),
    ).fetchone()
    return row[0] if row is not None else None


def _children(db: sqlite3.Connection, folder: Folder) -> list[int]:
    if not folder.delimiter:
        return []
    prefix = folder.name + folder.delimiter
    rows = db.execute(
        "SELECT id FROM folders WHERE account_id = ? AND substr(name, 1, ?) = ?",
        (folder.account_id, len(prefix), prefix),
    )
    return [r[0] for r in rows]


def _rename_locally(db: sqlite3.Connection, folder: Folder, new_name: str) -> None:
    """The folder and its sub-folders (the server renames those along)."""
    for child_id in _children(db, folder):
        db.execute(
            "UPDATE folders SET name = ? || substr(name, ?) WHERE id = ?",
            (new_name, len(folder.name) + 1, child_id),
        )
    db.execute("UPDATE folders SET name = ? WHERE id = ?", (new_name, folder.id))


def _rename_in_queue(db: sqlite3.Connection, folder: Folder, new_name: str, creation: int) -> None:
    """A folder not yet created on the server: every mention of it from its creation on
    takes the new name (an older folder of that name, gone since, keeps its changes)."""
    old = folder.name
    prefix = old + (folder.delimiter or "\0")
    for column in ("folder", "target"):
        db.execute(
            f"UPDATE pending_changes SET {column} = ? || substr({column}, ?) "  # noqa: S608
            f"WHERE account_id = ? AND id >= ? AND ({column} = ? OR substr({column}, 1, ?) = ?)",
            (new_name, len(old) + 1, folder.account_id, creation, old, len(prefix), prefix),
        )

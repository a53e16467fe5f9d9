"""The offline store: ``store.sqlite3`` (WAL) for metadata and search, ``messages/`` for mail.

One ``Store`` per thread (SQLite connections are not shared between threads). Every change
that belongs together is one transaction, so a kill at any moment leaves the database as it
was before or after that change; message files are written before the row that refers to
them (``app.store.blobs``).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.core import sqlite
from app.core.audit import Action, AuditTrail
from app.core.private import private_directory
from app.core.profile_key import keys_for
from app.store import search_keys
from app.store.blobs import BlobStore
from app.store.message_writes import MessageWrites
from app.store.migrations import migrate

log = logging.getLogger(__name__)

STORE_FILE = "store.sqlite3"
_UID_CHUNK = 500  # UIDs one query looks up
SYSTEM_FLAGS = ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft")


@dataclass(frozen=True)
class Account:
    id: int
    address: str
    auth: str
    imap_url: str
    smtp_url: str | None
    username: str | None
    module: str | None
    pkcs12: str | None
    trust: str | None
    source: str | None
    psc_issuer: str | None = None  # auth 'psc': the provider and client id it was added with
    psc_client_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "id"}


@dataclass(frozen=True)
class Folder:
    id: int
    account_id: int
    name: str
    delimiter: str | None
    special_use: str | None
    selectable: bool
    uidvalidity: int | None
    uidnext: int | None
    highestmodseq: int | None
    messages: int | None


@dataclass(frozen=True)
class HeaderRow:
    """What the first pass of a sync knows about a message."""

    uid: int
    flags: tuple[str, ...]
    internal_date: datetime | None
    size: int
    modseq: int | None
    header: bytes  # the header section, parsed for subject, addresses, date, Message-ID


@dataclass(frozen=True)
class MessageSummary:
    id: int
    account: str
    folder: str
    uid: int
    message_id: str | None
    date: str | None
    sender: str
    recipients: str
    subject: str
    flags: tuple[str, ...]
    size: int | None
    has_attachments: bool
    downloaded: bool
    # what its documents say (migration 8; app/store/documents_index.py): None until read
    patient: str | None = None  # "NOM Prénoms (JJ/MM/AAAA)"
    patient_ins: str | None = None  # "qualifiée", "lue" or None
    kind: str | None = None  # app.mssante.overview.KINDS
    results: int = 0
    abnormal: int = 0

    @property
    def unread(self) -> bool:
        return "\\Seen" not in self.flags

    @property
    def filed(self) -> bool:
        """Classé: a document of it was filed (the $MSSanteClasse keyword, app/filing)."""
        return "$MSSanteClasse" in self.flags

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["flags"] = list(self.flags)
        data["unread"] = self.unread
        return data


def _uid_chunks(uids: Sequence[int]) -> list[Sequence[int]]:
    return [uids[i : i + _UID_CHUNK] for i in range(0, len(uids), _UID_CHUNK)]


def _flag_detail(add: Sequence[str], remove: Sequence[str]) -> str:
    return " ".join([f"+{flag}" for flag in add] + [f"-{flag}" for flag in remove])


_WORD = re.compile(r"\w+", re.UNICODE)
# What she types between words: a space, a list's comma or a bracket separates two terms;
# any other mark (``@ . - _ / ' :``) joins the words around it into one (an address, a
# domain, a file name, "l'hôpital"), and so do double quotes ("lettre de liaison").
_TERM = re.compile(r'"([^"]*)"?|([^\s,;"()<>\[\]{}]+)', re.UNICODE)


def fts_query(text: str) -> str | None:
    """User words -> an FTS5 query: every term must match, its last word as a prefix.

    A term is what she typed between spaces: one word, or words joined by marks or quoted,
    which must follow each other in the text (a phrase): ``12345@patient.mssante.test`` is
    those four words in a row, each complete but the last. Besides meaning what she typed,
    it keeps a patient's address fast at 100,000 messages: complete words are walked by
    seeking, where FTS5 builds a prefix's whole list of matches in memory when it is longer
    than the prefix indexes (and ``mssante`` is in every address)."""
    terms = [
        " ".join(words)
        for quoted, bare in _TERM.findall(text)
        if (words := _WORD.findall(quoted or bare))
    ]
    return " ".join(f'"{term}"*' for term in terms) if terms else None


class Store(MessageWrites):
    def __init__(
        self, connection: sqlite3.Connection, blobs: BlobStore, audit: AuditTrail | None = None
    ) -> None:
        self.db = connection
        self.blobs = blobs
        # The profile's audit trail, next to the store: every layer that acts on mail has it.
        self.audit = audit if audit is not None else AuditTrail.of(blobs.root.parent)

    @classmethod
    def open(cls, directory: Path) -> Store:
        private_directory(directory)
        keys = keys_for(directory)  # a profile not yet encrypted is encrypted first
        # synchronous NORMAL: WAL is consistent after a crash
        connection = sqlite.connect(directory / STORE_FILE, keys.database)
        migrate(connection)
        blobs = BlobStore(directory / "messages", key=keys.files)
        return cls(connection, blobs, AuditTrail.of(directory, keys.audit))

    def close(self) -> None:
        self.db.close()

    def audited(
        self,
        action: Action,
        *,
        account_id: int | None = None,
        account: str = "",
        message: int | None = None,
        folder: str | None = None,
        target: str | None = None,
        request: str = "",
        result: str = "ok",
        detail: str | None = None,
    ) -> None:
        """One entry in the profile's audit trail; the account by its row id or address."""
        if account_id is not None and not account:
            row = self.db.execute(
                "SELECT address FROM accounts WHERE id = ?", (account_id,)
            ).fetchone()
            account = row[0] if row is not None else ""
        self.audit.record(
            action,
            account=account,
            message=message,
            folder=folder,
            target=target,
            request=request,
            result=result,
            detail=detail,
        )

    def audited_message(
        self,
        action: Action,
        message: MessageSummary,
        *,
        request: str,
        result: str = "ok",
        detail: str | None = None,
    ) -> None:
        """``audited`` for an action on one stored message (its account, id and folder)."""
        self.audited(
            action,
            account=message.account,
            message=message.id,
            folder=message.folder,
            request=request,
            result=result,
            detail=detail,
        )

    # -- accounts -------------------------------------------------------------------------

    def add_account(
        self,
        address: str,
        auth: str,
        imap_url: str,
        smtp_url: str | None = None,
        username: str | None = None,
        module: str | None = None,
        pkcs12: str | None = None,
        trust: str | None = None,
        source: str | None = None,
        psc_issuer: str | None = None,
        psc_client_id: str | None = None,
    ) -> Account:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO accounts (address, auth, imap_url, smtp_url, username, module, "
                "pkcs12, trust, source, psc_issuer, psc_client_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    address,
                    auth,
                    imap_url,
                    smtp_url,
                    username,
                    module,
                    pkcs12,
                    trust,
                    source,
                    psc_issuer,
                    psc_client_id,
                ),
            )
        account = self.account(address)
        if account is None:  # cannot happen: inserted just above
            raise RuntimeError("account vanished after insertion")
        return account

    def accounts(self) -> list[Account]:
        rows = self.db.execute(
            "SELECT id, address, auth, imap_url, smtp_url, username, "
            "module, pkcs12, trust, source, psc_issuer, psc_client_id FROM accounts ORDER BY id"
        )
        return [Account(**dict(row)) for row in rows]

    def account(self, address: str) -> Account | None:
        return next((a for a in self.accounts() if a.address.lower() == address.lower()), None)

    def update_servers(
        self,
        account: Account,
        imap_url: str,
        smtp_url: str | None,
        *,
        pkcs12: str | None = None,
        trust: str | None = None,
    ) -> None:
        """New server addresses (and credential/trust files) for an existing account."""
        with self.transaction() as db:
            db.execute(
                "UPDATE accounts SET imap_url = ?, smtp_url = ?, pkcs12 = coalesce(?, pkcs12), "
                "trust = coalesce(?, trust) WHERE id = ?",
                (imap_url, smtp_url, pkcs12, trust, account.id),
            )

    def change_sign_in(
        self,
        account: Account,
        auth: str,
        imap_url: str,
        smtp_url: str | None,
        *,
        pkcs12: str | None = None,
        trust: str | None = None,
        psc_issuer: str | None = None,
        psc_client_id: str | None = None,
    ) -> None:
        """The same mailbox, signed in another way (the demo: its card or PSC): its local
        copy stays; credential files and the provider are replaced, not merged."""
        with self.transaction() as db:
            db.execute(
                "UPDATE accounts SET auth = ?, imap_url = ?, smtp_url = ?, pkcs12 = ?, "
                "trust = ?, psc_issuer = ?, psc_client_id = ? WHERE id = ?",
                (auth, imap_url, smtp_url, pkcs12, trust, psc_issuer, psc_client_id, account.id),
            )

    def remove_account(self, account: Account) -> set[str]:
        """The account and its local copy; returns its message files' digests (for
        ``collect_blobs(at_once=…)``)."""
        with self.transaction() as db:
            rows = db.execute(
                "SELECT m.id, m.blob FROM messages m JOIN folders f ON f.id = m.folder_id "
                "WHERE f.account_id = ?",
                (account.id,),
            ).fetchall()
            search_keys.unindex(
                db, "m.folder_id IN (SELECT id FROM folders WHERE account_id = ?)", (account.id,)
            )
            db.execute("DELETE FROM accounts WHERE id = ?", (account.id,))
        return {r[1] for r in rows if r[1] is not None}

    # -- folders --------------------------------------------------------------------------

    def folders(self, account: Account) -> list[Folder]:
        rows = self.db.execute(
            "SELECT id, account_id, name, delimiter, special_use, selectable, uidvalidity, "
            "uidnext, highestmodseq, messages FROM folders WHERE account_id = ? ORDER BY name",
            (account.id,),
        )
        return [Folder(**{**dict(row), "selectable": bool(row["selectable"])}) for row in rows]

    def upsert_folder(
        self,
        account: Account,
        name: str,
        delimiter: str | None,
        special_use: str | None,
        selectable: bool,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO folders (account_id, name, delimiter, special_use, selectable) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, name) DO UPDATE SET "
                "delimiter = excluded.delimiter, special_use = excluded.special_use, "
                "selectable = excluded.selectable WHERE delimiter IS NOT excluded.delimiter "
                "OR special_use IS NOT excluded.special_use "
                "OR selectable IS NOT excluded.selectable",  # unchanged: nothing written
                (account.id, name, delimiter, special_use, int(selectable)),
            )

    def delete_folder(self, folder: Folder) -> None:
        with self.transaction() as db:
            self._unindex(db, folder)
            db.execute("DELETE FROM folders WHERE id = ?", (folder.id,))

    def reset_folder(self, folder: Folder, uidvalidity: int) -> None:
        """UIDVALIDITY changed: the local copy of this folder means nothing any more."""
        with self.transaction() as db:
            self._unindex(db, folder)
            db.execute("DELETE FROM pending_flags WHERE folder_id = ?", (folder.id,))
            db.execute("DELETE FROM messages WHERE folder_id = ?", (folder.id,))
            db.execute(
                "UPDATE folders SET uidvalidity = ?, uidnext = NULL, highestmodseq = NULL"
                " WHERE id = ?",
                (uidvalidity, folder.id),
            )

    @staticmethod
    def _unindex(db: sqlite3.Connection, folder: Folder) -> None:
        search_keys.unindex(db, "m.folder_id = ?", (folder.id,))

    def set_folder_state(
        self,
        folder: Folder,
        *,
        uidvalidity: int,
        uidnext: int | None,
        highestmodseq: int | None,
        messages: int | None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE folders SET uidvalidity = ?, uidnext = ?, highestmodseq = ?, "
                "messages = ?, synced_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                (uidvalidity, uidnext, highestmodseq, messages, folder.id),
            )

    # -- messages -------------------------------------------------------------------------

    def uids(self, folder: Folder) -> set[int]:
        return {
            r[0]
            for r in self.db.execute(
                "SELECT uid FROM messages WHERE folder_id = ? AND uid > 0", (folder.id,)
            )
        }  # a negative uid marks a local move or copy the server has not seen yet

    def stored_uids(self, folder: Folder, uids: Iterable[int]) -> set[int]:
        """Which of ``uids`` the folder holds: a look-up each by index, in proportion to the
        UIDs asked, not to the folder (``uids`` reads every row of it)."""
        found: set[int] = set()
        for chunk in _uid_chunks(sorted(u for u in set(uids) if u > 0)):
            found.update(
                r[0]
                for r in self.db.execute(
                    "SELECT uid FROM messages "  # noqa: S608 - placeholders
                    f"WHERE folder_id = ? AND uid IN ({','.join('?' * len(chunk))})",
                    (folder.id, *chunk),
                )
            )
        return found

    def highest_uid(self, folder: Folder) -> int:
        """The folder's highest stored UID (0 when empty): one step down its index."""
        row = self.db.execute(
            "SELECT max(uid) FROM messages WHERE folder_id = ?", (folder.id,)
        ).fetchone()
        return int(row[0] or 0)

    def uids_from(self, folder: Folder, first: int) -> set[int]:
        """The folder's stored UIDs from ``first`` up (a range of the index)."""
        return {
            r[0]
            for r in self.db.execute(
                "SELECT uid FROM messages WHERE folder_id = ? AND uid >= ? AND uid > 0",
                (folder.id, first),
            )
        }

    def set_flags(
        self, folder: Folder, flags: dict[int, tuple[tuple[str, ...], int | None]]
    ) -> int:
        """The server's flags (and mod-sequences); returns how many messages' flags changed
        here (the same flags again, or a message not stored, count for nothing)."""
        uids = sorted(flags)
        changed = 0
        updates: list[tuple[str, int | None, int, int]] = []
        with self.transaction() as db:
            for chunk in _uid_chunks(uids):  # what is stored now: a look-up per UID changed
                rows = db.execute(
                    "SELECT uid, flags, modseq FROM messages "  # noqa: S608 - placeholders
                    f"WHERE folder_id = ? AND uid IN ({','.join('?' * len(chunk))})",
                    (folder.id, *chunk),
                )
                for uid, stored, stored_modseq in rows:
                    new, modseq = flags[uid]
                    if set(stored.split()) != set(new):
                        changed += 1
                    elif stored_modseq == modseq:
                        continue  # nothing to write
                    updates.append((" ".join(new), modseq, folder.id, uid))
            db.executemany(
                "UPDATE messages SET flags = ?, modseq = ? WHERE folder_id = ? AND uid = ?",
                updates,
            )
        return changed

    def remove_uids(self, folder: Folder, uids: Iterable[int]) -> int:
        """Messages expunged on the server; returns how many were still stored here."""
        removed = 0
        with self.transaction() as db:
            for uid in uids:
                row = db.execute(
                    "SELECT id FROM messages WHERE folder_id = ? AND uid = ?", (folder.id, uid)
                ).fetchone()
                if row is not None:
                    search_keys.unindex(db, "m.id = ?", (row[0],))
                    db.execute("DELETE FROM messages WHERE id = ?", (row[0],))
                    removed += 1
        return removed

    # The messages of a folder still without a body are read through the partial index of
    # those alone: by (folder_id, uid) the planner would walk every row of the folder to
    # find none, at every sync.
    _WITHOUT_BODY = (
        "FROM messages INDEXED BY messages_without_body "
        "WHERE folder_id = ? AND blob IS NULL AND uid > 0"
    )

    def missing_bodies(self, folder: Folder, limit: int) -> list[int]:
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT uid {self._WITHOUT_BODY} ORDER BY uid DESC LIMIT ?",
                (folder.id, limit),
            )
        ]

    def missing_body_sizes(self, folder: Folder) -> dict[int, int]:
        """uid -> size (RFC822.SIZE, from the header pass) of the messages without a body."""
        return {
            r[0]: r[1] or 0
            for r in self.db.execute(
                f"SELECT uid, size {self._WITHOUT_BODY}",
                (folder.id,),
            )
        }

    # -- local flag changes (replayed on the server by the next sync) ---------------------

    def change_flags(
        self, message: MessageSummary, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        """Apply at once locally (offline too) and queue for the server."""
        with self.transaction() as db:
            row = db.execute(  # where the message is now, not where the caller saw it
                "SELECT folder_id, uid, flags FROM messages WHERE id = ?", (message.id,)
            ).fetchone()
            if row is None:
                return
            flags = (set(row[2].split()) | set(add)) - set(remove)
            db.execute(
                "UPDATE messages SET flags = ? WHERE id = ?", (" ".join(sorted(flags)), message.id)
            )
            db.execute(
                "INSERT INTO pending_flags (folder_id, uid, add_flags, remove_flags) "
                "VALUES (?, ?, ?, ?)",
                (row[0], row[1], " ".join(add), " ".join(remove)),
            )
        self.audited_message(
            Action.FLAG,
            message,
            request="local",
            result="en attente",
            detail=_flag_detail(add, remove),
        )

    def pending_flags(
        self, folder: Folder
    ) -> list[tuple[int, int, tuple[str, ...], tuple[str, ...]]]:
        """(operation id, uid, flags to add, flags to remove), oldest first."""
        return [
            (r[0], r[1], tuple(r[2].split()), tuple(r[3].split()))
            for r in self.db.execute(
                "SELECT id, uid, add_flags, remove_flags FROM pending_flags WHERE folder_id = ? "
                "AND uid > 0 ORDER BY id",  # a negative uid: moved here, replayed with the move
                (folder.id,),
            )
        ]

    def done_flags(self, operation_ids: Iterable[int]) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM pending_flags WHERE id = ?", ((i,) for i in operation_ids))

    def collect_blobs(
        self, *, older_than: float = 0.0, at_once: Iterable[str] = (), full: bool | None = None
    ) -> int:
        """Remove the message files no message refers to any more. Work in proportion to what
        changed: only the files whose rows went or changed file (``blob_candidates``,
        migration 12); the whole folder is listed (``BlobStore.collect``) when ``full``, by
        default once a day (``BlobStore.sweep_due``), for files no row ever referred to."""
        if full is None:
            full = self.blobs.sweep_due()
        if full:
            referenced = (
                r[0]
                for r in self.db.execute(
                    "SELECT DISTINCT blob FROM messages WHERE blob IS NOT NULL"
                )
            )
            young: set[str] = set()
            removed = self.blobs.collect(
                referenced, older_than=older_than, at_once=at_once, young=young
            )
            self.blobs.swept()
        else:
            removed, young = 0, set()
        if (
            not young
            and self.db.execute("SELECT 1 FROM blob_candidates LIMIT 1").fetchone() is None
        ):
            return removed  # nothing went or changed file since the last time: nothing to do
        with self.transaction() as db:
            db.executemany(  # kept for their age: looked at again next time
                "INSERT OR IGNORE INTO blob_candidates (blob) VALUES (?)",
                ((digest,) for digest in young),
            )
            db.execute(  # referred to again (the same message stored again): not a candidate
                "DELETE FROM blob_candidates WHERE EXISTS "
                "(SELECT 1 FROM messages m WHERE m.blob = blob_candidates.blob)"
            )  # one look-up by index per candidate, not a list of every message's file
            loose = [r[0] for r in db.execute("SELECT blob FROM blob_candidates")]
        if not loose:
            return removed
        gone, kept = self.blobs.discard(loose, older_than=older_than, at_once=at_once)
        with self.transaction() as db:
            # A row may have come to refer to one meanwhile: its file was kept young (put()
            # renews its date) unless no other writer runs, and then no row can have come.
            db.executemany(
                "DELETE FROM blob_candidates WHERE blob = ?",
                ((digest,) for digest in loose if digest not in kept),
            )
        return removed + gone

    # -- reading --------------------------------------------------------------------------

    _SUMMARY = (
        "SELECT m.id, a.address AS account, f.name AS folder, m.uid, m.message_id, m.date, "
        "m.sender, m.recipients, m.subject, m.flags, m.size, m.has_attachments, "
        "m.blob IS NOT NULL AS downloaded, m.patient, m.patient_ins, m.doc_kind AS kind, "
        "m.results, m.abnormal FROM messages m JOIN folders f ON f.id = m.folder_id "
        "JOIN accounts a ON a.id = f.account_id"
    )

    @staticmethod
    def _summary(row: sqlite3.Row) -> MessageSummary:
        data = dict(row)
        data["flags"] = tuple(data["flags"].split()) if data["flags"] else ()
        data["has_attachments"] = bool(data["has_attachments"])
        data["downloaded"] = bool(data["downloaded"])
        return MessageSummary(**data)

    def messages(
        self, account: str | None = None, folder: str | None = None, limit: int | None = None
    ) -> list[MessageSummary]:
        where, params = self._scope(account, folder)
        sql = f"{self._SUMMARY}{where} ORDER BY m.date DESC, m.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [self._summary(row) for row in self.db.execute(sql, params)]

    @staticmethod
    def _scope(account: str | None, folder: str | None) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if account is not None:
            clauses.append("a.address = ? COLLATE NOCASE")
            params.append(account)
        if folder is not None:
            clauses.append("f.name = ?")
            params.append(folder)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def find(self, reference: str) -> MessageSummary | None:
        """By local id, or by Message-ID (with or without angle brackets)."""
        if reference.isdigit():
            row = self.db.execute(f"{self._SUMMARY} WHERE m.id = ?", (int(reference),)).fetchone()
        else:
            message_id = reference.strip().removeprefix("<").removesuffix(">")
            row = self.db.execute(
                f"{self._SUMMARY} WHERE m.message_id = ? ORDER BY m.id LIMIT 1", (message_id,)
            ).fetchone()
        return self._summary(row) if row is not None else None

    def raw(self, message: MessageSummary) -> bytes | None:
        row = self.db.execute("SELECT blob FROM messages WHERE id = ?", (message.id,)).fetchone()
        if row is None or row[0] is None:
            return None
        data = self.blobs.get(row[0])
        if data is None:  # damaged or missing: forget it, the next sync fetches it again
            self.blobs.forget(row[0])
            with self.transaction() as db:
                db.execute("UPDATE messages SET blob = NULL WHERE id = ?", (message.id,))
        return data

    def search(
        self,
        text: str,
        folder: str | None = None,
        limit: int | None = None,
        account: str | None = None,
    ) -> list[MessageSummary]:
        """Newest first, read off the full-text tables' head (``app.store.search_query``)."""
        from app.store.search_query import search

        return search(self, text, folder, limit, account)

"""The filing journal (the root's ``filing.sqlite3``) and the "À classer" queue (the
profile's).

Each entry says who filed (account, OS user, PC), and for a filed document its identity:
its document ids (CDA id, XDM uniqueId) and the sha256 of its readable files (never the
IHE_XDM.ZIP container's: a re-packaged archive is the same document), in ``identities``
(the duplicates index), and its set id and version; a replaced version points to the entry
that replaced it (``replaced_by``).

Append only: an entry is never deleted; undo marks it ``undone``. A filing is written in
three steps, each one committed: (1) the entry in ``pending`` with the files it *plans* to
write (final names, sizes, hashes), (2) each file marked ``written`` once it is on disk,
(3) the entry ``filed``. A crash between (1) and (3) leaves a ``pending`` entry whose
files are known: :meth:`Journal.recover` removes those still identical to what was planned
(hash check) and marks the entry ``interrupted``, so the document is simply filed again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.filing.db import FilingDb
from app.filing.lock import host_name, os_user

STALE_PENDING = timedelta(minutes=2)  # a live filing takes well under a second


@dataclass(frozen=True)
class JournalFile:
    path: str  # relative to the root
    sha256: str
    size: int
    written: bool


@dataclass(frozen=True)
class Entry:
    id: int
    at: str  # ISO UTC
    who: str
    account: str
    message_id: str
    document: int
    patient_id: str | None
    status: str
    content_hash: str | None
    detail: str
    undone_at: str | None
    files: tuple[JournalFile, ...] = ()
    user: str | None = None  # OS user who filed
    host: str | None = None  # the PC
    set_id: str | None = None
    version: int | None = None
    replaces: int | None = None  # entry id of the version this one replaced
    replaced_by: int | None = None  # entry id of the version that replaced this one

    @property
    def label(self) -> str:
        """The status as the doctor reads it ("classé", "classé, remplacé", ...)."""
        word = _STATUS_WORDS.get(self.status, self.status)
        return f"{word}, remplacé" if self.replaced_by else word

    @property
    def day(self) -> str:
        """ "22/11/2026" (local time) for "déjà classé le ..."."""
        moment = datetime.strptime(self.at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return moment.astimezone().strftime("%d/%m/%Y")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "who": self.who,
            "account": self.account,
            "message_id": self.message_id,
            "document": self.document,
            "patient": self.patient_id,
            "status": self.status,
            "content_hash": self.content_hash,
            "detail": self.detail,
            "undone_at": self.undone_at,
            "user": self.user,
            "host": self.host,
            "set_id": self.set_id,
            "version": self.version,
            "replaces": self.replaces,
            "replaced_by": self.replaced_by,
            "replaced": self.replaced_by is not None,
            "files": [
                {"path": f.path, "sha256": f.sha256, "size": f.size, "written": f.written}
                for f in self.files
            ],
        }


_STATUS_WORDS = {
    "pending": "en cours",
    "filed": "classé",
    "queued": "à classer",
    "duplicate": "déjà classé",
    "refused": "refusé",
    "undone": "annulé",
    "interrupted": "interrompu",
}


@dataclass(frozen=True)
class DocumentKeys:
    """What makes a document the same one: its ids and its readable files' sha256; and
    which version of which set it is."""

    ids: tuple[str, ...] = ()
    contents: tuple[str, ...] = ()
    set_id: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class QueueItem:
    account: str
    message_id: str
    document: int
    subject: str
    reason: str  # "a-verifier", "ins-test", "incoherence", "inconnu"
    error_code: int | None
    proposal: str | None  # patient id
    confidence: float | None
    explanation: str
    at: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Source:
    """Who files which document of which message."""

    who: str  # account address and OS user
    account: str
    message_id: str
    document: int  # index in the message


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _source(source: Source) -> tuple[str, str, str, int]:
    return source.who, source.account, source.message_id, source.document


class Journal:
    """The journal of one root (its own database), and this profile's queue of it."""

    def __init__(self, db: FilingDb, root_id: int, queue: Queue | None = None) -> None:
        self.db = db
        self.root_id = root_id
        self._queue = queue

    @property
    def queue(self) -> Queue:
        if self._queue is None:
            raise RuntimeError("journal opened without the profile's queue")
        return self._queue

    def enqueue(self, **item: Any) -> None:
        self.queue.enqueue(**item)

    def dequeue(self, account: str, message_id: str, document: int) -> None:
        self.queue.dequeue(account, message_id, document)

    def queued(self) -> list[QueueItem]:
        return self.queue.queued()

    # -- writing --------------------------------------------------------------------------

    def begin(
        self,
        source: Source,
        *,
        patient_id: str,
        content_hash: str,
        files: list[tuple[str, str, int]],  # (relative path, sha256, size)
        keys: DocumentKeys | None = None,
    ) -> int:
        keys = keys or DocumentKeys()
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO journal (who, account, message_id, document, root_id, patient_id, "
                "status, content_hash, os_user, host, set_id, version) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
                (
                    *_source(source),
                    self.root_id,
                    patient_id,
                    content_hash,
                    os_user(),
                    host_name(),
                    keys.set_id,
                    keys.version,
                ),
            )
            entry_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO journal_files (entry_id, path, sha256, size) VALUES (?, ?, ?, ?)",
                ((entry_id, path, digest, size) for path, digest, size in files),
            )
            db.executemany(
                "INSERT OR IGNORE INTO identities (entry_id, kind, value) VALUES (?, ?, ?)",
                [(entry_id, "id", value) for value in keys.ids]
                + [(entry_id, "content", value) for value in keys.contents],
            )
        return entry_id

    def replaced(self, old: int, new: int) -> None:
        """Entry ``old`` (a version of a document) is replaced by entry ``new``."""
        with self.db.transaction() as db:
            db.execute("UPDATE journal SET replaced_by = ? WHERE id = ?", (new, old))
            db.execute("UPDATE journal SET replaces = ? WHERE id = ?", (old, new))

    def unreplaced(self, new: int) -> None:
        """The replacing entry ``new`` undone: the version it replaced is current again."""
        with self.db.transaction() as db:
            db.execute("UPDATE journal SET replaced_by = NULL WHERE replaced_by = ?", (new,))

    def renamed(self, entry_id: int, old: str, new: str) -> None:
        """A planned name was taken meanwhile: the file goes under ``new``."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE journal_files SET path = ? WHERE entry_id = ? AND path = ?",
                (new, entry_id, old),
            )

    def written(self, entry_id: int, path: str) -> None:
        with self.db.transaction() as db:
            db.execute(
                "UPDATE journal_files SET written = 1 WHERE entry_id = ? AND path = ?",
                (entry_id, path),
            )

    def set_status(self, entry_id: int, status: str, detail: str = "") -> None:
        with self.db.transaction() as db:
            db.execute(
                "UPDATE journal SET status = ?, detail = ?, "
                "undone_at = CASE WHEN ? = 'undone' THEN ? ELSE undone_at END WHERE id = ?",
                (status, detail, status, _now(), entry_id),
            )

    def record(
        self,
        source: Source,
        *,
        status: str,
        detail: str,
        patient_id: str | None = None,
        content_hash: str | None = None,
    ) -> int:
        """An outcome without files: queued, duplicate, refused."""
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO journal (who, account, message_id, document, root_id, patient_id, "
                "status, content_hash, detail, os_user, host) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *_source(source),
                    self.root_id,
                    patient_id,
                    status,
                    content_hash,
                    detail,
                    os_user(),
                    host_name(),
                ),
            )
        return int(cursor.lastrowid or 0)

    # -- reading --------------------------------------------------------------------------

    def _entry(self, row: sqlite3.Row) -> Entry:
        files = tuple(
            JournalFile(r["path"], r["sha256"], r["size"], bool(r["written"]))
            for r in self.db.db.execute(
                "SELECT path, sha256, size, written FROM journal_files WHERE entry_id = ? "
                "ORDER BY rowid",
                (row["id"],),
            )
        )
        return Entry(
            id=row["id"],
            at=row["at"],
            who=row["who"],
            account=row["account"],
            message_id=row["message_id"],
            document=row["document"],
            patient_id=row["patient_id"],
            status=row["status"],
            content_hash=row["content_hash"],
            detail=row["detail"],
            undone_at=row["undone_at"],
            files=files,
            user=row["os_user"],
            host=row["host"],
            set_id=row["set_id"],
            version=row["version"],
            replaces=row["replaces"],
            replaced_by=row["replaced_by"],
        )

    _COLUMNS = (
        "SELECT id, at, who, account, message_id, document, patient_id, status, content_hash, "
        "detail, undone_at, os_user, host, set_id, version, replaces, replaced_by FROM journal"
    )

    def entry(self, entry_id: int) -> Entry | None:
        row = self.db.db.execute(
            f"{self._COLUMNS} WHERE id = ? AND root_id = ?", (entry_id, self.root_id)
        ).fetchone()
        return self._entry(row) if row else None

    def entries(self, limit: int = 100) -> list[Entry]:
        rows = self.db.db.execute(
            f"{self._COLUMNS} WHERE root_id = ? ORDER BY id DESC LIMIT ?", (self.root_id, limit)
        ).fetchall()
        return [self._entry(r) for r in rows]

    def filed_with_hash(self, content_hash: str) -> Entry | None:
        """The live filing of identical content in this root (for "déjà classé le ...")."""
        row = self.db.db.execute(
            f"{self._COLUMNS} WHERE root_id = ? AND content_hash = ? AND status = 'filed' "
            "ORDER BY id LIMIT 1",
            (self.root_id, content_hash),
        ).fetchone()
        return self._entry(row) if row else None

    def filed_same(
        self, keys: DocumentKeys, *, by_id: bool = True, by_content: bool = True
    ) -> Entry | None:
        """The live filing of the same document: one of its ids (``by_id``) or one of the
        files it is read from (``by_content``) is the same."""
        pairs = [("id", value) for value in keys.ids] if by_id else []
        if by_content:
            pairs += [("content", value) for value in keys.contents]
        for kind, value in pairs:
            row = self.db.db.execute(
                f"{self._COLUMNS} WHERE root_id = ? AND status = 'filed' AND id IN "  # noqa: S608
                "(SELECT entry_id FROM identities WHERE kind = ? AND value = ?) "
                "ORDER BY id LIMIT 1",
                (self.root_id, kind, value),
            ).fetchone()
            if row is not None:
                return self._entry(row)
        return None

    def filed_versions(self, set_id: str, ids: tuple[str, ...] = ()) -> list[Entry]:
        """The live filings of a document set (same set id), or of the documents with
        these ids (what an RPLC names), newest version first."""
        marks = ",".join("?" * len(ids))
        by_id = (
            " OR id IN (SELECT entry_id FROM identities WHERE kind = 'id' "  # noqa: S608
            f"AND value IN ({marks}))"
            if ids
            else ""
        )
        rows = self.db.db.execute(
            f"{self._COLUMNS} WHERE root_id = ? AND status = 'filed' AND (set_id = ?{by_id}) "
            "ORDER BY coalesce(version, 0) DESC, id DESC",
            (self.root_id, set_id, *ids),
        ).fetchall()
        return [self._entry(r) for r in rows]

    def filed_for_message(self, account: str, message_id: str) -> list[Entry]:
        rows = self.db.db.execute(
            f"{self._COLUMNS} WHERE account = ? AND message_id = ? AND status = 'filed' "
            "ORDER BY id",
            (account, message_id),
        ).fetchall()
        return [self._entry(r) for r in rows]

    def filed_for_patient(self, patient_id: str) -> list[Entry]:
        """The live filings of one patient in this root, oldest first (her results view)."""
        rows = self.db.db.execute(
            f"{self._COLUMNS} WHERE root_id = ? AND patient_id = ? AND status = 'filed' "
            "ORDER BY id",
            (self.root_id, patient_id),
        ).fetchall()
        return [self._entry(r) for r in rows]

    def decided(self, account: str, message_id: str) -> bool:
        """Whether the doctor (or --auto) already settled this message: filed, found already
        filed, or refused — and not undone since."""
        row = self.db.db.execute(
            "SELECT 1 FROM journal WHERE root_id = ? AND account = ? AND message_id = ? "
            "AND status IN ('filed', 'duplicate', 'refused') LIMIT 1",
            (self.root_id, account, message_id),
        ).fetchone()
        return row is not None

    def stale_pending(self, now: datetime | None = None) -> list[Entry]:
        limit = ((now or datetime.now(UTC)) - STALE_PENDING).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows = self.db.db.execute(
            f"{self._COLUMNS} WHERE root_id = ? AND status = 'pending' AND at <= ? ORDER BY id",
            (self.root_id, limit),
        ).fetchall()
        return [self._entry(r) for r in rows]


class Queue:
    """This profile's "À classer" list for one root (its messages: the other PCs do not
    have them)."""

    def __init__(self, db: FilingDb, root_id: int) -> None:
        self.db = db
        self.root_id = root_id

    def enqueue(
        self,
        *,
        account: str,
        message_id: str,
        document: int,
        subject: str,
        reason: str,
        error_code: int | None,
        proposal: str | None,
        confidence: float | None,
        explanation: str,
    ) -> None:
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO queue (account, message_id, document, root_id, subject, reason, "
                "error_code, proposal, confidence, explanation) VALUES (?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (account, message_id, document, root_id) DO UPDATE SET "
                "reason = excluded.reason, error_code = excluded.error_code, "
                "proposal = excluded.proposal, confidence = excluded.confidence, "
                "explanation = excluded.explanation, subject = excluded.subject",
                (
                    account,
                    message_id,
                    document,
                    self.root_id,
                    subject,
                    reason,
                    error_code,
                    proposal,
                    confidence,
                    explanation,
                ),
            )

    def dequeue(self, account: str, message_id: str, document: int) -> None:
        with self.db.transaction() as db:
            db.execute(
                "DELETE FROM queue WHERE account = ? AND message_id = ? AND document = ? "
                "AND root_id = ?",
                (account, message_id, document, self.root_id),
            )

    def queued(self) -> list[QueueItem]:
        rows = self.db.db.execute(
            "SELECT account, message_id, document, subject, reason, error_code, proposal, "
            "confidence, explanation, at FROM queue WHERE root_id = ? ORDER BY at, message_id, "
            "document",
            (self.root_id,),
        ).fetchall()
        return [QueueItem(**dict(r)) for r in rows]

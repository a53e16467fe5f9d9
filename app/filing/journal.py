"""The filing journal and the "À classer" queue, in ``filing.sqlite3``.

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
            "files": [
                {"path": f.path, "sha256": f.sha256, "size": f.size, "written": f.written}
                for f in self.files
            ],
        }


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
    def __init__(self, db: FilingDb, root_id: int) -> None:
        self.db = db
        self.root_id = root_id

    # -- writing --------------------------------------------------------------------------

    def begin(
        self,
        source: Source,
        *,
        patient_id: str,
        content_hash: str,
        files: list[tuple[str, str, int]],  # (relative path, sha256, size)
    ) -> int:
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO journal (who, account, message_id, document, root_id, patient_id, "
                "status, content_hash) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
                (*_source(source), self.root_id, patient_id, content_hash),
            )
            entry_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO journal_files (entry_id, path, sha256, size) VALUES (?, ?, ?, ?)",
                ((entry_id, path, digest, size) for path, digest, size in files),
            )
        return entry_id

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
                "status, content_hash, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *_source(source),
                    self.root_id,
                    patient_id,
                    status,
                    content_hash,
                    detail,
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
        )

    _COLUMNS = (
        "SELECT id, at, who, account, message_id, document, patient_id, status, content_hash, "
        "detail, undone_at FROM journal"
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

    # -- the "À classer" queue ------------------------------------------------------------

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

"""The audit trail (Référentiel #2 ECO.4.1.1–4.1.2): who did what to which message, when,
which server request it became and how it ended.

Where: ``<profile>/audit/audit-YYYY.jsonl`` (one file per UTC year, JSON lines, append
only) and ``audit/head.json``, the last entry's ``seq`` and ``hash``, replaced atomically
after each append. Files are private (0600, the process umask and explicit modes).

Tamper-evident, not tamper-proof: each entry carries ``prev`` (the previous entry's hash)
and ``hash`` = SHA-256 of ``prev`` + the entry's canonical JSON (sorted keys, no ``hash``).
``verify`` walks every file: a changed, removed or reordered entry breaks the chain at that
entry; a removed tail (or a removed last file) no longer reaches the head. Removing the tail
and rewriting the head together is not detected from the profile alone: an exported head
hash (``caducee audit --verify`` prints it) kept elsewhere detects that too.

What an entry holds — never a subject, a body, an address of a correspondent or a patient's
name: the account address, the OS user, the national id (RPPS/ADELI) when known, the
action, the store's message id and IMAP folder name (the doctor's folder names are kept
as they are: they name mailboxes, not documents), the server request (``UID MOVE``,
``SMTP DATA``…), its result (``ok``, ``en attente``, or an error class), and counts
(recipients: a number, not addresses). Filing records the journal entry's id, never the
destination path (a patient's folder).

The national id is the certificate's (card or PKCS#12) at sign-in, kept per account in
``audit/identities.json`` and put on that account's later entries.

Several processes append (the window, ``caducee`` commands): each append holds
``audit/audit.lock`` (``ProcessLock``) from reading the head to replacing it. Recording
never fails the user's action: an unwritable trail is logged as an error.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.core.proclock import ProcessLock

log = logging.getLogger(__name__)

GENESIS = "0" * 64
HEAD_NAME = "head.json"
IDENTITIES_NAME = "identities.json"  # account -> national id, learnt at sign-in


class Action(StrEnum):
    SIGN_IN = "connexion"
    READ = "lecture"
    SEND = "envoi"
    RECEIPT = "accusé"
    MOVE = "déplacement"
    COPY = "copie"
    DELETE = "suppression"
    FLAG = "marque"
    FOLDER = "dossier"
    FILING = "classement"
    EXPORT = "export"
    PRINT = "impression"
    DRAFT = "brouillon"


FIELDS = (
    "seq",
    "time",
    "account",
    "os_user",
    "national_id",
    "action",
    "message",
    "folder",
    "target",
    "request",
    "result",
    "detail",
    "prev",
    "hash",
)


def _canonical(entry: dict[str, Any]) -> bytes:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(str(entry.get("prev", "")).encode() + _canonical(entry)).hexdigest()


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name in a service's environment
        return ""


@dataclass(frozen=True)
class Verification:
    ok: bool
    count: int
    head: str  # the last valid entry's hash (GENESIS when none)
    problem: str | None = None  # French, where the trail breaks


class AuditTrail:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def head_file(self) -> Path:
        return self.directory / HEAD_NAME

    def files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("audit-*.jsonl"))

    def record(
        self,
        action: Action,
        *,
        account: str = "",
        message: int | None = None,
        folder: str | None = None,
        target: str | None = None,
        request: str = "",
        result: str = "ok",
        national_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Append one entry; never raises (a trail that cannot be written is logged).
        Without ``national_id``, the one its account's last sign-in gave (``remember``)."""
        try:
            if national_id is None and account:
                national_id = self._identities().get(account.lower())
            self._append(
                {
                    "account": account,
                    "os_user": os_user(),
                    "national_id": national_id,
                    "action": str(action),
                    "message": message,
                    "folder": folder,
                    "target": target,
                    "request": request,
                    "result": result,
                    "detail": detail,
                }
            )
        except OSError as error:
            log.error("audit trail not written (%s): %s", action, error.strerror or error)

    def remember(self, account: str, national_id: str) -> None:
        """The national id (RPPS, ADELI…) of the certificate ``account`` signs in with."""
        try:
            with ProcessLock(self.directory / "audit.lock"):
                known = self._identities()
                if known.get(account.lower()) == national_id:
                    return
                known[account.lower()] = national_id
                self._replace(self.directory / IDENTITIES_NAME, json.dumps(known).encode())
        except OSError as error:
            log.error("audit identities not written: %s", error.strerror or error)

    def national_id(self, account: str) -> str | None:
        """The national id ``account`` last signed in with (not a secret: the CIBA
        sign-in offers it already typed); None when never or unreadable."""
        return self._identities().get(account.lower())

    def _identities(self) -> dict[str, str]:
        try:
            known = json.loads((self.directory / IDENTITIES_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in known.items()} if isinstance(known, dict) else {}

    def _append(self, fields: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with ProcessLock(self.directory / "audit.lock"):
            seq, prev = self._head()
            now = datetime.now(UTC)
            entry = {
                "seq": seq + 1,
                "time": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                **fields,
                "prev": prev,
            }
            entry["hash"] = entry_hash(entry)
            line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
            path = self.directory / f"audit-{now.year:04d}.jsonl"
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            self._write_head(entry["seq"], entry["hash"])

    def _head(self) -> tuple[int, str]:
        try:
            head = json.loads(self.head_file.read_text(encoding="utf-8"))
            seq, digest = int(head["seq"]), str(head["hash"])
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError):
            log.error("audit head unreadable: the chain continues from the last entry")
        else:
            last = self._last_entry()
            # A crash between the entry's write and the head's: the entry is whole and
            # follows the head, so the head is behind, not the trail cut.
            if (
                last is not None
                and last.get("seq") == seq + 1
                and last.get("prev") == digest
                and last.get("hash") == entry_hash(last)
            ):
                self._write_head(seq + 1, str(last["hash"]))
                return seq + 1, str(last["hash"])
            return seq, digest
        last = None
        for entry in self._lines():  # no head (first entry, or lost): from the last entry
            if isinstance(entry, dict):
                last = entry
        if last is None:
            return 0, GENESIS
        return int(last.get("seq", 0)), str(last.get("hash", GENESIS))

    def _write_head(self, seq: int, digest: str) -> None:
        self._replace(self.head_file, json.dumps({"seq": seq, "hash": digest}).encode())

    @staticmethod
    def _replace(path: Path, content: bytes) -> None:
        """Write ``path`` whole or not at all (a temporary file, fsynced, renamed)."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        temporary.replace(path)

    def _last_entry(self) -> dict[str, Any] | None:
        """The newest file's last entry, read from its end only."""
        files = self.files()
        if not files:
            return None
        with files[-1].open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - 65536))
            tail = file.read().splitlines()
        for line in reversed(tail):
            if line.strip():
                try:
                    entry = json.loads(line)
                except ValueError:
                    return None
                return entry if isinstance(entry, dict) else None
        return None

    def _lines(self) -> list[Any]:
        """Every line of every file, parsed (None for a line that is not JSON)."""
        parsed: list[Any] = []
        for path in self.files():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if not line.strip():
                    continue
                try:
                    parsed.append(json.loads(line))
                except ValueError:
                    parsed.append(None)
        return parsed

    def entries(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """The entries, oldest first; ``since``: those at or after it (UTC)."""
        found = [e for e in self._lines() if isinstance(e, dict)]
        if since is None:
            return found
        bound = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return [e for e in found if str(e.get("time", "")) >= bound]

    def verify(self) -> Verification:
        prev, count = GENESIS, 0
        before_last = GENESIS  # the hash before the last entry: a head one entry behind
        for position, entry in enumerate(self._lines(), start=1):
            where = f"entrée n° {position}"
            if not isinstance(entry, dict):
                return Verification(False, count, prev, f"{where} illisible")
            if entry.get("seq") != position:
                return Verification(
                    False,
                    count,
                    prev,
                    f"{where} : numéro {entry.get('seq')} au lieu de {position}"
                    " (entrée retirée ou déplacée)",
                )
            if entry.get("prev") != prev:
                return Verification(
                    False, count, prev, f"{where} : ne suit pas l'entrée précédente (chaîne rompue)"
                )
            if entry.get("hash") != entry_hash(entry):
                return Verification(False, count, prev, f"{where} : contenu modifié")
            before_last, prev, count = prev, str(entry["hash"]), position
        try:
            head = json.loads(self.head_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            if count == 0:
                return Verification(True, 0, prev)
            return Verification(
                False, count, prev, "fichier de tête absent (journal non vérifiable)"
            )
        except (OSError, ValueError) as error:
            return Verification(False, count, prev, f"fichier de tête illisible ({error})")
        if (
            isinstance(head, dict)
            and head.get("seq") == count - 1
            and head.get("hash") == before_last
        ):
            return Verification(True, count, prev)  # a crash before the head was replaced
        if not isinstance(head, dict) or head.get("seq") != count or head.get("hash") != prev:
            expected = head.get("seq") if isinstance(head, dict) else "?"
            return Verification(
                False,
                count,
                prev,
                f"journal tronqué : {count} entrée(s) au lieu de {expected} "
                "(la fin du journal a été retirée ou modifiée)",
            )
        return Verification(True, count, prev)

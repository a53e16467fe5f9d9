"""The audit trail (Référentiel #2 ECO.4.1.1–4.1.2): who did what to which message, when,
which server request it became and how it ended.

Where: ``<profile>/audit/audit-YYYY.jsonl`` (one file per UTC year, one line per entry,
append only) and ``audit/head.json``, the last entry's ``seq`` and ``hash``, replaced
atomically after each append. Files are private (0600, the process umask and explicit modes).

Encrypted at rest (issue 21): a line is ``{"seq": n, "trail": id, "sealed": …}``, the entry's
JSON sealed with AES-256-GCM under the profile key's ``audit`` sub-key
(``app.core.crypto``), its associated data the trail's id (random, chosen with its first
entry) and ``n``. A line moved to another position, copied from another trail or altered
does not open; the position in clear only lets ``verify`` say "entry removed or moved"
rather than "changed". The head and ``identities.json`` are sealed the same way. A clear
trail of a profile from before issue 21 is sealed where it lies by the profile's
encryption (``seal_in_place``, called from ``app.core.profile_encrypt``). Only its size
and the number of entries show.

Tamper-evident, not tamper-proof: each entry carries ``prev`` (the previous entry's hash)
and ``hash`` = SHA-256 of ``prev`` + the entry's canonical JSON (sorted keys, no ``hash``).
``verify`` walks every file: a changed, removed or reordered entry breaks the chain at that
entry; a removed tail (or a removed last file) no longer reaches the head. Removing the tail
and rewriting the head together is not detected from the profile alone (whoever can do that
holds the profile key): an exported head hash (``caducee audit --verify`` prints it) kept
elsewhere detects that too.

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
never fails the user's action: an unwritable trail (or a profile key that cannot be had)
is logged as an error.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.core import crypto
from app.core.errors import CaduceeError
from app.core.private import write_atomically
from app.core.proclock import ProcessLock

log = logging.getLogger(__name__)

GENESIS = "0" * 64
DIRECTORY = "audit"  # in the profile's data folder
HEAD_NAME = "head.json"
IDENTITIES_NAME = "identities.json"  # account -> national id, learnt at sign-in
IDENTITIES_IDENTITY = b"caducee audit identities"  # its associated data (sealed)


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


def _actions(entries: list[dict[str, Any]]) -> str:
    """The actions of entries not written, for the log (never their content)."""
    return ", ".join(dict.fromkeys(str(entry["action"]) for entry in entries))


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


def _identity(trail: str, where: int | str) -> bytes:
    """The associated data of a trail's entry (its position) or head (``"head"``)."""
    return f"caducee audit {trail} {where}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class _Line:
    """One line of a trail file as read: ``seq`` and ``trail`` as the line says them (None
    when it is not a sealed line), ``sealed`` the ciphertext."""

    seq: int | None
    trail: str | None
    sealed: bytes

    @classmethod
    def parse(cls, line: bytes) -> _Line:
        try:
            record = json.loads(line)
            seq, trail = record["seq"], record["trail"]
            sealed = base64.b64decode(record["sealed"], validate=True)
            if isinstance(seq, int) and isinstance(trail, str):
                return cls(seq, trail, sealed)
        except (ValueError, KeyError, TypeError):
            pass
        return cls(None, None, b"")

    def open(self, key: bytes, trail: str, position: int) -> dict[str, Any] | None:
        """The entry, if this line is sealed for ``position`` of ``trail``; else None."""
        try:
            entry = json.loads(crypto.unseal(key, self.sealed, _identity(trail, position)))
        except ValueError:  # TamperedError included
            return None
        return entry if isinstance(entry, dict) else None


def sealed_line(key: bytes, trail: str, seq: int, content: bytes) -> bytes:
    record = {
        "seq": seq,
        "trail": trail,
        "sealed": _b64(crypto.seal(key, content, _identity(trail, seq))),
    }
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


class AuditTrail:
    """``key``: the profile key's ``audit`` sub-key; by default the profile's (the folder
    above ``directory``), asked when first needed."""

    def __init__(self, directory: Path, key: bytes | None = None) -> None:
        self.directory = directory
        self._key = key
        self._batches = threading.local()  # this thread's entries waiting (``batched``)

    @classmethod
    def of(cls, data_dir: Path, key: bytes | None = None) -> AuditTrail:
        """The trail of the profile in ``data_dir``."""
        return cls(data_dir / DIRECTORY, key)

    @property
    def key(self) -> bytes:
        if self._key is None:
            from app.core.profile_key import keys_for  # it encrypts a clear profile: see there

            self._key = keys_for(self.directory.parent).audit
        return self._key

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
        Without ``national_id``, the one its account's last sign-in gave (``remember``).
        Within ``batched``, appended at its end."""
        try:
            if national_id is None and account:
                national_id = self._identities().get(account.lower())
        except CaduceeError:
            national_id = None  # no key: the append below says so
        fields = {
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
        waiting: list[dict[str, Any]] | None = getattr(self._batches, "entries", None)
        if waiting is not None:
            waiting.append(fields)
        else:
            self._write([fields])

    @contextmanager
    def batched(self) -> Iterator[None]:
        """The entries this thread records meanwhile are appended together when it ends, in
        their order: one lock, one write and one flush to the disk for all (a sync applying
        a mailbox's receipts: two flushes each cost 5 ms). Nested: the outermost appends."""
        if getattr(self._batches, "entries", None) is not None:
            yield
            return
        self._batches.entries = []
        try:
            yield
        finally:
            waiting, self._batches.entries = self._batches.entries, None
            if waiting:
                self._write(waiting)

    def _write(self, entries: list[dict[str, Any]]) -> None:
        try:
            self._append(entries)
        except OSError as error:
            log.error("audit trail not written (%s): %s", _actions(entries), error.strerror)
        except CaduceeError as error:  # no profile key (no keyring, key lost…)
            log.error("audit trail not written (%s): %s", _actions(entries), type(error).__name__)

    def remember(self, account: str, national_id: str) -> None:
        """The national id (RPPS, ADELI…) of the certificate ``account`` signs in with."""
        try:
            key = self.key
            with ProcessLock(self.directory / "audit.lock"):
                known = self._identities()
                if known.get(account.lower()) == national_id:
                    return
                known[account.lower()] = national_id
                sealed = crypto.seal(key, json.dumps(known).encode(), IDENTITIES_IDENTITY)
                self._replace(self.directory / IDENTITIES_NAME, sealed)
        except OSError as error:
            log.error("audit identities not written: %s", error.strerror or error)
        except CaduceeError as error:
            log.error("audit identities not written: %s", type(error).__name__)

    def national_id(self, account: str) -> str | None:
        """The national id ``account`` last signed in with (not a secret: the CIBA
        sign-in offers it already typed); None when never or unreadable."""
        try:
            return self._identities().get(account.lower())
        except CaduceeError:
            return None

    def _identities(self) -> dict[str, str]:
        try:
            sealed = (self.directory / IDENTITIES_NAME).read_bytes()
        except OSError:
            return {}
        try:
            known = json.loads(crypto.unseal(self.key, sealed, IDENTITIES_IDENTITY))
        except ValueError:  # TamperedError included: forgotten, learnt again at sign-in
            log.error("audit identities unreadable (changed outside Caducée)")
            return {}
        return {str(k): str(v) for k, v in known.items()} if isinstance(known, dict) else {}

    def _append(self, entries: list[dict[str, Any]]) -> None:
        key = self.key  # before the lock: it may encrypt the profile, trail included
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with ProcessLock(self.directory / "audit.lock"):
            trail, seq, prev = self._head()
            now = datetime.now(UTC)
            lines = []
            for fields in entries:
                seq += 1
                entry = {
                    "seq": seq,
                    "time": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    **fields,
                    "prev": prev,
                }
                entry["hash"] = prev = entry_hash(entry)
                content = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode()
                lines.append(sealed_line(key, trail, seq, content))
            path = self.directory / f"audit-{now.year:04d}.jsonl"
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                data = b"".join(lines)
                while data:  # a write may take part of a large batch
                    data = data[os.write(fd, data) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            self._write_head(trail, seq, prev)

    def _read_head(self) -> tuple[str, int, str]:
        """The head's trail id, seq and hash; FileNotFoundError when there is none,
        ValueError when it does not open (changed, cut, replaced)."""
        try:
            record = json.loads(self.head_file.read_bytes())
            trail = record["trail"]
            sealed = base64.b64decode(record["sealed"], validate=True)
            head = json.loads(crypto.unseal(self.key, sealed, _identity(trail, "head")))
            return str(trail), int(head["seq"]), str(head["hash"])
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a head: {type(error).__name__}") from None

    def _head(self) -> tuple[str, int, str]:
        """Where the next entry goes: the trail's id, the last seq and hash."""
        try:
            trail, seq, digest = self._read_head()
        except FileNotFoundError:
            pass
        except (OSError, ValueError):
            log.error("audit head unreadable: the chain continues from the last entry")
        else:
            last = self._last_entry(trail)
            # A crash between the entry's write and the head's: the entry is whole and
            # follows the head, so the head is behind, not the trail cut.
            if (
                last is not None
                and last.get("seq") == seq + 1
                and last.get("prev") == digest
                and last.get("hash") == entry_hash(last)
            ):
                self._write_head(trail, seq + 1, str(last["hash"]))
                return trail, seq + 1, str(last["hash"])
            return trail, seq, digest
        # No head (the first entry, or lost): from the last entry that opens.
        last_trail, last = None, None
        for line, entry in self._entries():
            if entry is not None:
                last_trail, last = line.trail, entry
        if last is None or last_trail is None:
            return self._trail_id() or os.urandom(16).hex(), 0, GENESIS
        return last_trail, int(last.get("seq", 0)), str(last.get("hash", GENESIS))

    def _trail_id(self) -> str | None:
        """The trail's id as its first sealed line says it, None when it has none."""
        for path in self.files():
            with path.open("rb") as file:
                for raw in file:
                    line = _Line.parse(raw)
                    if line.trail is not None:
                        return line.trail
        return None

    def _write_head(self, trail: str, seq: int, digest: str) -> None:
        sealed = crypto.seal(
            self.key, json.dumps({"seq": seq, "hash": digest}).encode(), _identity(trail, "head")
        )
        self._replace(self.head_file, json.dumps({"trail": trail, "sealed": _b64(sealed)}).encode())

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

    def _last_entry(self, trail: str) -> dict[str, Any] | None:
        """The newest file's last entry (of ``trail``), read from its end only."""
        files = self.files()
        if not files:
            return None
        with files[-1].open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - 65536))
            tail = file.read().splitlines()
        for raw in reversed(tail):
            if raw.strip():
                line = _Line.parse(raw)
                if line.seq is None:
                    return None
                return line.open(self.key, trail, line.seq)
        return None

    def _lines(self) -> Iterator[_Line]:
        """Every line of every file, oldest first."""
        for path in self.files():
            with path.open("rb") as file:
                for raw in file:
                    if raw.strip():
                        yield _Line.parse(raw)

    def _entries(self) -> Iterator[tuple[_Line, dict[str, Any] | None]]:
        """Every line, and its entry when it opens where it says it is."""
        key = self.key
        for line in self._lines():
            opened = None
            if line.seq is not None and line.trail is not None:
                opened = line.open(key, line.trail, line.seq)
            yield line, opened

    def entries(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """The entries that open, oldest first; ``since``: those at or after it (UTC)."""
        found = [entry for _, entry in self._entries() if entry is not None]
        if since is None:
            return found
        bound = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return [e for e in found if str(e.get("time", "")) >= bound]

    def verify(self) -> Verification:
        try:
            head: tuple[str, int, str] | None = self._read_head()
            head_problem = None
        except FileNotFoundError:
            head, head_problem = None, "fichier de tête absent (journal non vérifiable)"
        except crypto.TamperedError:
            head, head_problem = None, "fichier de tête illisible (modifié en dehors de Caducée)"
        except (OSError, ValueError) as error:
            head, head_problem = None, f"fichier de tête illisible ({error})"
        trail = head[0] if head is not None else None
        prev, count = GENESIS, 0
        before_last = GENESIS  # the hash before the last entry: a head one entry behind
        for position, line in enumerate(self._lines(), start=1):
            where = f"entrée n° {position}"
            if line.seq is None or line.trail is None:
                return Verification(False, count, prev, f"{where} illisible")
            if line.seq != position:
                return Verification(
                    False,
                    count,
                    prev,
                    f"{where} : numéro {line.seq} au lieu de {position}"
                    " (entrée retirée ou déplacée)",
                )
            trail = trail or line.trail
            entry = line.open(self.key, trail, position)
            if entry is None:
                return Verification(False, count, prev, f"{where} : contenu modifié")
            if entry.get("seq") != position:  # a clear trail sealed as it was (see there)
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
        if head is None:
            if count == 0 and not self.head_file.exists():
                return Verification(True, 0, prev)
            return Verification(False, count, prev, head_problem)
        _, seq, digest = head
        if seq == count - 1 and digest == before_last:
            return Verification(True, count, prev)  # a crash before the head was replaced
        if seq != count or digest != prev:
            return Verification(
                False,
                count,
                prev,
                f"journal tronqué : {count} entrée(s) au lieu de {seq} "
                "(la fin du journal a été retirée ou modifiée)",
            )
        return Verification(True, count, prev)

    def seal_in_place(self) -> int:
        """A clear trail (a profile from before issue 21) sealed where it lies, file by
        file, each replaced atomically (resumable: a file already sealed is skipped). Each
        clear line is sealed as it was, at the position its ``seq`` claims (its own
        position when it has none): a trail damaged before stays damaged, and ``verify``
        says so as it did. The head likewise. Returns how many lines were sealed."""
        if not self.directory.is_dir():
            return 0
        key, sealed = self.key, 0
        with ProcessLock(self.directory / "audit.lock"):
            trail = self._trail_id()
            if trail is None:
                try:
                    trail = self._read_head()[0]
                except (OSError, ValueError):
                    trail = os.urandom(16).hex()
            position = 0
            for path in self.files():
                lines, clear = [], 0
                for raw in path.read_bytes().splitlines():
                    if not raw.strip():
                        continue
                    position += 1
                    if _Line.parse(raw).seq is not None:
                        lines.append(raw + b"\n")
                        continue
                    claimed = _claimed_seq(raw)
                    lines.append(sealed_line(key, trail, claimed or position, raw))
                    clear += 1
                if clear:
                    write_atomically(path, b"".join(lines))
                    sealed += clear
            self._seal_clear_head(trail)
        return sealed

    def _seal_clear_head(self, trail: str) -> None:
        try:
            content = self.head_file.read_bytes()
        except FileNotFoundError:
            return
        try:
            if isinstance(json.loads(content).get("sealed"), str):
                return  # sealed already
        except (ValueError, AttributeError):
            pass  # an unreadable clear head: sealed as it is, still unreadable
        sealed = crypto.seal(self.key, content, _identity(trail, "head"))
        write_atomically(
            self.head_file, json.dumps({"trail": trail, "sealed": _b64(sealed)}).encode()
        )


def _claimed_seq(raw: bytes) -> int | None:
    try:
        seq = json.loads(raw).get("seq")
    except (ValueError, AttributeError):
        return None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) and seq > 0 else None

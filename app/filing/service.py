"""The filing operations the command line and the window call (one object per thread).

```python
filing = Filing.open(profile.data_dir, patients_root, store)
docs = filing.documents(message)                    # read through app.mssante (reader.py)
result = filing.match(docs.documents[0], docs)      # MatchResult: level, candidates, why
filing.registry.patients() / filing.registry.add(...)
filing.file_message(message)                        # --auto: only CERTAIN, the rest queued
filing.file_message(message, patient_id="k7q2mx")   # the doctor's choice
filing.queue(); filing.undo(entry_id); filing.journal.entries()
```

After a message's documents are all filed (or found already filed) the message gets the
IMAP keyword ``$MSSanteClasse`` through ``Store.change_flags`` (local at once, replayed on
the server by the next sync, so other devices see it); undo removes it when nothing of the
message stays filed.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from app.core.audit import Action
from app.filing import filer, reader
from app.filing.db import FilingDb
from app.filing.destination import Destination, PatientFolders, locate
from app.filing.errors import FilingError, OutsideRootError, UndoRefusedError
from app.filing.identity import identity_json
from app.filing.journal import DocumentKeys, Entry, Journal, Queue, QueueItem, Source
from app.filing.lock import os_user
from app.filing.matching import INS_INCOMPLETE, INS_MISMATCH, Level, MatchResult, match
from app.filing.patients import Patient, Registry, check_root
from app.mssante.model import (
    InsKind,
    MessageDocuments,
    PatientIdentity,
    ReceivedDocument,
    RefusedInput,
)
from app.store.db import MessageSummary, Store

log = logging.getLogger(__name__)

OTHER_ERROR = 906  # IG-MDN "autre" (a rejection with no identity reason found)
FILED_KEYWORD = "$MSSanteClasse"  # an IMAP atom (RFC 3501 flag-keyword); "$" as RFC 5788 asks

# Outcome statuses of one document (also the CLI's JSON "status")
FILED, QUEUED, TEST_INS, DUPLICATE, REFUSED, NO_DOCUMENT = (
    "filed",
    "queued",
    "test-ins",
    "duplicate",
    "refused",
    "no-document",
)


@dataclass(frozen=True)
class DocumentOutcome:
    index: int
    status: str
    message: str  # French, for the doctor
    patient: Patient | None = None
    files: tuple[str, ...] = ()  # relative to the patients root
    entry_id: int | None = None
    match: MatchResult | None = None
    error_code: int | None = None  # MDN error (902-905) when not filed for identity reasons
    identity: PatientIdentity | None = None  # the document's, as the reader gives it
    replaces: int | None = None  # journal entry of the version this filing replaced
    earlier: int | None = None  # duplicate: the journal entry of the filing already there

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.index,
            "identity": identity_json(self.identity),
            "status": self.status,
            "message": self.message,
            "patient": self.patient.id if self.patient else None,
            "files": list(self.files),
            "journal_entry": self.entry_id,
            "match": self.match.to_json() if self.match else None,
            "error_code": self.error_code,
            "replaces": self.replaces,
            "earlier": self.earlier,
        }


@dataclass
class FilingResult:
    account: str
    message_id: str
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    refused: tuple[RefusedInput, ...] = ()
    keyword_added: bool = False

    @property
    def status(self) -> str:
        """One word for the message: filed, duplicate, queued, test-ins, refused, no-document."""
        statuses = {o.status for o in self.outcomes} - {NO_DOCUMENT}
        for status in (REFUSED, TEST_INS, QUEUED):
            if status in statuses:
                return status
        if FILED in statuses:
            return FILED
        if DUPLICATE in statuses:
            return DUPLICATE
        return REFUSED if self.refused else NO_DOCUMENT

    @property
    def error_code(self) -> int | None:
        return next((o.error_code for o in self.outcomes if o.error_code), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "message_id": self.message_id,
            "status": self.status,
            "documents": [o.to_json() for o in self.outcomes],
            "refused_inputs": [{"name": r.name, "reason": r.reason} for r in self.refused],
            "keyword": FILED_KEYWORD if self.keyword_added else None,
            "error_code": self.error_code,
        }


def message_key(message: MessageSummary) -> str:
    return message.message_id or f"local-{message.id}"


def _message_day(message: MessageSummary) -> date | None:
    if not message.date:
        return None
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(message.date.replace("Z", "+00:00")).astimezone().date()
    return None


def _display_name(sender: str) -> str | None:
    """ "Dr Paul DURAND <paul.durand@chu.fr>" -> "Dr Paul DURAND" (else the address)."""
    name, address = parseaddr(sender)
    return name or address or None


class Filing:
    """The filing operations on one patients root: its registry and journal in the root's
    own database (``db``, shared by the practice's PCs), the "À classer" queue in this
    profile's (``queue_db``; None: no queue, for reading and filing by hand only)."""

    def __init__(
        self,
        db: FilingDb,
        root: Path,
        store: Store | None = None,
        destination: Destination | None = None,
        queue_db: FilingDb | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.db = db
        self.queue_db = queue_db
        self.data_dir = data_dir  # the profile's (None: opened without a profile)
        self.store = store
        self.destination: Destination = destination or PatientFolders()
        self.registry = Registry(db, root)
        self.root = self.registry.root
        queue = Queue(queue_db, queue_db.root_id(self.root)) if queue_db is not None else None
        self.journal = Journal(db, self.registry.root_id, queue)
        self.recover()

    @classmethod
    def open(
        cls,
        data_dir: Path | None,
        root: Path,
        store: Store | None = None,
        destination: Destination | None = None,
    ) -> Filing:
        """The root's database (created, and this profile's old registry and journal of
        that root imported, on first use) and the profile's queue (``data_dir`` None: no
        profile, no queue)."""
        resolved = check_root(root)
        db = FilingDb.open_root(resolved, data_dir)
        queue_db: FilingDb | None = None
        try:
            queue_db = FilingDb.open(data_dir) if data_dir is not None else None
            return cls(db, resolved, store, destination, queue_db, data_dir)
        except BaseException:
            db.close()
            if queue_db is not None:
                queue_db.close()
            raise

    def close(self) -> None:
        self.db.close()
        if self.queue_db is not None:
            self.queue_db.close()

    # -- reading and matching --------------------------------------------------------------

    def documents(self, message: MessageSummary) -> MessageDocuments:
        if self.store is None:
            raise FilingError("no store")
        raw = self.store.raw(message)
        if raw is None:
            raise FilingError(
                "message body not downloaded",
                user_message="Le message n'est pas encore téléchargé : synchronisez d'abord.",
            )
        return reader.read_documents(raw)

    def match(
        self, document: ReceivedDocument, docs: MessageDocuments | None = None
    ) -> MatchResult:
        """``document.identity`` is the reader's one identity of it (``docs`` is kept for
        callers' convenience)."""
        del docs
        return match(document.identity, self.registry.patients())

    def queue(self) -> list[QueueItem]:
        return self.journal.queued()

    # -- filing ---------------------------------------------------------------------------

    def file_message(
        self,
        message: MessageSummary,
        docs: MessageDocuments | None = None,
        *,
        patient_id: str | None = None,
    ) -> FilingResult:
        """Every document of the message: to ``patient_id``, or (None) only when CERTAIN."""
        docs = docs if docs is not None else self.documents(message)
        chosen = self.registry.get(patient_id) if patient_id else None
        result = FilingResult(message.account, message_key(message), refused=docs.refused)
        for index in range(len(docs.documents)):
            result.outcomes.append(self.file_document(message, docs, index, chosen))
        if docs.refused and not docs.documents:  # hostile or unreadable input: on record
            source = Source(self._who(message), message.account, message_key(message), 0)
            reasons = "; ".join(r.reason for r in docs.refused[:5])
            self.journal.record(source, status="refused", detail=f"Pièces refusées : {reasons}")
        return self.finish(message, result)

    def finish(self, message: MessageSummary, result: FilingResult) -> FilingResult:
        """Once each document of the message has an outcome: the message is tagged filed
        (IMAP keyword, for her other devices) when none of them is left waiting."""
        statuses = {o.status for o in result.outcomes}
        if statuses & {FILED, DUPLICATE} and not statuses & {QUEUED, TEST_INS, REFUSED}:
            result.keyword_added = self._tag(message)
        self._audit(message, result, "classement")
        return result

    def _audit(self, message: MessageSummary, result: FilingResult, what: str) -> None:
        """In the audit trail: the journal entries, never the patient's folder."""
        if self.store is None:
            return
        entries = [str(o.entry_id) for o in result.outcomes if o.entry_id]
        self.store.audited_message(
            Action.FILING,
            message,
            request="écriture dans le dossier des patients",
            result=result.status,
            detail=f"{what}, journal n° {', '.join(entries) or '-'}",
        )

    def file_document(
        self,
        message: MessageSummary,
        docs: MessageDocuments,
        index: int,
        patient: Patient | None,
    ) -> DocumentOutcome:
        """One document: to ``patient`` (the doctor's choice) or, if None, only if CERTAIN.

        The whole of it — is it filed already, the files, the journal — under the root's
        lock: two PCs or two processes filing it at once file it once."""
        with self.db.locked():
            outcome = self._file_document(message, docs, index, patient)
        return replace(outcome, identity=docs.documents[index].identity)

    def _file_document(
        self,
        message: MessageSummary,
        docs: MessageDocuments,
        index: int,
        patient: Patient | None,
    ) -> DocumentOutcome:
        document = docs.documents[index]
        common = Source(self._who(message), message.account, message_key(message), index)
        if not filer.has_content(document):
            return DocumentOutcome(index, NO_DOCUMENT, "Document vide : rien à classer.")
        digest = filer.content_hash(document)
        keys = filer.document_keys(document)
        earlier = self.journal.filed_same(keys, by_content=False)
        if earlier is not None:
            text = f"Déjà classé le {earlier.day} dans {self._patient_label(earlier.patient_id)}."
            return self._duplicate(message, index, common, earlier, text, digest)
        previous = self._previous_version(document, keys)
        if previous is not None and (previous.version or 0) >= (keys.version or 0):
            text = (
                f"Version {keys.version or '?'} plus ancienne que la version "
                f"{previous.version or '?'} déjà classée le {previous.day} dans "
                f"{self._patient_label(previous.patient_id)} : non classée."
            )
            return self._duplicate(message, index, common, previous, text, digest)
        earlier = self.journal.filed_same(keys, by_id=False) if previous is None else None
        if earlier is not None:
            text = f"Déjà classé le {earlier.day} dans {self._patient_label(earlier.patient_id)}."
            return self._duplicate(message, index, common, earlier, text, digest)
        found = self.match(document, docs)
        if patient is None:
            target = found.certain or self._patient_of(previous)
            if target is None:
                return self._enqueue(message, docs, index, found, common)
        else:
            target = patient
            if self._test_for_real(document, patient):
                text = (
                    "Refusé : INS de test ou de démonstration, le patient choisi est un "
                    "patient réel."
                )
                return self._refuse(common, index, patient, found, text, INS_INCOMPLETE)
            if self._contradicts(found, document, patient):
                text = (
                    "Refusé : l'INS du document est celui d'un autre patient, ou le "
                    "patient choisi a un autre INS."
                )
                return self._refuse(common, index, patient, found, text, INS_MISMATCH)
        outcome = self._write(message, docs, index, document, target, digest, found, common, keys)
        if previous is not None and outcome.entry_id is not None:
            self.journal.replaced(previous.id, outcome.entry_id)
            outcome = replace(
                outcome,
                message=f"{outcome.message} — remplace la version {previous.version or '?'} "
                f"du {previous.day}.",
                replaces=previous.id,
            )
        return outcome

    def _duplicate(
        self,
        message: MessageSummary,
        index: int,
        common: Source,
        earlier: Entry,
        text: str,
        digest: str,
    ) -> DocumentOutcome:
        """The same document (or an older version of it) is filed already: on record,
        nothing written."""
        entry = self.journal.record(
            common,
            status="duplicate",
            detail=text,
            patient_id=earlier.patient_id,
            content_hash=digest,
        )
        self.journal.dequeue(message.account, message_key(message), index)
        return DocumentOutcome(index, DUPLICATE, text, entry_id=entry, earlier=earlier.id)

    def _previous_version(self, document: ReceivedDocument, keys: DocumentKeys) -> Entry | None:
        """The current filed version of the document's set (same set id, or the document
        its RPLC names), if any."""
        if keys.set_id is None and not document.replaces:
            return None
        versions = self.journal.filed_versions(keys.set_id or "", document.replaces)
        current = [v for v in versions if v.replaced_by is None] or versions
        return current[0] if current else None

    def _patient_of(self, entry: Entry | None) -> Patient | None:
        """The patient of an earlier version: a new version goes beside it."""
        if entry is None or entry.patient_id is None:
            return None
        try:
            return self.registry.get(entry.patient_id)
        except FilingError:
            return None

    @staticmethod
    def _test_for_real(document: ReceivedDocument, patient: Patient) -> bool:
        """A test/demo INS document for a patient not registered with that test OID."""
        ins = document.identity.ins if document.identity else None
        if ins is None or ins.kind not in (InsKind.TEST, InsKind.DEMO):
            return False
        return patient.ins_oid != ins.oid

    def _refuse(
        self,
        common: Source,
        index: int,
        patient: Patient,
        found: MatchResult,
        text: str,
        code: int,
    ) -> DocumentOutcome:
        """Her choice of patient refused for an identity reason: journaled, with its code."""
        entry = self.journal.record(common, status="refused", detail=text, patient_id=patient.id)
        return DocumentOutcome(
            index, REFUSED, text, patient, entry_id=entry, match=found, error_code=code
        )

    @staticmethod
    def _contradicts(found: MatchResult, document: ReceivedDocument, patient: Patient) -> bool:
        """A qualified INS in the document that is not the chosen patient's (or vice versa)."""
        ins = document.identity.ins if document.identity else None
        if ins is None or not ins.qualified:
            return False
        if patient.ins and patient.ins_oid in (InsKind.NIR.value, InsKind.NIA.value):
            return (patient.ins, patient.ins_oid) != (ins.matricule, ins.oid)
        best = found.best
        return found.level is Level.CERTAIN and best is not None and best.patient.id != patient.id

    def _enqueue(
        self,
        message: MessageSummary,
        docs: MessageDocuments,
        index: int,
        found: MatchResult,
        common: Source,
    ) -> DocumentOutcome:
        best = found.best
        reason = (
            "ins-test"
            if found.test_ins
            else "incoherence"
            if found.conflict
            else "a-verifier"
            if best
            else "inconnu"
        )
        text = "À classer : " + found.explanation
        if best is not None:
            text += f" Proposition : {best.patient.display} (patient {best.patient.id})."
        self.journal.enqueue(
            account=message.account,
            message_id=message_key(message),
            document=index,
            subject=message.subject,
            reason=reason,
            error_code=found.error_code,
            proposal=best.patient.id if best else None,
            confidence=best.confidence if best else None,
            explanation=found.explanation,
        )
        entry = self.journal.record(
            common,
            status="queued",
            detail=found.explanation,
            patient_id=best.patient.id if best else None,
        )
        status = TEST_INS if found.test_ins else QUEUED
        return DocumentOutcome(
            index,
            status,
            text,
            best.patient if best else None,
            entry_id=entry,
            match=found,
            error_code=found.error_code,
        )

    def _write(
        self,
        message: MessageSummary,
        docs: MessageDocuments,
        index: int,
        document: ReceivedDocument,
        patient: Patient,
        digest: str,
        found: MatchResult,
        common: Source,
        keys: DocumentKeys | None = None,
    ) -> DocumentOutcome:
        sender = docs.sender or _display_name(message.sender)
        place = self.destination.place(self.root, patient, document, _message_day(message), sender)
        folder, planned = place.folder, place.files
        entry = self.journal.begin(
            common,
            patient_id=patient.id,
            content_hash=digest,
            files=[(place.journal_path(p.name), p.sha256, len(p.data)) for p in planned],
            keys=keys,
        )
        written: list[Path] = []
        try:
            for item in planned:
                relative = place.journal_path(item.name)

                def taken(name: str, relative: str = relative) -> str:
                    other = filer.plan_again(folder, name)
                    self.journal.renamed(entry, relative, place.journal_path(other))
                    return other

                path = filer.write_new(
                    place.base,
                    folder,
                    item.name,
                    item.data,
                    on_taken=taken,
                    modes_from=place.modes_from,
                )
                written.append(path)
                self.journal.written(entry, place.journal_path(path.name))
        except BaseException as error:
            self._remove_own_files(entry, written)
            with contextlib.suppress(Exception):
                self.journal.set_status(entry, "interrupted", f"échec : {type(error).__name__}")
            log.warning("filing failed (%s); files written by it removed", type(error).__name__)
            if isinstance(error, OSError) and not isinstance(error, FilingError):
                raise FilingError(
                    f"write failed: {type(error).__name__}",
                    user_message=f"Écriture impossible dans le dossier du patient "
                    f"({error.strerror or error}). Rien n'a été classé.",
                ) from error
            raise
        files = tuple(place.journal_path(p.name) for p in written)
        self.journal.set_status(entry, "filed", f"classé dans {place.where}")
        self.journal.dequeue(message.account, message_key(message), index)
        log.info("document filed (journal entry %d, %d files)", entry, len(files))
        return DocumentOutcome(
            index,
            FILED,
            self.destination.done(patient, place, [p.name for p in written]),
            patient,
            files,
            entry,
            found,
        )

    def reject(self, message: MessageSummary, docs: MessageDocuments | None = None) -> FilingResult:
        """The doctor gives up filing the message's documents (identity not resolvable).

        Each document is journaled ``refused`` with the IG-MDN code the match gives (906
        when it had none) and leaves the queue; the error MDN can then be sent. A document
        already filed is left as it is (``duplicate``): undo its entry to take it back.
        """
        docs = docs if docs is not None else self.documents(message)
        result = FilingResult(message.account, message_key(message), refused=docs.refused)
        for index, document in enumerate(docs.documents):
            if not filer.has_content(document):
                continue
            earlier = self.journal.filed_same(filer.document_keys(document))
            if earlier is not None:  # already in a patient's folder: undo it instead
                text = f"Déjà classé le {earlier.day} (entrée {earlier.id}) : non refusé."
                result.outcomes.append(DocumentOutcome(index, DUPLICATE, text))
                continue
            found = self.match(document, docs)
            code = found.error_code or OTHER_ERROR
            text = "Non classé (refusé) : " + found.explanation
            source = Source(self._who(message), message.account, message_key(message), index)
            entry = self.journal.record(source, status="refused", detail=text)
            self.journal.dequeue(message.account, message_key(message), index)
            result.outcomes.append(
                DocumentOutcome(
                    index,
                    REFUSED,
                    text,
                    entry_id=entry,
                    match=found,
                    error_code=code,
                    identity=document.identity,
                )
            )
        self._audit(message, result, "refus")
        return result

    def _remove_own_files(self, entry_id: int, written: list[Path]) -> None:
        """After a failure: the files this entry wrote (also one linked just before the
        failure, found by its planned name and hash)."""
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        entry = self.journal.entry(entry_id)
        for item in entry.files if entry else ():
            base, path = locate(self.root, item.path)
            with contextlib.suppress(OSError, OutsideRootError):
                filer.inside(base, path)
                if filer.same_content(path, item.sha256):
                    path.unlink()

    # -- undo and recovery ----------------------------------------------------------------

    def undo(self, entry_id: int) -> Entry:
        """Remove the files an entry wrote, if unchanged; the entry becomes ``undone`` (the
        version it replaced, if any, is current again)."""
        with self.db.locked():
            return self._undo(entry_id)

    def _undo(self, entry_id: int) -> Entry:
        entry = self.journal.entry(entry_id)
        if entry is None:
            raise UndoRefusedError(
                "no such entry", user_message=f"Aucune entrée {entry_id} dans le journal."
            )
        if entry.status != "filed":
            raise UndoRefusedError(
                "entry not filed",
                user_message=f"L'entrée {entry_id} n'est pas un classement en cours "
                f"(état : {entry.status}) : rien à annuler.",
            )
        paths = []
        for item in entry.files:
            base, path = locate(self.root, item.path)
            try:
                filer.inside(base, path)
            except OutsideRootError as error:
                raise UndoRefusedError("journal path outside root") from error
            if path.exists() and not filer.same_content(path, item.sha256):
                raise UndoRefusedError(
                    "file changed since filing",
                    user_message=f"Annulation refusée : « {item.path} » a été modifié depuis "
                    "le classement. Rien n'a été supprimé.",
                )
            paths.append(path)
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self.journal.set_status(entry_id, "undone", entry.detail)
        self.journal.unreplaced(entry_id)
        if not self.journal.filed_for_message(entry.account, entry.message_id):
            self._untag(entry.message_id)
        found = self._find(entry.message_id)
        self.journal.enqueue(  # back in "À classer": the doctor files it where it belongs
            account=entry.account,
            message_id=entry.message_id,
            document=entry.document,
            subject=found.subject if found else "",
            reason="annule",
            error_code=None,
            proposal=None,
            confidence=None,
            explanation=f"Classement {entry_id} annulé : à classer de nouveau.",
        )
        if self.store is not None:
            self.store.audited(
                Action.FILING,
                account=entry.account,
                message=found.id if found else None,
                folder=found.folder if found else None,
                request="retrait des fichiers du dossier des patients",
                detail=f"annulation, journal n° {entry_id}",
            )
        undone = self.journal.entry(entry_id)
        assert undone is not None  # noqa: S101 - just written
        return undone

    def recover(self) -> int:
        """Entries left ``pending`` by a crash: their own files removed, marked interrupted."""
        with self.db.locked():
            return self._recover()

    def _recover(self) -> int:
        count = 0
        for entry in self.journal.stale_pending():
            for item in entry.files:
                base, path = locate(self.root, item.path)
                with contextlib.suppress(OSError, OutsideRootError):
                    filer.inside(base, path)
                    if filer.same_content(path, item.sha256):
                        path.unlink()
                with contextlib.suppress(OSError):
                    filer.remove_temporaries(path.parent)
            self.journal.set_status(entry.id, "interrupted", "classement interrompu, défait")
            count += 1
        if count:
            log.warning("%d interrupted filing(s) rolled back", count)
        return count

    # -- helpers --------------------------------------------------------------------------

    def _who(self, message: MessageSummary) -> str:
        return f"{message.account} ({os_user()})"

    def _patient_label(self, patient_id: str | None) -> str:
        if patient_id is None:
            return "un dossier patient"
        try:
            patient = self.registry.get(patient_id)
        except FilingError:
            return f"le patient {patient_id}"
        return f"le dossier de {patient.display} ({patient.folder})"

    def _tag(self, message: MessageSummary) -> bool:
        if self.store is None:
            return False
        current = self.store.find(str(message.id))
        if current is None or FILED_KEYWORD in current.flags:
            return False
        self.store.change_flags(current, add=[FILED_KEYWORD])
        return True

    def _find(self, message_id: str) -> MessageSummary | None:
        if self.store is None:
            return None
        if message_id.startswith("local-"):
            return self.store.find(message_id.removeprefix("local-"))
        return self.store.find(f"<{message_id}>")

    def _untag(self, message_id: str) -> None:
        current = self._find(message_id)
        if self.store is not None and current is not None and FILED_KEYWORD in current.flags:
            self.store.change_flags(current, remove=[FILED_KEYWORD])

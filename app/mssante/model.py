"""What a received MSSanté message carries for filing: the contract between the readers of
``app/mssante`` (XDM, CDA, HPRIM, PDF, subject, X-MSS headers) and ``app/filing``.

``app.mssante.documents.read_message(raw: bytes) -> MessageDocuments`` fills these; the
filing side never opens a zip, an XML file or a MIME part itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from app.mssante.results import ResultRow


class InsKind(Enum):
    """Which identifier an INS OID names (notes §4.3)."""

    NIR = "1.2.250.1.213.1.4.8"
    NIA = "1.2.250.1.213.1.4.9"
    TEST = "1.2.250.1.213.1.4.10"
    DEMO = "1.2.250.1.213.1.4.11"


@dataclass(frozen=True)
class Ins:
    """A matricule INS with its OID, as read (not yet trusted)."""

    matricule: str  # 15 characters: NIR/NIA (13, Corsica "2A"/"2B" allowed) + 2-digit key
    oid: str
    key_ok: bool  # the key checks out against the first 13 characters

    @property
    def kind(self) -> InsKind | None:
        """None for an OID that is none of the four INS OIDs."""
        try:
            return InsKind(self.oid)
        except ValueError:
            return None

    @property
    def qualified(self) -> bool:
        """A real patient's INS: NIR or NIA OID and a valid key. Test and demo INS never are."""
        return self.key_ok and self.kind in (InsKind.NIR, InsKind.NIA)


@dataclass(frozen=True)
class PatientIdentity:
    """The patient a document says it is about."""

    ins: Ins | None = None
    birth_name: str | None = None
    used_name: str | None = None
    first_names: tuple[str, ...] = ()  # in order; the first is the INS "premier prénom"
    birth_date: date | None = None
    sex: str | None = None  # "F", "M" or "U" (unknown)
    source: str = ""  # where it was read: "cda", "xdm-metadata", "hprim", "subject"


@dataclass(frozen=True)
class DocumentFile:
    """One file to keep in the patient's folder."""

    name: str  # safe file name as received (no directory part); the filer renames it
    media_type: str  # "application/pdf", "text/xml" (CDA), "application/zip" (XDM),
    # "text/plain" (HPRIM), "text/html" (a CDA structured body rendered)
    data: bytes


@dataclass(frozen=True)
class ReceivedDocument:
    """One clinical document of the message, ready to be matched and filed.

    ``readable`` is what the doctor opens (the PDF: embedded in the CDA, attached beside the
    XDM or alone; else the CDA body rendered as HTML; else the HPRIM text). ``originals`` are
    kept beside it untouched (the CDA file, the whole IHE_XDM.ZIP).
    """

    readable: DocumentFile | None
    originals: tuple[DocumentFile, ...] = ()
    identity: PatientIdentity | None = None
    title: str | None = None  # "Compte rendu d'imagerie", from CDA title / XDM metadata
    type_code: str | None = None  # CDA/XDM typeCode (LOINC), e.g. "11490-0"
    type_label: str | None = None  # a short readable type for the file name ("CR-imagerie")
    type_name: str | None = None  # the type as the sender names it ("CR d'examens biologiques")
    act_date: date | None = None  # service/creation date of the document
    author: str | None = None  # who wrote it (person or organisation), for the file name
    organisation: str | None = None  # the author's organisation, else the custodian (CDA)
    created: datetime | None = None
    results: tuple[ResultRow, ...] = ()  # lab results (HPRIM lines, CDA observations)
    notices: tuple[str, ...] = ()  # French: what could not be read of it (partial results…)
    text: str = ""  # what it says, for search: CDA narrative, HPRIM results (not PDF text)
    # Its own identity (duplicates, replacements): the CDA id and the XDM DocumentEntry
    # uniqueId ("root^extension"), the CDA setId and versionNumber, and the ids of the
    # versions it replaces (CDA relatedDocument RPLC).
    unique_ids: tuple[str, ...] = ()
    set_id: str | None = None
    version: int | None = None
    replaces: tuple[str, ...] = ()

    @property
    def pdf(self) -> DocumentFile | None:
        """The document's PDF: the readable one (the CDA's own embedded PDF first), else a
        PDF kept among the originals."""
        for candidate in (self.readable, *self.originals):
            if candidate is not None and candidate.media_type == "application/pdf":
                return candidate
        return None

    @property
    def source(self) -> DocumentFile | None:
        """The structured source: the CDA file (``text/xml``) or the HPRIM file."""
        for candidate in (*self.originals, self.readable):
            if candidate is not None and candidate.media_type in ("text/xml", "text/plain"):
                return candidate
        return None

    @property
    def source_kind(self) -> str | None:
        """ "cda", "hprim" or None."""
        source = self.source
        if source is None:
            return None
        return "cda" if source.media_type == "text/xml" else "hprim"


@dataclass(frozen=True)
class RefusedInput:
    """An attachment or archive entry that was not read, and why (French, for the doctor)."""

    name: str  # as received, for display only (may be hostile: never used as a path)
    reason: str


@dataclass(frozen=True)
class MessageDocuments:
    """Everything ``read_message`` found in one message."""

    documents: tuple[ReceivedDocument, ...] = ()
    refused: tuple[RefusedInput, ...] = ()
    subject_identity: PatientIdentity | None = None  # from "XDM/1.0/DDM+..." (a hint only)
    mss_headers: dict[str, str] = field(default_factory=dict)  # X-MSS-CODECDA, X-MSS-INS...
    message_id: str | None = None
    sender: str | None = None  # display name or address of the sender

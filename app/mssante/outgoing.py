"""What Caducée sends the MSSanté way: the contract between the callers (``app/ops/
send_documents.py``, the CLI, the window) and the writers (``cda_writer``, ``xdm_writer``,
``message_writer``). Plain data, no I/O.

- :class:`DocumentType`, ``DOCUMENT_TYPES`` and ``document_type(code)``: the short list of
  document types she can choose, LOINC codes of the CI-SIS value set JDV_J07-XdsTypeCode
  (checked against the ANS value set), each with its French label, the short label used in
  file names (ECO.2.1.6) and its XDS class code (TRE_A03-ClasseDocument).
- :class:`Professional`: the author (national id from the card / PSC identity, names, her
  MSSanté address, organisation).
- :class:`OutgoingDocument`: one document, its PDF already PDF/A (``app.mssante.pdfa``).
- :class:`Shipment`: everything one message carries (sender, recipients, patient, documents,
  body, receipts asked).
- ``subject_for(shipment)`` (ECO.2.1.3) and ``pdf_name(shipment, document)`` (ECO.2.1.6).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from app.mssante.model import PatientIdentity
from app.mssante.subject import PREFIX

LOINC = "2.16.840.1.113883.6.1"
CLASS_CODES = "1.2.250.1.213.1.1.4.1"  # TRE_A03-ClasseDocument-CISIS


@dataclass(frozen=True)
class DocumentType:
    code: str  # LOINC
    label: str  # the value set's French display name (CDA code/@displayName, XDS typeCode)
    short: str  # in file names and menus ("CR de consultation"); no "_" nor "/"
    class_code: str = "10"  # TRE_A03: 10 "Compte rendu", 11 "Synthèse"
    class_label: str = "Compte rendu"


DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType("11488-4", "CR ou fiche de consultation ou de visite", "CR de consultation"),
    DocumentType("96349-6", "Lettre d'adressage", "Lettre d'adressage"),
    DocumentType("11502-2", "CR d'examens biologiques", "CR de biologie"),
    DocumentType("18748-4", "CR d'imagerie médicale", "CR d'imagerie médicale"),
    DocumentType("34112-3", "CR hospitalier (séjour)", "CR d'hospitalisation"),
    DocumentType(
        "11490-0",
        "Lettre de liaison à la sortie d'un établissement de soins",
        "Lettre de liaison",
    ),
    DocumentType(
        "11506-3",
        "CR ou fiche de suivi de soins par auxiliaire médical",
        "CR de suivi de soins",
    ),
    DocumentType("60591-5", "Synthèse médicale", "Synthèse médicale", "11", "Synthèse"),
)
DEFAULT_TYPE = "11488-4"


def document_type(code: str) -> DocumentType | None:
    return next((t for t in DOCUMENT_TYPES if t.code == code.strip()), None)


@dataclass(frozen=True)
class Professional:
    """The author and sender. ``national_id`` is the RPPS-based national id ("8" + RPPS),
    as the card or the PSC identity gives it; None when unknown (then no author id)."""

    address: str  # her MSSanté mailbox
    family: str
    given: str | None = None
    national_id: str | None = None
    organisation: str | None = None
    structure_id: str | None = None  # the organisation's id (FINESS/SIRET-based), if known

    @property
    def display_name(self) -> str:
        """ECO.2.2.7: "Prénom NOM"."""
        return " ".join(p for p in (self.given, self.family.upper()) if p)


@dataclass(frozen=True)
class OutgoingDocument:
    pdf: bytes  # PDF/A already (app.mssante.pdfa)
    type: DocumentType
    title: str
    act_date: date
    unique_id: str = field(default_factory=lambda: f"2.25.{uuid.uuid4().int}")


@dataclass(frozen=True)
class Shipment:
    sender: Professional
    to: Sequence[str]
    patient: PatientIdentity  # ins None: sent without patient id (she confirmed)
    folder_number: str  # her record number for the patient (registry id): ECO.2.1.6
    documents: Sequence[OutgoingDocument]
    created: datetime  # aware
    body: str = ""
    cc: Sequence[str] = ()
    mdn: bool = False
    submission_id: str = field(default_factory=lambda: f"2.25.{uuid.uuid4().int}")

    @property
    def qualified_ins(self) -> bool:
        """``X-MSS-INS: O``: a qualified INS is in the archive, with the identity traits."""
        ins = self.patient.ins
        return ins is not None and ins.qualified


def _upper(text: str) -> str:
    return text.strip().upper()


def subject_for(shipment: Shipment) -> str:
    """``XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de naissance>`` (ECO.2.1.3); the
    libellé is the first document's title."""
    patient = shipment.patient
    first = shipment.documents[0].title if shipment.documents else "Documents"
    given = patient.first_names[0] if patient.first_names else ""
    born = patient.birth_date.strftime("%d/%m/%Y") if patient.birth_date else ""
    words = [first.strip(), _upper(patient.birth_name or patient.used_name or ""), given, born]
    return PREFIX + " ".join(w for w in words if w)


_UNSAFE = re.compile(r'[\\/:*?"<>|_\x00-\x1f]+')


def _name_part(text: str) -> str:
    cleaned = _UNSAFE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return re.sub(r"\s+", " ", cleaned)[:60] or "-"


def pdf_name(shipment: Shipment, document: OutgoingDocument) -> str:
    """``<date de l'acte>_<type document>_<NOM>_<prénom>_<numéro de dossier>.pdf``."""
    patient = shipment.patient
    parts = [
        document.act_date.strftime("%Y%m%d"),
        _name_part(document.type.short),
        _name_part(_upper(patient.birth_name or patient.used_name or "")),
        _name_part(patient.first_names[0] if patient.first_names else ""),
        _name_part(shipment.folder_number),
    ]
    return "_".join(parts) + ".pdf"

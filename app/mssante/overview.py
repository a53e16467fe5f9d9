"""What the message list and ``caducee show --json`` need of a message's documents.

API:

- :func:`overview` ``(raw: bytes) -> MessageOverview``: read once (at ingest, in the sync's
  worker process, or by the background pass ``app.store.documents_index``) and stored in
  the message's row, so the list never parses anything at paint time:
  ``patient`` ("NOM Prénoms (JJ/MM/AAAA)", or None), ``patient_ins`` (:data:`INS_QUALIFIED`
  "qualifiée": a NIR/NIA INS with a valid key was read; :data:`INS_READ` "lue": an INS was
  read but it is a test/demo one or its key is wrong; None: no INS), ``kind`` (one of
  :data:`KINDS`, or None for plain mail), ``results`` / ``abnormal`` (how many lab results,
  how many of them abnormal), ``text`` (the documents' words for the search index: CDA
  text, HPRIM results; PDF text comes later, see ``pdfs``), ``pdfs`` (the PDFs whose text
  is still to be extracted), ``notices`` (French).
- :data:`KINDS` / :data:`KIND_LABELS`: ``"results"`` Résultats, ``"discharge"`` Lettre de
  liaison, ``"imaging"`` Imagerie, ``"patient"`` (a message from or to a patient's
  ``@patient.mssante.fr`` address), ``"receipt"`` Accusé (delivery / read report),
  ``"document"`` Document (any other clinical document).
- :func:`documents_json` ``(documents: MessageDocuments) -> list[dict]``: the ``documents``
  list of ``caducee show --json`` (a contract): per document ``patient`` {birth_name,
  first_names, birth_date, sex, ins}, ``type`` {code, label}, ``author``, ``date``,
  ``results`` [{label, value, unit, reference_range, flag, code, date}], plus ``title``,
  ``pdf`` (file name or null), ``source`` ("cda", "hprim" or null) and ``notices``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.mssante.model import MessageDocuments, PatientIdentity, ReceivedDocument
    from app.store.mime import ParsedMessage
    from app.store.mime_attachments import MessageParts

# The readers (CDA, XDM, HPRIM, PDF...) are imported by the functions that read: the store
# imports this module for ``MessageOverview``, and a sync that brings nothing new (most of
# them) never reads a document.

log = logging.getLogger(__name__)

KINDS = ("results", "discharge", "imaging", "patient", "receipt", "document")
KIND_LABELS = {
    "results": "Résultats",
    "discharge": "Lettre de liaison",
    "imaging": "Imagerie",
    "patient": "Patient",
    "receipt": "Accusé",
    "document": "Document",
}
INS_QUALIFIED = "qualifiée"
INS_READ = "lue"
MAX_TEXT_CHARS = 512 * 1024  # per message, in the search index

_RESULTS_CODES = frozenset({"11502-2", "PRESC-BIO"})
_DISCHARGE_CODES = frozenset({"34133-9", "11490-0", "18842-5", "34112-3", "15508-5"})
_IMAGING_CODES = frozenset({"18748-4", "18747-6", "85430-7"})
_REPORT = re.compile(rb"^content-type:[ \t]*multipart/report", re.IGNORECASE | re.MULTILINE)
_ADDRESS = re.compile(rb"^(?:from|to|cc):[^\r\n]*@([A-Za-z0-9.-]+)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class MessageOverview:
    patient: str | None = None
    patient_ins: str | None = None
    kind: str | None = None
    results: int = 0
    abnormal: int = 0
    text: str = ""
    pdfs: int = 0
    notices: tuple[str, ...] = ()
    complete: bool = True  # False: read light at ingest, an archive still to open


def identity_line(identity: PatientIdentity) -> str | None:
    """ "DUPONT Marie Anne (02/01/1970)" — birth name first, as the list shows a patient."""
    name = identity.birth_name or identity.used_name or ""
    words = " ".join([name.upper(), " ".join(identity.first_names)]).strip()
    if identity.birth_date is not None:
        words = f"{words} ({identity.birth_date:%d/%m/%Y})".strip()
    return words or None


def _document_kind(document: ReceivedDocument) -> str:
    code = document.type_code or ""
    label = (document.type_label or "").lower()
    if code in _RESULTS_CODES or label.startswith("resultats"):
        return "results"
    if code in _DISCHARGE_CODES or "sortie" in label or "liaison" in label:
        return "discharge"
    if code in _IMAGING_CODES or "imagerie" in label:
        return "imaging"
    return "results" if document.results else "document"


_PRECEDENCE = {kind: rank for rank, kind in enumerate(("results", "discharge", "imaging"))}
_SOURCE_RANK = {"cda": 0, "xdm-metadata": 1, "hprim": 2, "subject": 3}


def header_section(raw: bytes) -> bytes:
    end = raw.find(b"\r\n\r\n", 0, 65536)  # never a pass over the attachments
    if end < 0:
        end = raw.find(b"\n\n", 0, 65536)
    return raw[: end if end >= 0 else 65536][:65536]


def overview(raw: bytes, *, documents: bool = True) -> MessageOverview:
    """Read ``raw`` (RFC 5322) for the list and the index. ``documents=False`` (a message
    without attachments) only looks at the header. Never raises for bad input."""
    header = header_section(raw)
    if _REPORT.search(header):
        return MessageOverview(kind="receipt")
    if not documents:
        return _plain_overview(header)
    from app.mssante.documents import read_message

    return overview_of(read_message(raw), header)


def ingest_overview(raw: bytes, parsed: ParsedMessage, parts: MessageParts) -> MessageOverview:
    """:func:`overview` in the sync's workers, from the parse the index already made, light
    (PDF attachments not decoded, no HTML). A bug in a reader must not stop a sync: it is
    logged (no patient data) and the message gets no overview."""
    from app.mssante.documents import read_parsed

    try:
        header = header_section(raw)
        if _REPORT.search(header):
            return MessageOverview(kind="receipt")
        if not parsed.attachments:
            return _plain_overview(header)
        return overview_of(read_parsed(parsed, parts, light=True), header)
    except Exception:  # any reader bug: the message is stored all the same
        log.exception("message overview failed")
        return MessageOverview(notices=("Documents du message illisibles (erreur de lecture).",))


def _patient_mail(header: bytes) -> bool:
    """From or to a patient's own address (``From``, ``To`` or ``Cc`` in its domain)."""
    from app.mssante.patient_address import PATIENT_DOMAINS

    domains = {m.decode("ascii", "replace").lower() for m in _ADDRESS.findall(header)}
    return not domains.isdisjoint(PATIENT_DOMAINS)


_PLAIN = MessageOverview()
_PATIENT = MessageOverview(kind="patient")


def _plain_overview(header: bytes) -> MessageOverview:
    """:func:`overview_of` a message without documents, with nothing to assemble."""
    return _PATIENT if _patient_mail(header) else _PLAIN


def overview_of(documents: MessageDocuments, header: bytes = b"") -> MessageOverview:
    from app.mssante.documents import LIGHT_SKIPPED

    docs = documents.documents
    identities = [d.identity for d in docs if d.identity is not None]
    identities.sort(key=lambda i: (_SOURCE_RANK.get(i.source, 9), i.ins is None))
    identity = identities[0] if identities else documents.subject_identity
    ins = [i.ins for i in identities if i.ins is not None]
    patient_ins = None
    if ins:
        patient_ins = INS_QUALIFIED if any(i.qualified for i in ins) else INS_READ
    kinds = sorted({_document_kind(d) for d in docs}, key=lambda k: _PRECEDENCE.get(k, 9))
    skipped = [r for r in documents.refused if r.reason == LIGHT_SKIPPED]
    if skipped and (not kinds or kinds[0] == "document"):  # the sender's X-MSS-CODECDA
        claimed = documents.mss_headers.get("X-MSS-CODECDA", "").split(",")
        kinds = sorted(
            {_code_kind(c.strip()) for c in claimed if c.strip()} | set(kinds),
            key=lambda k: _PRECEDENCE.get(k, 9),
        ) or ["document"]
    kind = "patient" if _patient_mail(header) else (kinds[0] if kinds else None)
    rows = [row for d in docs for row in d.results]
    text = "\n".join(d.text for d in docs if d.text)[:MAX_TEXT_CHARS]
    notices = tuple(n for d in docs for n in d.notices) + tuple(
        f"{r.name} : {r.reason}" for r in documents.refused if r.reason != LIGHT_SKIPPED
    )
    return MessageOverview(
        patient=identity_line(identity) if identity is not None else None,
        patient_ins=patient_ins,
        kind=kind,
        results=len(rows),
        abnormal=sum(1 for row in rows if row.abnormal),
        text=text,
        pdfs=sum(1 for d in docs for f in (d.readable, *d.originals) if _is_pdf(f)),
        notices=notices,
        complete=not skipped,
    )


def _code_kind(code: str) -> str:
    if code in _RESULTS_CODES:
        return "results"
    if code in _DISCHARGE_CODES:
        return "discharge"
    return "imaging" if code in _IMAGING_CODES else "document"


def _is_pdf(file: object) -> bool:
    return getattr(file, "media_type", None) == "application/pdf"


def _identity_json(identity: PatientIdentity | None) -> dict[str, Any] | None:
    if identity is None:
        return None
    ins = identity.ins
    return {
        "birth_name": identity.birth_name,
        "first_names": list(identity.first_names),
        "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
        "sex": identity.sex,
        "ins": (
            {
                "matricule": ins.matricule,
                "oid": ins.oid,
                "kind": ins.kind.name if ins.kind else None,
                "qualified": ins.qualified,
            }
            if ins is not None
            else None
        ),
        "used_name": identity.used_name,
        "source": identity.source,
    }


def document_json(document: ReceivedDocument) -> dict[str, Any]:
    date = document.act_date or (document.created.date() if document.created else None)
    pdf = document.pdf
    return {
        "patient": _identity_json(document.identity),
        "type": {"code": document.type_code, "label": document.type_name or document.type_label},
        "title": document.title,
        "author": document.author,
        "organisation": document.organisation,
        "date": date.isoformat() if date else None,
        "kind": _document_kind(document),
        "results": [row.to_json() for row in document.results],
        "pdf": pdf.name if pdf is not None else None,
        "source": document.source_kind,
        "notices": list(document.notices),
    }


def documents_json(documents: MessageDocuments) -> list[dict[str, Any]]:
    return [document_json(d) for d in documents.documents]

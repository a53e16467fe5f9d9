"""``read_message``: a received message's raw bytes → the documents to file (model.py).

- Each ``IHE_XDM.ZIP`` (any zip holding ``IHE_XDM/SUBSETnn/``): one ReceivedDocument per
  CDA document, identity from the CDA ``recordTarget`` (else METADATA.XML patientId /
  sourcePatientInfo); ``readable`` = the PDF embedded in the CDA, else a PDF of the same
  subset listed beside it in METADATA.XML, else the PDF attached beside the zip
  (ECO.2.1.1; matched by file name against the title, then by order), else the structured
  body rendered as HTML; ``originals`` = the CDA file and the whole zip. A PDF attached
  beside the zip that is the same document (same bytes, or matched) is not filed twice.
- Plain PDF attachments: one ReceivedDocument each, identity from the message's single
  HPRIM file when there is one (the lab's PDF and its HPRIM file become one document),
  else from the subject (``source="subject"``), else from the PDF's ECO.2.1.6 file name
  (``<date>_<type>_<NOM>_<prénom>_<dossier>.pdf``: names only, ``source="file-name"``).
- ``ReceivedDocument.identity`` is the one identity of the document everything shows and
  matches (the reader pane, "Classer", "À classer", ``caducee file``): a document whose
  own data names nobody takes the subject's (``XDM/1.0/DDM+…``).
- HPRIM text attachments (``****LAB****``): one ReceivedDocument, identity from the header.
- Anything hostile or unreadable: a RefusedInput with a French reason. Bad input never
  raises; a bug in a reader is logged (without patient data) and reported as refused.

A test or demo INS is kept as read (``Ins.qualified`` is False): the filing side decides.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date

from app.mssante import cda as cda_reader
from app.mssante import hprim as hprim_reader
from app.mssante import subject as subject_reader
from app.mssante.headers import mss_headers
from app.mssante.model import (
    DocumentFile,
    MessageDocuments,
    PatientIdentity,
    ReceivedDocument,
    RefusedInput,
)
from app.mssante.results import Results, results_from_hprim
from app.mssante.safezip import ZipRefused, is_zip, shown
from app.mssante.xdm import XdmDocument, XdmRefused, XdmSubset, read_xdm
from app.mssante.xmlsafe import XmlRefused
from app.store.mime import ParsedMessage, parse_message_parts
from app.store.mime_attachments import Attachment, MessageParts, safe_filename

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024
MAX_ATTACHMENTS = 200  # read per message; the rest are refused
LIGHT_SKIPPED = "Archive lue plus tard."  # read_parsed(light=True): an archive not opened

TYPE_LABELS = {
    "11502-2": "CR-biologie",
    "18748-4": "CR-imagerie",
    "34133-9": "Lettre-sortie",
    "11490-0": "CR-sortie",
    "11488-4": "CR-consultation",
    "57133-1": "Courrier-adressage",
    "57833-6": "Prescription",
    "34112-3": "CR-hospitalisation",
    "15508-5": "CR-accouchement",
    "11506-3": "Note-evolution",
    "28570-0": "CR-intervention",
    "11526-1": "CR-anapath",
    "60591-5": "Synthese",
    "PRESC-BIO": "Prescription-biologie",
}

_ZIP_MEDIA = ("application/zip", "application/x-zip-compressed")
_CDA_MEDIA = ("text/xml", "application/xml", "application/hl7-v3+xml", "text/x-cda-r2+xml")
_WORD = re.compile(r"[a-z0-9]{3,}")


def type_label(code: str | None, label: str | None) -> str | None:
    """A short label for file names: a known LOINC code, else the code's display name."""
    if code and code in TYPE_LABELS:
        return TYPE_LABELS[code]
    if label:
        words = re.sub(r"[^\w' -]", "", label).split()
        return "-".join(words[:4])[:40] or None
    return None


def _words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return set(_WORD.findall(plain))


@dataclass
class _Pdf:
    name: str
    data: bytes
    digest: str
    used: bool = False


@dataclass(frozen=True)
class _Hprim:
    file: DocumentFile
    header: hprim_reader.HprimHeader
    results: Results

    @property
    def text(self) -> str:
        """The results as words, for search ("Hémoglobine 10.2 g/dL")."""
        return "\n".join(
            " ".join(p for p in (r.label, r.code, r.value, r.unit) if p) for r in self.results.rows
        )


@dataclass
class _Draft:
    """A ReceivedDocument being assembled (readable filled late for XDM documents)."""

    document: ReceivedDocument
    match_text: str = ""  # title and type, to match a PDF attached beside the zip
    digests: set[str] = field(default_factory=set)  # of its PDFs (each file hashed once)
    took: bool = False  # an attached PDF was matched to it
    readable_digest: str | None = None  # its readable PDF's, if it has one


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_message(raw: bytes) -> MessageDocuments:
    """Everything filable in ``raw`` (RFC 5322 bytes). Never raises for bad input.

    The message is parsed once: its attachments are read from that parse (a message with
    10,000 parts used to be parsed again for each attachment read)."""
    parsed, parts = parse_message_parts(raw)
    return read_parsed(parsed, parts)


def read_parsed(
    parsed: ParsedMessage, parts: MessageParts, *, light: bool = False
) -> MessageDocuments:
    """:func:`read_message` on a message already parsed (``parse_message_parts``).

    ``light=True`` is the sync's reading, for the list and the index: PDF attachments are
    not decoded (their documents have ``b""`` as data; nothing is filed from this), CDA
    bodies are not rendered as HTML, and archives (IHE_XDM.ZIP) are not opened: each one
    becomes a ``RefusedInput`` named ``LIGHT_SKIPPED`` (read later, in full)."""
    subject_identity = _subject_identity(parsed.subject)
    refused: list[RefusedInput] = []
    xdm_drafts: list[_Draft] = []
    pdfs: list[_Pdf] = []
    hprims: list[_Hprim] = []
    for number, attachment in enumerate(parsed.attachments):
        if number >= MAX_ATTACHMENTS:
            refused.append(RefusedInput(attachment.filename, "Trop de pièces jointes : non lue."))
            continue
        try:
            _read_attachment(parts, attachment, refused, xdm_drafts, pdfs, hprims, light)
        except Exception:  # a reader bug must not lose the message: logged and reported
            log.exception("document reader failed on attachment %s", attachment.part_index)
            refused.append(
                RefusedInput(attachment.filename, "Pièce jointe illisible (erreur de lecture).")
            )
    documents = _assemble(xdm_drafts, pdfs, hprims, subject_identity, parsed.subject)
    if subject_identity is not None:  # one identity per document, for every reader of it
        documents = [
            d if d.identity is not None else replace(d, identity=subject_identity)
            for d in documents
        ]
    return MessageDocuments(
        documents=tuple(documents),
        refused=tuple(refused),
        subject_identity=subject_identity,
        mss_headers=mss_headers(parsed.headers),
        message_id=parsed.message_id,
        sender=(parsed.sender.name or parsed.sender.address) if parsed.sender else None,
    )


def _subject_identity(subject: str) -> PatientIdentity | None:
    parts = subject_reader.parse(subject)
    if parts is None or (parts.surname is None and parts.birth_date is None):
        return None
    return PatientIdentity(
        birth_name=parts.surname,
        first_names=tuple(parts.first_names.split()) if parts.first_names else (),
        birth_date=parts.birth_date,
        source="subject",
    )


def _kind(attachment: Attachment, data: bytes) -> str:
    name = attachment.filename.lower()
    media = attachment.content_type
    if name.endswith(".zip") or media in _ZIP_MEDIA:
        return "zip"
    if is_zip(data):
        return "zip"
    if name.endswith(".pdf") or media == "application/pdf":
        return "pdf"
    if data[:5] == b"%PDF-":
        return "pdf"
    if (name.endswith(".xml") or media in _CDA_MEDIA) and cda_reader.looks_like_cda(data):
        return "cda"
    if media.startswith("text/") or name.endswith((".hpr", ".hprim", ".txt", ".hpm")):
        return "text"
    if media == "application/octet-stream" and hprim_reader.looks_like_hprim(data[:65536]):
        return "text"
    return "other"


def _nothing_to_read(parts: MessageParts, attachment: Attachment) -> bool:
    """Whether :func:`_kind` says "other" from the first bytes alone (a photo: neither
    archive nor PDF by its first bytes, and its name and type call for no reading of its
    content), read without decoding the rest; never for a part that may be too big."""
    name = attachment.filename.lower()
    media = attachment.content_type
    if name.endswith(".xml") or media in _CDA_MEDIA or media == "application/octet-stream":
        return False  # what is beyond the first bytes may make it a CDA or an HPRIM file
    head = parts.head(attachment.part_index, 8)
    if head is None or head[1] > MAX_ATTACHMENT_BYTES:
        return False
    return _kind(attachment, head[0]) == "other"


def _read_attachment(
    parts: MessageParts,
    attachment: Attachment,
    refused: list[RefusedInput],
    xdm_drafts: list[_Draft],
    pdfs: list[_Pdf],
    hprims: list[_Hprim],
    light: bool = False,
) -> None:
    name = attachment.filename
    if attachment.size > MAX_ATTACHMENT_BYTES:
        refused.append(RefusedInput(name, "Pièce jointe refusée : fichier trop volumineux."))
        return
    if light and (name.lower().endswith(".pdf") or attachment.content_type == "application/pdf"):
        pdfs.append(_Pdf(name, b"", f"not-decoded-{attachment.part_index}"))
        return
    if light and (name.lower().endswith(".zip") or attachment.content_type in _ZIP_MEDIA):
        refused.append(RefusedInput(name, LIGHT_SKIPPED))
        return
    try:
        if _nothing_to_read(parts, attachment):
            return
        data = parts.payload(attachment.part_index)
    except KeyError:
        refused.append(RefusedInput(name, "Pièce jointe introuvable dans le message."))
        return
    if len(data) > MAX_ATTACHMENT_BYTES:
        refused.append(RefusedInput(name, "Pièce jointe refusée : fichier trop volumineux."))
        return
    kind = _kind(attachment, data)
    if kind == "zip" and light:
        refused.append(RefusedInput(name, LIGHT_SKIPPED))
        return
    if kind == "zip":
        _read_zip_attachment(name, data, refused, xdm_drafts, light)
    elif kind == "pdf":
        if b"%PDF-" not in data[:1024]:
            refused.append(RefusedInput(name, "Pièce jointe refusée : ce n'est pas un PDF."))
        else:
            pdfs.append(_Pdf(name, data, _digest(data)))
    elif kind == "cda":
        try:
            document = cda_reader.read_cda(data, name, render=not light)
        except (XmlRefused, cda_reader.CdaRefused) as error:
            refused.append(RefusedInput(name, error.reason))
            return
        original = DocumentFile(name, "text/xml", data)
        xdm_drafts.append(_cda_draft(document, original, (original,), None))
    elif kind == "text":
        header = hprim_reader.read_hprim(data)
        if header is not None:
            results = results_from_hprim(data, header.sampling_date)
            hprims.append(_Hprim(DocumentFile(name, "text/plain", data), header, results))


def _read_zip_attachment(
    name: str,
    data: bytes,
    refused: list[RefusedInput],
    xdm_drafts: list[_Draft],
    light: bool = False,
) -> None:
    try:
        archive = read_xdm(data)
    except ZipRefused as error:
        reason = error.reason
        if error.name and "dangereux" not in reason:
            reason = f"{reason} ({shown(error.name)})"
        refused.append(RefusedInput(name, reason))
        return
    except (XdmRefused, XmlRefused) as error:
        refused.append(RefusedInput(name, error.reason))
        return
    whole = DocumentFile(safe_filename(name, "IHE_XDM.ZIP"), "application/zip", data)
    for inner in archive.nested:
        refused.append(
            RefusedInput(
                f"{name} : {shown(inner)}",
                "Archive dans l'archive : non ouverte (pas de décompression en cascade).",
            )
        )
    for subset in archive.subsets:
        for missing in subset.missing:
            refused.append(
                RefusedInput(
                    f"{name} : {shown(missing)}",
                    "Document annoncé dans METADATA.XML mais absent de l'archive, ou nom "
                    "de fichier dangereux.",
                )
            )
        _read_subset(name, subset, whole, refused, xdm_drafts, light)


def _read_subset(
    name: str,
    subset: XdmSubset,
    whole: DocumentFile,
    refused: list[RefusedInput],
    xdm_drafts: list[_Draft],
    light: bool = False,
) -> None:
    cdas: list[_Draft] = []
    subset_pdfs: list[XdmDocument] = []
    for document in subset.documents:
        lower = document.name.lower()
        if lower == "metadata.xml":
            continue
        media = document.media_type
        if media == "application/pdf" or lower.endswith(".pdf"):
            if b"%PDF-" in document.data[:1024]:
                subset_pdfs.append(document)
            continue
        if not (media in _CDA_MEDIA or lower.endswith(".xml")):
            continue
        display = f"{name} : {shown(document.path)}"
        try:
            cda = cda_reader.read_cda(document.data, document.name, render=not light)
        except cda_reader.CdaRefused:
            continue  # another XML file (a stylesheet, a signature): not a document
        except XmlRefused as error:
            refused.append(RefusedInput(display, error.reason))
            continue
        original = DocumentFile(safe_filename(document.name, "DOC.XML"), "text/xml", document.data)
        draft = _cda_draft(cda, original, (original, whole), document)
        cdas.append(draft)
    # A PDF listed beside the CDAs in the same subset is their rendering (ECO.2.1.5), taken
    # in order by the CDAs that lack one; one more is kept beside a CDA, never lost.
    waiting = [d for d in cdas if d.document.readable is None or _is_html(d)]
    for draft, pdf in zip(waiting, subset_pdfs, strict=False):
        _set_pdf(draft, _safe_pdf_name(pdf.name), pdf.data, _digest(pdf.data))
    rest = subset_pdfs[len(waiting) :]
    if cdas:
        for number, pdf in enumerate(rest):
            digest = _digest(pdf.data)
            if any(digest in d.digests for d in cdas):
                continue  # the very PDF embedded in the CDA
            beside = cdas[min(number, len(cdas) - 1)]
            _keep_beside(beside, _safe_pdf_name(pdf.name), pdf.data, digest)
        rest = []
    for pdf in rest:  # PDFs without any CDA: documents of their own
        entry = pdf.entry
        digest = _digest(pdf.data)
        cdas.append(
            _Draft(
                ReceivedDocument(
                    readable=DocumentFile(_safe_pdf_name(pdf.name), "application/pdf", pdf.data),
                    originals=(whole,),
                    identity=entry.identity if entry else None,
                    title=entry.title if entry else None,
                    type_code=entry.type_code if entry else None,
                    type_label=type_label(entry.type_code, entry.type_label) if entry else None,
                    type_name=entry.type_label if entry else None,
                    act_date=entry.created.date() if entry and entry.created else None,
                    author=entry.author if entry else None,
                    created=entry.created if entry else None,
                    unique_ids=(entry.unique_id,) if entry and entry.unique_id else (),
                ),
                match_text=(entry.title or "") if entry else "",
                digests={digest},
                readable_digest=digest,
            )
        )
    xdm_drafts.extend(cdas)


def _safe_pdf_name(name: str) -> str:
    return safe_filename(name, "document.pdf")


def _keep_beside(draft: _Draft, name: str, data: bytes, digest: str) -> None:
    """Another PDF of the same document (a second rendering): kept among the originals."""
    draft.digests.add(digest)
    kept = DocumentFile(name, "application/pdf", data)
    draft.document = replace(draft.document, originals=(*draft.document.originals, kept))


def _is_html(draft: _Draft) -> bool:
    readable = draft.document.readable
    return readable is not None and readable.media_type == "text/html"


def _set_pdf(draft: _Draft, name: str, data: bytes, digest: str) -> None:
    draft.document = replace(draft.document, readable=DocumentFile(name, "application/pdf", data))
    draft.digests.add(digest)
    draft.readable_digest = digest


def _cda_draft(
    cda: cda_reader.CdaDocument,
    original: DocumentFile,
    originals: tuple[DocumentFile, ...],
    xdm: XdmDocument | None,
) -> _Draft:
    entry = xdm.entry if xdm else None
    identity = cda.identity
    meta_identity = entry.identity if entry else None
    if identity is None:
        identity = meta_identity
    elif identity.ins is None and meta_identity is not None and meta_identity.ins is not None:
        identity = replace(identity, ins=meta_identity.ins)
    stem = original.name.rpartition(".")[0] or original.name
    readable: DocumentFile | None = None
    digest = None
    if cda.pdf is not None:
        readable = DocumentFile(f"{stem}.pdf", "application/pdf", cda.pdf)
        digest = _digest(cda.pdf)
    elif cda.html is not None:
        readable = DocumentFile(f"{stem}.html", "text/html", cda.html.encode("utf-8"))
    title = cda.title or (entry.title if entry else None)
    code = cda.code or (entry.type_code if entry else None)
    label = cda.code_label or (entry.type_label if entry else None)
    created = cda.effective or (entry.created if entry else None)
    act = cda.act_date or (created.date() if created else None)
    document = ReceivedDocument(
        readable=readable,
        originals=originals,
        identity=identity,
        title=title,
        type_code=code,
        type_label=type_label(code, label),
        type_name=label,
        act_date=act,
        author=cda.author or (entry.author if entry else None),
        organisation=cda.organisation,
        created=created,
        results=cda.results.rows,
        notices=cda.results.notices,
        text=cda.text,
        unique_ids=tuple(
            dict.fromkeys(i for i in (cda.document_id, entry.unique_id if entry else None) if i)
        ),
        set_id=cda.set_id,
        version=cda.version,
        replaces=cda.replaces,
    )
    digests = {digest} if digest is not None else set()
    return _Draft(document, f"{title or ''} {label or ''}", digests, readable_digest=digest)


def _match_attached_pdfs(drafts: list[_Draft], pdfs: list[_Pdf]) -> None:
    """PDFs beside the XDM (ECO.2.1.1) are the same documents: same bytes, then by name
    against title and type, then by order; first to the documents that lack a PDF."""
    for pdf in pdfs:
        for draft in drafts:
            if pdf.digest in draft.digests:  # the same file: keep the sender's name for it
                pdf.used = True
                readable = draft.document.readable
                if readable is not None and draft.readable_digest == pdf.digest:
                    draft.document = replace(
                        draft.document, readable=replace(readable, name=pdf.name)
                    )
                break
    for wanting in (True, False):
        targets = [d for d in drafts if _needs_pdf(d) == wanting]
        for draft in targets:
            words = _words(draft.match_text)
            best = max(
                (p for p in pdfs if not p.used),
                key=lambda p: len(words & _words(p.name)),
                default=None,
            )
            if best is None or not words & _words(best.name):
                continue
            _take(draft, best)
        left = [d for d in targets if not d.took]
        free = [p for p in pdfs if not p.used]
        if not wanting and len(free) != len(left):
            continue  # documents already readable: by order only when the counts agree
        for draft, pdf in zip(left, free, strict=False):
            _take(draft, pdf)


def _needs_pdf(draft: _Draft) -> bool:
    readable = draft.document.readable
    return readable is None or readable.media_type != "application/pdf"


def _take(draft: _Draft, pdf: _Pdf) -> None:
    pdf.used = True
    draft.took = True
    if _needs_pdf(draft):
        html = draft.document.readable
        _set_pdf(draft, pdf.name, pdf.data, pdf.digest)
        if html is not None:  # the rendered body stays beside the PDF
            draft.document = replace(draft.document, originals=(*draft.document.originals, html))
    else:  # the document already has its PDF: this one is kept beside it, never lost
        _keep_beside(draft, pdf.name, pdf.data, pdf.digest)


_ECO_NAME = re.compile(r"(\d{4})(\d{2})(\d{2})_([^_]{1,80})_(?:([^_]{1,80})_([^_]{1,80})_)?")


@dataclass(frozen=True)
class _EcoName:
    act: date
    type_name: str
    identity: PatientIdentity | None  # the names only: a hint, never an INS or a birth date


def _eco_name(name: str) -> _EcoName | None:
    """Act date, document type and the patient's names from an ECO.2.1.6 PDF name
    (``<date de l'acte>_<type document>_<NOM>_<prénom>_<dossier>.pdf``)."""
    found = _ECO_NAME.match(name)
    if found is None:
        return None
    try:
        act = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None
    surname, given = (" ".join((found.group(n) or "").split()) for n in (5, 6))
    identity = None
    if surname and given and not any(c.isdigit() for c in surname + given):
        identity = PatientIdentity(
            birth_name=surname.upper(), first_names=tuple(given.split()), source="file-name"
        )
    return _EcoName(act, found.group(4).strip(), identity)


def _assemble(
    xdm_drafts: list[_Draft],
    pdfs: list[_Pdf],
    hprims: list[_Hprim],
    subject_identity: PatientIdentity | None,
    subject: str,
) -> list[ReceivedDocument]:
    _match_attached_pdfs(xdm_drafts, pdfs)
    documents = [d.document for d in xdm_drafts]
    free = [p for p in pdfs if not p.used]
    parts = subject_reader.parse(subject)
    title = parts.title if parts and parts.title else None
    if len(hprims) == 1 and free:
        hprim = hprims[0]
        for number, pdf in enumerate(free):
            first = number == 0  # the results go with the first PDF, as the HPRIM file does
            documents.append(
                ReceivedDocument(
                    readable=DocumentFile(pdf.name, "application/pdf", pdf.data),
                    originals=(hprim.file,) if first else (),
                    identity=hprim.header.identity,
                    title=title,
                    type_label="Resultats-biologie",
                    type_name="Résultats de biologie",
                    act_date=hprim.header.sampling_date,
                    results=hprim.results.rows if first else (),
                    notices=hprim.results.notices if first else (),
                    text=hprim.text if first else "",
                )
            )
        return documents
    for pdf in free:
        named = _eco_name(pdf.name)
        documents.append(
            ReceivedDocument(
                readable=DocumentFile(pdf.name, "application/pdf", pdf.data),
                identity=subject_identity or (named.identity if named else None),
                title=title or (named.type_name if named else None),
                act_date=named.act if named else None,
            )
        )
    for hprim in hprims:
        documents.append(
            ReceivedDocument(
                readable=hprim.file,
                identity=hprim.header.identity,
                title=title or "Résultats de biologie (HPRIM)",
                type_label="Resultats-HPRIM",
                type_name="Résultats de biologie (HPRIM)",
                act_date=hprim.header.sampling_date,
                results=hprim.results.rows,
                notices=hprim.results.notices,
                text=hprim.text,
            )
        )
    return documents

"""CDA R2 documents (CI-SIS "Structuration minimale"): the header and a readable body.

Header: ``code`` (@code, @displayName), ``title``, ``effectiveTime``, ``author``
(assignedPerson name, else representedOrganization name), ``documentationOf/serviceEvent/
effectiveTime/low`` (the act date when present), ``recordTarget/patientRole``: ``id``
(root = OID, extension = matricule; an INS OID is looked for among several ids), ``patient/
name`` (``family`` qualifier BR = birth name, SP or CL = used name, no qualifier = birth
name; the unqualified ``given`` holding the space-separated birth first names and a ``given``
qualified BR the first one, as the CI-SIS examples do; a BR ``given`` holding the whole list
is read too; CL = first name used, not kept), ``birthTime``, ``administrativeGenderCode``.

Identity of the document itself (duplicates, replacements): ``id`` (root and extension,
written ``root^extension`` as XDS writes a DocumentEntry's uniqueId), ``setId``,
``versionNumber`` and ``relatedDocument[@typeCode="RPLC"]/parentDocument/id`` (the version
it replaces).

Body: ``nonXMLBody/text`` base64 with mediaType application/pdf → the PDF bytes;
``structuredBody`` → HTML built here from the narrative block, every text escaped, only a
fixed set of tags written (no attribute from the document, no link, no script, no image).
"""

from __future__ import annotations

import binascii
import html
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.etree.ElementTree import Element

from app.mssante import hl7
from app.mssante.ins import from_cda_ids
from app.mssante.model import PatientIdentity
from app.mssante.results import Results, results_from_cda
from app.mssante.xmlsafe import attr, child, children, local, parse_xml, text_of

MAX_DEPTH = 40  # nested sections / narrative elements rendered
MAX_HTML_CHARS = 4 * 1024 * 1024
MAX_TEXT_CHARS = 256 * 1024  # the body's text kept for search


@dataclass(frozen=True)
class CdaDocument:
    code: str | None
    code_label: str | None
    title: str | None
    effective: datetime | None
    act_date: date | None
    author: str | None
    organisation: str | None  # the author's organisation, else the custodian
    identity: PatientIdentity | None  # source "cda"
    pdf: bytes | None  # from a nonXMLBody
    body_media_type: str | None  # the nonXMLBody mediaType, whatever it is
    html: str | None  # the structured body rendered
    results: Results = field(default_factory=Results)  # observations of the body's entries
    text: str = ""  # the structured body's text (narrative), for search, capped
    document_id: str | None = None  # "root^extension" (or "root")
    set_id: str | None = None  # the same for every version of the document
    version: int | None = None  # versionNumber
    replaces: tuple[str, ...] = ()  # parent document ids of an RPLC relatedDocument


class CdaRefused(Exception):
    """Not a CDA document; ``reason`` is French, for display."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def looks_like_cda(data: bytes) -> bool:
    return b"ClinicalDocument" in data[:65536]


def read_cda(data: bytes, name: str = "Document CDA", *, render: bool = True) -> CdaDocument:
    """Raises :class:`app.mssante.xmlsafe.XmlRefused` or :class:`CdaRefused`; nothing else.
    ``render=False``: no HTML of the structured body (``html`` is None; the sync's reading
    for the list and the index needs none)."""
    root = parse_xml(data, name)
    if local(root.tag) != "ClinicalDocument":
        raise CdaRefused(f"{name} refusé : ce n'est pas un document CDA.")
    code = child(root, "code")
    effective = hl7.parse_ts(attr(child(root, "effectiveTime"), "value"))
    service = hl7.parse_ts(
        attr(child(root, "documentationOf", "serviceEvent", "effectiveTime", "low"), "value")
    )
    act = service or effective
    pdf, media_type, rendered = _body(root, render)
    structured = child(root, "component", "structuredBody")
    return CdaDocument(
        code=attr(code, "code", 100) or None,
        code_label=attr(code, "displayName", 300) or None,
        title=text_of(child(root, "title"), 300) or None,
        effective=effective,
        act_date=act.date() if act else None,
        author=_author(root),
        organisation=_organisation(root),
        identity=_identity(root),
        pdf=pdf,
        body_media_type=media_type,
        html=rendered,
        results=results_from_cda(root) if _lab_report(root, code) else Results(),
        text=_words(structured),
        document_id=instance_id(child(root, "id")),
        set_id=instance_id(child(root, "setId")),
        version=_version(child(root, "versionNumber")),
        replaces=_replaced(root),
    )


def instance_id(element: Element | None) -> str | None:
    """An HL7 II as one string: ``root^extension``, or ``root`` alone (the XDS uniqueId
    form, so that a CDA id and its DocumentEntry's uniqueId compare equal)."""
    root, extension = attr(element, "root", 200), attr(element, "extension", 200)
    if not root:
        return None
    return f"{root}^{extension}" if extension else root


def _version(element: Element | None) -> int | None:
    value = attr(element, "value", 20)
    return int(value) if value.isdigit() else None


def _replaced(root: Element) -> tuple[str, ...]:
    found = []
    for related in children(root, "relatedDocument"):
        if attr(related, "typeCode").upper() != "RPLC":
            continue
        for parent in children(related, "parentDocument"):
            if (parent_id := instance_id(child(parent, "id"))) is not None:
                found.append(parent_id)
    return tuple(found[:10])


def _words(body: Element | None) -> str:
    """The body's text for search: every text piece, separated (cells stay apart)."""
    if body is None:
        return ""
    pieces: list[str] = []
    size = 0
    for piece in body.itertext():
        piece = piece.strip()
        if piece:
            pieces.append(piece)
            size += len(piece) + 1
            if size > MAX_TEXT_CHARS:
                break
    return " ".join(pieces)[:MAX_TEXT_CHARS]


_LAB_TEMPLATES = ("1.3.6.1.4.1.19376.1.3.3", "1.2.250.1.213.1.1.1.55")  # IHE PaLM, CR-BIO


def _lab_report(root: Element, code: Element | None) -> bool:
    """A lab report (LOINC 11502-2, or the IHE PaLM / CI-SIS CR-BIO template): its
    observations are results; another document's (a discharge letter's vital signs) not."""
    if attr(code, "code") == "11502-2":
        return True
    return any(attr(t, "root") in _LAB_TEMPLATES for t in children(root, "templateId"))


def _person_name(name: Element | None) -> str | None:
    if name is None:
        return None
    parts = [text_of(e, 100) for e in name if local(e.tag) in ("prefix", "given", "family")]
    text = " ".join(p for p in parts if p) or text_of(name, 200)
    return text[:200] or None


def _author(root: Element) -> str | None:
    for author in children(root, "author"):
        assigned = child(author, "assignedAuthor")
        person = _person_name(child(assigned, "assignedPerson", "name"))
        if person:
            return person
        organisation = text_of(child(assigned, "representedOrganization", "name"), 200)
        if organisation:
            return organisation
    return None


def _organisation(root: Element) -> str | None:
    """Where the document comes from: the author's organisation (a lab, a hospital
    department), else the custodian (the organisation that keeps the document)."""
    for author in children(root, "author"):
        name = text_of(child(author, "assignedAuthor", "representedOrganization", "name"), 200)
        if name:
            return name
    custodian = child(
        root, "custodian", "assignedCustodian", "representedCustodianOrganization", "name"
    )
    return text_of(custodian, 200) or None


def _identity(root: Element) -> PatientIdentity | None:
    role = child(root, "recordTarget", "patientRole")
    if role is None:
        return None
    ids = [(attr(i, "root"), attr(i, "extension")) for i in children(role, "id")][:20]
    ins = from_cda_ids(ids)
    patient = child(role, "patient")
    birth_name = used_name = None
    givens: list[str] = []
    birth_list: list[str] = []
    name = child(patient, "name")
    if name is not None:
        for part in name:
            kind = local(part.tag)
            qualifier = attr(part, "qualifier").upper()
            text = text_of(part, 200)
            if not text:
                continue
            if kind == "family":
                if qualifier in ("SP", "CL"):
                    used_name = used_name or text
                elif qualifier in ("BR", ""):
                    birth_name = birth_name or text
            elif kind == "given":
                if qualifier == "BR":
                    birth_list.extend(text.split())
                elif qualifier != "CL":  # CL: the first name used, not a birth first name
                    givens.extend(text.split())
    first_names = _first_names(givens, birth_list)
    birth = hl7.parse_date(attr(child(patient, "birthTime"), "value"))
    sex_code = attr(child(patient, "administrativeGenderCode"), "code").upper()
    sex = sex_code if sex_code in ("F", "M") else ("U" if sex_code else None)
    if ins is None and not (birth_name or used_name or first_names or birth):
        return None
    return PatientIdentity(
        ins=ins,
        birth_name=birth_name,
        used_name=used_name,
        first_names=first_names,
        birth_date=birth,
        sex=sex,
        source="cda",
    )


def _first_names(givens: list[str], birth_list: list[str]) -> tuple[str, ...]:
    """The birth first names in order, the first one first. CI-SIS writes the list in an
    unqualified ``given`` and the first first name alone in a ``given`` qualified BR (which
    then comes first); some senders put the whole list in the BR one: it completes them."""
    names = birth_list[:1] if len(birth_list) == 1 else []
    for name in [*givens, *birth_list]:
        if name not in names:
            names.append(name)
    return tuple(names[:20])


# -- body --------------------------------------------------------------------------------------


def _body(root: Element, render: bool = True) -> tuple[bytes | None, str | None, str | None]:
    component = child(root, "component")
    if component is None:
        return None, None, None
    non_xml = child(component, "nonXMLBody", "text")
    if non_xml is not None:
        media_type = attr(non_xml, "mediaType", 100).lower() or None
        pdf = None
        if media_type == "application/pdf" and attr(non_xml, "representation").upper() in (
            "B64",
            "",
        ):
            pdf = _base64_pdf(non_xml.text or "")
        return pdf, media_type, None
    structured = child(component, "structuredBody")
    if structured is None:
        return None, None, None
    if not render:
        return None, None, None
    return None, None, render_structured_body(structured, text_of(child(root, "title"), 300))


def _base64_pdf(text: str) -> bytes | None:
    try:
        data = binascii.a2b_base64("".join(text.split()).encode("ascii", "ignore"))
    except (binascii.Error, ValueError):
        return None
    return data if b"%PDF-" in data[:1024] else None


class _Html:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.full = False

    def add(self, text: str) -> None:
        if self.full:
            return
        self.size += len(text)
        if self.size > MAX_HTML_CHARS:
            self.full = True
            self.parts.append("<p><em>[…] document tronqué</em></p>")
            return
        self.parts.append(text)

    def text(self, text: str | None) -> None:
        if text:
            self.add(html.escape(text))


_INLINE = {"sub": "sub", "sup": "sup"}
_STYLED = {"bold": "strong", "italics": "em", "underline": "u"}


def render_structured_body(body: Element, title: str = "") -> str:
    """A standalone, safe HTML page from a CDA structuredBody."""
    out = _Html()
    out.add(
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">"
        f"<title>{html.escape(title or 'Document')}</title></head><body>\n"
    )
    if title:
        out.add(f"<h1>{html.escape(title)}</h1>\n")
    for component in children(body, "component"):
        for section in children(component, "section"):
            _section(section, out, 2)
    out.parts.append("</body></html>\n")
    return "".join(out.parts)


def _section(section: Element, out: _Html, level: int) -> None:
    if level - 2 > MAX_DEPTH:
        return
    heading = min(level, 6)
    title = text_of(child(section, "title"), 500)
    out.add("<section>")
    if title:
        out.add(f"<h{heading}>{html.escape(title)}</h{heading}>")
    narrative = child(section, "text")
    if narrative is not None:
        out.add("<div>")
        _narrative(narrative, out, 0)
        out.add("</div>")
    for component in children(section, "component"):
        for inner in children(component, "section"):
            _section(inner, out, level + 1)
    out.add("</section>\n")


def _narrative(element: Element, out: _Html, depth: int) -> None:
    """Write the content of a narrative block element (its text, children, tails)."""
    out.text(element.text)
    for item in element:
        if out.full:
            return
        if depth >= MAX_DEPTH:
            out.text(text_of(item, 10_000))
        else:
            _narrative_element(item, out, depth + 1)
        out.text(item.tail)


def _narrative_element(element: Element, out: _Html, depth: int) -> None:
    kind = local(element.tag)
    if kind == "paragraph":
        _wrapped("p", element, out, depth)
    elif kind == "br":
        out.add("<br>")
    elif kind == "list":
        tag = "ol" if attr(element, "listType").lower() == "ordered" else "ul"
        out.add(f"<{tag}>")
        for item in element:
            if local(item.tag) in ("caption", "item"):
                _wrapped("li", item, out, depth)
        out.add(f"</{tag}>")
    elif kind == "table":
        out.add('<table border="1">')
        _table(element, out, depth)
        out.add("</table>")
    elif kind in ("renderMultiMedia", "footnoteRef"):
        out.add("<em>[élément non affiché]</em>")
    elif kind == "content":
        styles = attr(element, "styleCode").lower().split()
        tags = [_STYLED[s] for s in styles if s in _STYLED]
        out.add("".join(f"<{t}>" for t in tags))
        _narrative(element, out, depth)
        out.add("".join(f"</{t}>" for t in reversed(tags)))
    elif kind in _INLINE:
        _wrapped(_INLINE[kind], element, out, depth)
    elif kind == "caption":
        _wrapped("strong", element, out, depth)
    else:  # linkHtml (its text only: no link), footnote, unknown elements
        _narrative(element, out, depth)


def _wrapped(tag: str, element: Element, out: _Html, depth: int) -> None:
    out.add(f"<{tag}>")
    _narrative(element, out, depth)
    out.add(f"</{tag}>")


def _table(table: Element, out: _Html, depth: int) -> None:
    for part in table:
        kind = local(part.tag)
        if kind == "caption":
            _wrapped("caption", part, out, depth)
        elif kind in ("thead", "tbody", "tfoot"):
            out.add(f"<{kind}>")
            _rows(part, out, depth)
            out.add(f"</{kind}>")
        elif kind == "tr":
            _row(part, out, depth)


def _rows(group: Element, out: _Html, depth: int) -> None:
    for row in children(group, "tr"):
        _row(row, out, depth)


def _row(row: Element, out: _Html, depth: int) -> None:
    out.add("<tr>")
    for cell in row:
        kind = local(cell.tag)
        if kind in ("td", "th"):
            _wrapped(kind, cell, out, depth)
    out.add("</tr>")

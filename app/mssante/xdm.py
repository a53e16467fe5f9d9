"""``IHE_XDM.ZIP`` (IHE ITI XDM, notes §4.1): subsets, ``METADATA.XML`` and their documents.

Layout: ``README.TXT``, ``INDEX.HTM``, ``IHE_XDM/SUBSETnn/METADATA.XML`` and the documents
it lists by ``URI`` slot. Paths are looked up case-insensitively; several subsets and
several documents are read; a subset without METADATA.XML still gives its files.

METADATA.XML is an ebRIM ``SubmitObjectsRequest``; each ``ExtrinsicObject`` is a
DocumentEntry: patient id (ExternalIdentifier ``XDSDocumentEntry.patientId``, else the
``sourcePatientId`` slot) as ``<matricule>^^^&<OID>&ISO``, ``sourcePatientInfo`` (PID-5
name, PID-7 birth date, PID-8 sex), title (``Name``), class and type codes
(Classifications), ``creationTime``, author (Classification with ``authorPerson`` /
``authorInstitution`` slots), ``URI``, ``mimeType`` and the entry's ``uniqueId``
(ExternalIdentifier ``XDSDocumentEntry.uniqueId``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree.ElementTree import Element

from app.mssante import hl7
from app.mssante.ins import from_hl7
from app.mssante.model import Ins, PatientIdentity
from app.mssante.safezip import (
    ZipLimits,
    ZipMember,
    ZipRefused,
    is_zip,
    normalise_name,
    read_zip,
)
from app.mssante.xmlsafe import attr, children, local, parse_xml

MAX_METADATA_BYTES = 8 * 1024 * 1024

DOCUMENT_ENTRY = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
PATIENT_ID_SCHEME = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
UNIQUE_ID_SCHEME = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
CLASS_CODE_SCHEME = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
TYPE_CODE_SCHEME = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
AUTHOR_SCHEME = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"

_METADATA = re.compile(r"(?:.*/)?ihe_xdm/[^/]+/metadata\.xml\Z", re.IGNORECASE)
_IN_SUBSET = re.compile(r"((?:.*/)?ihe_xdm/[^/]+)/[^/]+\Z", re.IGNORECASE)


@dataclass(frozen=True)
class XdmEntry:
    """One DocumentEntry of METADATA.XML."""

    entry_id: str
    uri: str | None
    mime_type: str
    title: str | None = None
    class_code: str | None = None
    class_label: str | None = None
    type_code: str | None = None
    type_label: str | None = None
    created: datetime | None = None
    author: str | None = None
    patient_id: str | None = None  # the raw CX value
    unique_id: str | None = None  # XDSDocumentEntry.uniqueId ("root^extension" for a CDA)
    identity: PatientIdentity | None = None  # source "xdm-metadata"


@dataclass(frozen=True)
class XdmDocument:
    path: str  # normalised path in the archive
    data: bytes
    entry: XdmEntry | None  # None when not listed in METADATA.XML (or no METADATA.XML)

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    @property
    def media_type(self) -> str:
        if self.entry is not None and self.entry.mime_type:
            return self.entry.mime_type
        lower = self.path.lower()
        if lower.endswith(".pdf"):
            return "application/pdf"
        if lower.endswith(".xml"):
            return "text/xml"
        return "application/octet-stream"


@dataclass(frozen=True)
class XdmSubset:
    path: str  # "IHE_XDM/SUBSET01"
    documents: tuple[XdmDocument, ...]
    missing: tuple[str, ...] = ()  # URIs listed but absent or dangerous (display only)
    has_metadata: bool = True


@dataclass(frozen=True)
class XdmArchive:
    subsets: tuple[XdmSubset, ...]
    readme: str | None = None
    nested: tuple[str, ...] = ()  # members that are archives themselves: never opened


class XdmRefused(Exception):
    """Not a readable IHE XDM archive; ``reason`` is French, for display."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_xdm(data: bytes, limits: ZipLimits | None = None) -> XdmArchive:
    """The subsets of an IHE_XDM.ZIP. Raises :class:`ZipRefused` (hostile or broken zip),
    :class:`app.mssante.xmlsafe.XmlRefused` (hostile or broken METADATA.XML) or
    :class:`XdmRefused` (no IHE_XDM structure); nothing else."""
    members = read_zip(data, limits) if limits else read_zip(data)
    by_path = {member.name.casefold(): member for member in members}
    subset_dirs: list[str] = []
    for member in members:
        found = _IN_SUBSET.match(member.name)
        if found and found.group(1).casefold() not in (d.casefold() for d in subset_dirs):
            subset_dirs.append(found.group(1))
    if not subset_dirs:
        raise XdmRefused("Archive sans structure IHE XDM (dossier IHE_XDM/SUBSETnn absent).")
    subsets = [_subset(directory, members, by_path) for directory in sorted(subset_dirs)]
    readme = by_path.get("readme.txt")
    nested = tuple(m.name for m in members if is_zip(m.data) or m.name.lower().endswith(".zip"))
    return XdmArchive(
        tuple(subsets),
        _decode(readme.data[: 64 * 1024]) if readme is not None else None,
        nested,
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _subset(directory: str, members: list[ZipMember], by_path: dict[str, ZipMember]) -> XdmSubset:
    prefix = directory.casefold() + "/"
    metadata = next(
        (m for m in members if m.name.casefold().startswith(prefix) and _METADATA.match(m.name)),
        None,
    )
    if metadata is None:
        files = [
            XdmDocument(m.name, m.data, None)
            for m in members
            if m.name.casefold().startswith(prefix) and "/" not in m.name[len(prefix) :]
        ]
        return XdmSubset(directory, tuple(files), has_metadata=False)
    entries = read_metadata(metadata.data)
    documents: list[XdmDocument] = []
    missing: list[str] = []
    for entry in entries:
        if not entry.uri:
            continue
        try:
            path = normalise_name(f"{directory}/{entry.uri}")
        except ZipRefused:
            missing.append(entry.uri[:200])
            continue
        member = by_path.get(path.casefold())
        if member is None or not path.casefold().startswith(prefix):
            missing.append(entry.uri[:200])
            continue
        documents.append(XdmDocument(member.name, member.data, entry))
    return XdmSubset(directory, tuple(documents), tuple(missing))


def read_metadata(data: bytes) -> list[XdmEntry]:
    """The DocumentEntries of a METADATA.XML; XmlRefused when it is not safe XML."""
    root = parse_xml(data, "METADATA.XML", MAX_METADATA_BYTES)
    entries = []
    for element in root.iter():
        if local(element.tag) != "ExtrinsicObject":
            continue
        object_type = attr(element, "objectType")
        if object_type and object_type != DOCUMENT_ENTRY:
            continue
        entries.append(_entry(element))
        if len(entries) >= 1000:
            break
    return entries


def _slots(element: Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for slot in children(element, "Slot"):
        values = [
            (value.text or "").strip()[:2000]
            for value_list in children(slot, "ValueList")
            for value in children(value_list, "Value")
        ]
        found.setdefault(attr(slot, "name"), []).extend(values[:100])
    return found


def _name(element: Element) -> str | None:
    for name in children(element, "Name"):
        for localized in children(name, "LocalizedString"):
            if value := attr(localized, "value", 500):
                return value
    return None


def _entry(element: Element) -> XdmEntry:
    slots = _slots(element)
    patient_id: str | None = None
    unique_id: str | None = None
    class_code = class_label = type_code = type_label = author = None
    for identifier in children(element, "ExternalIdentifier"):
        if attr(identifier, "identificationScheme") == PATIENT_ID_SCHEME:
            patient_id = attr(identifier, "value") or None
        elif attr(identifier, "identificationScheme") == UNIQUE_ID_SCHEME:
            unique_id = attr(identifier, "value", 200) or None
    for classification in children(element, "Classification"):
        scheme = attr(classification, "classificationScheme")
        code = attr(classification, "nodeRepresentation") or None
        if scheme == CLASS_CODE_SCHEME:
            class_code, class_label = code, _name(classification)
        elif scheme == TYPE_CODE_SCHEME:
            type_code, type_label = code, _name(classification)
        elif scheme == AUTHOR_SCHEME and author is None:
            inner = _slots(classification)
            people = [n for v in inner.get("authorPerson", []) if (n := hl7.xcn_name(v))]
            places = [n for v in inner.get("authorInstitution", []) if (n := hl7.xon_name(v))]
            author = next(iter(people or places), None)
    if patient_id is None and slots.get("sourcePatientId"):
        patient_id = slots["sourcePatientId"][0]
    ins = from_hl7(patient_id) if patient_id else None
    identity = _source_patient(slots.get("sourcePatientInfo", []), ins)
    uri = next(iter(slots.get("URI", [])), None)
    created = hl7.parse_ts(next(iter(slots.get("creationTime", [])), None))
    return XdmEntry(
        entry_id=attr(element, "id", 200),
        uri=uri,
        mime_type=attr(element, "mimeType", 100).lower(),
        title=_name(element),
        class_code=class_code,
        class_label=class_label,
        type_code=type_code,
        type_label=type_label,
        created=created,
        author=author,
        patient_id=patient_id,
        unique_id=unique_id,
        identity=identity,
    )


def _source_patient(values: list[str], ins: Ins | None) -> PatientIdentity | None:
    """``PID-5|FAMILY^Given^^^^^L`` (L: birth name, D: used name), ``PID-7|YYYYMMDD``,
    ``PID-8|F``."""
    birth_name = used_name = None
    first_names: tuple[str, ...] = ()
    birth: date | None = None
    sex = None
    for value in values:
        field, _, content = value.partition("|")
        field = field.strip().upper()
        if field == "PID-5":
            parts = hl7.components(content) + [""] * 7
            kind = parts[6].upper()
            if kind == "D":
                used_name = used_name or parts[0] or None
            else:
                birth_name = birth_name or parts[0] or None
                if not first_names:
                    first_names = tuple(n for n in (parts[1], *parts[2].split()) if n)
        elif field == "PID-7":
            birth = hl7.parse_date(content)
        elif field == "PID-8":
            sex = _sex(content)
    if ins is None and birth_name is None and used_name is None and birth is None:
        return None
    return PatientIdentity(
        ins=ins,
        birth_name=birth_name,
        used_name=used_name,
        first_names=first_names,
        birth_date=birth,
        sex=sex,
        source="xdm-metadata",
    )


def _sex(code: str) -> str | None:
    code = code.strip().upper()
    if code in ("F", "M"):
        return code
    if code in ("U", "UN", "O", "A"):
        return "U"
    return None

"""Annuaire Santé FHIR resources turned into ``Mailbox`` rows (no network here).

A mailbox (BAL MSSanté) is a ``telecom`` of ``system = email`` (mssante-notes §6.2). Two
extensions say it is one:

- the French core e-mail type (``fr-core-contact-point-email-type``): ``MSSANTE`` from
  TRE_R256 is MSSanté; APICRYPT and any other code is not, and the telecom is ignored;
- ``as-ext-mailbox-mss-metadata`` (IG Annuaire Santé): ``type`` (PER/ORG/APP/CAB, TRE_R257),
  ``description``, ``responsible`` (who runs an ORG/APP mailbox; not in the public data),
  ``service`` (the service it belongs to), ``listeRouge``, and in the IG's earlier versions
  (the live API may still send them) ``phone`` and ``digitization`` (dématérialisation
  accepted, a boolean).

The Annuaire Santé IG puts both on a mailbox; the MSSanté FHIR API IG
(``interop-ig-fhir-api-messagerie-securisee-sante``) publishes mailboxes carrying the
metadata alone. So a telecom is an MSSanté mailbox when its e-mail type says MSSANTE, or
when it has no e-mail type but the MSSanté metadata. A mailbox whose ``listeRouge`` is
true must not be published: it is dropped here, so nothing above sees it; so is a telecom
marked ``use = old`` or whose ``period`` has ended (the restricted profiles' history).

PER mailboxes sit on ``Practitioner`` (RPPS only) or ``PractitionerRole`` (RPPS and a
structure), CAB on ``Practitioner``, ORG and APP on ``Organization``. HealthcareService
carries none (its public profiles forbid ``telecom``). A resource cut down by
``_elements=identifier,telecom`` (``meta.tag`` SUBSETTED) still gives its mailboxes, named
by their address. Fields FHIR does not give stay empty strings, so the rows look like the
offline index's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from app.directory.index import Mailbox

EMAIL_TYPE_SUFFIX = "contact-point-email-type"  # fr-core-contact-point-email-type
MAILBOX_METADATA = (
    "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/"
    "as-ext-mailbox-mss-metadata"
)
MSSANTE = "MSSANTE"
RPPS_SYSTEM = "https://rpps.esante.gouv.fr"
IDNPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
BAL_TYPES = ("PER", "ORG", "APP", "CAB")
_PROFESSION_SYSTEM = "TRE_G15"  # ProfessionSante
_SPECIALTY_SYSTEMS = ("TRE_R38", "TRE_R39", "TRE_R40")  # spécialité, compétence, …
_CATEGORY_SYSTEM = "TRE_R09"  # CategorieProfessionnelle

Json = dict[str, Any]


def _dicts(value: object) -> list[Json]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _codings(concept: object) -> list[Json]:
    """The codings of a CodeableConcept, or the Coding itself."""
    if not isinstance(concept, dict):
        return []
    if "coding" in concept:
        return _dicts(concept["coding"])
    return [concept] if "code" in concept else []


def _coded(concepts: Iterable[object], systems: tuple[str, ...]) -> tuple[str, str]:
    """(code, label) of the first coding whose system names one of ``systems``."""
    for concept in concepts:
        for coding in _codings(concept):
            system = _text(coding.get("system"))
            if any(name in system for name in systems):
                code = _text(coding.get("code"))
                label = _text(coding.get("display")) or _text(
                    concept.get("text") if isinstance(concept, dict) else ""
                )
                return code, label or code
    return "", ""


@dataclass(frozen=True)
class MailboxFacts:
    """What a ``telecom`` says of an MSSanté mailbox."""

    address: str
    bal_type: str  # "" when the metadata does not say
    description: str
    service: str
    responsible: str = ""
    phone: str = ""
    dematerialisation: str = ""  # "O" accepted, "N" refused, "" not said (the file's values)


def mailboxes(resource: Json, today: dt.date | None = None) -> list[MailboxFacts]:
    """The published MSSanté mailboxes of a resource (liste rouge, ended and non-MSSanté
    dropped). ``today``: the day a ``period.end`` is compared with (default: today)."""
    found = []
    for telecom in _dicts(resource.get("telecom")):
        address = _text(telecom.get("value"))
        if telecom.get("system") != "email" or "@" not in address:
            continue
        if _ended(telecom, today or dt.date.today()):
            continue
        extensions = _dicts(telecom.get("extension"))
        metadata = [ext for ext in extensions if ext.get("url") == MAILBOX_METADATA]
        email_types = [ext for ext in extensions if _is_email_type(ext)]
        if email_types:
            if not any(_is_mssante_type(ext) for ext in email_types):
                continue  # APICRYPT, a plain e-mail…: not MSSanté
        elif not metadata:
            continue  # neither extension: a plain e-mail
        meta: dict[str, object] = {}
        for ext in metadata:
            for sub in _dicts(ext.get("extension")):
                name = _text(sub.get("url"))
                meta[name] = next((v for k, v in sub.items() if k.startswith("value")), None)
        if meta.get("listeRouge") is True:
            continue  # must never be shown
        codes = [_text(c.get("code")).upper() for c in _codings(meta.get("type"))]
        if isinstance(meta.get("type"), str):  # tolerate a bare code
            codes.append(_text(meta["type"]).upper())
        bal_type = next((c for c in codes if c in BAL_TYPES), "")
        digitization = meta.get("digitization")
        found.append(
            MailboxFacts(
                address,
                bal_type,
                _text(meta.get("description")),
                _text(meta.get("service")),
                responsible=_text(meta.get("responsible")),
                phone=_text(meta.get("phone")),
                dematerialisation={True: "O", False: "N"}.get(digitization, "")
                if isinstance(digitization, bool)
                else "",
            )
        )
    return found


def _ended(telecom: Json, today: dt.date) -> bool:
    """A telecom no longer in use: ``use = old``, or a ``period.end`` before ``today``."""
    if telecom.get("use") == "old":
        return True
    period = telecom.get("period")
    end = _text(period.get("end")) if isinstance(period, dict) else ""
    try:
        return bool(end) and dt.date.fromisoformat(end[:10]) < today
    except ValueError:
        return False  # an unreadable end date: kept rather than lost


def _is_email_type(extension: Json) -> bool:
    return _text(extension.get("url")).endswith(EMAIL_TYPE_SUFFIX)


def _is_mssante_type(extension: Json) -> bool:
    if not _is_email_type(extension):
        return False
    for key in ("valueCoding", "valueCodeableConcept"):
        if any(_text(c.get("code")).upper() == MSSANTE for c in _codings(extension.get(key))):
            return True
    return False


@dataclass(frozen=True)
class Person:
    rpps: str = ""
    id_nat: str = ""
    civility: str = ""
    last_name: str = ""
    first_name: str = ""
    profession: str = ""
    profession_code: str = ""
    specialty: str = ""
    category: str = ""


def person(practitioner: Json) -> Person:
    rpps = id_nat = ""
    for identifier in _dicts(practitioner.get("identifier")):
        system, value = _text(identifier.get("system")), _text(identifier.get("value"))
        if system == RPPS_SYSTEM and not rpps:
            rpps = value
        elif system == IDNPS_SYSTEM and not id_nat:
            id_nat = value
    if not rpps and id_nat.startswith("8") and len(id_nat) == 12:
        rpps = id_nat[1:]
    if not id_nat and rpps:
        id_nat = "8" + rpps
    names = _dicts(practitioner.get("name"))
    name = next((n for n in names if n.get("use") == "usual"), names[0] if names else {})
    given = " ".join(_text(g) for g in name.get("given", []) if _text(g))
    prefixes = [_text(p) for p in name.get("prefix", []) if _text(p)]
    qualifications = [q.get("code") for q in _dicts(practitioner.get("qualification"))]
    code, label = _coded(qualifications, (_PROFESSION_SYSTEM,))
    _, specialty = _coded(qualifications, _SPECIALTY_SYSTEMS)
    _, category = _coded(qualifications, (_CATEGORY_SYSTEM,))
    return Person(
        rpps=rpps,
        id_nat=id_nat,
        civility=prefixes[0] if prefixes else "",
        last_name=_text(name.get("family")),
        first_name=given,
        profession=label,
        profession_code=code,
        specialty=specialty,
        category=category,
    )


@dataclass(frozen=True)
class Place:
    name: str = ""
    structure_id: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    department: str = ""


def department_of(postcode: str) -> str:
    """The department code of a French postcode ("75011" -> "75", "20090" -> "2A")."""
    code = postcode.strip()
    if len(code) != 5 or not code.isdigit():
        return ""
    if code.startswith(("97", "98")):
        return code[:3]
    if code.startswith("20"):
        return "2A" if int(code) < 20200 else "2B"
    return code[:2]


def place(organization: Json) -> Place:
    identifiers = _dicts(organization.get("identifier"))
    structure_id = next((_text(i.get("value")) for i in identifiers if _text(i.get("value"))), "")
    addresses = _dicts(organization.get("address"))
    address = addresses[0] if addresses else {}
    lines = [_text(line) for line in address.get("line", []) if _text(line)]
    postcode = _text(address.get("postalCode"))
    return Place(
        name=_text(organization.get("name")),
        structure_id=structure_id,
        street=" ".join(lines),
        postcode=postcode,
        city=_text(address.get("city")),
        department=department_of(postcode),
    )


def _reference_id(reference: object, kind: str) -> str:
    if not isinstance(reference, dict):
        return ""
    target = _text(reference.get("reference"))
    prefix = kind + "/"
    return target.rpartition(prefix)[2] if prefix in target else ""


def role_practitioner(role: Json) -> str:
    return _reference_id(role.get("practitioner"), "Practitioner")


def role_organization(role: Json) -> str:
    return _reference_id(role.get("organization"), "Organization")


def build(
    facts: MailboxFacts, default_type: str, who: Person | None, where: Place | None
) -> Mailbox:
    who = who or Person()
    where = where or Place()
    bal_type = facts.bal_type or default_type
    if who.last_name or who.first_name:
        display = " ".join(p for p in (who.first_name, who.last_name) if p)
    else:
        display = where.name or facts.description or facts.service or facts.address
    return Mailbox(
        address=facts.address,
        bal_type=bal_type,
        display_name=display,
        civility=who.civility,
        last_name=who.last_name,
        first_name=who.first_name,
        id_pp_type="8" if who.rpps else "",
        id_pp=who.rpps,
        id_nat=who.id_nat,
        profession=who.profession,
        profession_code=who.profession_code,
        specialty=who.specialty,
        category=who.category,
        organisation=where.name,
        service=facts.service,
        street=where.street,
        postcode=where.postcode,
        city=where.city,
        department=where.department,
        structure_id=where.structure_id,
        description=facts.description,
        responsible=facts.responsible,
        phone=facts.phone,
        dematerialisation=facts.dematerialisation,
    )


@dataclass
class Resources:
    """The resources of one or more search bundles, by type and id."""

    practitioners: dict[str, Json] = field(default_factory=dict)
    roles: dict[str, Json] = field(default_factory=dict)
    organizations: dict[str, Json] = field(default_factory=dict)

    def add(self, resources: Iterable[Json]) -> None:
        tables = {
            "Practitioner": self.practitioners,
            "PractitionerRole": self.roles,
            "Organization": self.organizations,
        }
        for resource in resources:
            table = tables.get(_text(resource.get("resourceType")))
            key = _text(resource.get("id"))
            if table is not None and key and key not in table:
                table[key] = resource

    def missing_organizations(self) -> list[str]:
        wanted = (role_organization(role) for role in self.roles.values())
        return sorted({key for key in wanted if key and key not in self.organizations})

    def rows(self, *, organization_rows: bool = True) -> Iterator[Mailbox]:
        """Every published mailbox: each practitioner's own, then those of the roles (with
        the structure), then the organisations' own unless ``organization_rows`` is False
        (organisations fetched only to describe the roles' structures). Duplicates (same
        address) are not removed."""
        people = {key: person(p) for key, p in self.practitioners.items()}
        places = {key: place(o) for key, o in self.organizations.items()}
        for key, practitioner in self.practitioners.items():
            for facts in mailboxes(practitioner):
                yield build(facts, "PER", people[key], None)
        for role in self.roles.values():
            who = people.get(role_practitioner(role)) or Person()
            code, label = _coded(_dicts(role.get("code")), (_PROFESSION_SYSTEM,))
            _, specialty = _coded(_dicts(role.get("specialty")), _SPECIALTY_SYSTEMS)
            if code and not who.profession_code:
                who = replace(who, profession=label, profession_code=code)
            if specialty and not who.specialty:
                who = replace(who, specialty=specialty)
            where = places.get(role_organization(role))
            for facts in mailboxes(role):
                yield build(facts, "PER", who, where)
        if not organization_rows:
            return
        for key, organization in self.organizations.items():
            for facts in mailboxes(organization):
                yield build(facts, "ORG", None, places[key])


def search_parameters(statement: Json) -> dict[str, frozenset[str]]:
    """Resource type -> the search parameter names a CapabilityStatement lists for it (the
    server-wide ones, ``rest.searchParam``, added to every resource)."""
    offered: dict[str, set[str]] = {}
    if statement.get("resourceType") != "CapabilityStatement":
        return {}
    for rest in _dicts(statement.get("rest")):
        common = {_text(p.get("name")) for p in _dicts(rest.get("searchParam"))}
        for resource in _dicts(rest.get("resource")):
            names = {_text(p.get("name")) for p in _dicts(resource.get("searchParam"))}
            offered.setdefault(_text(resource.get("type")), set()).update(names | common)
    return {kind: frozenset(n for n in names if n) for kind, names in offered.items() if kind}


def unique(rows: Iterable[Mailbox]) -> list[Mailbox]:
    """First row per address (case-insensitive), in order."""
    seen: set[str] = set()
    kept = []
    for row in rows:
        key = row.address.casefold()
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept

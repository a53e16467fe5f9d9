"""The matricule INS (notes §4.3): key check, OIDs, parsing from CDA, XDM and HL7 v2 ids.

A matricule is the NIR or the NIA (13 characters, Corsica's departments "2A"/"2B" allowed)
and a 2-digit key: ``97 - (number mod 97)``, where the number is the 13 characters read
with "2A" → "19" and "2B" → "18". The NIA "est constitué comme un NIR" (circulaire DSS/sd4c
2012-213, as restated by net-entreprises), so the same rule checks it.

Birth year, month and sex deduced from the matricule are for display only ("ask the
professional to confirm the identity"): provisional numbers use pseudo months (20-42, 50+)
and the century is not in the number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.mssante.model import Ins, InsKind

INS_OIDS = frozenset(kind.value for kind in InsKind)

_MATRICULE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}\Z")
_KIND_LABELS = {
    InsKind.NIR: "INS (NIR)",
    InsKind.NIA: "INS provisoire (NIA)",
    InsKind.TEST: "INS de test",
    InsKind.DEMO: "INS de démonstration",
}
_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def _number(first13: str) -> int:
    department = first13[5:7]
    if department == "2A":
        first13 = first13[:5] + "19" + first13[7:]
    elif department == "2B":
        first13 = first13[:5] + "18" + first13[7:]
    return int(first13)


def normalise_matricule(text: str) -> str:
    """Spaces, dots and dashes removed, upper case ("1 84 12 2A 123 456 78" → 15 chars)."""
    return re.sub(r"[\s.\-]", "", text).upper()


def well_formed(matricule: str) -> bool:
    """15 characters: 13 digits (or "2A"/"2B" at the department) and 2 key digits."""
    return _MATRICULE.match(matricule) is not None


def key_of(first13: str) -> int | None:
    """The key of a NIR/NIA's first 13 characters, or None when they are not one."""
    if len(first13) != 13 or not _MATRICULE.match(first13 + "00"):
        return None
    return 97 - _number(first13) % 97


def key_ok(matricule: str) -> bool:
    """True when the 15-character matricule is well formed and its key checks out."""
    matricule = normalise_matricule(matricule)
    if not well_formed(matricule):
        return False
    return key_of(matricule[:13]) == int(matricule[13:])


def make_ins(matricule: str, oid: str) -> Ins:
    """An :class:`Ins` as read (``key_ok`` computed; never trusted because of the OID)."""
    cleaned = normalise_matricule(matricule)[:64]
    return Ins(matricule=cleaned, oid=oid.strip()[:64], key_ok=key_ok(cleaned))


def is_ins_oid(oid: str | None) -> bool:
    return oid is not None and oid.strip() in INS_OIDS


def kind_label(ins: Ins) -> str:
    """The French description of the INS kind, for display."""
    kind = ins.kind
    if kind is None:
        return "identifiant non INS"
    label = _KIND_LABELS[kind]
    if not ins.key_ok:
        label += " — clé invalide"
    return label


def from_hl7(value: str) -> Ins | None:
    """An INS from an HL7 v2 CX value as in XDM patientId / sourcePatientId:
    ``<matricule>^^^&<OID>&ISO[^NH|^INS]`` or ``…^^^ASIP-SANTE-INS-NIR&<OID>&ISO^INS``.

    None when the assigning authority OID is not an INS OID (a local id is not an INS).
    """
    value = value.strip()
    if len(value) > 1000:
        return None
    parts = value.split("^")
    if len(parts) < 4:
        return None
    authority = parts[3].split("&")
    oid = authority[1].strip() if len(authority) > 1 else ""
    if not is_ins_oid(oid):
        return None
    return make_ins(parts[0], oid)


def from_cda_ids(ids: list[tuple[str, str]]) -> Ins | None:
    """The INS among a CDA patientRole's ``id`` (root, extension) pairs: the first one
    with an INS OID, NIR/NIA before test/demo ones."""
    found = [make_ins(extension, root) for root, extension in ids if is_ins_oid(root)]
    if not found:
        return None
    order = {InsKind.NIR: 0, InsKind.NIA: 1, InsKind.TEST: 2, InsKind.DEMO: 3}
    found.sort(key=lambda ins: (order.get(ins.kind, 9) if ins.kind else 9, not ins.key_ok))
    return found[0]


@dataclass(frozen=True)
class Deduced:
    """What the matricule says about its holder, for display only."""

    sex: str | None  # "M", "F" or None
    birth_year_2: int | None  # two digits, the century is not known
    birth_month: int | None  # None for pseudo months (unknown month, provisional numbers)

    def describe(self) -> str:
        """French text for the confirmation prompt ("homme né(e) en mars, année ..84")."""
        parts = []
        if self.sex == "M":
            parts.append("homme")
        elif self.sex == "F":
            parts.append("femme")
        if self.birth_month is not None:
            parts.append(f"né(e) en {_MONTHS[self.birth_month - 1]}")
        if self.birth_year_2 is not None:
            parts.append(f"année de naissance en ..{self.birth_year_2:02d}")
        return ", ".join(parts) if parts else "rien de déductible"


def deduce(matricule: str) -> Deduced | None:
    """Sex, birth year (2 digits) and month read from a well-formed matricule."""
    matricule = normalise_matricule(matricule)
    if not well_formed(matricule):
        return None
    sex = {"1": "M", "3": "M", "7": "M", "2": "F", "4": "F", "8": "F"}.get(matricule[0])
    month = int(matricule[3:5])
    return Deduced(sex, int(matricule[1:3]), month if 1 <= month <= 12 else None)

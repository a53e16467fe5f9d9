"""An HPRIM Santé 2.x file naming the patient of a document deposited beside it.

Practice software that imports from a watched folder reads such a file to know whose record
the document beside it (same base name) belongs to. What is written, and only this (records
as public HPRIM Santé 2.2 files show them; ``app.mssante.hprim`` reads it back):

```
H|~^\\&|||CADUCEE~Caducée||ORU|||||P|H2.2~C|20261120143000
P|1||||DUPONT~Marie Louise||19800512|F
L|1
```

- ``H``: delimiters ``~^\\&`` (component "~", repetition "^", escape "\\", sub-component
  "&"), sender, message type ORU, processing "P" (production), version ``H2.2~C``, date.
- ``P``: sequence 1, the three patient identifiers left empty (we know none of the
  software's own numbers), name = birth name ~ first names, birth date ``AAAAMMJJ``, sex.
  The INS is not written: the HPRIM Santé 2.x layouts we could check have no field for it
  (it stays in the CDA / XDM metadata the document carries).
- ``L``: the end. No ``OBR``/``OBX``: the document is the file beside it, not results (a
  text ``OBX`` naming it would be read as a result line, by us and by a software).

Values never carry a delimiter (removed), the text is ISO 8859-1 (characters outside it
transliterated), records end with CR LF.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from app.mssante.model import PatientIdentity

DELIMITERS = "~^\\&"
COMPONENT = "~"
EXTENSION = ".hpr"  # as the HPRIM files labs send ("0.HPR", "URG062.HPR")
_FORBIDDEN = set("|" + DELIMITERS)
_SPECIAL = {"œ": "oe", "Œ": "OE", "’": "'", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d"}


def clean(value: str | None, limit: int = 120) -> str:
    """One field value: no delimiter, no control character, ISO 8859-1 only, bounded."""
    text = "".join(_SPECIAL.get(c, c) for c in value or "")
    out = []
    for char in text:
        if char in _FORBIDDEN or unicodedata.category(char).startswith("C"):
            out.append(" ")
            continue
        if ord(char) > 0xFF:
            plain = unicodedata.normalize("NFKD", char)
            plain = "".join(c for c in plain if ord(c) <= 0xFF and not unicodedata.combining(c))
            out.append(plain or "?")
            continue
        out.append(char)
    return " ".join("".join(out).split())[:limit]


def _day(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def hprim_file(identity: PatientIdentity, *, written_at: datetime) -> bytes:
    """The HPRIM Santé file naming ``identity`` (for the document beside it)."""
    first = clean(" ".join(identity.first_names), 60)
    name = f"{clean(identity.birth_name, 60)}{COMPONENT}{first}"
    sex = identity.sex if identity.sex in ("F", "M", "U") else "U"
    records = [
        f"H|{DELIMITERS}|||CADUCEE{COMPONENT}Caducée||ORU|||||P|H2.2{COMPONENT}C|"
        + written_at.strftime("%Y%m%d%H%M%S"),
        f"P|1||||{name}||{_day(identity.birth_date)}|{sex}",
        "L|1",
    ]
    return ("\r\n".join(records) + "\r\n").encode("iso-8859-1")

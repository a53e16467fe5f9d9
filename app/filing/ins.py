"""A MINIMAL INS matricule check for the filing engine.

TO BE REPLACED after the merge by ``app.mssante.ins`` (the parsers' full check: sex digit,
month ranges, NIA rules...). Only ``check_key`` and ``parse_ins`` are used by app/filing;
keep these two names as thin wrappers when swapping the implementation.

Matricule (notes §4.3): 15 characters, the 13-character NIR/NIA (Corsica "2A"/"2B" in the
department) and a 2-digit key = 97 - (number mod 97), with 2A -> 19 and 2B -> 18.
"""

from __future__ import annotations

import re

from app.mssante.model import Ins

_MATRICULE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}")


def normalise_matricule(text: str) -> str:
    """Spaces and dots dropped, upper case (typed INS often come as "1 80 05 75 ...")."""
    return re.sub(r"[\s.]", "", text).upper()


def check_key(matricule: str) -> bool:
    """True when ``matricule`` is 15 characters of the right shape with a matching key."""
    if not _MATRICULE.fullmatch(matricule):
        return False
    body = matricule[:13].replace("2A", "19", 1).replace("2B", "18", 1)
    return 97 - int(body) % 97 == int(matricule[13:])


def parse_ins(matricule: str, oid: str) -> Ins:
    """An :class:`Ins` as typed or imported (key checked, not trusted further)."""
    value = normalise_matricule(matricule)
    return Ins(matricule=value, oid=oid.strip(), key_ok=check_key(value))


def with_key(nir13: str) -> str:
    """The 15-character matricule for a 13-character NIR/NIA (tests, sample data)."""
    body = nir13.replace("2A", "19", 1).replace("2B", "18", 1)
    return f"{nir13}{97 - int(body) % 97:02d}"

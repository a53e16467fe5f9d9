"""HPRIM Santé lab results in text attachments: the patient header and the lab markers.

The classic HPRIM Santé 1.0 "fichier HPRIM" starts with 12 header lines, then the results
between ``****LAB****`` and ``****FINLAB****`` (or ``****FIN****``):

 1. patient's file number (at the lab)      7. birth date (JJ/MM/AAAA)
 2. surname                                 8. social security number / matricule
 3. first name                              9. request number
 4. address line 1                         10. sampling date (JJ/MM/AAAA)
 5. address line 2                         11. prescriber's code
 6. postcode and city                      12. prescriber's name

Real files vary (missing lines, extra blank lines, CR LF, latin-1): reading is lenient, and
only the header before the first marker is used. HPRIM Santé 2.x records (the
pipe-separated form: a file starting with its ``H`` record, or records between the markers
of an HPRIM Net mail) are read too: ``P|seq|id|id|id|NAME~First|…|birth|sex``. The
component separator is the first delimiter the ``H`` record declares (``H|~^\\&|``: "~";
some writers declare ``^~\\&``), "^" when there is no ``H`` record.
The 8th line, when it is a well-formed 15-character matricule, is kept as the document's INS
*without* OID (``Ins.oid == ""``): shown as read, never qualified, never a certain match
(the file does not say which identifier it is: the insured's NIR may not be the patient's).
A ``P`` record that names its identifiers with an INS OID (``…^^^&OID&ISO^INS``) gives a
real INS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.mssante import ins as ins_reader
from app.mssante.model import Ins, PatientIdentity

MAX_HPRIM_BYTES = 4 * 1024 * 1024
_MARKER = re.compile(rb"\*{4}\s*(?:LAB|FIN|FINLAB|RES)\s*\*{4}", re.IGNORECASE)
_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\Z")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_H_RECORD = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*H\|[^|\r\n]{4}\|")  # "H|~^\\&|": 4 delimiters


@dataclass(frozen=True)
class HprimHeader:
    identity: PatientIdentity
    sampling_date: date | None
    file_number: str | None
    request_number: str | None
    prescriber: str | None
    results: int  # RES lines seen


def looks_like_hprim(data: bytes) -> bool:
    data = data[:MAX_HPRIM_BYTES]
    return _MARKER.search(data) is not None or _H_RECORD.match(data) is not None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _date(text: str) -> date | None:
    text = text.strip()
    try:
        if found := _DATE.match(text):
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        if found := _COMPACT_DATE.match(text):
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None
    return None


def _clean(text: str, limit: int = 100) -> str | None:
    text = " ".join(text.replace("\x00", "").split())[:limit]
    return text or None


def read_hprim(data: bytes) -> HprimHeader | None:
    """The header of an HPRIM file, or None when ``data`` is not one. Never raises."""
    data = data[:MAX_HPRIM_BYTES]
    marker = _MARKER.search(data)
    if marker is None and _H_RECORD.match(data) is None:
        return None
    text = _decode(data)
    results = sum(1 for line in text.splitlines() if line.startswith("RES|"))
    pipe = _from_records(text, results)
    if pipe is not None or marker is None:
        return pipe
    header = _decode(data[: marker.start()]).replace("\r\n", "\n").replace("\r", "\n")
    lines = header.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = lines[-12:] if len(lines) >= 12 else lines + [""] * (12 - len(lines))
    surname, first = _clean(lines[1]), _clean(lines[2])
    birth = _date(lines[6])
    if surname is None and birth is None:
        return None
    identity = PatientIdentity(
        ins=_matricule(lines[7]),
        birth_name=surname.upper() if surname else None,
        first_names=tuple(first.split()) if first else (),
        birth_date=birth,
        source="hprim",
    )
    return HprimHeader(
        identity=identity,
        sampling_date=_date(lines[9]),
        file_number=_clean(lines[0]),
        request_number=_clean(lines[8]),
        prescriber=_clean(lines[11], 200) or _clean(lines[10], 200),
        results=results,
    )


def _from_records(text: str, results: int) -> HprimHeader | None:
    """HPRIM Santé 2.x records: ``P|1|id|id|id|NAME~First~…||birth(YYYYMMDD)|sex``."""
    component = "^"
    for line in text.splitlines()[:10_000]:
        line = line.lstrip("\ufeff")
        if line.startswith("H|") and len(line) > 2 and line[2] not in "|":
            component = line[2]  # the first declared delimiter separates components
            continue
        if not line.startswith("P|"):
            continue
        fields = line.split("|")
        fields += [""] * (10 - len(fields))
        name = [*fields[5].split(component), "", ""]
        surname, first = _clean(name[0]), _clean(name[1])
        birth = _date(fields[7][:8])
        sex = fields[8].strip().upper()[:1]
        if surname is None and birth is None:
            return None
        identity = PatientIdentity(
            ins=_record_ins(fields[2:4]),
            birth_name=surname.upper() if surname else None,
            first_names=tuple(first.split()) if first else (),
            birth_date=birth,
            sex=sex if sex in ("F", "M", "U") else None,
            source="hprim",
        )
        return HprimHeader(identity, None, _clean(fields[2]), None, None, results)
    return None


def _matricule(line: str) -> Ins | None:
    """The 8th header line as an INS without OID, when it is a 15-character matricule."""
    matricule = ins_reader.normalise_matricule(line[:40])
    if not ins_reader.well_formed(matricule):
        return None
    return ins_reader.make_ins(matricule, "")


def _record_ins(fields: list[str]) -> Ins | None:
    """An INS named with its OID among a ``P`` record's identifier fields (repeats ``~``)."""
    for value in (v for f in fields for v in f.split("~")[:10]):
        found = ins_reader.from_hl7(value)
        if found is not None:
            return found
    return None

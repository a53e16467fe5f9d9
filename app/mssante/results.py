"""Lab results as data: HPRIM result lines and the structured results of CDA lab reports.

API (used by the reader, the message list, ``caducee show --json`` and ``caducee results``):

- :class:`ResultRow` ``(code, label, value, unit, reference_range, flag, date)``: one
  analysis. ``flag`` is one of :data:`FLAGS` (``"normal"``, ``"high"``, ``"low"``,
  ``"abnormal"``, ``"critical"``) or None when the sender gave none; :attr:`ResultRow.abnormal`
  says whether to highlight it. ``value`` is the text as sent ("13.79", "négatif", "<0.5").
  :meth:`ResultRow.to_json` gives the contract fields of ``caducee show --json``
  (``label, value, unit, reference_range, flag``) plus ``code`` and ``date``.
- :class:`Results` ``(rows, notices)``: what a reader got; ``notices`` are French sentences
  for the doctor when a part was skipped (garbage lines, a table cut at :data:`MAX_ROWS`).
- :func:`results_from_hprim` ``(data: bytes, default_date=None) -> Results``: HPRIM Santé
  ``RES|`` lines (``RES|libellé|code|type|valeur|unité|normale basse|normale haute|
  anormalité|statut|…``) and HPRIM Net / HL7 v2 ``OBX|`` segments.
- :func:`results_from_cda` ``(root: Element) -> Results`` and :func:`results_from_cda_bytes`
  ``(data: bytes) -> Results``: CI-SIS lab reports: every ``observation`` of the body's
  entries (``code``, ``value`` PQ/ST/CD/IVL_PQ…, ``interpretationCode``,
  ``referenceRange/observationRange/value`` low/high, ``effectiveTime``).

Readers never raise for bad input and never take more than linear time: sizes, row counts
and element depth are capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.etree.ElementTree import Element

from app.mssante import hl7
from app.mssante.xmlsafe import XmlRefused, attr, child, local, parse_xml, text_of

FLAGS = ("normal", "high", "low", "abnormal", "critical")
MAX_ROWS = 2000  # per document: an "enormous table" is cut, with a notice
MAX_HPRIM_BYTES = 4 * 1024 * 1024
MAX_FIELD = 200
_MAX_WALK = 200_000  # CDA elements visited


@dataclass(frozen=True)
class ResultRow:
    code: str | None
    label: str
    value: str
    unit: str | None
    reference_range: str | None  # "3.9-5.8", "< 5", "négatif", as shown
    flag: str | None  # one of FLAGS, or None (not given)
    date: date | None  # sampling / observation date

    @property
    def abnormal(self) -> bool:
        return self.flag in ("high", "low", "abnormal", "critical")

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "reference_range": self.reference_range,
            "flag": self.flag,
            "date": self.date.isoformat() if self.date else None,
        }


@dataclass(frozen=True)
class Results:
    rows: tuple[ResultRow, ...] = ()
    notices: tuple[str, ...] = ()  # French, for the doctor

    @property
    def abnormal(self) -> int:
        return sum(1 for row in self.rows if row.abnormal)


# -- flags ---------------------------------------------------------------------------------

_FLAG_CODES = {
    "N": "normal",
    "H": "high",
    "+": "high",
    ">": "high",
    "HU": "high",
    "L": "low",
    "-": "low",
    "<": "low",
    "LU": "low",
    "A": "abnormal",
    "AA": "critical",
    "HH": "critical",
    "LL": "critical",
    "++": "critical",
    "--": "critical",
    "POS": "abnormal",
    "DET": "abnormal",
    "R": "abnormal",  # resistant (antibiogram)
    "I": "abnormal",
    "S": "normal",  # susceptible
    "NEG": "normal",
    "IND": "abnormal",
}


def flag_of(code: str | None) -> str | None:
    """An HPRIM / HL7 abnormality code (N, H, L, A, HH, LL, AA, <, >…) → one of FLAGS."""
    if not code:
        return None
    return _FLAG_CODES.get(code.strip().upper())


def _clean(text: str | None, limit: int = MAX_FIELD) -> str:
    if not text:
        return ""
    return " ".join(text.replace("\x00", "").split())[:limit]


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ".").strip())
    except ValueError:
        return None


def _computed_flag(value: str, low: str, high: str) -> str | None:
    """The flag from the range when the sender gave none."""
    number = _number(value)
    if number is None:
        return None
    lo, hi = _number(low), _number(high)
    if hi is not None and number > hi:
        return "high"
    if lo is not None and number < lo:
        return "low"
    if lo is not None or hi is not None:
        return "normal"
    return None


def _range(low: str, high: str) -> str | None:
    if low and high:
        return f"{low}-{high}"
    if high:
        return f"< {high}"
    if low:
        return f"> {low}"
    return None


# -- HPRIM ---------------------------------------------------------------------------------

_HPRIM_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _hl7_date(text: str) -> date | None:
    found = _HPRIM_DATE.match(text.strip())
    if found is None:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


def _res_line(fields: list[str], when: date | None) -> ResultRow | None:
    """``RES|libellé|code|type|valeur|unité|normale basse|normale haute|anormalité|statut``."""
    fields = [*fields, *[""] * (10 - len(fields))]
    label, code, value = _clean(fields[1]), _clean(fields[2], 40), _clean(fields[4])
    if not label and not code:
        return None
    if not value:
        return None
    low, high = _clean(fields[6], 40), _clean(fields[7], 40)
    flag = flag_of(fields[8]) or _computed_flag(value, low, high)
    return ResultRow(
        code=code or None,
        label=label or code,
        value=value,
        unit=_clean(fields[5], 40) or None,
        reference_range=_range(low, high),
        flag=flag,
        date=when,
    )


def _obx_line(fields: list[str], when: date | None) -> ResultRow | None:
    """``OBX|n|type|code^libellé^système||valeur|unité|intervalle|anormalité|…|statut||date``."""
    fields = [*fields, *[""] * (15 - len(fields))]
    identifier = [*fields[3].split("^"), "", ""]
    code, label = _clean(identifier[0], 40), _clean(identifier[1])
    value = _clean(fields[5].replace("^", " "))
    if not value or not (label or code):
        return None
    reference = _clean(fields[7], 80)
    low = high = ""
    if "-" in reference[1:]:
        low, _, high = reference.partition("-")
        low, high = low.strip(), high.strip()
    flag = flag_of(fields[8].split("~")[0]) or _computed_flag(value, low, high)
    return ResultRow(
        code=code or None,
        label=label or code,
        value=value,
        unit=_clean(fields[6].split("^")[0], 40) or None,
        reference_range=reference or None,
        flag=flag,
        date=_hl7_date(fields[14]) or when,
    )


def results_from_hprim(data: bytes, default_date: date | None = None) -> Results:
    """The result lines of an HPRIM Santé (``RES|``) or HPRIM Net (``OBX|``) file, dated
    ``default_date`` (the sampling date of the header) unless the line says. Lines that are
    neither are skipped; unreadable result lines are counted in a French notice. Never raises."""
    text = _decode(data[:MAX_HPRIM_BYTES])
    rows: list[ResultRow] = []
    skipped = 0
    cut = False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        kind = line[:4]
        if kind not in ("RES|", "OBX|"):
            continue
        if len(rows) >= MAX_ROWS:
            cut = True
            break
        fields = line.split("|", 30)
        row = _res_line(fields, default_date) if kind == "RES|" else _obx_line(fields, default_date)
        if row is None:
            skipped += 1
        else:
            rows.append(row)
    notices = []
    if skipped:
        notices.append(f"{skipped} ligne(s) de résultat illisible(s) ignorée(s).")
    if cut:
        notices.append(f"Tableau de résultats tronqué : seuls les {MAX_ROWS} premiers sont lus.")
    if len(data) > MAX_HPRIM_BYTES:
        notices.append("Fichier HPRIM trop volumineux : seul le début est lu.")
    return Results(tuple(rows), tuple(notices))


# -- CDA -----------------------------------------------------------------------------------


def results_from_cda_bytes(data: bytes) -> Results:
    """:func:`results_from_cda` on a file's bytes; a refused file gives a notice."""
    try:
        root = parse_xml(data, "Document CDA")
    except XmlRefused as error:
        return Results(notices=(error.reason,))
    return results_from_cda(root)


def _walk(root: Element) -> list[Element]:
    """Elements in document order, at most _MAX_WALK (an iterative walk: no recursion)."""
    found: list[Element] = []
    for number, element in enumerate(root.iter()):
        if number >= _MAX_WALK:
            break
        found.append(element)
    return found


def _typed(element: Element) -> str:
    for key, value in element.attrib.items():
        if key.endswith("}type") or key == "type":
            return value.rpartition(":")[2].upper()
    return ""


def _cda_value(value: Element) -> tuple[str, str]:
    """(value text, unit) of an observation's ``value``, whatever its data type."""
    kind = _typed(value)
    if kind in ("IVL_PQ", "IVL_INT"):
        low, high = child(value, "low"), child(value, "high")
        text = _range(attr(low, "value", 40), attr(high, "value", 40)) or ""
        return text, attr(low, "unit", 40) or attr(high, "unit", 40)
    if kind == "RTO":
        numerator = child(value, "numerator")
        denominator = child(value, "denominator")
        return f"{attr(numerator, 'value', 40)}/{attr(denominator, 'value', 40)}", ""
    if attr(value, "value"):
        unit = attr(value, "unit", 40)
        return attr(value, "value", MAX_FIELD), "" if unit == "1" else unit
    if attr(value, "displayName") or attr(value, "code"):
        return attr(value, "displayName", MAX_FIELD) or attr(value, "code", 40), ""
    return text_of(value, MAX_FIELD), ""


def _narrative_ids(elements: list[Element]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for element in elements:
        ident = element.get("ID")
        if ident and len(ids) < 50_000:
            ids[ident] = text_of(element, MAX_FIELD)
    return ids


def _label(observation: Element, ids: dict[str, str]) -> tuple[str, str]:
    code = child(observation, "code")
    reference = attr(child(code, "originalText", "reference"), "value").lstrip("#")
    label = ids.get(reference, "") if reference else ""
    label = label or text_of(child(code, "originalText"), MAX_FIELD)
    label = label or attr(code, "displayName", MAX_FIELD)
    return attr(code, "code", 40), label


def _observation(observation: Element, ids: dict[str, str]) -> ResultRow | None:
    value = child(observation, "value")
    if value is None:
        return None
    code, label = _label(observation, ids)
    shown, unit = _cda_value(value)
    if not shown or not (label or code):
        return None
    interval = child(observation, "referenceRange", "observationRange", "value")
    low = attr(child(interval, "low"), "value", 40)
    high = attr(child(interval, "high"), "value", 40)
    reference = _range(low, high) or (
        text_of(child(observation, "referenceRange", "observationRange", "text"), 80) or None
    )
    interpretation = attr(child(observation, "interpretationCode"), "code", 10)
    flag = flag_of(interpretation) or _computed_flag(shown, low, high)
    when = hl7.parse_date(attr(child(observation, "effectiveTime"), "value")) or hl7.parse_date(
        attr(child(observation, "effectiveTime", "low"), "value")
    )
    return ResultRow(
        code=code or None,
        label=_clean(label) or code,
        value=_clean(shown),
        unit=_clean(unit, 40) or None,
        reference_range=reference,
        flag=flag,
        date=when,
    )


def results_from_cda(root: Element) -> Results:
    """The observations of a CDA lab report's entries (CI-SIS CR-BIO: ``entry/act/
    entryRelationship/(organizer/component/)observation``), labelled by the narrative text
    their ``originalText/reference`` points at, else the code's displayName. Observations
    without a value (comments, specimen notes) are not results. Never raises."""
    body = child(root, "component", "structuredBody")
    if body is None:
        return Results()
    elements = _walk(body)
    ids = _narrative_ids(elements)
    rows: list[ResultRow] = []
    notices: list[str] = []
    for element in elements:
        if local(element.tag) != "observation":
            continue
        if len(rows) >= MAX_ROWS:
            notices.append(
                f"Tableau de résultats tronqué : seuls les {MAX_ROWS} premiers sont lus."
            )
            break
        try:
            row = _observation(element, ids)
        except (ValueError, TypeError):  # a malformed date or value: that row only
            row = None
        if row is not None:
            rows.append(row)
    if len(elements) >= _MAX_WALK:
        notices.append("Document trop volumineux : les résultats sont lus en partie.")
    return Results(tuple(rows), tuple(notices))

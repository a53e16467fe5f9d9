"""One patient's lab results over time, from what was filed for her (issue 18 item 3).

API (the "Résultats" view and ``caducee results --patients-dir DIR --patient ID``):

- :func:`patient_results` ``(filing: Filing, patient_id: str) -> PatientResults``: every
  live filing of the patient in the journal (a version replaced by a newer one left out);
  each filed CDA (``.xml``) and HPRIM file of it is read again from her folder (the filed
  copy is the record: the mail may be gone) and its results gathered. The same file filed
  twice counts once (by its hash).
- :class:`PatientResults` ``(patient, analytes, notices)``; :class:`Analyte` ``(key, label,
  unit, points)`` one line of the table / one small chart, ``points`` oldest first;
  :class:`ResultPoint` ``(row: ResultRow, entry_id, file)``. Analytes are keyed by code
  when the sender gave one, else by the folded label, and sorted by label.
  ``PatientResults.dates`` are the table's columns (every date, oldest first);
  ``to_json()`` gives the CLI's JSON.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.filing.patients import Patient
from app.filing.service import Filing
from app.mssante import hprim as hprim_reader
from app.mssante.cda import looks_like_cda
from app.mssante.results import ResultRow, Results, results_from_cda_bytes, results_from_hprim

MAX_FILE_BYTES = 16 * 1024 * 1024
_TEXT_SUFFIXES = (".xml", ".hpr", ".hprim", ".hpm", ".txt")


@dataclass(frozen=True)
class ResultPoint:
    row: ResultRow
    entry_id: int  # the filing journal entry it comes from
    file: str  # relative to the patients root


@dataclass
class Analyte:
    key: str
    label: str
    unit: str | None
    points: list[ResultPoint] = field(default_factory=list)

    @property
    def abnormal(self) -> bool:
        return any(p.row.abnormal for p in self.points)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "abnormal": self.abnormal,
            "points": [
                {**p.row.to_json(), "journal_entry": p.entry_id, "file": p.file}
                for p in self.points
            ],
        }


@dataclass(frozen=True)
class PatientResults:
    patient: Patient
    analytes: tuple[Analyte, ...]
    notices: tuple[str, ...] = ()

    @property
    def dates(self) -> list[date | None]:
        found = {p.row.date for a in self.analytes for p in a.points}
        return sorted(found, key=lambda d: (d is None, d or date.min))

    def to_json(self) -> dict[str, Any]:
        return {
            "patient": self.patient.to_json(),
            "dates": [d.isoformat() if d else None for d in self.dates],
            "analytes": [a.to_json() for a in self.analytes],
            "notices": list(self.notices),
        }


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def read_results_file(path: Path, default_date: date | None = None) -> Results | None:
    """The results of one filed file (a CDA or an HPRIM file), None when it is neither."""
    if path.suffix.lower() not in _TEXT_SUFFIXES:
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return Results(notices=(f"Fichier illisible : {path.name}.",))
    if len(data) > MAX_FILE_BYTES:
        return Results(notices=(f"Fichier trop volumineux, non lu : {path.name}.",))
    if looks_like_cda(data):
        return results_from_cda_bytes(data)
    header = hprim_reader.read_hprim(data)
    if header is not None:
        return results_from_hprim(data, header.sampling_date or default_date)
    return None


def patient_results(filing: Filing, patient_id: str) -> PatientResults:
    """Raises ``FilingError`` (French) for an unknown patient; never for a bad file."""
    patient = filing.registry.get(patient_id)
    root = filing.root
    analytes: dict[str, Analyte] = {}
    notices: list[str] = []
    seen: set[str] = set()
    for entry in filing.journal.filed_for_patient(patient.id):
        if entry.replaced_by is not None:  # a corrected version was filed: its values count
            continue
        for file in entry.files:
            if file.sha256 in seen:
                continue
            seen.add(file.sha256)
            results = read_results_file(root / file.path)
            if results is None:
                continue
            notices.extend(f"{Path(file.path).name} : {n}" for n in results.notices)
            for row in results.rows:
                key = row.code or _fold(row.label)
                analyte = analytes.get(key)
                if analyte is None:
                    analyte = analytes[key] = Analyte(key, row.label, row.unit)
                analyte.points.append(ResultPoint(row, entry.id, file.path))
    for analyte in analytes.values():
        analyte.points.sort(key=lambda p: (p.row.date is None, p.row.date or date.min))
    ordered = sorted(analytes.values(), key=lambda a: _fold(a.label))
    return PatientResults(patient, tuple(ordered), tuple(notices))

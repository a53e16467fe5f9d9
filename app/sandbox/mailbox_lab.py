"""A lab message's results, one truth for its three views: the mail text (the abnormal
values), the HPRIM Net file and the PDF report (every value, unit, reference range, flag,
with the patient's previous value), and the CDA's narrative of an XDM lab result.

Eight results: the one the text has always called out (high; the first draws of the
message's "body" generator, so that older mail texts stay the same), one low (unless it
falls on the called-out one), six within range. Seeded: the same message gives the same
results in every process.
"""

# Seeded pseudo-random data on purpose (reproducible mailboxes), never used for security.
# ruff: noqa: S311

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from app.sandbox.mailbox_people import Patient, _ascii
from app.sandbox.mailbox_plan import Planned
from app.sandbox.mailbox_texts import ANALYTES

LEGEND = "H : supérieur à la valeur de référence ; L : inférieur à la valeur de référence."


@dataclass(frozen=True)
class LabResult:
    name: str
    unit: str
    low: float
    high: float
    value: float
    previous: float  # the patient's value at the previous visit (within range)
    previous_date: dt.date

    @property
    def flag(self) -> str:
        """HPRIM's abnormality flag: H above, L below the range, N within."""
        return "H" if self.value > self.high else "L" if self.value < self.low else "N"

    @property
    def shown(self) -> str:
        """The value as every view writes it (two decimals, as the HPRIM file)."""
        return f"{self.value:.2f}"

    @property
    def range_text(self) -> str:
        return f"{self.low:g} – {self.high:g}"


@dataclass(frozen=True)
class LabReport:
    request: int  # the lab's request number (HPRIM line 1)
    sample: int  # the lab's file number (HPRIM line 9)
    results: tuple[LabResult, ...]

    @property
    def abnormal(self) -> list[LabResult]:
        return [r for r in self.results if r.flag != "N"]


def _rng(seed: int, what: str, index: int) -> random.Random:
    return random.Random(f"{seed}:{what}:{index}")  # as Builder.rng


def flagged_result(seed: int, message: Planned) -> tuple[str, str, float, float]:
    """The result the text calls out: (analyte, unit, upper limit, value above it)."""
    rng = _rng(seed, "body", message.index)
    name, unit, _low, high = rng.choice(ANALYTES)
    return name, unit, high, rng.uniform(high, high * 1.5)


def lab_report(seed: int, message: Planned) -> LabReport:
    """The eight results of a lab message (the draws of the HPRIM file as it always was)."""
    rng = _rng(seed, "hprim", message.index)
    request = rng.randrange(10**6, 10**7)
    sample = rng.randrange(10**8, 10**9)
    flagged, _unit, _high, flagged_value = flagged_result(seed, message)
    others = rng.sample([a for a in ANALYTES if a[0] != flagged], 7)
    low_one = rng.randrange(7)
    history = _rng(seed, "previous", message.index)
    before = message.date.date() - dt.timedelta(days=history.randrange(60, 400))
    results = []
    for number, (name, unit, low, high) in enumerate(
        [*others[:3], next(a for a in ANALYTES if a[0] == flagged), *others[3:]]
    ):
        if name == flagged:
            value = flagged_value
        elif number == low_one:
            value = rng.uniform(low * 0.6, low * 0.95)
        else:
            value = rng.uniform(low + (high - low) * 0.05, high - (high - low) * 0.05)
        previous = history.uniform(low + (high - low) * 0.1, high - (high - low) * 0.1)
        results.append(LabResult(name, unit, low, high, value, previous, before))
    return LabReport(request, sample, tuple(results))


def hprim_text(report: LabReport, patient: Patient, day: dt.date, recipient: str) -> str:
    """The results as HPRIM Net (12 header lines, ``RES|`` lines), as French labs send
    them beside the PDF."""
    lines = [
        f"{report.request}",
        patient.surname,
        patient.given,
        "",
        "",
        "",
        patient.born,
        patient.ins,
        f"{report.sample}",
        f"{day:%d/%m/%Y}",
        "",
        recipient,
        "****LAB****",
    ]
    for r in report.results:
        code = _ascii(r.name)[:6].upper()
        lines.append(f"RES|{r.name}|{code}|N|{r.shown}|{r.unit}|{r.low:g}|{r.high:g}|{r.flag}|F")
    lines.append("****FINLAB****")
    return "\n".join(lines) + "\n"


def report_lines(report: LabReport) -> list[str]:
    """The results table of the PDF's first page (and of an XDM lab's CDA narrative)."""
    lines = [
        f"Dossier {report.sample} – demande {report.request}",
        "",
        f"{'Examen':<30}{'Résultat':>10}    {'Unité':<15}{'Références':<15}Antériorités",
    ]
    for r in report.results:
        flag = r.flag if r.flag != "N" else ""
        lines.append(
            f"{r.name:<30}{r.shown:>10} {flag:<2} {r.unit:<15}{r.range_text:<15}"
            f"{r.previous:.2f} le {r.previous_date:%d/%m/%Y}"
        )
    lines += ["", LEGEND, "Résultats validés par le biologiste responsable."]
    return lines


def abnormal_text(report: LabReport) -> list[str]:
    """What the mail text says of the abnormal values (every one the HPRIM file flags)."""
    lines = []
    for r in report.abnormal:
        bound = f"N < {r.high:g}" if r.flag == "H" else f"N > {r.low:g}"
        lines.append(f"  {r.name} : {r.shown} {r.unit} ({bound})")
    return lines

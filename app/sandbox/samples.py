"""The demo mailbox: a handful of MSSanté messages taken from the generated GP mailbox.

What a GP receives in a week, addressed to the demo identity and dated in the last days:
lab results (PDF and an HPRIM file), a discharge letter (``IHE_XDM.ZIP`` + PDF, read receipt
asked), an imaging report (``IHE_XDM.ZIP`` + PDF), a specialist's letter, a message from a
patient (Mon espace santé) with a photo of her skin, and a note from a colleague asking for a
read receipt. Patients,
INS and organisations are made up (test INS OIDs, ``.test`` domains).

The messages are picked from a plan that ends on a fixed date, ``_ANCHOR``, then dated
relative to ``now``: which messages, patients and contents the demo shows never depends on
the day it runs (a plan ending today would draw other dates, hence other messages).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass

from app.sandbox.mailbox import OWNER_NIL, PARIS
from app.sandbox.mailbox_build import Builder
from app.sandbox.mailbox_people import Person
from app.sandbox.mailbox_plan import Plan, Planned, Planner

_SEED = 20  # a plan where every kind below has a first message without a parent
_PLAN_SIZE = 400
_PDF_SCALE = 0.25  # PDFs of ~5-100 KB: enough to look real, quick to sync
_ANCHOR = dt.date(2026, 11, 22)  # the plan's end date, whatever the day: the same picks
# A nominal PDF size below any first page: a lab's PDF is its report page alone (the
# results of its mail text and HPRIM file), not padded with pages of earlier visits.
_REPORT_PAGE_ONLY = 1
_PHOTO = 1_200_000  # nominal size of the patient's photo: ~300 KB, 360 x 270, at _PDF_SCALE


@dataclass(frozen=True)
class Sample:
    folder: str
    raw: bytes
    flags: tuple[str, ...]
    when: dt.datetime


# kind, IHE_XDM.ZIP wanted (None: either), hours before now, IMAP flags, read receipt asked
_PICKS: tuple[tuple[str, bool | None, float, tuple[str, ...], bool], ...] = (
    ("lab", False, 1.5, (), False),
    ("discharge", True, 5, (), True),
    ("patient", None, 9, (), False),
    ("imaging", True, 27, ("\\Seen",), False),
    ("note", None, 30, (), True),
    ("consult", None, 52, ("\\Seen", "\\Flagged"), False),
    ("lab", True, 76, ("\\Seen",), False),
)


def demo_person(address: str) -> Person:
    return Person(
        "Dr Démo CADUCÉE",
        address,
        "Docteur",
        "Dr Démo CADUCÉE\nMédecin généraliste — carte de démonstration",
        OWNER_NIL,
    )


def paris_now() -> dt.datetime:
    """The current time in Paris: the demo's default clock."""
    return dt.datetime.now(PARIS)


def sample_mail(address: str, now: dt.datetime | None = None) -> list[Sample]:
    """The demo mailbox of ``address``, newest first, dated relative to ``now``.

    The same messages every day; the same bytes for the same ``address`` and ``now``.
    """
    now = (now or paris_now()).astimezone(PARIS).replace(microsecond=0)
    plan = _plan()
    plan.scale = _PDF_SCALE
    builder = Builder(plan)
    me = demo_person(address)
    samples = []
    for (kind, _xdm, hours, flags, receipt), chosen in zip(_PICKS, _picked(), strict=True):
        # in UTC: "5 hours ago" is 5 hours ago across a change of daylight saving time
        when = (now.astimezone(dt.UTC) - dt.timedelta(hours=hours)).astimezone(PARIS)
        message = dataclasses.replace(
            chosen,
            recipients=[me],
            date=when,  # the Builder writes every date from it (headers, PDF, CDA, HPRIM, XDM)
            dnt=receipt,
            references=[],
            hprim=kind == "lab" and not chosen.xdm,
            pdf_base=_REPORT_PAGE_ONLY if kind == "lab" else chosen.pdf_base,
        )
        if kind == "patient":  # "je vous joins une photo", and the photo is there
            message = dataclasses.replace(message, photo_base=_PHOTO, scan=False)
        raw = builder.build(message).replace(b"\n", b"\r\n")  # IMAP wants CRLF
        samples.append(Sample("INBOX", raw, flags, when))
    return samples


def _plan() -> Plan:
    return Planner(_SEED, _PLAN_SIZE, _ANCHOR).plan()


@functools.cache
def _picked() -> tuple[Planned, ...]:
    """The planned messages the samples are made of, one per ``_PICKS`` entry."""
    plan = _plan()
    used: set[int] = set()
    chosen = []
    for kind, xdm, _hours, _flags, _receipt in _PICKS:
        message = next(
            m
            for m in reversed(plan.messages)
            if m.kind == kind
            and m.parent is None
            and not m.outgoing
            and m.index not in used
            and (xdm is None or m.xdm == xdm)
            and not m.photo_base  # the patient's one below gets a photo of its own
            and "photo" not in m.subject.lower()
            and not _names_its_day(m)  # "Remplacement du 20/11" would lie once re-dated
        )
        used.add(message.index)
        chosen.append(message)
    return tuple(chosen)


def sample_writers() -> tuple[list[Person], list[str]]:
    """Who wrote the sample mail: the professionals writing in their own name (notes,
    letters: the organisations are ``mailbox_people.LABS`` …), and the patients' addresses."""
    people = [m.sender for m in _picked() if m.organisation is None and m.kind != "patient"]
    patients = [m.sender.address for m in _picked() if m.kind == "patient"]
    return people, patients


def _names_its_day(message: Planned) -> bool:
    """Whether the subject names the planned day (``{jour}`` of a note's subject)."""
    return message.date.strftime("%d/%m") in message.subject

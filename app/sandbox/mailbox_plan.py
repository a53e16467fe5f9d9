"""The plan of a generated mailbox: every message decided up front (cheap, sequential), then
its scale chosen so that the whole mailbox reaches the target size."""

# Seeded pseudo-random data on purpose (reproducible mailboxes), never used for security.
# ruff: noqa: S311

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from dataclasses import dataclass, field

from app.sandbox.mailbox import DEFAULT_END, MAX_PDF, PARIS, TEXT_CAP
from app.sandbox.mailbox_people import (
    HOSPITALS,
    IMAGING,
    LABS,
    OWNER,
    Organisation,
    Patient,
    Person,
    _colleagues,
    _patients,
)
from app.sandbox.mailbox_texts import (
    DOC_TITLES,
    DRUGS,
    EXAMS,
    FILE_LABELS,
    NOTE_SUBJECTS,
    PATIENT_SUBJECTS,
)

DAYS = 730  # two years of mail


# -- the plan: every message decided up front (cheap, sequential) ----------------------------


@dataclass
class Planned:
    index: int
    kind: str
    date: dt.datetime
    sender: Person
    recipients: list[Person]
    subject: str
    folder: str = "INBOX"
    patient: Patient | None = None
    parent: int | None = None  # the message this one answers
    references: list[str] = field(default_factory=list)
    msgid: str = ""
    flags: str = ""
    new: bool = False  # in new/ (unread, just delivered)
    dnt: bool = False  # Disposition-Notification-To
    xdm: bool = False
    pdf_base: int = 0  # nominal PDF size before scaling (0: no PDF)
    photo_base: int = 0  # patient photo / scan (0: none)
    scan: bool = False  # with photo_base: a scanned prescription (PDF), not a photo (PNG)
    end_conversation: bool = False  # X-MSS-MES: FIN
    organisation: Organisation | None = None
    exam: str = ""
    replied: bool = False
    hprim: bool = False  # lab results also as an HPRIM Net file (the demo's samples)

    @property
    def outgoing(self) -> bool:
        return self.sender is OWNER


@dataclass
class Plan:
    seed: int
    messages: list[Planned]
    scale: float = 1.0


def _log_uniform(rng: random.Random, low: float, high: float) -> int:
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


class Planner:
    def __init__(self, seed: int, count: int, end: dt.date) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.count = count
        self.end = dt.datetime.combine(end, dt.time(23, 0), PARIS)
        self.start = self.end - dt.timedelta(days=DAYS)
        self.colleagues = _colleagues(self.rng)
        self.patients = _patients(self.rng, max(60, count // 10))
        self.messages: list[Planned] = []

    # dates: working hours on weekdays for professionals, any time for patients
    def _date(self, patient: bool = False) -> dt.datetime:
        rng = self.rng
        day = self.start + dt.timedelta(days=rng.randrange(DAYS))
        if not patient:
            while day.weekday() >= 5 and rng.random() < 0.85:
                day -= dt.timedelta(days=1)
        hour = rng.choice([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22])
        if not patient and hour > 19:
            hour -= 8
        return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))

    def _later(self, date: dt.datetime) -> dt.datetime:
        return date + dt.timedelta(minutes=_log_uniform(self.rng, 8, 3 * 24 * 60))

    def _add(self, message: Planned) -> Planned | None:
        if message.date > self.end or len(self.messages) >= self.count:
            return None
        message.index = len(self.messages)
        self.messages.append(message)
        if message.outgoing and message.dnt and self.rng.random() < 0.6:
            # the read receipt (MDN) that came back
            self._add(
                Planned(
                    0,
                    "mdn",
                    self._later(message.date),
                    message.recipients[0],
                    [OWNER],
                    f"Accusé de lecture : {message.subject}",
                    patient=message.patient,
                    parent=message.index,
                )
            )
        return message

    def _reply(
        self,
        parent: Planned,
        sender: Person,
        recipient: Person,
        kind: str,
        *,
        dnt: bool = False,
        end_conversation: bool = False,
    ) -> Planned | None:
        subject = parent.subject
        if not subject.lower().startswith(("re:", "re :")):
            subject = self.rng.choice(["RE: ", "Re: ", "Re : "]) + subject
        message = Planned(
            0,
            kind,
            self._later(parent.date),
            sender,
            [recipient],
            subject,
            patient=parent.patient,
            parent=parent.index,
            dnt=dnt,
            end_conversation=end_conversation,
        )
        added = self._add(message)
        if added is not None and sender is OWNER:
            parent.replied = True
        return added

    def _fill(self, template: str, patient: Patient, date: dt.datetime) -> str:
        return template.format(
            civ=patient.civility,
            nom=patient.surname,
            prenom=patient.given,
            med=self.rng.choice(DRUGS).split()[0],
            jour=date.strftime("%d/%m"),
        )

    def _xdm_subject(self, label: str, patient: Patient) -> str:
        return f"XDM/1.0/DDM+{label} {patient.surname} {patient.given} {patient.born}"

    # conversations ---------------------------------------------------------------------
    def note(self) -> None:
        rng = self.rng
        colleague = rng.choice(self.colleagues)
        patient = rng.choice(self.patients)
        date = self._date()
        subject = self._fill(rng.choice(NOTE_SUBJECTS), patient, date)
        outgoing = rng.random() < 0.2
        sender, recipient = (OWNER, colleague) if outgoing else (colleague, OWNER)
        first = self._add(
            Planned(
                0,
                "note",
                date,
                sender,
                [recipient],
                subject,
                patient=patient,
                dnt=rng.random() < 0.05,
            )
        )
        message = first
        for _ in range(rng.choice([0, 0, 0, 0, 1, 1, 2, 3])):
            if message is None:
                return
            sender, recipient = recipient, sender
            message = self._reply(message, sender, recipient, kind="note")

    def patient_message(self) -> None:
        rng = self.rng
        patient = rng.choice(self.patients)
        date = self._date(patient=True)
        subject = self._fill(rng.choice(PATIENT_SUBJECTS), patient, date)
        person = Person(patient.display, patient.address, patient.given, patient.display)
        photo = _log_uniform(rng, 150_000, 2_500_000) if rng.random() < 0.2 else 0
        # what the attachment is, from a generator of its own (the plan's draws unchanged);
        # a subject that announces a photo has one
        own = random.Random(f"{self.seed}:photo:{len(self.messages)}")
        announced = "photo" in subject.lower()
        if announced and not photo:
            photo = _log_uniform(own, 150_000, 2_500_000)
        scan = bool(photo) and not announced and own.random() < 0.5
        message = self._add(
            Planned(
                0,
                "patient",
                date,
                person,
                [OWNER],
                subject,
                patient=patient,
                photo_base=photo,
                scan=scan,
            )
        )
        turns = rng.choice([0, 0, 1, 1, 1, 2, 3])
        for turn in range(turns):
            if message is None:
                return
            if message.outgoing:
                message = self._reply(message, person, OWNER, kind="patient")
            else:
                last = turn >= turns - 2
                message = self._reply(
                    message,
                    OWNER,
                    person,
                    kind="patient_reply",
                    dnt=rng.random() < 0.5,
                    end_conversation=last and rng.random() < 0.3,
                )

    def document(self, kind: str) -> None:
        rng = self.rng
        patient = rng.choice(self.patients)
        date = self._date()
        exam = ""
        if kind == "lab":
            organisation = rng.choice(LABS)
            xdm = rng.random() < 0.4
            base = _log_uniform(rng, 20_000, 250_000)
            label = DOC_TITLES["lab"]
        elif kind == "imaging":
            organisation = rng.choice(IMAGING)
            xdm = rng.random() < 0.85
            exam = rng.choice(EXAMS)
            base = _log_uniform(rng, 30_000, 300_000) * (4 if rng.random() < 0.15 else 1)
            label = exam
        elif kind == "discharge":
            organisation = rng.choice(HOSPITALS)
            xdm = True
            base = _log_uniform(rng, 40_000, 400_000)
            label = DOC_TITLES["discharge"]
        else:  # consult: a specialist's letter
            organisation = None
            xdm = rng.random() < 0.3
            base = _log_uniform(rng, 15_000, 150_000)
            label = DOC_TITLES["consult"]
        if organisation is not None:
            sender = Person(
                f"{organisation.name} – {organisation.service}",
                organisation.address,
                "Madame, Monsieur",
                organisation.name,
                organisation.nil,
            )
        else:
            sender = rng.choice(
                [c for c in self.colleagues if c.address.split("@")[1].startswith("medecin")]
            )
        if xdm:
            subject = self._xdm_subject(label, patient)
        elif kind == "lab":
            subject = f"Résultats d'analyses – {patient.civility} {patient.surname} {patient.given}"
        else:
            subject = f"{FILE_LABELS[kind]} – {patient.civility} {patient.surname} {patient.given}"
        message = self._add(
            Planned(
                0,
                kind,
                date,
                sender,
                [OWNER],
                subject,
                patient=patient,
                xdm=xdm,
                pdf_base=base,
                organisation=organisation,
                exam=exam,
                dnt=kind == "discharge" and rng.random() < 0.3,
            )
        )
        if message is not None and organisation is None and rng.random() < 0.3:
            self._reply(message, OWNER, sender, kind="note")

    def referral(self) -> None:
        rng = self.rng
        patient = rng.choice(self.patients)
        colleague = rng.choice(self.colleagues[:12])
        date = self._date()
        xdm = rng.random() < 0.5
        subject = (
            self._xdm_subject(DOC_TITLES["referral"], patient)
            if xdm
            else f"Adressage de {patient.civility} {patient.given} {patient.surname}"
        )
        message = self._add(
            Planned(
                0,
                "referral",
                date,
                OWNER,
                [colleague],
                subject,
                patient=patient,
                xdm=xdm,
                pdf_base=_log_uniform(rng, 8_000, 60_000),
                dnt=rng.random() < 0.2,
            )
        )
        if message is not None and rng.random() < 0.5:
            self._reply(message, colleague, OWNER, kind="note")

    # -----------------------------------------------------------------------------------
    def plan(self) -> Plan:
        rng = self.rng
        kinds = (
            ("note", 30),
            ("patient", 14),
            ("lab", 26),
            ("imaging", 8),
            ("discharge", 7),
            ("consult", 6),
            ("referral", 5),
        )
        names = [name for name, _ in kinds]
        weights = [weight for _, weight in kinds]
        while len(self.messages) < self.count:
            kind = rng.choices(names, weights)[0]
            if kind == "note":
                self.note()
            elif kind == "patient":
                self.patient_message()
            elif kind == "referral":
                self.referral()
            else:
                self.document(kind)
        self.messages.sort(key=lambda m: m.date)
        renumber = {m.index: i for i, m in enumerate(self.messages)}
        for i, message in enumerate(self.messages):
            message.index = i
            if message.parent is not None:
                message.parent = renumber[message.parent]
        for message in self.messages:
            self._finish(message)
        return Plan(self.seed, self.messages)

    def _finish(self, message: Planned) -> None:
        rng = self.rng
        domain = message.sender.address.split("@")[1]
        message.msgid = f"<{_digest(f'{self.seed}:{message.index}', 24)}@{domain}>"
        if message.parent is not None:
            parent = self.messages[message.parent]
            message.references = [*parent.references, parent.msgid][-10:]
        age = (self.end - message.date).days
        if message.outgoing:
            message.folder = "Sent"
        elif age < 120 or message.date.year >= self.end.year:
            message.folder = "INBOX"
        elif message.kind == "lab":
            message.folder = "Résultats"
        else:
            message.folder = f"Archives/{message.date.year}"
        if message.outgoing:
            seen = True
        elif message.folder == "INBOX":
            seen = rng.random() < (0.2 if age < 10 else 0.5)
        elif message.folder == "Résultats":
            seen = rng.random() < 0.66
        else:
            seen = rng.random() < 0.8
        flagged = rng.random() < 0.03
        message.flags = "".join(
            flag for flag, on in (("F", flagged), ("R", message.replied), ("S", seen)) if on
        )
        message.new = not seen and message.folder == "INBOX" and age < 3


def _digest(text: str, length: int) -> str:
    """A stable short hex id (Message-IDs, MIME boundaries): not for security."""
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:length]


def _estimate(message: Planned, scale: float) -> float:
    """Rough size of a message, to choose the scale that reaches the target."""
    size = 2_200.0 + (1_500 if message.parent is not None else 0)
    if message.pdf_base:
        pdf = min(MAX_PDF, message.pdf_base * scale)
        size += 1.36 * pdf
        if message.xdm:  # the PDF again, deflated in the archive, plus CDA and metadata
            size += 1.36 * (0.07 * min(pdf, TEXT_CAP) + max(0.0, pdf - TEXT_CAP) + 4_000)
    if message.photo_base:
        size += 1.36 * message.photo_base * scale
    return size


def choose_scale(messages: list[Planned], target: int) -> float:
    low, high = 0.01, 100.0
    for _ in range(60):
        middle = math.sqrt(low * high)
        if sum(_estimate(m, middle) for m in messages) < target:
            low = middle
        else:
            high = middle
    return low


def plan_mailbox(
    messages: int, target_size: int, seed: int = 1, end: dt.date = DEFAULT_END
) -> Plan:
    plan = Planner(seed, messages, end).plan()
    plan.scale = choose_scale(plan.messages, target_size)
    return plan

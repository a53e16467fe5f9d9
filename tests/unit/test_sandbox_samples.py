"""The demo's sample mail: the same messages whatever the day, dated relative to ``now``."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from app.mssante.documents import read_message
from app.sandbox.mailbox import PARIS
from app.sandbox.mailbox_build import Builder
from app.sandbox.mailbox_plan import Planner
from app.sandbox.samples import Sample, sample_mail

ME = "docteur.demo@medecin.mssante.test"
REFERENCE = datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)
DAYS_APART = (
    datetime(2020, 2, 29, 10, 0, tzinfo=PARIS),  # a leap day, years before
    datetime(2026, 3, 29, 3, 30, tzinfo=PARIS),  # 90 minutes after the change to summer time
    datetime(2026, 10, 25, 4, 0, tzinfo=PARIS),  # two hours after the change back
    datetime(2026, 12, 7, 9, 15, 42, tzinfo=PARIS),
    datetime(2027, 1, 1, 0, 30, tzinfo=PARIS),  # most of the mail from the year before
    datetime(2031, 7, 14, 23, 59, 59, tzinfo=PARIS),
)


def parsed(sample: Sample) -> EmailMessage:
    return message_from_bytes(sample.raw, policy=policy.default)


@dataclass(frozen=True)
class Pick:
    """What a sample says, its dates aside."""

    subject: str
    sender: str
    flags: tuple[str, ...]
    receipt: bool
    patients: tuple[tuple[str | None, tuple[str, ...], date | None, tuple[str, str] | None], ...]


def picks(samples: list[Sample]) -> list[Pick]:
    out = []
    for sample in samples:
        message = parsed(sample)
        patients = []
        for document in read_message(sample.raw).documents:
            who = document.identity
            if who is not None:
                ins = (who.ins.matricule, who.ins.oid) if who.ins else None
                patients.append((who.birth_name, who.first_names, who.birth_date, ins))
        receipt = "Disposition-Notification-To" in message
        out.append(
            Pick(
                str(message["Subject"]),
                str(message["From"]),
                sample.flags,
                receipt,
                tuple(patients),
            )
        )
    return out


def ages(samples: list[Sample], now: datetime) -> list[timedelta]:
    """How long before ``now`` each sample arrived, in real time (UTC, not wall clock)."""
    return [now.astimezone(UTC) - sample.when.astimezone(UTC) for sample in samples]


@pytest.fixture(scope="module")
def reference() -> list[Sample]:
    return sample_mail(ME, REFERENCE)


def test_the_reference_day_picks(reference: list[Sample]) -> None:
    """The demo's mail as the UI and e2e tests know it (and the demo's patients)."""
    subjects = [str(parsed(s)["Subject"]) for s in reference]
    assert [s.split(" ")[0] for s in subjects] == [
        "Résultats",
        "XDM/1.0/DDM+LETTRE",
        "Effets",
        "XDM/1.0/DDM+SCANNER",
        "Vaccination",
        "CR",
        "XDM/1.0/DDM+RESULTATS",
    ]
    patients = {p[0]: p for pick in picks(reference) for p in pick.patients}
    assert set(patients) == {"SCHMITT", "BLANCHARD", "GARNIER", "JEAN", "CARON"}
    assert patients["CARON"][2:] == (None, None)  # from the PDF's name: names only
    assert patients["SCHMITT"][3] == ("146109979783919", "")  # HPRIM: no OID
    assert patients["BLANCHARD"][3] == ("190043852305873", "1.2.250.1.213.1.4.10")
    assert patients["GARNIER"][3] == ("147030150804141", "1.2.250.1.213.1.4.10")
    assert ages(reference, REFERENCE) == [timedelta(hours=h) for h in (1.5, 5, 9, 27, 30, 52, 76)]


@pytest.mark.parametrize("now", DAYS_APART, ids=lambda now: now.strftime("%Y-%m-%dT%H:%M"))
def test_the_same_mail_every_day_dated_before_now(reference: list[Sample], now: datetime) -> None:
    samples = sample_mail(ME, now)
    assert picks(samples) == picks(reference)
    for pick in picks(samples):  # a day in a subject is a birth date, never a planned day
        born = {f"{birth:%d/%m/%Y}" for _, _, birth, _ in pick.patients if birth}
        assert set(re.findall(r"\d\d/\d\d(?:/\d{4})?", pick.subject)) <= born
    assert ages(samples, now) == ages(reference, REFERENCE)  # real hours, across DST too
    assert all(timedelta(0) < age < timedelta(days=4) for age in ages(samples, now))
    for sample in samples:
        assert sample.when.utcoffset() == sample.when.astimezone(PARIS).utcoffset()  # no 02:30
        message = parsed(sample)
        sent = parsedate_to_datetime(str(message["Date"]))
        assert timedelta(0) < sample.when - sent < timedelta(seconds=90)
        assert str(message["Received"]).endswith(format_datetime(sample.when))
        for document in read_message(sample.raw).documents:
            assert document.act_date == sample.when.astimezone(PARIS).date()
            if document.identity is not None and document.identity.birth_date is not None:
                assert document.identity.birth_date < now.date()  # nobody born in the future


def test_the_same_bytes_for_the_same_now() -> None:
    now = datetime(2026, 12, 7, 9, 15, 42, 123456, tzinfo=PARIS)
    first = sample_mail(ME, now)
    assert sample_mail(ME, now) == first
    assert sample_mail(ME, now.astimezone(UTC)) == first  # the same instant, another zone
    assert [s.raw for s in sample_mail(ME, now + timedelta(minutes=1))] != [s.raw for s in first]


def contents(raw: bytes) -> Iterator[tuple[str, bytes]]:
    """Every header and every decoded part, archive members and their time stamps too."""
    message = message_from_bytes(raw, policy=policy.default)
    for name, value in message.items():
        yield name, str(value).encode()
    for part in message.walk():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        name = part.get_filename() or part.get_content_type()
        yield name, name.encode() + b"\n" + data
        if data.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    stamp = "{:04d}{:02d}{:02d}".format(*info.date_time[:3]).encode()
                    yield f"{name}/{info.filename}", stamp + b"\n" + archive.read(info)


def test_no_date_of_the_plan_is_left_in_the_mail() -> None:
    """The plan behind the picks ends on a fixed day of 2026: mail dated in 2031 names no
    day of 2025 or 2026 anywhere (headers, PDF, CDA, XDM metadata and zip entries, HPRIM),
    and every document names the day it was sent."""
    now = datetime(2031, 7, 14, 23, 59, 59, tzinfo=PARIS)
    for sample in sample_mail(ME, now):
        found = dict(contents(sample.raw))
        for name, data in found.items():
            assert not re.search(rb"202[56]", data), (name, data[:200])
        day = sample.when.astimezone(PARIS)
        for name, data in found.items():
            if name.endswith(".pdf"):
                assert f"Date : {day:%d/%m/%Y}".encode() in data
                assert f"/CreationDate (D:{day:%Y%m%d}".encode() in data
            if name.endswith("DOC0001.XML"):
                assert f'<effectiveTime value="{day:%Y%m%d}'.encode() in data
            if name.endswith(".HPR"):
                assert f"\n{day:%d/%m/%Y}\r\n".encode() in data


_RESULT_ROW = re.compile(  # a row of a lab PDF's results table
    r"^(?P<name>\S.*?)\s+(?P<value>\d+\.\d\d) (?P<flag>[HL])?\s+(?P<unit>\S+)\s+"
    r"[\d.]+ – [\d.]+\s+[\d.]+ le \d\d/\d\d/\d{4}$"
)


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def _pdf_lines(data: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


def test_the_lab_results_agree_in_text_hprim_pdf_and_cda(reference: list[Sample]) -> None:
    """Each lab result's PDF shows the values of its HPRIM file (or, for the XDM one, of
    its CDA): the same eight results, units, ranges and flags, on one line each; and its
    mail text calls out exactly the values flagged abnormal there."""
    texts = [_text(parsed(s)) for s in reference]
    labs = [(s, t) for s, t in zip(reference, texts, strict=True) if "hors des valeurs" in t]
    assert len(labs) == 2
    for sample, text in labs:
        message = parsed(sample)
        files = {p.get_filename(): p.get_payload(decode=True) for p in message.iter_attachments()}
        pdf = next(data for name, data in files.items() if name and name.endswith(".pdf"))
        lines = _pdf_lines(pdf)
        called_out = re.findall(r"^  (.+) : ([\d.]+) (\S+) \(N ([<>]) ([\d.]+)\)$", text, re.M)
        if "RESULTATS.HPR" in files:
            (document,) = [d for d in read_message(sample.raw).documents if d.results]
            rows = document.results
            assert len(rows) == 8
            for row in rows:
                low, high = row.reference_range.split("-")
                (line,) = [ln for ln in lines if ln.startswith(row.label + " ")]
                shown = line.split()
                assert row.value in shown and row.unit in shown, (line, row)
                assert f"{low} – {high}" in line
                flag = {"high": "H", "low": "L"}.get(row.flag, "")
                assert (flag in shown) if flag else not ({"H", "L"} & set(shown)), line
            flagged = {(r.label, r.value, r.unit) for r in rows if r.abnormal}
        else:  # the XDM lab: the CDA narrative and the PDF carry the same table
            archive = zipfile.ZipFile(io.BytesIO(files["IHE_XDM.ZIP"]))
            cda = archive.read("IHE_XDM/SUBSET01/DOC0001.XML").decode()
            rows = [m for m in map(_RESULT_ROW.match, lines) if m]
            assert len(rows) == 8
            for row in rows:
                assert row["name"] in cda and row["value"] in cda  # the same table
            flagged = {(r["name"], r["value"], r["unit"]) for r in rows if r["flag"]}
        assert {(n, v, u) for n, v, u, _, _ in called_out} == flagged, (text, flagged)
        assert called_out and "Antériorités" in " ".join(lines)


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, after checking its chunks' CRCs and its pixel data."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks[kind] = body
        at += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)  # RGB
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)
    assert b"IEND" in chunks
    return width, height


def test_the_patients_photo_is_attached(reference: list[Sample]) -> None:
    (sample,) = [s for s in reference if "@patient." in str(parsed(s)["From"])]
    message = parsed(sample)
    assert "Je vous joins une photo" in _text(message).replace("\n", " ")
    (photo,) = list(message.iter_attachments())
    assert photo.get_content_type() == "image/png"
    data = photo.get_payload(decode=True)
    assert isinstance(data, bytes) and 100_000 < len(data) < 600_000
    width, height = _png_size(data)
    assert width * 3 == height * 4 and height >= 120


def test_a_patient_announces_an_attachment_only_when_there_is_one() -> None:
    plan = Planner(7, 600, date(2026, 6, 30)).plan()
    plan.scale = 0.02
    builder = Builder(plan)
    patients = [m for m in plan.messages if m.kind == "patient" and not m.outgoing]
    assert any(m.photo_base and not m.scan for m in patients)
    assert any(m.photo_base and m.scan for m in patients)
    assert any(not m.photo_base for m in patients)
    for planned in patients:
        message = message_from_bytes(builder.build(planned), policy=policy.default)
        text = _text(message).replace("\n", " ")
        kinds = [p.get_content_type() for p in message.iter_attachments()]
        assert ("Je vous joins une photo" in text) == (kinds == ["image/png"]), planned.index
        assert ("ordonnance scannée" in text) == (kinds == ["application/pdf"]), planned.index
        if "photo" in planned.subject.lower() and planned.parent is None:
            assert kinds == ["image/png"]
        for part in message.iter_attachments():
            if part.get_content_type() == "image/png":
                _png_size(part.get_payload(decode=True))

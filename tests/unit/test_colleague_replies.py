"""A demo colleague reads what the demo sends and answers now and then: a read receipt when
asked, a reply that fits the colleague and the message, never to a report or a closed
conversation; the same message always meets the same fate."""

from __future__ import annotations

import time
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from app.mssante.dsn import read_mdn
from app.sandbox.colleague_replies import (
    ANSWERED_ONE_IN,
    READ_DELAY,
    Answer,
    planned,
    read_receipt,
    reply,
)
from app.sandbox.colleagues import DEMO_COLLEAGUES
from app.sandbox.mailbox import PARIS
from app.sandbox.operator import DEMO_ADDRESS, SandboxOperator
from app.sandbox.samples import sample_mail

CARDIO, PNEUMO, NURSE, PHYSIO = DEMO_COLLEAGUES
NOW = datetime(2031, 7, 14, 10, 30, tzinfo=PARIS)


def note(to: str, *, message_id: str = "<1@demo>", cc: str = "", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Dr Démo CADUCÉE <{DEMO_ADDRESS}>"
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = "Avis pour une patiente"
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 14 Jul 2031 10:00:00 +0200"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Cher confrère,\n\nPouvez-vous voir Mme DUPONT ?\n\nBien à vous\n")
    return message.as_bytes()


def parsed(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def test_a_first_message_is_answered_a_receipt_when_asked() -> None:
    assert planned(CARDIO, note(CARDIO.address), reply_after=0) == [Answer("reply", 0)]
    asked = note(CARDIO.address, Disposition_Notification_To=DEMO_ADDRESS)
    assert planned(CARDIO, asked, reply_after=8) == [Answer("mdn", 4), Answer("reply", 8)]
    copied = note(CARDIO.address, cc=NURSE.address, Disposition_Notification_To=DEMO_ADDRESS)
    assert [a.kind for a in planned(NURSE, copied)] == ["mdn"]  # in copy: reads, no reply
    (default,) = planned(CARDIO, note(CARDIO.address))
    low, high = READ_DELAY
    assert low <= default.delay < high
    assert planned(CARDIO, note(CARDIO.address)) == [default]  # the same message, same fate


def test_later_messages_are_answered_now_and_then_reports_never() -> None:
    answered = [
        bool(planned(CARDIO, note(CARDIO.address, message_id=f"<{n}@demo>", In_Reply_To="<0@x>")))
        for n in range(300)
    ]
    assert 300 / ANSWERED_ONE_IN * 0.7 < sum(answered) < 300 / ANSWERED_ONE_IN * 1.3
    assert planned(CARDIO, note(CARDIO.address, X_MSS_MES="FIN")) == []
    assert planned(CARDIO, note(CARDIO.address, Auto_Submitted="auto-replied")) == []
    mdn = read_receipt(CARDIO, note(CARDIO.address, Disposition_Notification_To=DEMO_ADDRESS), NOW)
    assert planned(PNEUMO, mdn) == []


def test_the_reply_fits_the_colleague_and_names_the_patient_and_documents() -> None:
    letter = next(s.raw for s in sample_mail(DEMO_ADDRESS, NOW) if b"LETTRE DE LIAISON" in s.raw)
    original = parsed(letter)
    del original["To"]
    original["To"] = PNEUMO.address
    answer = parsed(reply(PNEUMO, original.as_bytes(), NOW))
    assert str(answer["From"]) == f"{PNEUMO.display} <{PNEUMO.address}>"
    assert str(answer["Subject"]).startswith("RE: XDM/1.0/DDM+LETTRE DE LIAISON")
    assert str(answer["In-Reply-To"]) == str(original["Message-ID"])
    assert str(original["Message-ID"]) in str(answer["References"])
    assert answer["Date"].datetime == NOW
    text = answer.get_content()
    written = text.split("a écrit :")[0].splitlines()[:-1]  # above the quote's header
    assert all(len(line) <= 72 for line in written), written
    text = text.replace("\n", " ")  # wrapped at 72
    assert "M. Théo BLANCHARD" in text and "explorations fonctionnelles" in text
    assert "documents joints (" in text and "Pneumologie" in text
    assert " > Madame, Monsieur, cher confrère," in text  # the letter, quoted
    sent = original["Date"].datetime.astimezone(PARIS)
    assert f"Le {sent:%d/%m/%Y à %H:%M}, " in text
    nurse = " ".join(parsed(reply(NURSE, note(NURSE.address), NOW)).get_content().split())
    assert nurse.startswith("Bonjour Docteur,") and "votre patient" in nurse
    assert "Cabinet infirmier des Tilleuls" in nurse
    again = parsed(reply(CARDIO, parsed(reply(CARDIO, note(CARDIO.address), NOW)).as_bytes(), NOW))
    assert str(again["Subject"]) == "RE: Avis pour une patiente"  # never "RE: RE:"


def test_the_read_receipt_is_an_mdn_caducee_reads() -> None:
    asked = note(CARDIO.address, message_id="<42@demo>", Disposition_Notification_To=DEMO_ADDRESS)
    receipt = read_receipt(CARDIO, asked, NOW)
    disposition = read_mdn(receipt)
    assert disposition is not None
    assert (disposition.message_id, disposition.recipient, disposition.kind) == (
        "42@demo",
        CARDIO.address,
        "displayed",
    )
    assert DEMO_ADDRESS in str(parsed(receipt)["To"])


def _inbox(operator: SandboxOperator) -> list[EmailMessage]:
    inbox = operator.files.mailboxes / DEMO_ADDRESS
    return [parsed(p.read_bytes()) for d in ("new", "cur") for p in (inbox / d).iterdir()]


def test_the_operator_delivers_the_answers_into_the_demo_mailbox(tmp_path: Path) -> None:
    operator = SandboxOperator(tmp_path / "demo", DEMO_ADDRESS, now=lambda: NOW, reply_after=0)
    with operator:
        before = len(_inbox(operator))
        asked = note(CARDIO.address, Disposition_Notification_To=DEMO_ADDRESS)
        operator._deliver(DEMO_ADDRESS, [CARDIO.address], asked)
        deadline = time.monotonic() + 20
        while len(_inbox(operator)) < before + 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        subjects = sorted(str(m["Subject"]) for m in _inbox(operator))
        assert "RE: Avis pour une patiente" in subjects
        assert "Accusé de lecture : Avis pour une patiente" in subjects
        late = SandboxOperator(tmp_path / "late", DEMO_ADDRESS, reply_after=3600)
    with late:
        late._deliver(DEMO_ADDRESS, [CARDIO.address], note(CARDIO.address))
        assert len(late._answers) == 1
    assert late._answers == []  # stopped: the answer still due is dropped, no thread left

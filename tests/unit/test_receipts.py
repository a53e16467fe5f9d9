"""Read receipts (RFC 8098): asked for, built, never asked twice."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from app.mssante.dsn import read_mdn
from app.ops import receipts
from app.ops.receipts import MDN_SENT, read_receipt, receipt_requested
from app.store.mime import parse_message

ME = "alice.martin@medecin.mssante.fr"


def asking() -> bytes:
    message = EmailMessage()
    message["From"] = "Dr Paul DURAND <paul.durand@chu.mssante.fr>"
    message["To"] = ME
    message["Subject"] = "Compte rendu opératoire"
    message["Message-ID"] = "<cro-7@chu.mssante.fr>"
    message["Date"] = "Mon, 16 Nov 2026 09:00:00 +0100"
    message["Disposition-Notification-To"] = "Secrétariat <secretariat@chu.mssante.fr>"
    message.set_content("Voici le compte rendu.")
    return message.as_bytes()


def test_a_receipt_is_asked_until_sent_or_refused() -> None:
    parsed = parse_message(asking())
    assert receipt_requested(parsed, ()) == "secretariat@chu.mssante.fr"
    assert receipt_requested(parsed, (MDN_SENT,)) is None


def test_the_receipt_follows_rfc_8098() -> None:
    raw = read_receipt(parse_message(asking()), ME, asking()).as_bytes()
    built = message_from_bytes(raw, policy=policy.default)
    assert built["To"] == "secretariat@chu.mssante.fr" and built["From"] == ME
    assert built.get_content_type() == "multipart/report"
    assert built.get_param("report-type") == "disposition-notification"
    assert built["In-Reply-To"] == "<cro-7@chu.mssante.fr>"
    assert built["Auto-Submitted"] == "auto-replied"
    human, machine, original = list(built.iter_parts())
    assert "Compte rendu opératoire" in human.get_content()
    assert machine.get_content_type() == "message/disposition-notification"
    assert machine["Content-Transfer-Encoding"] == "7bit"  # never base64 for message/*
    fields = raw.decode("ascii", "replace")
    assert "Original-Message-ID: <cro-7@chu.mssante.fr>" in fields
    assert "Disposition: manual-action/MDN-sent-manually; displayed" in fields
    assert f"Final-Recipient: rfc822; {ME}" in fields
    # ANS: the original message as the third part, whole
    assert original.get_content_type() == "message/rfc822"
    assert b"Voici le compte rendu." in raw
    assert "Original-Recipient" not in fields  # the original did not carry one


def test_the_receipt_names_the_original_recipient_and_is_read_back() -> None:
    message = message_from_bytes(asking(), policy=policy.default)
    message["Original-Recipient"] = "rfc822; cabinet@medecin.mssante.fr"
    original = message.as_bytes()
    raw = read_receipt(parse_message(original), ME, original).as_bytes()
    assert b"Original-Recipient: rfc822; cabinet@medecin.mssante.fr" in raw
    read = read_mdn(raw)  # what the sender's Caducée makes of it
    assert read is not None
    assert read.message_id == "cro-7@chu.mssante.fr"
    assert read.kind == "displayed" and not read.error
    assert read.original == "cabinet@medecin.mssante.fr" and read.recipient == ME


def test_a_big_original_goes_back_as_its_headers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receipts, "ORIGINAL_LIMIT", 100)
    raw = read_receipt(parse_message(asking()), ME, asking()).as_bytes()
    built = message_from_bytes(raw, policy=policy.default)
    third = list(built.iter_parts())[2]
    assert third.get_content_type() == "text/rfc822-headers"
    assert b"Voici le compte rendu." not in raw
    assert b"cro-7@chu.mssante.fr" in raw

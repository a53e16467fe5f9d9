"""Read receipts (RFC 8098): asked for, built, never asked twice."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

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
    raw = read_receipt(parse_message(asking()), ME).as_bytes()
    built = message_from_bytes(raw, policy=policy.default)
    assert built["To"] == "secretariat@chu.mssante.fr" and built["From"] == ME
    assert built.get_content_type() == "multipart/report"
    assert built.get_param("report-type") == "disposition-notification"
    assert built["In-Reply-To"] == "<cro-7@chu.mssante.fr>"
    assert built["Auto-Submitted"] == "auto-replied"
    human, machine = list(built.iter_parts())
    assert "Compte rendu opératoire" in human.get_content()
    assert machine.get_content_type() == "message/disposition-notification"
    assert machine["Content-Transfer-Encoding"] == "7bit"  # never base64 for message/*
    fields = raw.decode("ascii", "replace")
    assert "Original-Message-ID: <cro-7@chu.mssante.fr>" in fields
    assert "Disposition: manual-action/MDN-sent-manually; displayed" in fields
    assert f"Final-Recipient: rfc822; {ME}" in fields

"""Reply, reply to all, forward: fields, threading headers, quoting."""

from __future__ import annotations

from email.message import EmailMessage

from app.ops.outbox import compose
from app.ops.replies import forward, reply
from app.store.mime import parse_message

ME = "alice.martin@medecin.mssante.fr"


def original() -> tuple[bytes, EmailMessage]:
    message = EmailMessage()
    message["From"] = "Dr Paul DURAND <paul.durand@chu.mssante.fr>"
    message["To"] = f"Dr Alice MARTIN <{ME}>, secretariat@chu.mssante.fr"
    message["Cc"] = "Laboratoire <labo@biolab.mssante.fr>"
    message["Subject"] = "RE : Compte rendu d'hospitalisation"
    message["Message-ID"] = "<cr-2@chu.mssante.fr>"
    message["References"] = "<cr-1@chu.mssante.fr>"
    message["Date"] = "Mon, 16 Nov 2026 09:00:00 +0100"
    message.set_content("Chère consœur,\n\nvoici le compte rendu.\n")
    message.add_attachment(b"%PDF-1.4 cr", maintype="application", subtype="pdf", filename="cr.pdf")
    return message.as_bytes(), message


def test_reply_and_reply_to_all() -> None:
    raw, _message = original()
    parsed = parse_message(raw)
    answer = reply(parsed, ME)
    assert answer.to == ["Dr Paul DURAND <paul.durand@chu.mssante.fr>"] and answer.cc == []
    assert answer.subject == "RE : Compte rendu d'hospitalisation"  # no second prefix
    assert answer.in_reply_to == "cr-2@chu.mssante.fr"
    assert answer.references == ["cr-1@chu.mssante.fr", "cr-2@chu.mssante.fr"]
    assert "Dr Paul DURAND <paul.durand@chu.mssante.fr> a écrit :" in answer.body
    assert "> voici le compte rendu." in answer.body
    everyone = reply(parsed, ME, to_all=True)
    assert everyone.cc == ["secretariat@chu.mssante.fr", "Laboratoire <labo@biolab.mssante.fr>"]
    built = compose(everyone)
    assert built["In-Reply-To"] == "<cr-2@chu.mssante.fr>"
    assert built["References"] == "<cr-1@chu.mssante.fr> <cr-2@chu.mssante.fr>"


def test_forward_carries_the_attachments() -> None:
    raw, _message = original()
    carried = forward(parse_message(raw), raw, ME)
    assert carried.subject == "Fwd: RE : Compte rendu d'hospitalisation"
    assert carried.to == [] and "Message transféré" in carried.body
    assert [(n, t, d) for n, t, d in carried.forwarded] == [
        ("cr.pdf", "application/pdf", b"%PDF-1.4 cr")
    ]
    built = compose(carried)
    assert [p.get_filename() for p in built.iter_attachments()] == ["cr.pdf"]

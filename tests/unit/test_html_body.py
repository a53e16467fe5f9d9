"""The HTML part of a message for the reader: found when there, None otherwise, never a
crash on malformed input."""

from __future__ import annotations

from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from app.store.html_body import html_body


def test_the_html_alternative_is_found() -> None:
    message = EmailMessage()
    message["Subject"] = "Résultats"
    message.set_content("Hémoglobine : 13,2 g/dL")
    message.add_alternative("<p>H&eacute;moglobine : <b>13,2</b></p>", subtype="html")
    found = html_body(message.as_bytes())
    assert found is not None and "<b>13,2</b>" in found


def test_a_plain_message_has_no_html() -> None:
    message = EmailMessage()
    message.set_content("texte")
    assert html_body(message.as_bytes()) is None


def test_an_html_attachment_is_not_the_body() -> None:
    message = EmailMessage()
    message.set_content("voir la pièce jointe")
    message.add_attachment(b"<p>page</p>", maintype="text", subtype="html", filename="page.html")
    assert html_body(message.as_bytes()) is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_garbage_never_raises(raw: bytes) -> None:
    prefix = (
        b"Content-Type: multipart/alternative; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: text/html\r\n\r\n"
    )
    found = html_body(prefix + raw)  # raises on a defect: the test fails
    assert found is None or isinstance(found, str)

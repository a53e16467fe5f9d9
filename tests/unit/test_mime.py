"""app.store.mime: realistic MSSanté mail, hostile names, malformed structures, fuzzing."""

from __future__ import annotations

import base64
import time
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.store.mime import ParsedMessage, parse_message
from app.store.mime_attachments import attachment_bytes, safe_filename
from app.store.mime_headers import Address, parse_header_summary
from app.store.mime_text import TEXT_LIMIT

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
ZIP = b"PK\x03\x04" + bytes(range(256)) * 4 + b"PK\x05\x06" + b"\x00" * 18


def check_consistent(raw: bytes, parsed: ParsedMessage) -> None:
    """Every listed attachment can be fetched, and its size is what is fetched."""
    assert "InternalParserErrorDefect" not in parsed.defects
    for attachment in parsed.attachments:
        assert len(attachment_bytes(raw, attachment.part_index)) == attachment.size
        assert attachment.filename == safe_filename(attachment.filename, "x")


def lab_result(subject_header: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = "Laboratoire Biolab <Resultats@BIOLAB.MSSANTE.FR>"
    message["To"] = "Dr Jeanne Martin <jeanne.martin@medecin.mssante.fr>"
    message["Date"] = "Tue, 05 Mar 2024 10:15:00 +0100"
    message["Message-ID"] = "<20240305101500.4711@biolab.mssante.fr>"
    message.set_content(
        "Bonjour Docteur,\n\nVeuillez trouver ci-joint le compte rendu du bilan "
        "sanguin de Mme Dupont (hémoglobine, créatinine).\n\nCordialement,\nLe laboratoire\n"
    )
    message.add_attachment(
        PDF, maintype="application", subtype="pdf", filename="CR bilan sanguin.pdf"
    )
    return b"Subject: " + subject_header + b"\r\n" + message.as_bytes()


# -- realistic mail ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject_header",
    [
        b"=?UTF-8?Q?R=C3=A9sultats_d'analyses_=E2=80=94_Mme_Dupont_H=C3=A9l=C3=A8ne?=",
        b"=?utf-8?B?UsOpc3VsdGF0cyBkJ2FuYWx5c2VzIOKAlCBNbWUgRHVwb250IEjDqWzDqG5l?=",
        # a multi-byte character split between two encoded words, then latin-1
        b"=?utf-8?B?UsOp?= =?utf-8?B?c3VsdGF0cyBkJ2FuYWx5c2VzIOKA?=\r\n"
        b" =?utf-8?B?lCBNbWUgRHVwb250?= =?iso-8859-1?Q?_H=E9l=E8ne?=",
    ],
)
def test_lab_result_with_pdf_and_encoded_subject(subject_header: bytes) -> None:
    raw = lab_result(subject_header)
    parsed = parse_message(raw)

    assert parsed.subject == "Résultats d'analyses — Mme Dupont Hélène"
    assert parsed.sender == Address("Laboratoire Biolab", "Resultats@biolab.mssante.fr")
    assert parsed.to == (Address("Dr Jeanne Martin", "jeanne.martin@medecin.mssante.fr"),)
    assert parsed.date == datetime(2024, 3, 5, 9, 15, tzinfo=UTC)
    assert parsed.message_id == "20240305101500.4711@biolab.mssante.fr"
    assert "hémoglobine, créatinine" in parsed.body_text
    assert not parsed.has_html
    (pdf,) = parsed.attachments
    assert (pdf.filename, pdf.content_type, pdf.size, pdf.part_index) == (
        "CR bilan sanguin.pdf",
        "application/pdf",
        len(PDF),
        "2",
    )
    assert not pdf.inline
    assert attachment_bytes(raw, "2") == PDF
    check_consistent(raw, parsed)


def discharge_letter() -> bytes:
    message = EmailMessage()
    message["From"] = '"CHU de Rennes - Service de cardiologie" <cardio@chu-rennes.mssante.fr>'
    message["To"] = "Dr Martin <jeanne.martin@medecin.mssante.fr>"
    message["Cc"] = "secretariat@chu-rennes.mssante.fr, Dr Béatrice Lévy <b.levy@Chu-Rennes.fr>"
    message["Subject"] = "XDM/1.0/DDM+Lettre de liaison de sortie DUPONT Hélène 12/10/1948"
    message["Date"] = "Mon, 11 Mar 2024 16:02:11 +0000"
    message["Message-ID"] = "<lls-0042@chu-rennes.mssante.fr>"
    message["X-MSS-CODECDA"] = "11490-0"
    message["X-MSS-INS"] = "O"
    message["x-mss-nil"] = "Caducee_1.0"
    message["Disposition-Notification-To"] = "cardio@chu-rennes.mssante.fr"
    message.set_content("Lettre de liaison de sortie de Mme DUPONT, hospitalisée du 4 au 11 mars.")
    message.add_attachment(ZIP, maintype="application", subtype="zip", filename="IHE_XDM.ZIP")
    message.add_attachment(
        PDF,
        maintype="application",
        subtype="pdf",
        filename="20240311_Lettre de liaison_DUPONT_Hélène_4711.pdf",
    )
    message["Content-Language"] = "fr"  # after add_attachment, which moves Content-* down
    return message.as_bytes()


def test_discharge_letter_with_xdm_pdf_and_mss_headers() -> None:
    raw = discharge_letter()
    assert b"filename*0*=utf-8''" in raw  # the accented name went out as RFC 2231
    parsed = parse_message(raw)

    assert parsed.subject.startswith("XDM/1.0/DDM+Lettre de liaison de sortie DUPONT Hélène")
    assert parsed.sender == Address(
        "CHU de Rennes - Service de cardiologie", "cardio@chu-rennes.mssante.fr"
    )
    assert parsed.cc == (
        Address("", "secretariat@chu-rennes.mssante.fr"),
        Address("Dr Béatrice Lévy", "b.levy@chu-rennes.fr"),
    )
    assert parsed.headers == {
        "X-MSS-CODECDA": "11490-0",
        "X-MSS-INS": "O",
        "X-MSS-NIL": "Caducee_1.0",
        "Disposition-Notification-To": "cardio@chu-rennes.mssante.fr",
        "Content-Language": "fr",
    }
    assert [(a.filename, a.content_type, a.part_index) for a in parsed.attachments] == [
        ("IHE_XDM.ZIP", "application/zip", "2"),
        ("20240311_Lettre de liaison_DUPONT_Hélène_4711.pdf", "application/pdf", "3"),
    ]
    assert attachment_bytes(raw, "2") == ZIP
    assert attachment_bytes(raw, "3") == PDF
    assert "hospitalisée du 4 au 11 mars" in parsed.body_text
    assert parsed.defects == ()
    check_consistent(raw, parsed)


def test_html_only_mail_with_script_style_and_head() -> None:
    message = EmailMessage()
    message["From"] = "noreply@imagerie-ouest.mssante.fr"
    message["To"] = "jeanne.martin@medecin.mssante.fr"
    message["Subject"] = "Compte rendu d'IRM disponible"
    message.set_content(
        "<!DOCTYPE html><html><head><title>Titre caché</title>"
        "<style>p { color: red }</style><meta charset='utf-8'></head>"
        "<body><h1>Compte&nbsp;rendu</h1><p>Bonjour,   votre patient <b>M. Durand</b>"
        "\n   a passé une IRM.</p><script>document.write('piège')</script>"
        "<p>Résultat : <a href='https://portail.example/cr/42'>voir le compte rendu</a>"
        " &amp; les images &lt;DICOM&gt;.</p><ul><li>Séquence T1</li><li>Séquence T2</li></ul>"
        "<table><tr><td>Créatinine</td><td>82 µmol/L</td></tr></table>"
        "Ligne 1<br>Ligne 2<![if !supportLists]>x<![endif]><![bogus[ y ]]></body></html>",
        subtype="html",
    )
    raw = message.as_bytes()
    parsed = parse_message(raw)

    assert parsed.has_html
    assert parsed.attachments == ()
    text = parsed.body_text
    for hidden in ("Titre caché", "color", "document.write", "piège", "<b>", "href"):
        assert hidden not in text
    assert text.startswith("Compte rendu\n\nBonjour, votre patient M. Durand a passé une IRM.")
    assert "Résultat : voir le compte rendu & les images <DICOM>." in text
    assert "- Séquence T1\n- Séquence T2" in text
    assert "Créatinine\t82 µmol/L" in text
    assert "Ligne 1\nLigne 2" in text
    check_consistent(raw, parsed)


def test_unclosed_head_does_not_hide_the_body() -> None:
    raw = (
        b"Subject: x\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n"
        b"<html><head><title>t</title><body><p>R\xe9sultat normal</p>"
    )
    assert parse_message(raw).body_text == "Résultat normal"


def test_read_receipt_request_headers() -> None:
    raw = (
        b"From: Dr Martin <jeanne.martin@medecin.mssante.fr>\r\n"
        b"To: patient@example.org\r\n"
        b"Subject: Ordonnance\r\n"
        b"Disposition-Notification-To: Dr Martin <jeanne.martin@medecin.mssante.fr>\r\n"
        b"Return-Receipt-To: jeanne.martin@medecin.mssante.fr\r\n"
        b"Auto-Submitted: no\r\n"
        b"X-Other: not kept\r\n"
        b"\r\nCorps\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.headers == {
        "Disposition-Notification-To": "Dr Martin <jeanne.martin@medecin.mssante.fr>",
        "Return-Receipt-To": "jeanne.martin@medecin.mssante.fr",
        "Auto-Submitted": "no",
    }
    assert parsed.attachments == ()
    assert parsed.body_text == "Corps"


def test_forwarded_message_rfc822() -> None:
    inner = EmailMessage()
    inner["From"] = "Radiologie <radio@clinique.mssante.fr>"
    inner["Subject"] = "CR échographie abdominale / Mme Dupont"
    inner["Message-ID"] = "<inner@clinique>"
    inner.set_content("Échographie sans particularité.")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="echo.pdf")

    outer = EmailMessage()
    outer["From"] = "Dr Martin <jeanne.martin@medecin.mssante.fr>"
    outer["To"] = "confrere@medecin.mssante.fr"
    outer["Subject"] = "TR: CR échographie abdominale / Mme Dupont"
    outer["In-Reply-To"] = "<inner@clinique>"
    outer["References"] = "<root@clinique> <inner@clinique> <inner@clinique> garbage"
    outer.set_content("Pour avis, merci.")
    outer.add_attachment(inner)
    raw = outer.as_bytes()
    parsed = parse_message(raw)

    assert parsed.body_text == "Pour avis, merci."
    (forwarded,) = parsed.attachments
    assert forwarded.content_type == "message/rfc822"
    assert forwarded.filename == "CR échographie abdominale - Mme Dupont.eml"
    assert forwarded.part_index == "2"
    inner_raw = attachment_bytes(raw, "2")
    assert parse_message(inner_raw).subject == "CR échographie abdominale / Mme Dupont"
    # paths go on inside the forwarded message, as IMAP sections do
    assert attachment_bytes(raw, "2.2") == PDF
    assert "sans particularité" in attachment_bytes(raw, "2.1").decode()
    assert parsed.in_reply_to == "inner@clinique"
    assert parsed.references == ("root@clinique", "inner@clinique")
    check_consistent(raw, parsed)


def test_alternative_with_related_html_and_inline_image() -> None:
    message = EmailMessage()
    message["From"] = "secretariat@cabinet.mssante.fr"
    message["Subject"] = "Rendez-vous"
    message.set_content("Votre rendez-vous est confirmé.")
    message.add_alternative(
        "<p>Votre rendez-vous est <b>confirmé</b>.<img src='cid:logo@cabinet'></p>",
        subtype="html",
    )
    html_part = message.get_payload()[1]
    html_part.add_related(b"\x89PNG\r\n\x1a\nfake", "image", "png", cid="<logo@cabinet>")
    message.add_attachment(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text", "calendar")
    raw = message.as_bytes()
    parsed = parse_message(raw)

    assert parsed.body_text == "Votre rendez-vous est confirmé."
    assert parsed.has_html
    image, calendar = parsed.attachments
    assert (image.content_type, image.content_id, image.part_index) == (
        "image/png",
        "logo@cabinet",
        "1.2.2",
    )
    assert image.inline
    assert image.filename == "piece-jointe-1.png"
    assert (calendar.content_type, calendar.filename) == ("text/calendar", "piece-jointe-2.ics")
    check_consistent(raw, parsed)


def test_html_chosen_when_alternative_has_no_plain_text() -> None:
    raw = (
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n"
        b"--b\r\nContent-Type: text/html\r\n\r\n<p>Invitation</p>\r\n--b--\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.body_text == "Invitation"
    assert [a.content_type for a in parsed.attachments] == ["text/calendar"]


def test_format_flowed_is_unwrapped() -> None:
    raw = (
        b"Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        b"Bonjour, voici une phrase tr\xc3\xa8s \r\nlongue coup\xc3\xa9e.\r\n"
        b"> cit\xc3\xa9 \r\n> suite\r\n-- \r\nSignature\r\n"
    )
    assert parse_message(raw).body_text == (
        "Bonjour, voici une phrase très longue coupée.\n> cité suite\n-- \nSignature"
    )


# -- hostile file names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Windows\\x", "x"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/absolute/path/rapport.pdf", "rapport.pdf"),
        ("CON.txt", "_CON.txt"),
        ("con", "_con"),
        ("lpt9.tar.gz", "_lpt9.tar.gz"),
        ("AUX .pdf", "_AUX .pdf"),
        ("CONSULTATION.pdf", "CONSULTATION.pdf"),
        ("  .pdf", "_.pdf"),
        (".bashrc", "_.bashrc"),
        ("rapport.pdf. . .", "rapport.pdf"),
        ("résultat\x00.exe.pdf", "résultat.exe.pdf"),
        ('a<b>c:d"e|f?g*h.txt', "abcdefgh.txt"),
        ("facture\u202efdp.exe", "facturefdp.exe"),  # right-to-left override dropped
        ("ligne\r\nsuivante.txt", "ligne  suivante.txt"),
        ("=?utf-8?Q?compte_rendu_=C3=A9cho.pdf?=", "compte rendu écho.pdf"),
        ("utf-8''compte%20rendu%20%C3%A9cho.pdf", "compte rendu écho.pdf"),
        ("iso-8859-1'fr'r%E9sultat.pdf", "résultat.pdf"),
        ("e\u0301chographie.pdf", "échographie.pdf"),  # NFC
        ("..", "fallback.bin"),
        ("", "fallback.bin"),
        (None, "fallback.bin"),
        ("\x00\x01", "fallback.bin"),
        ("///", "fallback.bin"),
    ],
)
def test_safe_filename(name: str | None, expected: str) -> None:
    assert safe_filename(name, "fallback.bin") == expected


def test_safe_filename_caps_length_and_keeps_extension() -> None:
    result = safe_filename("A" * 300 + ".pdf", "x.bin")
    assert len(result) == 150
    assert result == "A" * 146 + ".pdf"
    accented = safe_filename("é" * 300 + ".pdf", "x.bin")
    assert accented.endswith(".pdf")
    assert len(accented.encode()) <= 240
    no_extension = safe_filename("z" * 300, "x.bin")
    assert no_extension == "z" * 150


def test_safe_filename_fallback_is_sanitized_too() -> None:
    assert safe_filename(None, "../piece-jointe-1.bin") == "piece-jointe-1.bin"
    assert safe_filename("", "") == "piece-jointe.bin"


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_safe_filename_is_always_safe(name: str) -> None:
    result = safe_filename(name, "piece-jointe-1.bin")
    assert result
    assert len(result) <= 150
    assert len(result.encode("utf-8", "surrogatepass")) <= 240
    assert not set(result) & set('<>:"/\\|?*\x00')
    assert not result.startswith(".")
    assert not result.endswith((".", " "))
    assert all(ord(c) >= 0x20 for c in result)


def test_rfc2231_continuations_and_encoded_names_in_a_message() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="sep"\r\n\r\n'
        b"--sep\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment;\r\n"
        b"  filename*0*=utf-8''Compte%20rendu%20d%27%C3%A9;\r\n"
        b'  filename*1*=chographie%20%C2%AB;  filename*2=" Dupont.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(PDF) + b"\r\n"
        b'--sep\r\nContent-Type: application/pdf; name="=?iso-8859-1?Q?d=E9p=F4t.pdf?="\r\n'
        b"\r\n%PDF\r\n"
        b"--sep\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="../../\xc3\xa9vil\x00.exe"\r\n\r\nMZ\r\n'
        b"--sep--\r\n"
    )
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == [
        "Compte rendu d'échographie « Dupont.pdf",
        "dépôt.pdf",
        "évil.exe",
    ]
    assert attachment_bytes(raw, "1") == PDF
    check_consistent(raw, parsed)


# -- malformed input --------------------------------------------------------------------------

MALFORMED: dict[str, bytes] = {
    "empty": b"",
    "garbage": bytes(range(256)) * 20,
    "only_newlines": b"\r\n\r\n\n\n",
    "no_headers_text": b"juste du texte sans en-tete\r\nsur deux lignes",
    "truncated_header": b"From: a@b.fr\r\nSubject: =?utf-8?B?UsOp",
    "truncated_base64": (
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xL"
    ),
    "bad_encoded_words": (
        b"Subject: =?x-inconnu?Q?caf=E9?= =?utf-8?B?!!!?= =?utf-8?Q?caf=E9?= =?utf-8?X?y?=\r\n"
        b"From: =?utf-8?B?####?= <a@b.fr>\r\n\r\nbody"
    ),
    "eight_bit_headers": (
        b"Subject: R\xc3\xa9sultat \xe9t\xe9\r\nFrom: H\xe9l\xe8ne <h@x.fr>\r\n\r\nx"
    ),
    "nul_and_controls": b"Subject: a\x00b\x1bc\r\nFrom: <a\x00@b.fr>\r\n\r\nx\x00y\x07z",
    "base64_with_junk": (
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBE!!Ri0x\r\n*** !!! ***\r\nLjQ=QUJD=====\r\nQQ"
    ),
    "unknown_charsets": (b"Content-Type: text/plain; charset=x-klingon\r\n\r\nr\xe9sultat\r\n"),
    "refused_codec": b"Content-Type: text/plain; charset=punycode\r\n\r\n\xff\xfe" * 3,
    "missing_boundary_param": (
        b"Content-Type: multipart/mixed\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nvu\r\n"
        b"--zz\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--zz--\r\n"
    ),
    "boundary_never_used": (
        b'Content-Type: multipart/mixed; boundary="absent"\r\n\r\nrien de structure\r\n'
    ),
    "no_close_delimiter": (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n\r\ntexte\r\n--b\r\n'
        b"Content-Type: image/png\r\n\r\n\x89PNG"
    ),
    "bad_dates_and_ids": (
        b"Date: le 32 fevrier\r\nMessage-ID: pas un identifiant\r\nIn-Reply-To: <>\r\n"
        b"References: " + b"<a@b> " * 5000 + b"\r\n\r\nx"
    ),
    "nested_comments_address": b"From: " + b"(" * 5000 + b"a@b.fr\r\n\r\nx",
    "huge_header": b"Subject: " + b"x" * 200_000 + b"\r\nTo: " + b"a@b.fr, " * 50_000 + b"\r\n",
    "many_semicolons": b'Content-Type: text/plain; a="' + b";" * 100_000 + b"\r\n\r\nx",
    "deep_bogus_html": (
        b"Content-Type: text/html\r\n\r\n" + b"<div>" * 50_000 + b"<![CDATA[x" + b"<a " * 10_000
    ),
    "qp_broken": (
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
        b"\r\n\r\nr=C3=A9sultat =ZZ =\r\nsuite=C3"
    ),
    "uuencoded": (
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
        b"begin 644 a.bin\r\n#86)C\r\n!!!broken\r\n`\r\nend\r\n"
    ),
    "bad_content_types": (
        b'Content-Type: multipart/mixed; boundary="q"\r\n\r\n--q\r\nContent-Type: ;;;\r\n\r\na'
        b"\r\n--q\r\nContent-Type: text\r\n\r\nb\r\n--q\r\nContent-Type: multipart/alternative"
        b"\r\n\r\nc\r\n--q\r\nContent-Transfer-Encoding: x-bizarre\r\n\r\nd\r\n--q--"
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_input_never_raises(name: str) -> None:
    raw = MALFORMED[name]
    started = time.perf_counter()
    parsed = parse_message(raw)
    assert time.perf_counter() - started < 2
    assert isinstance(parsed, ParsedMessage)
    check_consistent(raw, parsed)


def test_malformed_details() -> None:
    assert "MissingHeadersDefect" in parse_message(MALFORMED["garbage"]).defects
    assert parse_message(MALFORMED["no_headers_text"]).body_text.startswith("juste du texte")

    truncated = parse_message(MALFORMED["truncated_header"])
    assert truncated.sender == Address("", "a@b.fr")
    assert truncated.subject == "=?utf-8?B?UsOp"  # not an encoded word: shown as is

    words = parse_message(MALFORMED["bad_encoded_words"])
    assert words.subject.startswith("café")
    assert "café =?utf-8?X?y?=" in words.subject
    assert words.sender is not None and words.sender.address == "a@b.fr"

    eight_bit = parse_message(MALFORMED["eight_bit_headers"])
    assert eight_bit.subject == "Résultat \u00e9t\u00e9"
    assert eight_bit.sender == Address("Hélène", "h@x.fr")

    controls = parse_message(MALFORMED["nul_and_controls"])
    assert "\x00" not in controls.subject and "\x00" not in controls.body_text
    assert controls.body_text == "xyz"

    junk = parse_message(MALFORMED["base64_with_junk"])
    (pdf,) = junk.attachments
    assert attachment_bytes(MALFORMED["base64_with_junk"], "1") == b"%PDF-1.4ABCA"
    assert pdf.size == 12
    assert "InvalidBase64CharactersDefect" in junk.defects

    unknown = parse_message(MALFORMED["unknown_charsets"])
    assert unknown.body_text == "résultat"
    assert "UnknownCharsetDefect" in unknown.defects

    guessed = parse_message(MALFORMED["missing_boundary_param"])
    assert guessed.body_text == "vu"
    assert [a.content_type for a in guessed.attachments] == ["application/pdf"]
    assert {"NoBoundaryInMultipartDefect", "BoundaryGuessedDefect"} <= set(guessed.defects)

    unused = parse_message(MALFORMED["boundary_never_used"])
    assert unused.body_text == "rien de structure"
    assert "StartBoundaryNotFoundDefect" in unused.defects

    unclosed = parse_message(MALFORMED["no_close_delimiter"])
    assert unclosed.body_text == "texte"
    assert unclosed.attachments[0].size == 4
    assert "CloseBoundaryNotFoundDefect" in unclosed.defects

    bad = parse_message(MALFORMED["bad_dates_and_ids"])
    assert (bad.date, bad.message_id, bad.in_reply_to) == (None, None, None)
    assert bad.references == ("a@b",)
    assert {"InvalidDateDefect", "InvalidMessageIdDefect"} <= set(bad.defects)

    qp = parse_message(MALFORMED["qp_broken"])
    assert qp.body_text.startswith("résultat =ZZ suite")

    assert attachment_bytes(MALFORMED["uuencoded"], "1").startswith(b"abc")


def test_wrong_charset_labels_are_corrected() -> None:
    utf8_as_latin1 = b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nh\xc3\xa9matome"
    latin1_as_utf8 = b"Content-Type: text/plain; charset=utf-8\r\n\r\nh\xe9matome \x92 ok"
    cp1252_quote = b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nl\x92examen"
    assert parse_message(utf8_as_latin1).body_text == "hématome"
    assert parse_message(latin1_as_utf8).body_text == "hématome \u2019 ok"
    assert parse_message(cp1252_quote).body_text == "l\u2019examen"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"Tue, 05 Mar 2024 10:15:00 +0100", datetime(2024, 3, 5, 9, 15, tzinfo=UTC)),
        (b"5 Mar 2024 10:15:00 -0000", datetime(2024, 3, 5, 10, 15, tzinfo=UTC)),
        (b"Tue, 05 Mar 24 10:15:00 GMT", datetime(2024, 3, 5, 10, 15, tzinfo=UTC)),
        (b"2024-03-05T10:15:00+01:00", datetime(2024, 3, 5, 9, 15, tzinfo=UTC)),
        (b"Tue, 45 Mar 2024 10:15:00 +0100", None),
        (b"Fri, 31 Dec 9999 23:59:59 -2359", None),
        (b"", None),
    ],
)
def test_dates(header: bytes, expected: datetime | None) -> None:
    assert parse_message(b"Date: " + header + b"\r\n\r\nx").date == expected


def test_missing_headers_are_reported() -> None:
    parsed = parse_message(b"Subject: seul\r\n\r\ncorps")
    assert (parsed.sender, parsed.date, parsed.message_id) == (None, None, None)
    assert {
        "MissingFromHeaderDefect",
        "MissingDateHeaderDefect",
        "MissingMessageIdHeaderDefect",
    } <= set(parsed.defects)


def test_ten_thousand_parts() -> None:
    parts = b"".join(
        b"--p\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="f%d.bin"\r\n\r\n%d\r\n' % (i, i)
        for i in range(10_000)
    )
    raw = b'Content-Type: multipart/mixed; boundary="p"\r\n\r\n' + parts + b"--p--\r\n"
    started = time.perf_counter()
    parsed = parse_message(raw)
    assert time.perf_counter() - started < 3
    assert len(parsed.attachments) == 10_000
    assert parsed.attachments[-1].filename == "f9999.bin"
    assert parsed.attachments[-1].part_index == "10000"
    assert attachment_bytes(raw, "9999") == b"9998"


def test_fifty_megabyte_attachment_is_fast() -> None:
    payload = bytes(range(256)) * (50 * 1024 * 1024 // 256)
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    raw = (
        b'From: pacs@imagerie.mssante.fr\r\nContent-Type: multipart/mixed; boundary="big"\r\n'
        b"\r\n--big\r\nContent-Type: text/plain\r\n\r\nImages jointes.\r\n"
        b"--big\r\nContent-Type: application/dicom\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="IRM.dcm"\r\n\r\n' + encoded + b"--big--\r\n"
    )
    started = time.perf_counter()
    parsed = parse_message(raw)
    elapsed = time.perf_counter() - started
    assert elapsed < 2, f"parse_message took {elapsed:.2f} s for 50 MB"
    (dicom,) = parsed.attachments
    assert dicom.size == len(payload)
    assert parsed.body_text == "Images jointes."
    assert attachment_bytes(raw, dicom.part_index) == payload


def nested(levels: int) -> bytes:
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i)
        for i in range(levels)
    )
    closing = b"".join(b"\r\n--n%d--" % i for i in reversed(range(levels)))
    return b"Subject: profond\r\n" + opening + b"Content-Type: text/plain\r\n\r\ncoucou" + closing


def test_deep_nesting_is_cut_without_recursion() -> None:
    raw = nested(1000)
    started = time.perf_counter()
    parsed = parse_message(raw)
    assert time.perf_counter() - started < 2
    assert parsed.subject == "profond"
    assert "NestingTooDeepDefect" in parsed.defects
    (opaque,) = parsed.attachments
    assert opaque.part_index == ".".join(["1"] * 50)
    assert opaque.filename == "piece-jointe-1.eml"
    assert b"coucou" in attachment_bytes(raw, opaque.part_index)
    check_consistent(raw, parsed)


def test_shallow_nesting_is_fully_parsed() -> None:
    parsed = parse_message(nested(40))
    assert parsed.body_text == "coucou"
    assert parsed.attachments == ()


def test_body_text_is_capped() -> None:
    raw = b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "é".encode() * (2 * TEXT_LIMIT)
    parsed = parse_message(raw)
    assert len(parsed.body_text.encode()) <= TEXT_LIMIT
    assert len(parsed.body_text) == TEXT_LIMIT // 2
    assert "BodyTextTruncatedDefect" in parsed.defects


def test_attachment_bytes_unknown_parts() -> None:
    raw = lab_result(b"x")
    for index in ("0", "3", "1.1", "2.1", "", "a", "1..2", "-1", "01"):
        with pytest.raises(KeyError):
            attachment_bytes(raw, index)
    with pytest.raises(KeyError):
        attachment_bytes(b"Subject: x\r\n\r\nbody", "2")
    assert attachment_bytes(b"Subject: x\r\n\r\nbody", "1") == b"body"


# -- fuzzing ----------------------------------------------------------------------------------

SEEDS = [lab_result(b"=?utf-8?Q?R=C3=A9sultats?="), discharge_letter()]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "splice"]))
        chunk = draw(
            st.one_of(
                st.binary(max_size=8),
                st.sampled_from(
                    [b"\r\n", b"\n", b"--", b"=", b"=?", b"?=", b":", b";", b'"', b"\x00"]
                ),
            )
        )
        if action == "insert":
            data[position:position] = chunk
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        elif action == "replace":
            data[position : position + len(chunk)] = chunk
        elif action == "truncate":
            del data[position:]
        else:
            start = draw(st.integers(0, len(data)))
            data[position:position] = data[start : start + draw(st.integers(1, 200))]
    return bytes(data)


@given(st.one_of(st.binary(max_size=2000), mutated()))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parse_message_never_raises(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMessage)
    assert len(parsed.body_text.encode("utf-8", "surrogatepass")) <= TEXT_LIMIT
    assert parsed.date is None or parsed.date.tzinfo is not None
    check_consistent(raw, parsed)


@given(st.text(alphabet="QUJDRE+/=\r\n !-", max_size=60))
@settings(max_examples=200, deadline=None)
def test_base64_size_matches_decoded_bytes(body: str) -> None:
    raw = (
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + body.encode()
    )
    (attachment,) = parse_message(raw).attachments
    assert attachment.size == len(attachment_bytes(raw, "1"))


def test_boundary_lines_only_where_rfc_2046_puts_them() -> None:
    """Trailing blanks allowed; a longer or dashed look-alike is content; the closing
    delimiter may end the message without a line break."""
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\npreamble\r\n--b \t\r\n'
        b"Content-Type: text/plain\r\n\r\nun\r\n--bb\r\n-- b\r\n--b-x\r\n--b\r\n\r\ndeux\n--b--"
    )
    parsed = parse_message(raw)
    assert parsed.body_text == "un\n--bb\n-- b\n--b-x\n\ndeux"
    assert "CloseBoundaryNotFoundDefect" not in parsed.defects


# -- the header pass's summary ----------------------------------------------------------------


def summary_fields(parsed: object) -> tuple[object, ...]:
    names = ("message_id", "subject", "sender", "to", "cc", "date", "in_reply_to", "references")
    return tuple(getattr(parsed, name) for name in names)


def header_section(raw: bytes) -> bytes:
    """What ``BODY.PEEK[HEADER]`` returns: the header lines and the blank line."""
    end = raw.find(b"\r\n\r\n")
    return raw if end < 0 else raw[: end + 4]


@pytest.mark.parametrize("name", [*sorted(MALFORMED), "seed0", "seed1"])
def test_header_summary_is_what_parse_message_says(name: str) -> None:
    raw = SEEDS[int(name[-1])] if name.startswith("seed") else MALFORMED[name]
    for data in (raw, header_section(raw)):
        started = time.perf_counter()
        summary = parse_header_summary(data)
        assert time.perf_counter() - started < 2
        assert summary_fields(summary) == summary_fields(parse_message(data))


@given(st.one_of(st.binary(max_size=2000), mutated()))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_header_summary_matches_parse_message(raw: bytes) -> None:
    data = header_section(raw)
    assert summary_fields(parse_header_summary(data)) == summary_fields(parse_message(data))
    assert summary_fields(parse_header_summary(raw)) == summary_fields(parse_message(raw))


def without_sizes(parsed: ParsedMessage) -> tuple[object, ...]:
    fields = {name: getattr(parsed, name) for name in ParsedMessage.__slots__}
    fields["attachments"] = tuple(replace(a, size=0) for a in parsed.attachments)
    fields.pop("defects")
    return tuple(fields.items())


@pytest.mark.parametrize("name", [*sorted(MALFORMED), "seed0", "seed1"])
def test_without_sizes_only_the_sizes_change(name: str) -> None:
    raw = SEEDS[int(name[-1])] if name.startswith("seed") else MALFORMED[name]
    lean = parse_message(raw, sizes=False)
    assert all(a.size == 0 for a in lean.attachments)
    assert without_sizes(lean) == without_sizes(parse_message(raw))


@given(st.one_of(st.binary(max_size=2000), mutated()))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_without_sizes_matches_parse_message(raw: bytes) -> None:
    assert without_sizes(parse_message(raw, sizes=False)) == without_sizes(parse_message(raw))


def test_remembered_addresses_report_their_defects_every_time() -> None:
    """Addresses are parsed once per distinct header (a worker remembers them across
    messages): the second message with the same broken To still says it was broken."""
    raw = (
        b"From: Labo <labo@biolab.mssante.test>\r\n"
        b"To: ((( dr.martin@mssante.test\r\n"
        b"Subject: x\r\n\r\nbody\r\n"
    )
    first, second = parse_message(raw), parse_message(raw)
    assert "InvalidAddressHeaderDefect" in first.defects
    assert first.defects == second.defects
    assert first.to == second.to == (Address("", "dr.martin@mssante.test"),)
    assert first.sender == Address("Labo", "labo@biolab.mssante.test")

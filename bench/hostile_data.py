"""Hostile mail for the reader and filing benchmarks (``hostile_mail.py``) and their tests:
HTML nested hundreds of thousands of levels deep, tables nested a few dozen levels (Qt lays
them out in exponential time), and a message with 10,000 attachments; ``put_message`` files
one in a store as a sync would.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

from app.store.db import HeaderRow, MessageSummary, Store

SENDER = "Laboratoire BIOTEST <labo@labo-biotest.mssante.test>"
ME = "docteur.demo@medecin.mssante.test"
# A DDM subject: the documents' identity hint, as a lab would send them
SUBJECT = "XDM/1.0/DDM+Résultats DUPONT Marie 12/05/1980"
FIRST_WORDS = "Résultats de biologie du 16/11/2026 :"
LAST_WORDS = "Fin du compte rendu."


def nested_html(depth: int, tag: str = "div", *, words: int = 0) -> str:
    """A readable paragraph, ``depth`` nested ``tag`` elements around one word, then a
    closing paragraph; ``words`` more words at each level make it bigger."""
    filler = " ".join(["hémoglobine"] * words)
    opening = f"<{tag}>{filler}" if filler else f"<{tag}>"
    return (
        f"<p>{FIRST_WORDS} hémoglobine 13,2 g/dL.</p>"
        + opening * depth
        + "créatinine"
        + f"</{tag}>" * depth
        + f"<p>{LAST_WORDS}</p>"
    )


def nested_tables(depth: int) -> str:
    """``depth`` tables each in the one cell of the previous one (a few hundred bytes)."""
    return (
        f"<p>{FIRST_WORDS}</p>"
        + "<table><tr><td>" * depth
        + "créatinine"
        + "</td></tr></table>" * depth
        + f"<p>{LAST_WORDS}</p>"
    )


def html_message(markup: str, subject: str = "Résultats (HTML)", message_id: str = "") -> bytes:
    """An HTML-only message around ``markup`` (quoted-printable, as mailers send it)."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = ME
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id or 'html-' + str(len(markup))}@labo-biotest.test>"
    message["Date"] = "Mon, 16 Nov 2026 09:00:00 +0100"
    message.set_content(f"<html><body>{markup}</body></html>", subtype="html", cte="8bit")
    return message.as_bytes()


def text_message(text: str, subject: str = "Résultats (texte)", message_id: str = "") -> bytes:
    """A plain-text message (quoted-printable would wrap the lines: 8bit keeps them)."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = ME
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id or 'text-' + str(len(text))}@labo-biotest.test>"
    message["Date"] = "Mon, 16 Nov 2026 09:00:00 +0100"
    message.set_content(text, cte="8bit")
    return message.as_bytes()


def many_parts_message(
    parts: int = 10_000, message_id: str = "many-parts", *, receipt: bool = True
) -> bytes:
    """A ~1 MB message with ``parts`` small PDF attachments (each different), about a
    patient named in the subject, dated now, asking for a receipt: what a broken lab export
    or a hostile sender makes."""
    lines = [
        f"From: {SENDER}",
        f"To: {ME}",
        "Subject: =?utf-8?q?XDM/1=2E0/DDM+R=C3=A9sultats_DUPONT_Marie_12/05/1980?=",
        f"Message-ID: <{message_id}@labo-biotest.test>",
        f"Date: {formatdate(localtime=True)}",
        *(["Disposition-Notification-To: labo@labo-biotest.mssante.test"] if receipt else []),
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Résultats joints.",
    ]
    for number in range(1, parts + 1):
        lines += [
            "--b",
            "Content-Type: application/pdf",
            f'Content-Disposition: attachment; filename="r{number:05}.pdf"',
            "",
            f"%PDF-1.4 {number:05} %%EOF",
        ]
    lines += ["--b--", ""]
    return "\r\n".join(lines).encode("utf-8")


def put_message(store: Store, raw: bytes, uid: int = 1) -> MessageSummary:
    """``raw`` downloaded into the INBOX of the account ``ME`` (created if needed)."""
    account = store.account(ME) or store.add_account(ME, "card", "imaps://imap.test")
    store.upsert_folder(account, "INBOX", "/", "Inbox", True)
    inbox = next(f for f in store.folders(account) if f.name == "INBOX")
    header = raw.split(b"\r\n\r\n", 1)[0]
    store.add_headers(inbox, [HeaderRow(uid, (), None, len(raw), None, header)])
    store.add_bodies(inbox, {uid: raw})
    found = next((m for m in store.messages(account=ME) if m.uid == uid), None)
    assert found is not None  # noqa: S101 - just stored
    return found

"""What a demo colleague does with the mail the demo sends them: reads it, and answers now
and then.

- A read receipt (MDN, RFC 8098, "displayed") when the message asks for one
  (``Disposition-Notification-To``), from every colleague it reached.
- A reply from a colleague it was addressed to (``To``, not ``Cc``): always to the first
  message of a conversation, and to one in three of the messages that answer theirs (the
  Message-ID decides: the same message, the same fate), so that a conversation ends.
  Its text fits the colleague's profession and names the patient and the documents the
  message carried (read as Caducée reads them); the message is quoted below it.
- Nothing to a report (DSN, MDN), an automatic message, or a message that closes the
  conversation (``X-MSS-MES: FIN``).

The operator (``operator.py``) delivers each answer into the demo mailbox after its
``delay`` (a colleague takes 20 to 60 seconds to read and answer; ``reply_after`` in the
operator, ``caducee demo --reply-after``, sets it), built when it is due, dated by the
operator's clock. Nothing of the mail is logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import textwrap
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime
from typing import cast

from app.mssante.documents import read_message
from app.sandbox.colleagues import Colleague
from app.sandbox.mailbox import PARIS

READ_DELAY = (20.0, 60.0)  # seconds before a colleague reads and answers
ANSWERED_ONE_IN = 3  # replies to a conversation's later messages
MAX_QUOTED_LINES = 40

_SAY = {  # profession or specialty code -> what the colleague writes back
    "SM04": (
        "Je peux recevoir {who} en consultation dans les quinze jours ; mon secrétariat "
        "prendra contact pour fixer le rendez-vous. Merci de lui demander d'apporter son "
        "dernier ECG et ses résultats de biologie récents."
    ),
    "SM40": (
        "Je verrai {who} à ma prochaine consultation, avec des explorations fonctionnelles "
        "respiratoires le même jour. Je vous adresserai mon compte rendu par messagerie "
        "sécurisée."
    ),
    "60": (
        "Je passe au domicile de {who} demain matin pour les soins et je vous tiens au "
        "courant de l'évolution."
    ),
    "70": (
        "Je commence les séances avec {who} dès la semaine prochaine et vous ferai un bilan "
        "à la fin de la série."
    ),
}
_DEFAULT_SAY = "Je m'occupe de {who} et je reviens vers vous rapidement."
_SERVICE_SAY = (  # an ORG mailbox: a lab, a hospital service, an imaging centre
    "Votre message a bien été transmis à l'équipe ; nous revenons vers vous rapidement "
    "au sujet de {who}."
)


@dataclass(frozen=True)
class Answer:
    kind: str  # "mdn" or "reply"
    delay: float  # seconds after the delivery


def _digest(*parts: str) -> int:
    joined = "\x00".join(parts).encode()
    return int.from_bytes(hashlib.sha256(joined).digest()[:8], "big")


def _parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def _addresses(message: EmailMessage, header: str) -> list[str]:
    return [a.lower() for _, a in getaddresses([str(v) for v in message.get_all(header, [])])]


def planned(colleague: Colleague, raw: bytes, reply_after: float | None = None) -> list[Answer]:
    """What ``colleague`` will send back for the message ``raw`` delivered to them, and
    when (``reply_after`` seconds, else 20-60 s, the same for the same message)."""
    message = _parse(raw)
    if message.get_content_type() == "multipart/report":
        return []
    if str(message.get("Auto-Submitted", "no")).strip().lower() != "no":
        return []
    if str(message.get("X-MSS-MES", "")).strip().upper() == "FIN":
        return []
    message_id = str(message.get("Message-ID", "")).strip()
    fate = _digest(colleague.address, message_id)
    low, high = READ_DELAY
    delay = reply_after if reply_after is not None else low + fate % int(high - low)
    answers = []
    if message.get("Disposition-Notification-To"):
        answers.append(Answer("mdn", delay / 2))
    addressed = colleague.address in _addresses(message, "To")
    first = not message.get("In-Reply-To")
    if addressed and (first or fate % ANSWERED_ONE_IN == 0):
        answers.append(Answer("reply", delay))
    return answers


def _who(raw: bytes) -> tuple[str, list[str]]:
    """The patient the documents name ("M. Théo BLANCHARD"), else "votre patient", and the
    documents' titles."""
    documents = read_message(raw).documents
    titles = [d.title for d in documents if d.title]
    for document in documents:
        identity = document.identity
        if identity is not None and identity.birth_name:
            civility = {"F": "Mme ", "M": "M. "}.get(identity.sex or "", "")
            given = identity.first_names[0] if identity.first_names else ""
            name = " ".join(p for p in (given, identity.birth_name.upper()) if p)
            return f"{civility}{name}", titles
    return "votre patient", titles


def _signature(colleague: Colleague) -> str:
    place = f"{colleague.postcode} {colleague.city}".strip()
    lines = [colleague.display]
    if colleague.bal_type == "PER":
        lines += [colleague.specialty or colleague.profession, colleague.organisation]
    lines.append(", ".join(p for p in (colleague.street, place) if p))
    return "\n".join(line for line in lines if line)


def _quoted(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    text = str(body.get_content()) if body is not None else ""
    lines = text.replace("\r\n", "\n").splitlines()[:MAX_QUOTED_LINES]
    sender = str(message.get("From", ""))
    try:
        sent = parsedate_to_datetime(str(message.get("Date", ""))).astimezone(PARIS)
        when = f"Le {sent:%d/%m/%Y à %H:%M}, "
    except (TypeError, ValueError):
        when = ""
    head = f"{when}{sender} a écrit :" if when else f"{sender} a écrit :"
    return head + "\n" + "".join(f"> {line}\n" if line else ">\n" for line in lines)


def _headers(
    answer: EmailMessage, colleague: Colleague, to: str, subject: str, now: dt.datetime
) -> None:
    domain = colleague.address.rpartition("@")[2]
    answer["Return-Path"] = f"<{colleague.address}>"
    answer["Received"] = (
        f"from mx.{domain} ([127.0.0.1]) by imap.demo.mssante.test with LMTP; "
        f"{format_datetime(now)}"
    )
    answer["Message-ID"] = make_msgid(domain=domain)
    answer["Date"] = format_datetime(now)
    answer["From"] = f'"{colleague.display}" <{colleague.address}>'
    answer["To"] = to
    answer["Subject"] = subject


def reply(colleague: Colleague, raw: bytes, now: dt.datetime) -> bytes:
    """The colleague's answer to the message ``raw``, dated ``now``."""
    message = _parse(raw)
    subject = str(message.get("Subject", "")).strip()
    if not subject.lower().startswith(("re:", "re :")):
        subject = f"RE: {subject}" if subject else "RE:"
    answer = EmailMessage()
    _headers(answer, colleague, str(message.get("From", "")), subject, now)
    original = str(message.get("Message-ID", "")).strip()
    if original:
        answer["In-Reply-To"] = original
        answer["References"] = " ".join(
            p for p in (str(message.get("References", "")).strip(), original) if p
        )
    who, titles = _who(raw)
    greeting = "Cher confrère," if colleague.civility == "DR" else "Bonjour Docteur,"
    received = (
        f"Merci pour votre message et pour les documents joints ({', '.join(titles)})."
        if titles
        else "Merci pour votre message, bien reçu."
    )
    say = _SAY.get(colleague.specialty_code) or _SAY.get(colleague.profession_code, _DEFAULT_SAY)
    if colleague.bal_type != "PER":
        say = _SERVICE_SAY
    closing = "Bien confraternellement," if colleague.civility == "DR" else "Bien cordialement,"
    paragraph = textwrap.fill(f"{received} {say.format(who=who)}", 72)
    text = "\n".join([greeting, "", paragraph, "", closing, _signature(colleague), ""])
    answer.set_content(text + "\n" + _quoted(message))
    return answer.as_bytes(policy=policy.SMTP)


def read_receipt(colleague: Colleague, raw: bytes, now: dt.datetime) -> bytes:
    """The MDN "displayed" the colleague's software sends for ``raw`` (RFC 8098)."""
    message = _parse(raw)
    subject = str(message.get("Subject", "")).strip()
    receipt = EmailMessage()
    to = str(message.get("Disposition-Notification-To", ""))
    _headers(receipt, colleague, to, f"Accusé de lecture : {subject}", now)
    receipt["Auto-Submitted"] = "auto-replied"
    receipt.set_content(
        f"Le message « {subject} » envoyé à {colleague.address} a été affiché par son "
        f"destinataire le {now:%d/%m/%Y à %H:%M}.\nCet accusé ne garantit pas que le message "
        "a été lu ni compris.\n"
    )
    receipt.make_mixed()
    receipt.set_type("multipart/report")
    receipt.set_param("report-type", "disposition-notification")
    report = MIMEPart()
    report["Content-Type"] = "message/disposition-notification"
    fields = [
        "Reporting-UA: messagerie.demo.mssante.test; Messagerie MSSante de demonstration",
        f"Original-Recipient: rfc822;{colleague.address}",
        f"Final-Recipient: rfc822;{colleague.address}",
    ]
    original = str(message.get("Message-ID", "")).strip()
    if original:
        fields.append(f"Original-Message-ID: {original}")
    fields.append("Disposition: manual-action/MDN-sent-manually; displayed")
    report.set_payload("\r\n".join(fields) + "\r\n")
    receipt.attach(cast(EmailMessage, report))
    if original:
        receipt["In-Reply-To"] = original
    return receipt.as_bytes(policy=policy.SMTP)


def build(kind: str, colleague: Colleague, raw: bytes, now: dt.datetime) -> bytes:
    return read_receipt(colleague, raw, now) if kind == "mdn" else reply(colleague, raw, now)

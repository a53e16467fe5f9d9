"""Read receipts (RFC 8098 MDN) for messages whose sender asked for one (ECO.3.1.6).

Sent only when the doctor chooses to (manual-action); either way the message gets the
``$MDNSent`` keyword (RFC 3503) so that she is not asked again, on any device.

``displayed``: the message was read. ``processed``: its documents were filed into the
patient's record (IG-MDN "intégration"); ``processed/error`` with an ``Error:`` field
``<code>^<label>`` when they could not be, for identity reasons (notes §4.6: 902 unknown
patient, 903 INS absent, 904 INS/traits mismatch, 905 INS incomplete, 906 other), with the
subject ``[KO Intégration système !][<code>] <original subject>``.

Structure (RFC 8098 / RFC 6522 and the ANS guide): ``multipart/report;
report-type=disposition-notification`` with (1) a French text, (2) the
``message/disposition-notification`` fields — ``Reporting-UA``, ``Original-Recipient`` (from
the original's header of that name, when it has one), ``Final-Recipient``,
``Original-Message-ID``, ``Disposition``, ``Error`` — and (3) the original message
(``message/rfc822``, which the ANS guide requires). An original over
``ORIGINAL_LIMIT`` goes back as its header section only (``text/rfc822-headers``, RFC 6522):
a read receipt does not send a big attachment back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email import message_from_bytes
from email import policy as email_policy
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesHeaderParser
from email.utils import formatdate, getaddresses, make_msgid

from app import __version__
from app.store.mime import ParsedMessage

MDN_SENT = "$MDNSent"
ORIGINAL_LIMIT = 10 * 1024 * 1024  # bytes of the original returned whole in a receipt
ASKED_BY = "Disposition-Notification-To"

# IG-MDN error codes for an integration refused (ASCII: the machine part is 7bit)
INTEGRATION_ERRORS = {
    902: "Identifiant de patient inconnu",
    903: "INS absent",
    904: "Incoherence entre l'INS et les traits d'identite",
    905: "INS incomplet",
    906: "Autre erreur",
}


def receipt_requested(parsed: ParsedMessage, flags: tuple[str, ...] = ()) -> str | None:
    """Where the receipt would go, if one is asked and none was sent or refused yet."""
    return receipt_asked(parsed.headers, flags)


def receipt_asked(headers: Mapping[str, str], flags: tuple[str, ...] = ()) -> str | None:
    """:func:`receipt_requested` from the message's kept headers (``message_headers``)."""
    if MDN_SENT in flags:
        return None
    wanted = headers.get(ASKED_BY)
    if not wanted:
        return None
    addresses = [address for _name, address in getaddresses([wanted]) if "@" in address]
    return addresses[0] if addresses else None


def read_receipt(
    parsed: ParsedMessage, me: str, original: bytes, *, disposition: str = "displayed"
) -> Message:
    """The MDN: a readable French part, the machine-readable disposition, the original."""
    when = parsed.date.astimezone().strftime("%d/%m/%Y à %H:%M") if parsed.date else "?"
    now = datetime.now().astimezone().strftime("%d/%m/%Y à %H:%M")
    return _report(
        parsed,
        me,
        subject=f"Accusé de lecture : {parsed.subject}",
        text=f"Votre message « {parsed.subject} » du {when} a été affiché par {me} le {now}.\n"
        "Cet accusé ne garantit pas que le message a été lu ni compris.\n",
        disposition=disposition,
        original=original,
    )


def processing_receipt(
    parsed: ParsedMessage, me: str, original: bytes, *, error_code: int | None = None
) -> Message:
    """``processed`` (documents filed) or ``processed/error`` with the IG-MDN error code."""
    now = datetime.now().astimezone().strftime("%d/%m/%Y à %H:%M")
    if error_code is None:
        return _report(
            parsed,
            me,
            subject=parsed.subject,  # ANS: a successful integration's MDN keeps the subject
            text=f"Les documents de votre message « {parsed.subject} » ont été intégrés au "
            f"dossier du patient par {me} le {now}.\n",
            disposition="processed",
            original=original,
        )
    label = INTEGRATION_ERRORS.get(error_code)
    if label is None:
        raise ValueError(f"unknown integration error code {error_code}")
    return _report(
        parsed,
        me,
        subject=f"[KO Intégration système !][{error_code}] {parsed.subject}",
        text=f"Les documents de votre message « {parsed.subject} » n'ont pas pu être intégrés "
        f"au dossier d'un patient ({error_code} : {label}). Message traité par {me} le {now}.\n",
        disposition="processed/error",
        extra=[f"Error: {error_code}^{label}"],
        original=original,
    )


def _report(
    parsed: ParsedMessage,
    me: str,
    *,
    subject: str,
    text: str,
    disposition: str,
    extra: list[str] | None = None,
    original: bytes,
) -> Message:
    to = receipt_requested(parsed)
    if to is None:
        raise ValueError("no read receipt was asked for")
    report = MIMEMultipart("report", report_type="disposition-notification")
    report["From"] = me
    report["To"] = to
    report["Subject"] = subject
    report["Date"] = formatdate(localtime=True)
    report["Message-ID"] = make_msgid(domain=me.rpartition("@")[2] or "caducee.invalid")
    report["Auto-Submitted"] = "auto-replied"
    if parsed.message_id:
        report["In-Reply-To"] = f"<{parsed.message_id}>"
        report["References"] = f"<{parsed.message_id}>"
    report.attach(MIMEText(text, "plain", "utf-8"))
    machine = MIMEBase("message", "disposition-notification")  # 7bit only (RFC 2046)
    asked_for = BytesHeaderParser(policy=email_policy.compat32).parsebytes(original)[
        "Original-Recipient"
    ]
    fields = [
        f"Reporting-UA: caducee; Caducee {__version__}",
        *([f"Original-Recipient: {' '.join(str(asked_for).split())}"] if asked_for else []),
        f"Final-Recipient: rfc822; {me}",
        *([f"Original-Message-ID: <{parsed.message_id}>"] if parsed.message_id else []),
        f"Disposition: manual-action/MDN-sent-manually; {disposition}",
        *(extra or []),
    ]
    machine_text = "\r\n".join(fields) + "\r\n"
    machine.set_payload(machine_text.encode("ascii", "replace").decode("ascii"))
    machine["Content-Transfer-Encoding"] = "7bit"
    report.attach(machine)
    if len(original) <= ORIGINAL_LIMIT:
        report.attach(MIMEMessage(message_from_bytes(original, policy=email_policy.compat32)))
    else:
        end = original.find(b"\r\n\r\n") if b"\r\n\r\n" in original else original.find(b"\n\n")
        headers = MIMEBase("text", "rfc822-headers")
        headers.set_payload(original[: end if end >= 0 else 0].decode("ascii", "replace") + "\n")
        report.attach(headers)
    return report

"""Read receipts (RFC 8098 MDN) for messages whose sender asked for one (ECO.3.1.6).

Sent only when the doctor chooses to (manual-action); either way the message gets the
``$MDNSent`` keyword (RFC 3503) so that she is not asked again, on any device.
"""

from __future__ import annotations

from datetime import datetime
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, getaddresses, make_msgid

from app import __version__
from app.store.mime import ParsedMessage

MDN_SENT = "$MDNSent"
ASKED_BY = "Disposition-Notification-To"


def receipt_requested(parsed: ParsedMessage, flags: tuple[str, ...] = ()) -> str | None:
    """Where the receipt would go, if one is asked and none was sent or refused yet."""
    if MDN_SENT in flags:
        return None
    wanted = parsed.headers.get(ASKED_BY)
    if not wanted:
        return None
    addresses = [address for _name, address in getaddresses([wanted]) if "@" in address]
    return addresses[0] if addresses else None


def read_receipt(parsed: ParsedMessage, me: str, *, disposition: str = "displayed") -> Message:
    """The MDN: a readable French part, then the machine-readable disposition."""
    to = receipt_requested(parsed)
    if to is None:
        raise ValueError("no read receipt was asked for")
    when = parsed.date.astimezone().strftime("%d/%m/%Y à %H:%M") if parsed.date else "?"
    now = datetime.now().astimezone().strftime("%d/%m/%Y à %H:%M")
    report = MIMEMultipart("report", report_type="disposition-notification")
    report["From"] = me
    report["To"] = to
    report["Subject"] = f"Accusé de lecture : {parsed.subject}"
    report["Date"] = formatdate(localtime=True)
    report["Message-ID"] = make_msgid(domain=me.rpartition("@")[2] or "caducee.invalid")
    report["Auto-Submitted"] = "auto-replied"
    if parsed.message_id:
        report["In-Reply-To"] = f"<{parsed.message_id}>"
        report["References"] = f"<{parsed.message_id}>"
    report.attach(
        MIMEText(
            f"Votre message « {parsed.subject} » du {when} a été affiché par {me} le {now}.\n"
            "Cet accusé ne garantit pas que le message a été lu ni compris.\n",
            "plain",
            "utf-8",
        )
    )
    machine = MIMEBase("message", "disposition-notification")  # 7bit only (RFC 2046)
    fields = [
        f"Reporting-UA: caducee; Caducee {__version__}",
        f"Final-Recipient: rfc822; {me}",
        *([f"Original-Message-ID: <{parsed.message_id}>"] if parsed.message_id else []),
        f"Disposition: manual-action/MDN-sent-manually; {disposition}",
    ]
    text = "\r\n".join(fields) + "\r\n"
    machine.set_payload(text.encode("ascii", "replace").decode("ascii"))
    machine["Content-Transfer-Encoding"] = "7bit"
    report.attach(machine)
    return report

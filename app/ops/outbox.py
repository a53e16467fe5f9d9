"""Sending through a persistent outbox.

A message is written to the outbox (durably) before any attempt, so a crash, a closed
laptop or a dead network never loses it. Delivery states: ``queued`` → ``sending`` → ``sent``
(then one copy appended to the Sent folder), or back to ``queued`` with a growing delay when
the server cannot be reached, or ``failed`` when the server refuses it for good.

Never twice: the row is marked ``sending`` (committed) just before the SMTP transaction.
A row found in ``sending`` at the next run means the program died during a transaction
whose outcome is unknown: it becomes ``uncertain`` and is not sent again unless the user
asks (``caducee outbox --retry ID``), since the recipient may already have it.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path

from app.core.errors import CaduceeError
from app.ops.accounts import AccountSession
from app.store.db import Account, Store
from app.store.mime import safe_filename
from app.store.outbox import OutboxItem, OutboxStore
from app.transport import imap, smtp
from app.transport.endpoints import Endpoint

log = logging.getLogger(__name__)

RETRY_DELAYS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600)  # seconds, then every 6 hours
SENT_FOLDER = "Sent"


@dataclass
class Draft:
    sender: str
    to: Sequence[str]
    subject: str
    body: str
    cc: Sequence[str] = ()
    attachments: Sequence[Path] = ()
    dsn: bool = False
    mdn: bool = False
    bcc: Sequence[str] = ()
    in_reply_to: str | None = None  # Message-ID (without <>) of the message answered
    references: Sequence[str] = ()  # the thread's Message-IDs, oldest first
    forwarded: Sequence[tuple[str, str, bytes]] = ()  # (file name, type, content) carried on


@dataclass
class DeliveryReport:
    sent: list[OutboxItem] = field(default_factory=list)
    queued: list[OutboxItem] = field(default_factory=list)
    failed: list[OutboxItem] = field(default_factory=list)
    uncertain: list[OutboxItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def compose(draft: Draft) -> EmailMessage:
    message = EmailMessage()
    message["From"] = draft.sender
    message["To"] = ", ".join(draft.to)
    if draft.cc:
        message["Cc"] = ", ".join(draft.cc)
    if draft.bcc:
        message["Bcc"] = ", ".join(draft.bcc)  # for the envelope; removed before queuing
    message["Subject"] = draft.subject
    if draft.in_reply_to:
        message["In-Reply-To"] = f"<{draft.in_reply_to}>"
    if draft.references:
        message["References"] = " ".join(f"<{r}>" for r in draft.references)
    message["Date"] = formatdate(localtime=True)
    domain = draft.sender.rpartition("@")[2] or "caducee.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    if draft.mdn:  # RFC 8098 read receipt request
        message["Disposition-Notification-To"] = draft.sender
    message.set_content(draft.body)
    for path in draft.attachments:
        data = path.read_bytes()
        kind, _encoding = mimetypes.guess_type(path.name)
        maintype, subtype = (kind or "application/octet-stream").split("/", 1)
        message.add_attachment(
            data,
            maintype=maintype,
            subtype=subtype,
            filename=safe_filename(path.name, "piece-jointe.bin"),
        )
    for name, content_type, data in draft.forwarded:
        maintype, _slash, subtype = content_type.partition("/")
        message.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=safe_filename(name, "piece-jointe.bin"),
        )
    return message


def recipients_of(message: Message) -> list[str]:
    pairs = getaddresses([str(v) for key in ("To", "Cc", "Bcc") for v in message.get_all(key, [])])
    return [address for _name, address in pairs if address]


def enqueue(store: Store, account: Account, draft: Draft) -> OutboxItem:
    return enqueue_message(store, account, compose(draft), dsn=draft.dsn)


def enqueue_message(
    store: Store, account: Account, message: Message, *, dsn: bool = False
) -> OutboxItem:
    """Any ready message (a draft composed, a read receipt) into the durable outbox."""
    recipients = recipients_of(message)
    if not recipients:
        raise CaduceeError("no recipient", user_message="Indiquez au moins un destinataire.")
    if message["Bcc"] is not None:
        del message["Bcc"]  # never shown to the other recipients
    return OutboxStore(store).add(
        account,
        str(message["Message-ID"]).strip("<>"),
        account.address,
        recipients,
        str(message["Subject"] or ""),
        message.as_bytes(),
        dsn,
    )


def _later(attempts: int) -> str:
    delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS) - 1)]
    return (datetime.now(UTC) + timedelta(seconds=delay)).strftime("%Y-%m-%dT%H:%M:%SZ")


def recover(store: Store) -> list[OutboxItem]:
    """Rows left in ``sending`` by a crash: outcome unknown, never resent automatically."""
    outbox = OutboxStore(store)
    interrupted = outbox.interrupted()
    for item in interrupted:
        outbox.set_state(
            item,
            "uncertain",
            error="Envoi interrompu : le destinataire a peut-"
            "être déjà reçu ce message. Vérifiez avant de le renvoyer.",
        )
    return interrupted


def retry(store: Store, item_id: int) -> OutboxItem | None:
    """The user's decision to send an uncertain or failed message again."""
    outbox = OutboxStore(store)
    item = outbox.get(item_id)
    if item is None or item.state not in ("uncertain", "failed", "queued"):
        return None
    outbox.set_state(item, "queued")
    return outbox.get(item_id)


def deliver(store: Store, session: AccountSession, *, force: bool = False) -> DeliveryReport:
    """Send what is due for this account; ``force`` ignores the retry delays."""
    report = DeliveryReport(uncertain=recover(store))
    outbox = OutboxStore(store)
    account = session.account
    items = outbox.due(account, ignore_delays=force)
    if not items:
        return report
    if account.smtp_url is None:
        report.warnings.append("Aucun serveur d'envoi (SMTP) n'est configuré pour ce compte.")
        return report
    endpoint = Endpoint.parse(account.smtp_url)
    for item in items:
        try:
            credential = session.credential()
            login = (
                (account.username or account.address, session.password())
                if account.auth == "password"
                else None
            )
            outbox.set_state(item, "sending", attempt=True)
            result = smtp.submit(
                endpoint,
                session.policy(),
                credential,
                item.envelope_from,
                list(item.recipients),
                outbox.raw(item),
                dsn_envid=item.message_id if item.dsn else None,
                login=login,
            )
        except CaduceeError as error:
            if error.retryable:
                outbox.set_state(
                    item, "queued", error=error.user_message, next_attempt_at=_later(item.attempts)
                )
                report.queued.append(outbox.get(item.id) or item)
            else:
                outbox.set_state(item, "failed", error=error.user_message)
                report.failed.append(outbox.get(item.id) or item)
            continue
        outbox.set_state(item, "sent")
        if item.dsn and not result.dsn_honoured:
            report.warnings.append(
                "Le serveur ne propose pas les accusés de remise (DSN) : aucun accusé ne sera reçu."
            )
        for recipient, reason in result.refused.items():
            report.warnings.append(f"Destinataire refusé : {recipient} ({reason}).")
        sent = outbox.get(item.id) or item
        report.sent.append(sent)
        _copy_to_sent(store, session, outbox, sent, report)
    return report


def _copy_to_sent(
    store: Store,
    session: AccountSession,
    outbox: OutboxStore,
    item: OutboxItem,
    report: DeliveryReport,
) -> None:
    """One copy in the Sent folder (the special-use one when the server has it)."""
    if item.appended_to_sent:
        return
    folder = next(
        (f.name for f in store.folders(session.account) if f.special_use == "Sent"), SENT_FOLDER
    )
    try:
        with session.imap() as connection:
            imap.append_message(imap.Mailbox(connection), folder, outbox.raw(item), ["\\Seen"])
    except CaduceeError as error:
        report.warnings.append(
            f"Message envoyé, mais sa copie n'a pas pu être rangée dans "
            f"« {folder} » : {error.user_message}"
        )
        return
    outbox.mark_appended(item)

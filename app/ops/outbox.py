"""Sending through a persistent outbox: every message once, none lost.

A message is written to the outbox (durably) before any attempt, so a crash, a closed
laptop or a dead network never loses it. States: ``queued`` → ``sending`` → ``sent`` (then
one copy appended to Sent, after which its outbox file goes), or back to ``queued`` with a
growing delay, or ``failed`` (the server said no for good: its reason is kept), or
``uncertain`` (it may have arrived).

One deliverer per account at a time, whatever the process (the window, ``sync``, ``send``,
``outbox --flush``): ``deliver`` holds ``<profile>/locks/outbox-<account>.lock`` (a
``ProcessLock``: the OS frees it when its holder dies) while it sends, and claims each row
(``sending`` + its run's token, one UPDATE) before its SMTP transaction.

What a failure means depends on where the SMTP dialogue stood (``smtp.submit`` drives it
step by step): refused with a 4xx, or a connection closed, reset or timed out before the
end of DATA went out → the server cannot have the message: ``queued``, tried again later;
a 5xx → ``failed``; the connection lost after the end of DATA, before the reply →
``uncertain``. The end of DATA is recorded (``data_sent``, committed) just before it goes
out, so a deliverer that dies leaves either a message to send again or an uncertain one.

An uncertain message is never sent again on its own. Caducée checks what it can — a copy
in her synced folders or on the server (Sent, her inbox when she was a recipient), a
delivery report (DSN) naming it — and marks it sent when found; otherwise she decides,
with the facts (``caducee outbox --retry ID`` asks, or ``--confirm-resend``).
"""

from __future__ import annotations

import logging
import mimetypes
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path

from app.core import sqlite
from app.core.audit import Action
from app.core.errors import CaduceeError, Scope
from app.core.proclock import ProcessLock
from app.mssante.dsn import read_dsn
from app.mssante.headers import NIL_REFERENCE
from app.ops.accounts import AccountSession
from app.ops.patient_mail import (
    END_CONVERSATION,
    PatientLookup,
    PatientMailError,
    PatientRecipients,
    check_recipients,
    conversation_addresses,
)
from app.psc.errors import PscError
from app.store.db import Account, MessageSummary, Store
from app.store.mime_attachments import safe_filename
from app.store.outbox import OutboxItem, OutboxStore
from app.store.receipts import ReceiptStore, envelope_id
from app.transport import imap, sasl, smtp
from app.transport.endpoints import Endpoint

log = logging.getLogger(__name__)

RETRY_DELAYS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600)  # seconds, then every 6 hours
SENT_FOLDER = "Sent"
LOCKS = "locks"  # <profile>/locks, shared with the other per-account locks
LOCK_PURPOSE = "outbox"
FINAL_REPLY_FACTOR = 4  # the reply to the end of DATA is waited for 4 x the usual timeout
DSN_SCAN_LIMIT = 500  # newest synced messages read for a delivery report, per delivery


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
    end_conversation: bool = False  # to a patient: X-MSS-MES: FIN, no reply (ECO.2.2.8)


@dataclass
class DeliveryReport:
    sent: list[OutboxItem] = field(default_factory=list)
    queued: list[OutboxItem] = field(default_factory=list)
    failed: list[OutboxItem] = field(default_factory=list)
    uncertain: list[OutboxItem] = field(default_factory=list)  # newly uncertain this run
    confirmed: list[OutboxItem] = field(default_factory=list)  # uncertain, found delivered
    warnings: list[str] = field(default_factory=list)
    busy: bool = False  # another deliverer had the account's outbox: nothing done here
    holder: int | None = None  # its pid, when known


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
    if draft.end_conversation:
        message[END_CONVERSATION[0]] = END_CONVERSATION[1]
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


def enqueue(
    store: Store, account: Account, draft: Draft, *, patients: PatientLookup | None = None
) -> OutboxItem:
    return enqueue_message(store, account, compose(draft), dsn=draft.dsn, patients=patients)


def _conversation(store: Store, message: Message, receipt_for: MessageSummary | None) -> list[str]:
    """The addresses of the message answered (In-Reply-To), or of the one a receipt is for."""
    values: list[str] = []
    answered = receipt_for
    reference = str(message["In-Reply-To"] or "").strip()
    if answered is None and reference:
        answered = store.find(reference.split()[0])
    if answered is not None:
        values = [answered.sender, answered.recipients]
    return conversation_addresses(values)


def check_patients(
    store: Store,
    message: Message,
    patients: PatientLookup | None,
    receipt_for: MessageSummary | None = None,
) -> PatientRecipients:
    """Patient recipients checked (``app/ops/patient_mail.py``); ``X-MSS-MES`` only on a
    message to a patient."""
    found = check_recipients(
        recipients_of(message), patients, _conversation(store, message, receipt_for)
    )
    if message[END_CONVERSATION[0]] is not None and not found:
        raise PatientMailError(
            "end of conversation without a patient",
            user_message="« Interdire la réponse du patient » ne vaut que pour un message "
            "adressé à un patient (…@patient.mssante.fr).",
        )
    return found


def enqueue_message(
    store: Store,
    account: Account,
    message: Message,
    *,
    dsn: bool = False,
    receipt_for: MessageSummary | None = None,
    patients: PatientLookup | None = None,
) -> OutboxItem:
    """Any ready message (a draft composed, a read receipt) into the durable outbox;
    ``receipt_for``: the message a receipt answers (in the audit trail); ``patients``: the
    registry's lookup that patient recipients are checked against (none: only answers to
    a patient's conversation may go to a patient)."""
    recipients = recipients_of(message)
    if not recipients:
        raise CaduceeError("no recipient", user_message="Indiquez au moins un destinataire.")
    check_patients(store, message, patients, receipt_for)
    if message["Bcc"] is not None:
        del message["Bcc"]  # never shown to the other recipients
    if message["X-MSS-NIL"] is None:  # ECO.2.4.3: on every message Caducée sends
        message["X-MSS-NIL"] = NIL_REFERENCE
    item = OutboxStore(store).add(
        account,
        str(message["Message-ID"]).strip("<>"),
        account.address,
        recipients,
        str(message["Subject"] or ""),
        message.as_bytes(),
        dsn,
    )
    if receipt_for is not None:
        store.audited(
            Action.RECEIPT,
            account=account.address,
            message=receipt_for.id,
            folder=receipt_for.folder,
            request="boîte d'envoi",
            result="en attente",
            detail=f"boîte d'envoi n° {item.id}",
        )
    return item


def _audit_send(outbox: OutboxStore, item: OutboxItem, result: str) -> None:
    """One submission attempt: the outbox row, how many recipients (never who)."""
    outbox.store.audited(
        Action.SEND,
        account=item.account,
        request="SMTP MAIL/RCPT/DATA",
        result=result,
        detail=f"boîte d'envoi n° {item.id}, {len(item.recipients)} destinataire(s)",
    )


def _later(attempts: int) -> str:
    delay = RETRY_DELAYS[min(max(attempts, 0), len(RETRY_DELAYS) - 1)]
    return (datetime.now(UTC) + timedelta(seconds=delay)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when() -> str:
    return datetime.now().strftime("le %d/%m/%Y à %H:%M")


def outbox_lock(store: Store, address: str) -> ProcessLock:
    """The lock every deliverer of ``address``'s outbox takes, in ``<profile>/locks``."""
    return ProcessLock.named(OutboxStore(store).directory / LOCKS, LOCK_PURPOSE, address)


# -- recovery: rows a dead deliverer left in 'sending' ------------------------------------


def _recover(outbox: OutboxStore, account: Account) -> list[OutboxItem]:
    """Only with the account's lock held: then no live deliverer owns a 'sending' row. Before
    the end of DATA the server cannot have the message: it goes again; after it, it may."""
    uncertain: list[OutboxItem] = []
    for item in outbox.orphans(account):
        if item.data_sent:
            outbox.release_orphan(
                item,
                "uncertain",
                f"Envoi interrompu (Caducée arrêté) après l'envoi complet du message, avant la "
                f"réponse du serveur ; constaté {_when()} : le destinataire l'a peut-être reçu.",
            )
            uncertain.append(outbox.get(item.id) or item)
        else:
            outbox.release_orphan(
                item,
                "queued",
                "Envoi interrompu (Caducée arrêté) avant la fin du message : il n'est pas "
                "parti ; il repart.",
            )
    return uncertain


def recover(store: Store) -> list[OutboxItem]:
    """Rows left in ``sending`` by a deliverer that died, for every account whose outbox
    nobody delivers right now (a row of a live deliverer is left alone)."""
    outbox = OutboxStore(store)
    found: list[OutboxItem] = []
    for account in store.accounts():
        if not outbox.orphans(account):
            continue
        lock = outbox_lock(store, account.address)
        if not lock.acquire(timeout=0):
            continue
        try:
            found += _recover(outbox, account)
        finally:
            lock.release()
    return found


# -- uncertain sends: what Caducée can check ----------------------------------------------


def _sent_folder(store: Store, account: Account) -> str:
    return next((f.name for f in store.folders(account) if f.special_use == "Sent"), SENT_FOLDER)


def _confirm_from_store(
    store: Store, outbox: OutboxStore, account: Account, report: DeliveryReport
) -> None:
    """Uncertain sends that the synced mail proves delivered: the message itself in one of her
    folders (a copy the server kept in Sent, her inbox when she was a recipient), or a
    delivery report (DSN) naming it. No network."""
    uncertain = outbox.in_state(account, "uncertain")
    if not uncertain:
        return
    sent_folder = _sent_folder(store, account)
    waiting: dict[str, OutboxItem] = {}
    for item in uncertain:
        row = store.db.execute(
            "SELECT f.name FROM messages m JOIN folders f ON f.id = m.folder_id "
            "WHERE f.account_id = ? AND m.message_id = ? LIMIT 1",
            (account.id, item.message_id),
        ).fetchone()
        if row is None:
            waiting[item.message_id] = item
            continue
        note = f"Vérifié {_when()} : une copie est dans « {row[0]} » : le message a bien été remis."
        if outbox.confirm_delivered(item, note, in_sent=row[0] == sent_folder):
            report.confirmed.append(outbox.get(item.id) or item)
    if not waiting:
        return
    # Each synced message is read once while uncertain sends wait (reports_seen), in the
    # order they came, at most DSN_SCAN_LIMIT per delivery (the next one goes on).
    since = min(i.created_at for i in waiting.values())
    seen = min(i.reports_seen for i in waiting.values())
    rows = store.db.execute(
        "SELECT m.id, m.blob FROM messages m JOIN folders f ON f.id = m.folder_id "
        "WHERE f.account_id = ? AND m.id > ? AND m.blob IS NOT NULL "
        "AND (m.internal_date IS NULL OR m.internal_date >= ?) "
        "ORDER BY m.id LIMIT ?",
        (account.id, seen, since, DSN_SCAN_LIMIT),
    ).fetchall()
    pending = list(waiting.values())
    by_envid = {envelope_id(k): k for k in waiting}  # the ENVID each submission carried
    for _row, digest in rows:
        raw = store.blobs.get(digest)
        status = read_dsn(raw) if raw is not None else None
        if status is None:
            continue
        named = (by_envid.get(status.envelope_id or ""), status.envelope_id, status.message_id)
        key = next((k for k in named if k in waiting), None)
        if key is None:
            continue
        item = waiting.pop(key)
        outcome = (
            "remis au destinataire"
            if status.delivered
            else "accepté par le serveur d'envoi, puis non remis (voir l'accusé)"
        )
        note = f"Vérifié {_when()} : un accusé de remise est arrivé : message {outcome}."
        if outbox.confirm_delivered(item, note, in_sent=False):
            report.confirmed.append(outbox.get(item.id) or item)
    if rows:
        outbox.reports_seen_up_to(pending, rows[-1][0])


def _check_on_server(
    mailbox: imap.Mailbox,
    outbox: OutboxStore,
    account: Account,
    item: OutboxItem,
    sent_folder: str,
    report: DeliveryReport,
) -> None:
    """Look for the message by its Message-ID in her Sent folder on the server (where some
    servers keep what they accepted) and, when she was a recipient, in her inbox."""
    folders = [sent_folder]
    if account.address.lower() in (r.lower() for r in item.recipients):
        folders.append("INBOX")
    for folder in folders:
        if not mailbox.folder_exists(folder):
            continue
        mailbox.select(folder)
        if mailbox.find_message_id(item.message_id) is not None:
            note = (
                f"Vérifié {_when()} : une copie est sur le serveur, dans « {folder} » : le "
                "message a bien été remis."
            )
            if outbox.confirm_delivered(item, note, in_sent=folder == sent_folder):
                report.confirmed.append(outbox.get(item.id) or item)
            return
    places = " ni ".join(f"« {f} »" for f in folders)
    outbox.note_check(
        item,
        f"Vérifié {_when()} : aucune copie dans {places} sur le serveur, et aucun accusé de "
        "remise reçu.",
    )


def check_uncertain(store: Store, session: AccountSession, item_id: int) -> OutboxItem | None:
    """Check again what can be checked of one uncertain send (synced mail, then the server);
    the item as it is afterwards (``sent`` when found delivered)."""
    outbox = OutboxStore(store)
    item = outbox.get(item_id)
    if item is None or item.state != "uncertain":
        return item
    report = DeliveryReport()
    _confirm_from_store(store, outbox, session.account, report)
    item = outbox.get(item_id)
    if item is None or item.state != "uncertain":
        return item
    with session.imap() as connection:
        _check_on_server(
            imap.Mailbox(connection),
            outbox,
            session.account,
            item,
            _sent_folder(store, session.account),
            report,
        )
    return outbox.get(item_id)


def uncertain_facts(item: OutboxItem) -> list[str]:
    """What she needs to decide whether to send an uncertain message again, in French."""
    facts = [
        f"Message n° {item.id} « {item.subject} » à {', '.join(item.recipients)}, "
        f"{item.attempts} tentative(s).",
    ]
    if item.last_error:
        facts.append(item.last_error)
    facts.append(item.check_note or "Aucune vérification n'a encore pu être faite sur le serveur.")
    return facts


class ResendNeedsConfirmationError(CaduceeError):
    """An uncertain message may already have arrived: sent again only on her explicit say."""

    scope = Scope.MESSAGE

    def __init__(self, item: OutboxItem) -> None:
        super().__init__(
            f"outbox item {item.id} is uncertain: resend needs confirmation",
            user_message=f"Le message n° {item.id} a peut-être déjà été remis : il n'est pas "
            "renvoyé sans votre confirmation.",
        )
        self.item = item


def retry(store: Store, item_id: int, *, resend_uncertain: bool = False) -> OutboxItem | None:
    """The user's decision to send a failed (or waiting) message again, at once. An uncertain
    one only with ``resend_uncertain`` (she saw the facts and said yes), else
    ``ResendNeedsConfirmationError``. None when there is no such message to send again (sent,
    or being sent right now)."""
    outbox = OutboxStore(store)
    item = outbox.get(item_id)
    if item is None:
        return None
    if item.state == "uncertain" and not resend_uncertain:
        raise ResendNeedsConfirmationError(item)
    states = ("failed", "queued", "uncertain") if resend_uncertain else ("failed", "queued")
    if not outbox.requeue(item_id, from_states=states):
        return None
    return outbox.get(item_id)


# -- delivery ---------------------------------------------------------------------------------


class _ClaimLostError(CaduceeError):
    """The row is no longer this deliverer's: the end of DATA must not go out."""

    retryable = True
    default_message = "Envoi repris par un autre processus."


def deliver(
    store: Store,
    session: AccountSession,
    *,
    force: bool = False,
    wait: float | None = 0.0,
    waiting: Callable[[int | None], None] | None = None,
) -> DeliveryReport:
    """Send what is due for this account; ``force`` ignores the retry delays.

    One deliverer at a time per account, whichever process (the window, ``sync``, ``send``,
    ``outbox --flush``): another one holding the account's lock is waited for at most
    ``wait`` seconds (0: not at all, None: as long as it takes; ``waiting(pid)`` is called
    once before waiting), then this one gives up (``report.busy``) — its messages are sent
    by the other or by the next delivery. Errors of the account itself (PIN cancelled, card
    removed...) are raised; the messages stay queued."""
    report = DeliveryReport()
    lock = outbox_lock(store, session.account.address)
    if not lock.acquire(timeout=0):
        if wait != 0 and waiting is not None:
            waiting(lock.holder())
        if wait == 0 or not lock.acquire(timeout=wait):
            report.busy = True
            report.holder = lock.holder()
            return report
    try:
        _deliver(store, session, force, report)
    finally:
        lock.release()
    return report


def _deliver(store: Store, session: AccountSession, force: bool, report: DeliveryReport) -> None:
    outbox = OutboxStore(store)
    account = session.account
    report.uncertain += _recover(outbox, account)
    _confirm_from_store(store, outbox, account, report)
    if account.smtp_url is None:
        if outbox.due(account, ignore_delays=force):
            report.warnings.append("Aucun serveur d'envoi (SMTP) n'est configuré pour ce compte.")
        return
    endpoint = Endpoint.parse(account.smtp_url)
    token = f"{os.getpid()}-{secrets.token_hex(6)}"  # this delivery run
    tried: set[int] = set()
    # Again until nothing is due: a message queued meanwhile (the window, ``send``) goes too.
    while batch := [i for i in outbox.due(account, ignore_delays=force) if i.id not in tried]:
        for item in batch:
            tried.add(item.id)
            _attempt(outbox, session, endpoint, item, token, report)
    _after_sending(store, session, outbox, report)
    now_items = [outbox.get(i.id) or i for i in report.uncertain]  # checked meanwhile
    report.uncertain = [i for i in now_items if i.state == "uncertain"]


def _attempt(
    outbox: OutboxStore,
    session: AccountSession,
    endpoint: Endpoint,
    item: OutboxItem,
    token: str,
    report: DeliveryReport,
) -> None:
    account = session.account
    credential = session.credential()  # an account problem: raised, the message stays queued
    bearer = session.bearer_login()  # likewise: signs in to PSC first if need be
    login = (
        (account.username or account.address, session.password())
        if account.auth == "password"
        else None
    )
    claimed = outbox.claim(item, token)
    if claimed is None:  # no longer queued: taken by someone else, or the user's choice
        return
    try:
        raw = outbox.raw(claimed)
    except FileNotFoundError:
        outbox.finish(
            claimed,
            token,
            "failed",
            error="Le fichier de ce message dans la boîte d'envoi est introuvable ou "
            "endommagé : il ne peut pas être envoyé.",
        )
        report.failed.append(outbox.get(item.id) or claimed)
        return

    def end_of_data() -> None:
        if not outbox.mark_data_sent(claimed, token):
            raise _ClaimLostError(f"outbox item {claimed.id} claimed by another deliverer")

    try:
        result = smtp.submit(
            endpoint,
            session.policy(),
            credential,
            claimed.envelope_from,
            list(claimed.recipients),
            raw,
            dsn_envid=envelope_id(claimed.message_id) if claimed.dsn else None,
            login=login,
            bearer=bearer,
            timeout=session.timeout,
            final_timeout=FINAL_REPLY_FACTOR * session.timeout,
            on_end_of_data=end_of_data,
        )
    except smtp.DeliveryUncertainError as error:
        outbox.finish(
            claimed, token, "uncertain", error=f"{error.user_message} Constaté {_when()}."
        )
        _audit_send(outbox, claimed, "incertain (connexion perdue après DATA)")
        report.uncertain.append(outbox.get(item.id) or claimed)
        return
    except _ClaimLostError:
        log.warning("outbox item %s: claim lost before the end of DATA", claimed.id)
        return
    except CaduceeError as error:
        # a PSC sign-in that ended or a token refused is the account's problem, not the
        # message's: it waits for her to sign in again
        later = error.retryable or isinstance(error, PscError | sasl.BearerRefusedError)
        retry = "réessai prévu" if later else "échec"
        _audit_send(outbox, claimed, f"erreur {type(error).__name__} ({retry})")
        if later:
            outbox.finish(
                claimed,
                token,
                "queued",
                error=error.user_message,
                next_attempt_at=_later(claimed.attempts - 1),
                data_sent=False,
            )
            report.queued.append(outbox.get(item.id) or claimed)
        else:
            outbox.finish(claimed, token, "failed", error=error.user_message, data_sent=False)
            report.failed.append(outbox.get(item.id) or claimed)
        return
    refused = f", {len(result.refused)} destinataire(s) refusé(s)" if result.refused else ""
    _audit_send(outbox, claimed, f"ok{refused}")
    if not outbox.finish(claimed, token, "sent"):
        log.warning("outbox item %s: sent, but the row was no longer ours", claimed.id)
    try:  # followed per recipient: "Suivi des envois"
        ReceiptStore(outbox.store).track_sent(
            account.id,
            claimed.id,
            claimed.message_id,
            raw,
            list(result.accepted),
            result.refused,
            dsn=claimed.dsn and result.dsn_honoured,
        )
    except sqlite.Error:  # sent all the same: say it, do not fail the delivery
        log.exception("outbox item %s: sent, not followed", claimed.id)
        report.warnings.append(
            f"« {claimed.subject} » est parti, mais son suivi (accusés) n'a pas pu être "
            "enregistré : voir le journal."
        )
    if claimed.dsn and not result.dsn_honoured:
        report.warnings.append(
            "Le serveur ne propose pas les accusés de remise (DSN) : aucun accusé ne sera reçu."
        )
    for recipient, reason in result.refused.items():
        report.warnings.append(f"Destinataire refusé : {recipient} ({reason}).")
    report.sent.append(outbox.get(item.id) or claimed)


def _after_sending(
    store: Store, session: AccountSession, outbox: OutboxStore, report: DeliveryReport
) -> None:
    """One IMAP connection for what needs the server: uncertain sends not checked yet (a copy
    in Sent?), then one copy of each sent message in Sent; then the outbox files of messages
    now in Sent go (the server has them, and the store after a sync)."""
    account = session.account
    unchecked = [i for i in outbox.in_state(account, "uncertain") if i.checked_at is None]
    if unchecked or outbox.to_file(account):
        folder = _sent_folder(store, account)
        doing = f"la vérification des envois incertains dans « {folder} »"
        try:
            with session.imap() as connection:
                mailbox = imap.Mailbox(connection)
                for item in unchecked:
                    _check_on_server(mailbox, outbox, account, item, folder, report)
                doing = f"la copie des messages envoyés dans « {folder} »"
                for item in outbox.to_file(account):
                    try:
                        raw = outbox.raw(item)
                    except FileNotFoundError:  # nothing left to copy: say it, once
                        outbox.forget_file(item)
                        report.warnings.append(
                            f"La copie de « {item.subject} » n'a pas pu être rangée dans "
                            f"« {folder} » : son fichier est introuvable."
                        )
                        continue
                    imap.append_message(mailbox, folder, raw, ["\\Seen"])
                    outbox.mark_appended(item)
        except CaduceeError as error:
            report.warnings.append(
                f"Serveur de messagerie indisponible pour {doing} (nouvel essai au prochain "
                f"envoi) : {error.user_message}"
            )
    outbox.remove_files(account)
    outbox.remove_strays()

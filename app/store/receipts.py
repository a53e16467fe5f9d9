"""Receipts followed per recipient (ECO.2.3.x, ECO.3.1.6): ``deliveries`` and ``receipt_reports``.

Each sent message gets one row per recipient (``track``), linked to its outbox row, its
Message-ID and the ENVID given with its submission. Delivery reports (DSN, RFC 3464) and
disposition reports (MDN, RFC 8098) synced into the account's folders move a row's state
(``apply``): en attente → différé → remis → lu → intégré, or refusé (an integration error,
ANS codes 900-906) or échec (not delivered). A state never goes back (an MDN read before
the DSN leaves "lu"). Each report file is applied once, whatever folder or sync brought it
(``receipt_reports``, by file digest); a report that cannot be read is recorded as such,
stays in its folder and changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from app.core.audit import Action
from app.mssante.dsn import (
    DSN,
    MDN,
    DeliveryStatus,
    Disposition,
    read_dsn,
    read_mdn,
    report_kind,
)
from app.store.db import Store

log = logging.getLogger(__name__)

STATES = (
    "pending",
    "delayed",
    "delivered",
    "displayed",
    "processed",
    "deleted",
    "refused",
    "failed",
)
_RANK = {
    "pending": 0,
    "delayed": 1,
    "delivered": 2,
    "deleted": 3,
    "displayed": 3,
    "processed": 4,
    "refused": 5,
    "failed": 5,
}
STATES_FR = {
    "pending": "en attente",
    "delayed": "différé",
    "delivered": "remis",
    "displayed": "lu",
    "processed": "intégré",
    "deleted": "supprimé par le destinataire",
    "refused": "refusé",
    "failed": "échec",
}

# Integration errors of the ANS guide (IG "transmission de documents CDA par courriel
# MSSanté", applicationErrorCondition), in the user's words.
ANS_ERRORS_FR = {
    900: "version du document incorrecte pour un remplacement ou une suppression",
    901: "auteur non autorisé à remplacer ou supprimer ce document",
    902: "patient inconnu du logiciel du destinataire",
    903: "INS absent du document",
    904: "INS ou traits d'identité différents de ceux connus du destinataire",
    905: "INS incomplet (traits d'identité manquants)",
    906: "autre erreur d'intégration",
}

# Enhanced status codes (RFC 3463), the usual ones, by subject.detail.
_STATUS_FR = {
    "1.1": "adresse du destinataire inconnue",
    "1.2": "domaine du destinataire inconnu",
    "1.3": "adresse du destinataire invalide",
    "1.6": "le destinataire a changé d'adresse",
    "2.1": "boîte du destinataire désactivée",
    "2.2": "boîte du destinataire pleine",
    "2.3": "message trop volumineux pour le destinataire",
    "3.4": "message trop volumineux",
    "4.1": "serveur du destinataire injoignable",
    "4.7": "délai de remise dépassé",
    "7.1": "refusé par la politique du serveur",
}


def status_meaning(status: str | None) -> str | None:
    """A DSN status code (``5.1.1``) in French, when it is a known one."""
    if not status:
        return None
    klass, _dot, detail = status.partition(".")
    meaning = _STATUS_FR.get(detail)
    if klass == "4":
        return f"difficulté temporaire : {meaning}" if meaning else "difficulté temporaire"
    return meaning


def envelope_id(message_id: str) -> str:
    """The ENVID (RFC 3461) of a message's submissions: derived from its Message-ID, so every
    attempt gives the same one; plain hex (nothing to xtext-encode), and it says nothing of
    the message to the servers on the way."""
    return "caducee-" + hashlib.sha256(message_id.encode()).hexdigest()[:32]


def _header_section(raw: bytes) -> Any:
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=-1)
    head = raw[: end if end >= 0 else 64 * 1024][: 256 * 1024]
    return BytesHeaderParser(policy=compat32).parsebytes(head + b"\n\n")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(iso: str | None) -> str:
    if not iso:
        return "?"
    try:
        when = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).astimezone()
    except ValueError:
        return iso
    return when.strftime("%d/%m/%Y à %H:%M")


@dataclass(frozen=True)
class RecipientState:
    recipient: str
    state: str
    code: str | None
    detail: str | None
    updated_at: str | None
    delivered_at: str | None
    read_at: str | None

    def label(self, sent_at: str, asked: str) -> str:
        """The state in French, as the reader and "Suivi des envois" show it."""
        if self.state == "pending":
            if not asked:
                return f"envoyé le {_local(sent_at)} (aucun accusé demandé)"
            return f"en attente depuis le {_local(sent_at)}"
        label = STATES_FR[self.state]
        if self.state in ("delivered", "displayed", "processed", "deleted") and self.updated_at:
            return f"{label} le {_local(self.updated_at)}"
        parts = [p for p in (self.code, self.detail) if p]
        return f"{label} ({' : '.join(parts)})" if parts else label


@dataclass(frozen=True)
class SentMessage:
    account: str
    message_id: str
    outbox_id: int | None
    envid: str | None
    subject: str
    asked: str  # "dsn", "mdn", "dsn+mdn" or "" (no receipt asked)
    sent_at: str
    recipients: tuple[RecipientState, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """The stable fields of ``caducee receipts --json`` (docs/receipts.md)."""
        return {
            "account": self.account,
            "message_id": self.message_id,
            "outbox_id": self.outbox_id,
            "envid": self.envid,
            "subject": self.subject,
            "asked": self.asked,
            "sent_at": self.sent_at,
            "recipients": [
                {
                    "recipient": r.recipient,
                    "state": r.state,
                    "state_fr": r.label(self.sent_at, self.asked),
                    "code": r.code,
                    "detail": r.detail,
                    "updated_at": r.updated_at,
                    "delivered_at": r.delivered_at,
                    "read_at": r.read_at,
                }
                for r in self.recipients
            ],
        }


@dataclass(frozen=True)
class Change:
    """One recipient's new state, from a report."""

    recipient: str | None  # None: the message's only recipient
    state: str
    code: str | None = None
    detail: str | None = None


def dsn_changes(status: DeliveryStatus) -> list[Change]:
    changes = []
    for block in status.recipients:
        action = block.action
        if action in ("delivered", "relayed", "expanded"):
            state = "delivered"
        elif action == "failed":
            state = "failed"
        elif action == "delayed":
            state = "delayed"
        else:
            continue
        meaning = status_meaning(block.status) if state != "delivered" else None
        detail = " — ".join(p for p in (meaning, block.diagnostic) if p) or None
        changes.append(
            Change(
                block.original or block.recipient,
                state,
                block.status if state != "delivered" else None,
                detail if state != "delivered" else None,
            )
        )
    return changes


def mdn_change(disposition: Disposition, sender: str | None) -> Change | None:
    who = disposition.original or disposition.recipient or sender
    if disposition.error:
        meaning = ANS_ERRORS_FR.get(disposition.code) if disposition.code is not None else None
        detail = meaning or disposition.error_text or "erreur signalée par le destinataire"
        code = str(disposition.code) if disposition.code is not None else None
        return Change(who, "refused", code, detail)
    state = {"displayed": "displayed", "processed": "processed", "deleted": "deleted"}.get(
        disposition.kind
    )
    if state is None:  # dispatched: handed on, not read; nothing new to say
        return None
    return Change(who, state)


class ReceiptStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    # -- sent messages --------------------------------------------------------------------

    def track(
        self,
        account_id: int,
        message_id: str,
        recipients: list[str],
        *,
        outbox_id: int | None = None,
        envid: str | None = None,
        subject: str = "",
        asked: str = "",
        refused: dict[str, str] | None = None,
    ) -> None:
        """One row per recipient of a message just accepted by the submission server (those
        it refused at RCPT are "échec" at once, with its reply). Again: nothing changes."""
        at = now()
        refused = {k.lower(): v for k, v in (refused or {}).items()}
        with self.store.transaction() as db:
            for recipient in dict.fromkeys(r.lower() for r in recipients):
                reply = refused.get(recipient)
                code = reply.split()[1] if reply and len(reply.split()) > 1 else None
                db.execute(
                    "INSERT INTO deliveries (account_id, outbox_id, message_id, envid, subject,"
                    " recipient, asked, state, code, detail, sent_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (account_id, message_id, recipient) DO NOTHING",
                    (
                        account_id,
                        outbox_id,
                        message_id,
                        envid,
                        subject,
                        recipient,
                        asked,
                        "failed" if reply else "pending",
                        code if reply else None,
                        f"refusé par le serveur d'envoi : {reply}" if reply else None,
                        at,
                        at if reply else None,
                    ),
                )

    def track_sent(
        self,
        account_id: int,
        outbox_id: int,
        message_id: str,
        raw: bytes,
        accepted: list[str],
        refused: dict[str, str],
        *,
        dsn: bool,
    ) -> None:
        """``track`` a message the submission server just accepted, from its outbox row; a
        report Caducée sends (a read receipt) is not followed."""
        headers = _header_section(raw)
        if report_kind(raw[: 64 * 1024]) is not None:
            return
        asked = "+".join(
            k for k, on in (("dsn", dsn), ("mdn", headers.get("Disposition-Notification-To"))) if on
        )
        self.track(
            account_id,
            message_id,
            [*accepted, *refused],
            outbox_id=outbox_id,
            envid=envelope_id(message_id) if dsn else None,
            subject=_subject(headers),
            asked=asked,
            refused=refused,
        )

    def sent(
        self,
        account: str | None = None,
        message_id: str | None = None,
        states: tuple[str, ...] = (),
    ) -> list[SentMessage]:
        """Sent messages, newest first, with their recipients' states; ``states``: only the
        messages with at least one recipient in one of them (a message sent without asking
        for any receipt never counts as "pending")."""
        clauses, params = [], []
        if account is not None:
            clauses.append("a.address = ? COLLATE NOCASE")
            params.append(account)
        if message_id is not None:
            clauses.append("d.message_id = ?")
            params.append(message_id.strip().removeprefix("<").removesuffix(">"))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.execute(
            "SELECT d.*, a.address AS account FROM deliveries d JOIN accounts a "  # noqa: S608
            f"ON a.id = d.account_id{where} ORDER BY d.sent_at DESC, d.id DESC",
            params,
        ).fetchall()
        grouped: dict[tuple[str, str], list[Any]] = {}
        for row in rows:
            grouped.setdefault((row["account"], row["message_id"]), []).append(row)
        found = []
        for (address, mid), group in grouped.items():
            group.sort(key=lambda r: r["id"])
            first = group[0]
            recipients = tuple(
                RecipientState(
                    r["recipient"],
                    r["state"],
                    r["code"],
                    r["detail"],
                    r["updated_at"],
                    r["delivered_at"],
                    r["read_at"],
                )
                for r in group
            )
            waited = [r for r in recipients if r.state != "pending" or first["asked"]]
            if states and not any(r.state in states for r in waited):
                continue  # (no receipt asked: nothing is awaited)
            found.append(
                SentMessage(
                    address,
                    mid,
                    first["outbox_id"],
                    first["envid"],
                    first["subject"],
                    first["asked"],
                    first["sent_at"],
                    recipients,
                )
            )
        return found

    # -- reports --------------------------------------------------------------------------

    def apply_message(self, message_row: int) -> str | None:
        """Apply the report stored as this message row (once per report file). Returns the
        outcome ("appliqué", "sans objet", "illisible"...) or None when it is no report or
        not downloaded yet."""
        row = self.db.execute(
            "SELECT m.report, m.blob, m.sender, f.account_id, f.name FROM messages m "
            "JOIN folders f ON f.id = m.folder_id WHERE m.id = ?",
            (message_row,),
        ).fetchone()
        if row is None or row["report"] is None or row["blob"] is None:
            return None
        done = self.db.execute(
            "SELECT outcome FROM receipt_reports WHERE blob = ?", (row["blob"],)
        ).fetchone()
        if done is not None:
            return str(done[0])
        raw = self.store.blobs.get(row["blob"])
        if raw is None:
            return None
        kind = str(row["report"])
        changes: list[Change] = []
        targets: list[Any] = []
        readable = False
        if kind == DSN:
            status = read_dsn(raw)
            if status is not None:
                readable = True
                changes = dsn_changes(status)
                targets = self._targets(row["account_id"], status.envelope_id, status.message_id)
        elif kind == MDN:
            disposition = read_mdn(raw)
            if disposition is not None:
                readable = True
                change = mdn_change(disposition, _sender_address(row["sender"]))
                changes = [change] if change is not None else []
                targets = self._targets(row["account_id"], None, disposition.message_id)
        if not readable:
            outcome = "illisible"
            applied = 0
        else:
            applied = self._apply(targets, changes) if targets else 0
            outcome = "appliqué" if applied else ("sans objet" if targets else "envoi inconnu")
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO receipt_reports (blob, kind, outcome) VALUES (?, ?, ?) "
                "ON CONFLICT (blob) DO NOTHING",
                (row["blob"], kind, outcome),
            )
        self.store.audited(
            Action.RECEIPT,
            account_id=int(row["account_id"]),
            message=message_row,
            folder=str(row["name"]),
            request=f"accusé reçu ({'DSN' if kind == DSN else 'MDN'})",
            result=outcome,
            detail=f"{applied} destinataire(s) mis à jour",
        )
        return outcome

    def apply_pending(self, account_id: int | None = None, limit: int = 2000) -> int:
        """Reports stored but not applied yet (synced before this version, or while an
        apply failed): each applied once. Returns how many were looked at."""
        rows = self.db.execute(
            "SELECT m.id FROM messages m JOIN folders f ON f.id = m.folder_id "
            "WHERE m.report IS NOT NULL AND m.blob IS NOT NULL AND (? IS NULL OR f.account_id = ?)"
            " AND m.blob NOT IN (SELECT blob FROM receipt_reports) ORDER BY m.id LIMIT ?",
            (account_id, account_id, limit),
        ).fetchall()
        for (message_row,) in rows:
            self.apply_message(int(message_row))
        return len(rows)

    def _targets(self, account_id: int, envid: str | None, message_id: str | None) -> list[Any]:
        """The rows of the sent message a report names: by ENVID first, else Message-ID."""
        for column, value in (("envid", envid), ("message_id", message_id)):
            if not value:
                continue
            rows = self.db.execute(
                f"SELECT * FROM deliveries WHERE account_id = ? AND {column} = ?",  # noqa: S608
                (account_id, value),
            ).fetchall()
            if rows:
                return list(rows)
        return []

    def _apply(self, targets: list[Any], changes: list[Change]) -> int:
        by_recipient = {str(r["recipient"]).lower(): r for r in targets}
        applied = 0
        at = now()
        with self.store.transaction() as db:
            for change in changes:
                target = by_recipient.get((change.recipient or "").lower())
                if target is None and len(targets) == 1:
                    target = targets[0]  # one recipient: the report can only be about her
                if target is None:
                    continue
                current = db.execute(
                    "SELECT state FROM deliveries WHERE id = ?", (target["id"],)
                ).fetchone()
                if current is None or _RANK[change.state] <= _RANK[str(current[0])]:
                    continue
                db.execute(
                    "UPDATE deliveries SET state = ?, code = ?, detail = ?, updated_at = ?,"
                    " delivered_at = CASE WHEN ? IN ('delivered', 'displayed', 'processed')"
                    " THEN COALESCE(delivered_at, ?) ELSE delivered_at END,"
                    " read_at = CASE WHEN ? IN ('displayed', 'processed')"
                    " THEN COALESCE(read_at, ?) ELSE read_at END WHERE id = ?",
                    (
                        change.state,
                        change.code,
                        change.detail,
                        at,
                        change.state,
                        at,
                        change.state,
                        at,
                        target["id"],
                    ),
                )
                applied += 1
        return applied


def _subject(headers: Any) -> str:
    value = headers.get("Subject")
    if not value:
        return ""
    try:
        return " ".join(str(make_header(decode_header(str(value)))).split())
    except (ValueError, LookupError, UnicodeError):
        return " ".join(str(value).split())


def _sender_address(sender: str | None) -> str | None:
    if not sender:
        return None
    text = sender.strip()
    if "<" in text and text.endswith(">"):
        text = text.rpartition("<")[2].rstrip(">")
    return text.lower() or None

"""Drafts: kept in the store first (offline), then copied to the server's Drafts folder.

The composer saves what she typed every few seconds and when she says "Enregistrer le
brouillon" (``save``). ``push`` (after each sync, ``caducee sync``, ``caducee drafts
--push``) APPENDs each changed draft to the account's Drafts folder (special-use
``\\Drafts``, or a usual name: ``app/store/folder_roles.py``) and removes the copy it
replaces; a draft sent or deleted here has its server copy removed. An account without a
Drafts folder keeps its drafts here only. A message taken back from the outbox for editing
becomes a draft first (``from_outbox``), so it is never only in the composer's memory.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from app.core.audit import Action
from app.core.errors import CaduceeError, Scope
from app.ops.accounts import AccountSession
from app.ops.outbox import Draft, compose
from app.store.db import Account, Store
from app.store.drafts import DraftRow, DraftStore
from app.store.folder_roles import folder_role
from app.store.outbox import OutboxItem, OutboxStore
from app.transport import imap

log = logging.getLogger(__name__)

EDITABLE_STATES = ("queued", "failed", "uncertain")  # never a message being sent right now


@dataclass
class DraftPushReport:
    uploaded: int = 0
    removed: int = 0
    folder: str | None = None  # the server's Drafts folder (None: the account has none)
    warnings: list[str] = field(default_factory=list)


# -- what a draft holds --------------------------------------------------------------------


def to_content(draft: Draft) -> dict[str, Any]:
    return {
        "sender": draft.sender,
        "to": list(draft.to),
        "cc": list(draft.cc),
        "bcc": list(draft.bcc),
        "subject": draft.subject,
        "body": draft.body,
        "attachments": [str(p) for p in draft.attachments],
        "forwarded": [
            [name, kind, base64.b64encode(data).decode("ascii")]
            for name, kind, data in draft.forwarded
        ],
        "dsn": draft.dsn,
        "mdn": draft.mdn,
        "in_reply_to": draft.in_reply_to,
        "references": list(draft.references),
        "end_conversation": draft.end_conversation,
    }


def from_content(data: dict[str, Any]) -> Draft:
    """The draft a row holds; lenient (a field missing or of the wrong kind is left out)."""

    def texts(key: str) -> list[str]:
        value = data.get(key)
        return [str(v) for v in value] if isinstance(value, list) else []

    forwarded: list[tuple[str, str, bytes]] = []
    for entry in data.get("forwarded") or []:
        try:
            name, kind, encoded = entry
            forwarded.append((str(name), str(kind), base64.b64decode(str(encoded))))
        except (TypeError, ValueError):
            continue
    reply_to = data.get("in_reply_to")
    return Draft(
        str(data.get("sender") or ""),
        texts("to"),
        str(data.get("subject") or ""),
        str(data.get("body") or ""),
        cc=texts("cc"),
        bcc=texts("bcc"),
        attachments=[Path(p) for p in texts("attachments")],
        forwarded=forwarded,
        dsn=bool(data.get("dsn")),
        mdn=bool(data.get("mdn")),
        in_reply_to=str(reply_to) if reply_to else None,
        references=texts("references"),
        end_conversation=bool(data.get("end_conversation")),
    )


def is_empty(draft: Draft) -> bool:
    return not (
        draft.body.strip()
        or draft.to
        or draft.cc
        or draft.bcc
        or draft.subject.strip()
        or draft.attachments
        or draft.forwarded
    )


def new_key() -> str:
    return uuid.uuid4().hex


# -- local ---------------------------------------------------------------------------------


def save(store: Store, key: str, draft: Draft, *, explicit: bool = False) -> DraftRow:
    """Keep ``draft`` under ``key`` (the composer's); ``explicit``: her "Enregistrer le
    brouillon" (in the audit trail; the autosave is not)."""
    account = store.account(draft.sender)
    row = DraftStore(store).save(
        key,
        account.id if account is not None else None,
        to_content(draft),
        draft.subject,
        [*draft.to, *draft.cc, *draft.bcc],
    )
    if explicit:
        store.audited(
            Action.DRAFT,
            account=draft.sender,
            request="brouillon local",
            result="enregistré",
            detail=f"brouillon {key[:8]}, version {row.version}",
        )
    return row


def load(store: Store, key: str) -> Draft | None:
    row = DraftStore(store).get(key)
    return from_content(row.content) if row is not None and not row.gone else None


def discard(store: Store, key: str, *, why: str = "supprimé") -> None:
    """Deleted, or sent (``why``): gone for her now; its server copy goes at the next push."""
    row = DraftStore(store).get(key)
    if row is None or row.gone:
        return
    DraftStore(store).discard(key)
    store.audited(
        Action.DRAFT,
        account=row.account or "",
        request="brouillon local",
        result=why,
        detail=f"brouillon {key[:8]}",
    )


def import_files(store: Store, drafts_dir: Path) -> int:
    """Drafts an older Caducée left as JSON files in ``drafts_dir``: into the store, then
    the file goes (an unreadable file stays where it is)."""
    imported = 0
    for path in sorted(drafts_dir.glob("*.json")) if drafts_dir.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            draft = from_content(data if isinstance(data, dict) else {})
        except (OSError, ValueError) as error:
            log.warning("draft file %s not imported: %s", path.name, type(error).__name__)
            continue
        if not is_empty(draft):
            save(store, path.stem, draft)
            imported += 1
        path.unlink(missing_ok=True)
    return imported


# -- an outbox message back to a draft (her "Modifier") ------------------------------------


class NotEditableError(CaduceeError):
    scope = Scope.MESSAGE
    default_message = (
        "Ce message ne peut plus être modifié : il est en cours d'envoi ou déjà envoyé."
    )


def draft_of_message(raw: bytes, item: OutboxItem) -> Draft:
    """The composer's fields back from a queued message (ours: composed by ``compose``)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # noqa: S101 - policy.default gives these

    def addresses(name: str) -> list[str]:
        pairs = getaddresses([str(v) for v in message.get_all(name, [])])
        return [f"{n} <{a}>" if n else a for n, a in pairs if a]

    to, cc = addresses("To"), addresses("Cc")
    shown = {a.rpartition("<")[2].strip(">").lower() for a in [*to, *cc]}
    bcc = [r for r in item.recipients if r.lower() not in shown]  # the envelope's rest
    body_part = message.get_body(preferencelist=("plain",))
    body = body_part.get_content() if isinstance(body_part, EmailMessage) else ""
    forwarded = []
    for part in message.iter_attachments():
        if isinstance(part, EmailMessage):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                name = part.get_filename() or "piece-jointe.bin"
                forwarded.append((name, part.get_content_type(), data))
    reply_to = str(message.get("In-Reply-To") or "").strip().strip("<>") or None
    references = [r.strip("<>") for r in str(message.get("References") or "").split() if r]
    return Draft(
        item.account,
        to,
        str(message.get("Subject") or ""),
        body,
        cc=cc,
        bcc=bcc,
        forwarded=forwarded,
        dsn=item.dsn,
        mdn=message.get("Disposition-Notification-To") is not None,
        in_reply_to=reply_to,
        references=references,
    )


def from_outbox(store: Store, item_id: int) -> str:
    """Take a queued, failed or uncertain message out of the outbox as a draft (its key):
    the draft is written first, then the row goes if no deliverer holds it — otherwise the
    draft goes again and ``NotEditableError``. Never both lost."""
    outbox = OutboxStore(store)
    item = outbox.get(item_id)
    if item is None or item.state not in EDITABLE_STATES:
        raise NotEditableError(f"outbox item {item_id} not editable")
    try:
        raw = outbox.raw(item)
    except FileNotFoundError as error:
        raise NotEditableError(
            f"outbox item {item_id}: file missing",
            user_message="Le fichier de ce message est introuvable : il ne peut pas être "
            "repris pour modification.",
        ) from error
    key = new_key()
    save(store, key, draft_of_message(raw, item))
    if outbox.remove(item_id, from_states=EDITABLE_STATES) is None:
        DraftStore(store).discard(key)
        raise NotEditableError(f"outbox item {item_id} taken by a deliverer")
    store.audited(
        Action.DRAFT,
        account=item.account,
        request="boîte d'envoi → brouillon",
        result="repris pour modification",
        detail=f"boîte d'envoi n° {item.id} → brouillon {key[:8]}",
    )
    return key


# -- the server's Drafts folder ------------------------------------------------------------


def drafts_folder(store: Store, account: Account) -> str | None:
    """The account's Drafts folder as last synced (special-use first, then usual names)."""
    found = [
        f
        for f in store.folders(account)
        if f.selectable and folder_role(f.name, f.delimiter, f.special_use) == "Drafts"
    ]
    found.sort(key=lambda f: f.special_use != "Drafts")
    return found[0].name if found else None


def draft_message(row: DraftRow) -> tuple[str, bytes]:
    """The MIME copy of a draft for the server (its own Message-ID) and that Message-ID."""
    message = compose(from_content(row.content))
    message["X-Mozilla-Draft-Info"] = "internal/draft; vcard=0; receipt=0"
    return str(message["Message-ID"]).strip("<>"), message.as_bytes()


def _remove_copy(mailbox: imap.Mailbox, folder: str, message_id: str) -> bool:
    """Delete one copy by Message-ID (folder selected writable); False when not found."""
    uid = mailbox.find_message_id(message_id)
    if uid is None:
        return False
    mailbox.expunge(uid)
    return True


def push(
    store: Store,
    session: AccountSession,
    *,
    connect: Callable[[], imap.ImapConnection] | None = None,
) -> DraftPushReport:
    """Bring the server's Drafts folder in line with her drafts: new versions appended, old
    copies and those of sent or deleted drafts removed. Nothing to do: no connection."""
    account = session.account
    report = DraftPushReport(folder=drafts_folder(store, account))
    drafts = DraftStore(store)
    to_upload = [d for d in drafts.items(account.address) if not d.on_server]
    to_remove = [d for d in drafts.items(account.address, gone=True)]
    if report.folder is None or not (to_upload or to_remove):
        return report
    folder = report.folder
    with (connect or session.imap)() as connection:
        mailbox = imap.Mailbox(connection)
        for row in to_upload:
            try:
                message_id, raw = draft_message(row)
            except OSError as error:  # an attached file moved or deleted meanwhile
                report.warnings.append(
                    f"Le brouillon « {row.subject} » n'a pas pu être copié sur le serveur : "
                    f"une pièce jointe est introuvable ({type(error).__name__})."
                )
                continue
            imap.append_message(mailbox, folder, raw, ["\\Draft", "\\Seen"])
            drafts.uploaded(row, folder, message_id)
            store.audited(
                Action.DRAFT,
                account=account.address,
                folder=folder,
                request="IMAP APPEND",
                result="ok",
                detail=f"brouillon {row.key[:8]}, version {row.version}",
            )
            report.uploaded += 1
            if row.server_message_id is not None:  # the version it replaces
                to_remove.append(row)
        for row in to_remove:
            old_folder = row.server_folder or folder
            if row.server_message_id is None:
                drafts.server_copy_removed(row)
                continue
            if not mailbox.folder_exists(old_folder):
                drafts.server_copy_removed(row)
                continue
            mailbox.select_writable(old_folder)
            found = _remove_copy(mailbox, old_folder, row.server_message_id)
            drafts.server_copy_removed(row)
            store.audited(
                Action.DRAFT,
                account=account.address,
                folder=old_folder,
                request="IMAP UID STORE \\Deleted, UID EXPUNGE",
                result="ok" if found else "déjà absent",
                detail=f"brouillon {row.key[:8]}",
            )
            report.removed += int(found)
    return report


def push_after_sync(store: Store, session: AccountSession) -> list[str]:
    """``push`` where a sync ends: a problem is said (French warnings), never raised, and
    the drafts stay here for the next time."""
    try:
        return push(store, session).warnings
    except CaduceeError as error:
        return [
            f"Brouillons non copiés sur le serveur (nouvel essai à la prochaine relève) : "
            f"{error.user_message}"
        ]

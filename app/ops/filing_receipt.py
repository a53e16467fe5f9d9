"""The processing receipt after filing (IG-MDN, notes §4.6), for the CLI and the window.

When the sender asked for a receipt (``Disposition-Notification-To``) and none was sent or
refused yet: ``processed`` once the documents are filed (or found already filed), the
``processed/error`` variant with the 90x code when the doctor refused them for an identity
reason. A document still waiting in "À classer" gets no receipt: she decides first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.errors import CaduceeError
from app.filing.service import DUPLICATE, FILED, REFUSED, FilingResult
from app.ops.outbox import enqueue_message
from app.ops.receipts import MDN_SENT, processing_receipt, receipt_asked
from app.store.db import MessageSummary, Store
from app.store.mime import parse_message
from app.store.mime_headers import message_headers


@dataclass(frozen=True)
class ReceiptOffer:
    """A receipt that can be sent for this filing: where, and which kind."""

    to: str
    kind: str | None  # "processed", "error", or None: still to file (she decides first)
    error_code: int | None = None

    def to_json(self, *, sent: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {"requested": True, "to": self.to, "kind": self.kind}
        if self.error_code is not None:
            data["error_code"] = self.error_code
        data["sent"] = sent
        return data


NOT_ASKED: dict[str, Any] = {"requested": False, "to": None, "sent": False, "kind": None}


def receipt_offer(
    store: Store, message: MessageSummary, result: FilingResult
) -> ReceiptOffer | None:
    """The receipt asked for this message (``kind`` None while its documents wait), or None
    when none is asked or it was already answered."""
    raw = store.raw(message)
    if raw is None:
        return None
    current = store.find(str(message.id)) or message
    to = receipt_asked(message_headers(raw), current.flags)  # the header section: no parse
    if to is None:
        return None
    if result.status in (FILED, DUPLICATE):
        return ReceiptOffer(to, "processed", None)
    if result.status == REFUSED and result.error_code:
        return ReceiptOffer(to, "error", result.error_code)
    return ReceiptOffer(to, None)


def send_receipt(store: Store, message: MessageSummary, offer: ReceiptOffer) -> None:
    """Queue the MDN in the outbox and mark the message ``$MDNSent`` (never asked again)."""
    if offer.kind is None:
        raise ValueError("no receipt before the documents are filed or refused")
    raw = store.raw(message)
    account = store.account(message.account)
    if raw is None or account is None:
        raise CaduceeError(
            "message or account gone",
            user_message="Le message ou son compte n'existe plus : aucun accusé envoyé.",
        )
    mdn = processing_receipt(parse_message(raw), account.address, raw, error_code=offer.error_code)
    enqueue_message(store, account, mdn, receipt_for=message)
    store.change_flags(store.find(str(message.id)) or message, add=[MDN_SENT])

"""Delivery status notifications (RFC 3464): which message a DSN speaks of, and what it says.

Used by the outbox to settle an uncertain send: a DSN naming the message (by the ENVID
Caducée gave it, or the Message-ID in the returned headers) proves the submission server
accepted it. Bad input gives None, never an exception.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import Message

_MAX_SIZE = 2 * 1024 * 1024  # a DSN is small; a big message is not read as one


@dataclass(frozen=True)
class DeliveryStatus:
    envelope_id: str | None  # Original-Envelope-Id: the ENVID of the submission
    message_id: str | None  # of the original message (returned headers), without <>
    actions: tuple[str, ...]  # per recipient: delivered, relayed, expanded, failed, delayed

    @property
    def delivered(self) -> bool:
        return any(a in ("delivered", "relayed", "expanded") for a in self.actions)


def _clean_id(value: str | None) -> str | None:
    if not value:
        return None
    text = " ".join(value.split()).strip().removeprefix("<").removesuffix(">").strip()
    return text or None


def _message_id(headers: str) -> str | None:
    parsed = email.message_from_string(headers, policy=email.policy.compat32)
    return _clean_id(parsed.get("Message-ID"))


def read_dsn(raw: bytes) -> DeliveryStatus | None:
    """The DSN in ``raw``, or None when it is not one."""
    if len(raw) > _MAX_SIZE or b"delivery-status" not in raw.lower():
        return None
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        if message.get_content_type() != "multipart/report":
            return None
        envelope_id: str | None = None
        original: str | None = None
        actions: list[str] = []
        for part in message.walk():
            kind = part.get_content_type()
            if kind == "message/delivery-status":
                blocks = part.get_payload()
                if not isinstance(blocks, list):
                    continue
                for block in blocks:
                    if not isinstance(block, Message):
                        continue
                    envelope_id = envelope_id or _clean_id(block.get("Original-Envelope-Id"))
                    action = block.get("Action")
                    if action:
                        actions.append(str(action).strip().lower())
            elif kind in ("text/rfc822-headers", "message/rfc822-headers"):
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    original = original or _message_id(payload.decode("utf-8", "replace"))
            elif kind == "message/rfc822":
                inner = part.get_payload()
                if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                    original = original or _clean_id(inner[0].get("Message-ID"))
    except (ValueError, TypeError, LookupError, AttributeError):
        return None
    if envelope_id is None and original is None:
        return None
    return DeliveryStatus(envelope_id, original, tuple(actions))

"""Delivery and disposition reports: which sent message and recipient they speak of, and what
they say. DSN: RFC 3464 (``multipart/report; report-type=delivery-status``); MDN: RFC 8098
(``report-type=disposition-notification``), with the ANS forms of the integration error
(``processed/error`` and an ``Error: <code>^<label>`` field, or the code written inside the
``Disposition`` modifier).

Used by the outbox to settle an uncertain send, and by the receipts followed per recipient
(``app.store.receipts``). Bad input gives None, never an exception.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser

_MAX_SIZE = 2 * 1024 * 1024  # a report is small; a big message is not read as one
_MAX_BLOCKS = 1000  # per-recipient blocks read from one report
_MAX_FIELD = 1000  # characters kept of a field (a diagnostic, an error label)

DSN = "dsn"
MDN = "mdn"


@dataclass(frozen=True)
class RecipientStatus:
    """One per-recipient block of a DSN."""

    recipient: str  # Final-Recipient address, lowercased
    original: str | None  # Original-Recipient address (the ORCPT given), lowercased
    action: str  # delivered, relayed, expanded, failed, delayed
    status: str | None  # e.g. 5.1.1
    diagnostic: str | None  # Diagnostic-Code, e.g. "smtp; 550 5.1.1 No such user"


@dataclass(frozen=True)
class DeliveryStatus:
    envelope_id: str | None  # Original-Envelope-Id: the ENVID of the submission
    message_id: str | None  # of the original message (returned headers), without <>
    actions: tuple[str, ...]  # per recipient: delivered, relayed, expanded, failed, delayed
    recipients: tuple[RecipientStatus, ...] = ()

    @property
    def delivered(self) -> bool:
        return any(a in ("delivered", "relayed", "expanded") for a in self.actions)


@dataclass(frozen=True)
class Disposition:
    """An MDN: what the recipient's client did with the message."""

    message_id: str | None  # Original-Message-ID (else In-Reply-To, else the returned copy)
    recipient: str | None  # Final-Recipient address, lowercased
    original: str | None  # Original-Recipient address, lowercased
    mode: str  # e.g. "manual-action/MDN-sent-manually"
    kind: str  # displayed, processed, deleted, dispatched (lowercased)
    error: bool  # the "error" modifier (ANS: integration refused)
    code: int | None  # the ANS/IG error code (900-906...), if any
    error_text: str | None  # the error's label as sent


def report_kind(headers: bytes | str) -> str | None:
    """``"dsn"`` or ``"mdn"`` when the message's top-level header section says it is a report,
    else None (cheap: most messages are ruled out without parsing)."""
    lowered = headers.lower() if isinstance(headers, str) else headers.decode("latin-1").lower()
    if "report" not in lowered:
        return None
    try:
        parsed = HeaderParser(policy=email.policy.compat32).parsestr(lowered[:_MAX_SIZE])
        if parsed.get_content_type() != "multipart/report":
            return None
        kind = str(parsed.get_param("report-type") or "").strip().lower()
    except (ValueError, TypeError, LookupError, AttributeError):
        return None
    return {"delivery-status": DSN, "disposition-notification": MDN}.get(kind)


def _clean_id(value: object) -> str | None:
    if not value:
        return None
    text = " ".join(str(value).split()).strip()
    match = re.search(r"<([^<>\s]+)>", text)
    if match:
        return match.group(1)[:_MAX_FIELD]
    text = text.removeprefix("<").removesuffix(">").strip()
    return text[:_MAX_FIELD] or None


def _address(value: object) -> str | None:
    """``rfc822; someone@example.org`` (any address type) -> the address, lowercased."""
    if not value:
        return None
    text = " ".join(str(value).split())
    _kind, separator, address = text.partition(";")
    address = (address if separator else text).strip().strip("<>").strip().lower()
    return address[:_MAX_FIELD] or None


def _text(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text[:_MAX_FIELD] or None


def _message_id(headers: str) -> str | None:
    parsed = email.message_from_string(headers, policy=email.policy.compat32)
    return _clean_id(parsed.get("Message-ID"))


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a ``message/delivery-status`` or ``disposition-notification``
    part, parsed by the email package or (encoded parts, which some senders write) here."""
    payload = part.get_payload()
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    encoded = encoding in ("base64", "quoted-printable")
    if isinstance(payload, list):
        if not encoded:
            return [b for b in payload[:_MAX_BLOCKS] if isinstance(b, Message)]
        # Encoded (against RFC 2046, but it is sent): the parser took the encoded text for
        # a message; decode it and read the fields here.
        payload = "".join(b.as_string() if isinstance(b, Message) else str(b) for b in payload)
    if encoded:
        data = email.message_from_string(
            f"Content-Transfer-Encoding: {encoding}\n\n{payload}", policy=email.policy.compat32
        ).get_payload(decode=True)
    else:
        data = part.get_payload(decode=True) if isinstance(payload, str) else None
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(payload or "")
    text = text.replace("\r\n", "\n")
    blocks = [b for b in re.split(r"\n[ \t]*\n", text) if b.strip()][:_MAX_BLOCKS]
    return [HeaderParser(policy=email.policy.compat32).parsestr(b.strip() + "\n") for b in blocks]


def _original_id(part: Message) -> str | None:
    """The Message-ID of the returned original (its headers or the whole message)."""
    kind = part.get_content_type()
    if kind in ("text/rfc822-headers", "message/rfc822-headers"):
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return _message_id(payload.decode("utf-8", "replace"))
    elif kind == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return _clean_id(inner[0].get("Message-ID"))
    return None


def _report(raw: bytes, kind: str) -> Message | None:
    if len(raw) > _MAX_SIZE or kind.encode() not in raw.lower():
        return None
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    return message if message.get_content_type() == "multipart/report" else None


def read_dsn(raw: bytes) -> DeliveryStatus | None:
    """The DSN in ``raw``, or None when it is not one (or cannot be read as one)."""
    try:
        message = _report(raw, "delivery-status")
        if message is None:
            return None
        envelope_id: str | None = None
        original: str | None = None
        actions: list[str] = []
        recipients: list[RecipientStatus] = []
        for part in message.walk():
            if part.get_content_type() == "message/delivery-status":
                for block in _blocks(part):
                    envelope_id = envelope_id or _clean_id(block.get("Original-Envelope-Id"))
                    action = _text(block.get("Action"))
                    if not action:
                        continue
                    action = action.lower()
                    actions.append(action)
                    final = _address(block.get("Final-Recipient"))
                    if final:
                        status = _text(block.get("Status"))
                        recipients.append(
                            RecipientStatus(
                                final,
                                _address(block.get("Original-Recipient")),
                                action,
                                status.split()[0] if status else None,
                                _text(block.get("Diagnostic-Code")),
                            )
                        )
            else:
                original = original or _original_id(part)
    except (ValueError, TypeError, LookupError, AttributeError, AssertionError):
        return None
    if envelope_id is None and original is None:
        return None
    return DeliveryStatus(envelope_id, original, tuple(actions), tuple(recipients))


_DISPOSITION = re.compile(
    r"^\s*(?P<mode>[\w-]+\s*/\s*[\w-]+)\s*;\s*(?P<kind>[\w-]+)\s*(?:/\s*(?P<modifier>.*))?$",
    re.DOTALL,
)
_CODE = re.compile(r"^\s*(\d{1,4})\s*(?:\^\s*([^^]*))?")


def _error(modifier: str | None, field: str | None) -> tuple[bool, int | None, str | None]:
    """(error?, code, label) from the modifier (``error``, or ANS's ``Error: 902^label``) and
    the ``Error:`` field."""
    modifier = (modifier or "").strip()
    is_error = modifier.lower().startswith("error") or bool(field)
    text = field
    if not text and modifier.lower().startswith("error"):
        text = modifier.partition(":")[2]  # ANS: "processed/Error: 902^label"
    if not text:
        return is_error, None, None
    match = _CODE.match(text)
    if match is None:
        return is_error, None, _text(text)
    return is_error, int(match.group(1)), _text(match.group(2))


def read_mdn(raw: bytes) -> Disposition | None:
    """The MDN in ``raw``, or None when it is not one (or cannot be read as one)."""
    try:
        message = _report(raw, "disposition-notification")
        if message is None:
            return None
        fields: Message | None = None
        original: str | None = None
        for part in message.walk():
            if part.get_content_type() == "message/disposition-notification":
                blocks = _blocks(part)
                fields = fields or (blocks[0] if blocks else None)
            else:
                original = original or _original_id(part)
        if fields is None:
            return None
        match = _DISPOSITION.match(" ".join(str(fields.get("Disposition") or "").split()))
        if match is None:
            return None
        is_error, code, label = _error(match.group("modifier"), _text(fields.get("Error")))
        message_id = (
            _clean_id(fields.get("Original-Message-ID"))
            or _clean_id(message.get("In-Reply-To"))
            or original
        )
        if message_id is None:
            return None
        return Disposition(
            message_id,
            _address(fields.get("Final-Recipient")),
            _address(fields.get("Original-Recipient")),
            re.sub(r"\s+", "", match.group("mode")),
            match.group("kind").lower(),
            is_error,
            code,
            label,
        )
    except (ValueError, TypeError, LookupError, AttributeError, AssertionError):
        return None

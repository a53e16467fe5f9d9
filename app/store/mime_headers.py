"""Header fields: addresses, message ids and references, dates, the headers kept; and the
summary the message list shows, from the header section alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

from app.store.mime_decode import (
    _HEADER_CONTROL_CHARS,
    _all,
    _clean_header_text,
    _decode_8bit,
    _decode_rfc2047,
    _Defects,
    _first,
    _Header,
    _header_text,
    _scan_headers,
)

ADDRESS_TEXT_LIMIT = 256 * 1024  # characters of one address field (all occurrences)
MAX_REFERENCES = 200


@dataclass(frozen=True, slots=True)
class Address:
    name: str  # display name, decoded; "" when none
    address: str  # local part as sent, domain lowercased


# -- addresses, identifiers, dates --------------------------------------------------------------

_LOOSE_ADDRESS = re.compile(r"[^\s<>,;:\"()\[\]]+@[^\s<>,;:\"()\[\]]+")
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,998})>")
_NOT_IN_ID = re.compile(r"[\s<>\x00-\x20\x7f-\x9f]")


def _normalize_address(address: str) -> str:
    address = "".join(address.split()).strip("<>")
    address = _HEADER_CONTROL_CHARS.sub("", address)
    local, at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}" if at else address


def _addresses(values: list[str], defects: _Defects) -> tuple[Address, ...]:
    if not values:
        return ()
    text = ", ".join(_decode_8bit(value) for value in values)
    if len(text) > ADDRESS_TEXT_LIMIT:
        defects.add("HeaderTooLongDefect")
        text = text[:ADDRESS_TEXT_LIMIT]
    try:
        pairs = getaddresses([text])
    except Exception:  # noqa: BLE001 - email.utils recurses on nested comments, among others
        defects.add("InvalidAddressHeaderDefect")
        pairs = []
    result: list[Address] = []
    for name, address in pairs:
        address = _normalize_address(address)
        if address:
            result.append(Address(_clean_header_text(_decode_rfc2047(name)), address))
    if not result and "@" in text:
        defects.add("InvalidAddressHeaderDefect")
        for match in _LOOSE_ADDRESS.finditer(text):
            result.append(Address("", _normalize_address(match.group())))
    return tuple(result)


def _valid_id(candidate: str) -> str | None:
    candidate = candidate.strip()
    if not candidate or len(candidate) > 998:
        return None
    if _NOT_IN_ID.search(candidate):  # \s is str.isspace(): Unicode spaces too
        return None
    return candidate


def _bare_id(candidate: str) -> str | None:
    """An identifier sent without its angle brackets: accepted if it has an "@"."""
    valid = _valid_id(candidate)
    return valid if valid is not None and "@" in valid else None


def _message_id(value: str | None, defects: _Defects) -> str | None:
    if value is None:
        return None
    text = _decode_8bit(value)
    match = _MESSAGE_ID.search(text)
    result = _valid_id(match.group(1)) if match else _bare_id(text)
    if result is None:
        defects.add("InvalidMessageIdDefect")
    return result


def _references(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    text = _decode_8bit(value)
    bracketed: list[str] = _MESSAGE_ID.findall(text)
    check = _valid_id if bracketed else _bare_id
    ids: list[str] = []
    seen: set[str] = set()
    for candidate in bracketed or text.split():
        valid = check(candidate)
        if valid is not None and valid not in seen:
            seen.add(valid)
            ids.append(valid)
    if len(ids) > MAX_REFERENCES:  # keep the thread root and the most recent ones
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
    return tuple(ids)


def _date(value: str | None, defects: _Defects) -> datetime | None:
    if value is None:
        defects.add("MissingDateHeaderDefect")
        return None
    text = _clean_header_text(_decode_8bit(value))[:1024]
    parsed: datetime | None = None
    try:
        parsed = parsedate_to_datetime(text)
    except Exception:  # noqa: BLE001 - ValueError, TypeError, IndexError… on garbage
        parsed = None
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
    if parsed is None:
        defects.add("InvalidDateDefect")
        return None
    if parsed.tzinfo is None:  # "-0000": UTC, local zone unknown
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        defects.add("InvalidDateDefect")
        return None


# -- selected headers -------------------------------------------------------------------------

_KEPT_HEADERS = {
    "disposition-notification-to": "Disposition-Notification-To",
    "return-receipt-to": "Return-Receipt-To",
    "auto-submitted": "Auto-Submitted",
    "content-language": "Content-Language",
}


def _kept_headers(headers: list[_Header]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for header in headers:
        if header.name.startswith("x-mss-"):
            key = header.name.upper()
        elif header.name in _KEPT_HEADERS:
            key = _KEPT_HEADERS[header.name]
        else:
            continue
        value = _header_text(header.value)
        kept[key] = f"{kept[key]}, {value}" if key in kept else value
    return kept


@dataclass(frozen=True, slots=True)
class HeaderSummary:
    """What the message list shows, from the header section alone (a sync's first pass).

    Each field is what :func:`parse_message` gives for the same bytes: the same header scan
    and the same decoding, without the MIME structure, the body and the other fields (the
    header pass parses 5,000 of these before any body is fetched). The references place
    the message in its conversation (``app.store.threads``).
    """

    message_id: str | None
    subject: str
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


_ADDRESS_CACHE_SIZE = 4096
_ADDRESS_CACHE_KEY_CHARS = 1024  # the cache stays under a few MB
_address_cache: dict[tuple[str, ...], tuple[tuple[Address, ...], tuple[str, ...]]] = {}


def _cached_addresses(values: list[str], defects: _Defects | None = None) -> tuple[Address, ...]:
    """``_addresses``, remembered with the defects it found (replayed into ``defects``): a
    mailbox repeats its correspondents (every incoming message has the same To), and
    ``email.utils`` is the slow part of parsing a message."""
    key = tuple(values)
    if sum(len(value) for value in values) > _ADDRESS_CACHE_KEY_CHARS:  # rare: not kept
        return _addresses(values, defects if defects is not None else _Defects())
    found = _address_cache.get(key)
    if found is None:
        seen = _Defects()
        found = (_addresses(values, seen), seen.names())
        if len(_address_cache) >= _ADDRESS_CACHE_SIZE:
            _address_cache.clear()
        _address_cache[key] = found
    if defects is not None:
        for name in found[1]:
            defects.add(name)
    return found[0]


def _header_summary(raw: bytes) -> HeaderSummary:
    defects = _Defects()  # not reported: the body pass parses the whole message
    headers, _body = _scan_headers(raw, 0, len(raw), defects, top=True)
    senders = _cached_addresses(_all(headers, "from")) or _cached_addresses(_all(headers, "sender"))
    raw_subject = _first(headers, "subject")
    in_reply_to = _references(_first(headers, "in-reply-to"))
    return HeaderSummary(
        message_id=_message_id(_first(headers, "message-id"), defects),
        subject=_header_text(raw_subject) if raw_subject is not None else "",
        sender=senders[0] if senders else None,
        to=_cached_addresses(_all(headers, "to")),
        cc=_cached_addresses(_all(headers, "cc")),
        date=_date(_first(headers, "date"), defects),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_references(_first(headers, "references")),
    )


def message_headers(raw: bytes) -> dict[str, str]:
    """:attr:`ParsedMessage.headers` from the header section alone (no MIME structure)."""
    try:
        data = bytes(raw)
        headers, _body = _scan_headers(data, 0, len(data), _Defects(), top=True)
        return _kept_headers(headers)
    except Exception:  # noqa: BLE001 - the contract is to degrade, never to raise
        return {}


def parse_header_summary(raw: bytes) -> HeaderSummary:
    """Parse a header section (or a whole message's headers). Never raises."""
    try:
        return _header_summary(bytes(raw))
    except Exception:  # noqa: BLE001 - the contract is to degrade, never to raise
        return HeaderSummary(None, "", None, (), (), None)

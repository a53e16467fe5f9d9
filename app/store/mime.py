"""Raw RFC 5322 bytes → what the offline store indexes and what ``caducee show`` displays.

Everything here must survive hostile input: garbage bytes, truncated messages, broken
encodings, 1,000-level nesting, 10,000 parts, 50 MB attachments. :func:`parse_message` never
raises; what was wrong is listed in :attr:`ParsedMessage.defects`.

Why not ``email.parser`` for the structure: the stdlib feed parser recurses once per
multipart level (``RecursionError`` near 1,000 levels), its ``_parseparam`` is quadratic
on hostile parameters, and ``a2b_base64`` stops at the first padding it meets (concatenated
base64 loses data). So the MIME structure is split here,
iteratively, on byte offsets into the raw message (no copy of a part until it is decoded),
and the stdlib is used for the pieces that are robust: ``email.utils`` for addresses and
dates, ``binascii`` for transfer encodings, ``codecs`` for charsets, ``html.parser`` for HTML.

Part numbers follow IMAP (RFC 3501 ``BODY[section]``): the children of the top multipart are
"1", "2"…, nested ones "1.2"; a message that is not multipart has a single part "1"; a path
may go on inside a ``message/rfc822`` part ("3.1" is the first part of the forwarded message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.store.mime_attachments import Attachment, MessageParts, _attachment
from app.store.mime_decode import (
    _CONTROL_CHARS,
    _all,
    _Defects,
    _first,
    _guess_decode,
    _header_text,
)
from app.store.mime_headers import (
    Address,
    _cached_addresses,
    _date,
    _kept_headers,
    _message_id,
    _references,
)
from app.store.mime_text import TEXT_LIMIT, _cap_text, _leaf_text
from app.store.mime_tree import _build_tree, _Node, _roles

__all__ = ["ParsedMessage", "parse_message", "parse_message_parts"]


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    message_id: str | None
    subject: str
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None  # aware, UTC
    in_reply_to: str | None
    references: tuple[str, ...]
    body_text: str
    has_html: bool
    attachments: tuple[Attachment, ...]
    headers: dict[str, str] = field(hash=False)
    defects: tuple[str, ...]


# -- the public functions ---------------------------------------------------------------------


def _parse(raw: bytes, nodes: list[_Node], defects: _Defects, *, sizes: bool) -> ParsedMessage:
    headers = nodes[0].headers
    if not headers:
        defects.add("MissingHeadersDefect")

    raw_subject = _first(headers, "subject")
    senders = _cached_addresses(_all(headers, "from"), defects)
    if not senders:
        defects.add("MissingFromHeaderDefect")
        senders = _cached_addresses(_all(headers, "sender"), defects)
    raw_message_id = _first(headers, "message-id")
    if raw_message_id is None:
        defects.add("MissingMessageIdHeaderDefect")

    body_nodes, attachment_nodes = _roles(nodes)
    pieces: list[str] = []
    total = 0
    for index in body_nodes:
        if total > TEXT_LIMIT:
            defects.add("BodyTextTruncatedDefect")
            break
        text = _leaf_text(raw, nodes[index], defects)
        if text.strip():
            pieces.append(text)
            total += len(text)
    body_text, truncated = _cap_text("\n\n".join(pieces))
    if truncated:
        defects.add("BodyTextTruncatedDefect")

    attachments = tuple(
        _attachment(raw, nodes[index], number, defects, size=sizes)
        for number, index in enumerate(attachment_nodes, 1)
    )
    in_reply_to = _references(_first(headers, "in-reply-to"))
    return ParsedMessage(
        message_id=_message_id(raw_message_id, defects),
        subject=_header_text(raw_subject) if raw_subject is not None else "",
        sender=senders[0] if senders else None,
        to=_cached_addresses(_all(headers, "to"), defects),
        cc=_cached_addresses(_all(headers, "cc"), defects),
        bcc=_cached_addresses(_all(headers, "bcc"), defects),
        reply_to=_cached_addresses(_all(headers, "reply-to"), defects),
        date=_date(_first(headers, "date"), defects),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_references(_first(headers, "references")),
        body_text=body_text,
        has_html=any(node.kind == "html" for node in nodes),
        attachments=attachments,
        headers=_kept_headers(headers),
        defects=defects.names(),
    )


def _degraded(raw: object) -> ParsedMessage:
    """What is left when parsing failed outright (a bug): the raw text, readable."""
    text = ""
    if isinstance(raw, bytes | bytearray | memoryview):
        text, _ = _cap_text(_guess_decode(bytes(raw[:TEXT_LIMIT])))
        text = _CONTROL_CHARS.sub("", text)
    return ParsedMessage(
        message_id=None,
        subject="",
        sender=None,
        to=(),
        cc=(),
        bcc=(),
        reply_to=(),
        date=None,
        in_reply_to=None,
        references=(),
        body_text=text,
        has_html=False,
        attachments=(),
        headers={},
        defects=("InternalParserErrorDefect",),
    )


def parse_message(raw: bytes, *, sizes: bool = True) -> ParsedMessage:
    """Parse raw RFC 5322 bytes. Never raises: problems are listed in ``defects``.

    ``sizes=False``: every attachment's ``size`` is 0 and the defects of its encoding are
    not looked for. For the full-text index, which keeps the names only: a base64 part's
    size is a pass over all of it (over a third of a sync's parsing time).
    """
    return parse_message_parts(raw, sizes=sizes)[0]


def parse_message_parts(raw: bytes, *, sizes: bool = True) -> tuple[ParsedMessage, MessageParts]:
    """:func:`parse_message`, and the message's parts to read afterwards without parsing it
    again (a message with 10,000 parts costs one parse, not one per attachment read)."""
    data = bytes(raw)  # no copy when raw is already bytes
    try:
        defects = _Defects()
        nodes = _build_tree(data, 0, len(data), defects)
        return _parse(data, nodes, defects, sizes=sizes), MessageParts(data, nodes)
    except Exception:  # noqa: BLE001 - the contract is to degrade, never to raise
        return _degraded(raw), MessageParts(data)

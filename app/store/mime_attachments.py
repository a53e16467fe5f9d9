"""Attachments: safe file names, the attachment list of a parsed message, and reading a part's
content from the message's tree (:class:`MessageParts`, built once)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from app.store.mime_decode import (
    _IDENTITY,
    _codec,
    _decode_charset_bytes,
    _decode_rfc2047,
    _Defects,
    _first,
    _header_text,
    _scan_headers,
)
from app.store.mime_tree import _MESSAGE_TYPES, _build_tree, _Node, _payload, _payload_size

FILENAME_MAX_CHARS = 150
FILENAME_MAX_BYTES = 240  # UTF-8; most file systems stop at 255
DEFAULT_FALLBACK_NAME = "piece-jointe.bin"


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str  # already passed through safe_filename
    content_type: str  # lowercased "type/subtype"
    size: int  # decoded size in bytes (what attachment_bytes returns)
    part_index: str  # IMAP-style path, e.g. "2" or "1.2"
    content_id: str | None  # without angle brackets
    inline: bool


# -- filenames --------------------------------------------------------------------------------

_WINDOWS_FORBIDDEN = frozenset('<>:"|?*')
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{prefix}{digit}" for prefix in ("COM", "LPT") for digit in "0123456789¹²³"}
)
_RFC2231_VALUE = re.compile(r"([A-Za-z0-9._:+-]{1,40})'[A-Za-z0-9-]{0,20}'(.*%[0-9A-Fa-f]{2}.*)\Z")
_EXTENSION = re.compile(r"\w{1,16}\Z")
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "application/dicom": ".dcm",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pkcs7-mime": ".p7m",
    "application/x-pkcs7-mime": ".p7m",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/rtf": ".rtf",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/csv": ".csv",
    "text/rfc822-headers": ".txt",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/tiff": ".tif",
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
}


def _decode_filename(name: str) -> str:
    if "=?" in name:
        name = _decode_rfc2047(name)
    match = _RFC2231_VALUE.match(name)
    if match is not None and _codec(match.group(1)) is not None:
        name = _decode_charset_bytes(
            unquote_to_bytes(match.group(2).encode("utf-8", "replace")), match.group(1)
        )
    return name


def _cap_filename(name: str) -> str:
    if len(name) <= FILENAME_MAX_CHARS and len(name.encode("utf-8")) <= FILENAME_MAX_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and _EXTENSION.match(extension):
        extension = "." + extension
    else:
        stem, extension = name, ""
    stem = stem[: FILENAME_MAX_CHARS - len(extension)]
    while stem and len((stem + extension).encode("utf-8")) > FILENAME_MAX_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip(" .") or "_"
    return stem + extension


def _sanitize_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", _decode_filename(name)).replace("\\", "/")
    name = "".join(
        " " if c in "\t\n\r" else c
        for c in name
        if c not in _WINDOWS_FORBIDDEN
        and (c in "\t\n\r" or unicodedata.category(c) not in _REMOVED_CATEGORIES)
    )
    components = [part for part in name.split("/") if part.strip(" .")]
    name = components[-1].strip().rstrip(" .") if components else ""
    if not name:
        return ""
    if name.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        name = "_" + name
    if name.startswith("."):
        name = "_" + name
    return _cap_filename(name)


def safe_filename(name: str | None, fallback: str) -> str:
    """A name safe to create on Windows, macOS and Linux from what a message claims.

    RFC 2047/2231 forms decoded; directories, control and format characters (bidi overrides
    included), NUL and ``<>:"/\\|?*`` removed; no trailing dot or space; reserved Windows
    names and hidden names prefixed with "_"; at most 150 characters (and 240 UTF-8 bytes),
    extension kept; ``fallback`` (itself sanitized) when nothing is left.
    """
    result = _sanitize_filename(name) if name else ""
    if not result:
        result = _sanitize_filename(fallback) if fallback else ""
    return result or DEFAULT_FALLBACK_NAME


def _attachment(
    buf: bytes, node: _Node, number: int, defects: _Defects, *, size: bool = True
) -> Attachment:
    content_type = node.content_type
    name: str | None
    if node.opaque:
        name = node.filename()
        fallback = f"piece-jointe-{number}.eml"
    elif content_type in _MESSAGE_TYPES:
        fallback = f"message-{number}.eml"
        inner = _payload(buf, node, defects, limit=256 * 1024)
        inner_headers, _ = _scan_headers(inner, 0, len(inner), _Defects(), top=True)
        raw_subject = _first(inner_headers, "subject")
        subject = _header_text(raw_subject) if raw_subject is not None else ""
        name = f"{subject.replace('/', '-').replace(chr(92), '-')}.eml" if subject else None
        name = name or node.filename()
        if name is not None and not name.lower().endswith(".eml"):
            name += ".eml"
    else:
        name = node.filename()
        fallback = f"piece-jointe-{number}{_EXTENSIONS.get(content_type, '.bin')}"
    content_id = node.content_id()
    if node.disposition in ("inline", "attachment"):
        inline = node.disposition == "inline"
    else:
        inline = node.disposition is None and content_id is not None
    return Attachment(
        filename=safe_filename(name, fallback),
        content_type=content_type,
        size=_payload_size(buf, node, defects) if size else 0,
        part_index=node.path,
        content_id=content_id,
        inline=inline,
    )


_PART_INDEX = re.compile(r"[1-9][0-9]{0,6}(?:\.[1-9][0-9]{0,6}){0,255}\Z")


class MessageParts:
    """One message's MIME tree, built once: the parts' contents are read from it.

    Trees of forwarded messages (``message/rfc822`` parts) are built the first time a path
    goes inside them, then kept. Built by :func:`parse_message_parts`, or lazily here.
    """

    __slots__ = ("_defects", "_raw", "_trees")

    def __init__(self, raw: bytes, nodes: list[_Node] | None = None) -> None:
        self._raw = raw
        self._defects = _Defects()
        # by the path of the message/rfc822 part holding the tree ("" for the message)
        self._trees: dict[str, tuple[bytes, list[_Node], dict[str, _Node]]] = {}
        if nodes is not None:
            self._trees[""] = (raw, nodes, {node.path: node for node in nodes})

    @property
    def raw(self) -> bytes:
        return self._raw

    def nodes(self) -> list[_Node]:
        """The message's own tree (parents before children)."""
        return self._tree("", self._raw, 0, len(self._raw))[1]

    def _tree(
        self, key: str, buf: bytes, start: int, end: int
    ) -> tuple[bytes, list[_Node], dict[str, _Node]]:
        found = self._trees.get(key)
        if found is None:
            nodes = _build_tree(buf, start, end, self._defects)
            found = (buf, nodes, {node.path: node for node in nodes})
            self._trees[key] = found
        return found

    def payload(self, part_index: str) -> bytes:
        """Decoded content of the part at ``part_index`` (as in :class:`Attachment`).

        A ``message/rfc822`` part gives the forwarded message's raw bytes, and a path may go
        on inside it. Raises KeyError when there is no such part.
        """
        buf, node = self._locate(part_index)
        return _payload(buf, node, self._defects)

    def head(self, part_index: str, size: int) -> tuple[bytes, int] | None:
        """The first ``size`` bytes of :meth:`payload` (all of it when shorter) and a bound
        of its length, without decoding the rest: to tell what a 2 MB photo is from its
        first bytes. None when the part's encoding is not read in part (quoted-printable,
        uuencode, a multipart left whole): :meth:`payload` reads it. Raises KeyError as
        :meth:`payload` does."""
        buf, node = self._locate(part_index)
        span = node.end - node.body_start  # neither encoding decodes to more bytes
        if node.opaque or node.encoding not in ("base64", *_IDENTITY):
            return None
        if node.encoding != "base64":
            return buf[node.body_start : node.body_start + min(size, span)], span
        window = 4 * size + 1024  # base64 read in part decodes to the start of the whole
        while True:
            data = _payload(buf, node, self._defects, limit=window)
            if len(data) >= size or window >= span:
                return data[:size], span
            window *= 16

    def _locate(self, part_index: str) -> tuple[bytes, _Node]:
        """The buffer holding the part at ``part_index`` and its node; KeyError if none."""
        if not isinstance(part_index, str) or not _PART_INDEX.match(part_index):
            raise KeyError(part_index)
        segments = part_index.split(".")
        key = ""
        buf, _nodes, by_path = self._tree(key, self._raw, 0, len(self._raw))
        while True:
            for taken in range(1, len(segments) + 1):
                path = ".".join(segments[:taken])
                node = by_path.get(path)
                if node is None:
                    raise KeyError(part_index)
                if taken == len(segments):
                    return buf, node
                if node.split:
                    continue
                if node.content_type in _MESSAGE_TYPES and not node.opaque:
                    key = f"{key}/{path}"
                    inner = self._trees.get(key)
                    if inner is None and node.encoding in _IDENTITY:
                        inner = self._tree(key, buf, node.body_start, node.end)
                    elif inner is None:
                        data = _payload(buf, node, self._defects)
                        inner = self._tree(key, data, 0, len(data))
                    buf, _nodes, by_path = inner
                    segments = segments[taken:]
                    break
                raise KeyError(part_index)


def attachment_bytes(raw: bytes, part_index: str) -> bytes:
    """Decoded content of the part at ``part_index`` (as in :class:`Attachment`).

    A ``message/rfc822`` part gives the forwarded message's raw bytes, and a path may go on
    inside it. Raises KeyError when there is no such part. Parses ``raw``: to read several
    parts of one message, use :class:`MessageParts` (or :func:`parse_message_parts`).
    """
    if not isinstance(part_index, str) or not _PART_INDEX.match(part_index):
        raise KeyError(part_index)
    return MessageParts(bytes(raw)).payload(part_index)

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

import binascii
import codecs
import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import ClassVar, NamedTuple
from urllib.parse import unquote_to_bytes

__all__ = [
    "Address",
    "Attachment",
    "HeaderSummary",
    "MessageParts",
    "ParsedMessage",
    "SafeHtmlParser",
    "attachment_bytes",
    "html_text",
    "message_headers",
    "parse_header_summary",
    "parse_message",
    "parse_message_parts",
    "safe_filename",
]

# -- limits ----------------------------------------------------------------------------------

MAX_DEPTH = 50  # multipart levels split; deeper ones become one opaque part
MAX_PARTS = 20_000  # MIME entities per message (a hostile message cannot cost more)
MAX_HEADER_FIELDS = 5_000  # header fields kept per entity
HEADER_VALUE_LIMIT = 64 * 1024  # bytes kept of one header field
ADDRESS_TEXT_LIMIT = 256 * 1024  # characters of one address field (all occurrences)
MAX_REFERENCES = 200
TEXT_LIMIT = 1 << 20  # body_text, in UTF-8 bytes
TEXT_SCAN_LIMIT = 8 << 20  # encoded bytes of one text part looked at for body_text
HTML_INPUT_LIMIT = 4 << 20  # characters of one HTML part converted
HTML_CHUNK = 256 * 1024  # characters fed to the HTML parser at a time
MAX_HTML_TAGS = 100_000  # html.parser costs ~5 µs a tag: dense hostile markup stops here
MAX_DEFECTS = 200
FILENAME_MAX_CHARS = 150
FILENAME_MAX_BYTES = 240  # UTF-8; most file systems stop at 255
DEFAULT_FALLBACK_NAME = "piece-jointe.bin"

# -- public types ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    name: str  # display name, decoded; "" when none
    address: str  # local part as sent, domain lowercased


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str  # already passed through safe_filename
    content_type: str  # lowercased "type/subtype"
    size: int  # decoded size in bytes (what attachment_bytes returns)
    part_index: str  # IMAP-style path, e.g. "2" or "1.2"
    content_id: str | None  # without angle brackets
    inline: bool


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


# -- defects ---------------------------------------------------------------------------------


class _Defects:
    """Names of what was wrong, first occurrence order, no duplicates, bounded."""

    __slots__ = ("_names", "_seen")

    def __init__(self) -> None:
        self._names: list[str] = []
        self._seen: set[str] = set()

    def add(self, name: str) -> None:
        if name not in self._seen and len(self._names) < MAX_DEFECTS:
            self._seen.add(name)
            self._names.append(name)

    def names(self) -> tuple[str, ...]:
        return tuple(self._names)


# -- charsets --------------------------------------------------------------------------------

# Text codecs that are no use for mail and either always fail (undefined), only take
# ASCII (idna, punycode — the latter is also quadratic), or interpret escapes.
_REFUSED_CODECS = frozenset(
    {"undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "mbcs", "oem"}
)
_ASCII_COMPATIBLE = frozenset({"ascii", "utf-8", "utf-8-sig", "iso8859-1", "cp1252", "iso8859-15"})
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_HEADER_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None if unknown or unusable."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").strip().lower()
    if not label or len(label) > 64:
        return None
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        return None
    if not info._is_text_encoding or info.name in _REFUSED_CODECS:
        return None
    return info.name


def _cp1252(data: bytes) -> str:
    """Windows-1252 (what "latin-1" means in practice), latin-1 for its five holes."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _byte_fallback(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a byte that is not UTF-8 is read as Windows-1252/latin-1."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return _cp1252(bytes(error.object[error.start : error.end])), error.end


_UTF8_OR_LATIN1 = "caducee-utf8-or-latin1"
codecs.register_error(_UTF8_OR_LATIN1, _byte_fallback)


def _guess_decode(data: bytes) -> str:
    """Unlabelled bytes: UTF-8, each byte that is not UTF-8 read as Windows-1252/latin-1
    (mail mixing both, like a latin-1 quote in a UTF-8 reply, reads right)."""
    return data.decode("utf-8", _UTF8_OR_LATIN1)


def _try_decode(data: bytes, codec: str, errors: str = "strict") -> str | None:
    try:
        return data.decode(codec, errors)
    except (UnicodeError, LookupError, ValueError, TypeError, OverflowError):
        return None


def _decode_text(data: bytes, charset: str | None, defects: _Defects) -> str:
    """Decode a text payload: the declared charset, corrected where it obviously lies."""
    codec = _codec(charset)
    if charset and charset.strip().strip("\"'") and codec is None:
        defects.add("UnknownCharsetDefect")
    if data.isascii() and (codec is None or codec in _ASCII_COMPATIBLE):
        return data.decode("ascii")
    if codec is None or codec == "ascii":
        if codec == "ascii":
            defects.add("CharsetMismatchDefect")
        return _guess_decode(data)
    if codec in ("iso8859-1", "cp1252", "iso8859-15"):
        # A UTF-8 text labelled latin-1 is common; real latin-1 French text is never
        # valid UTF-8 with multi-byte sequences in it.
        as_utf8 = _try_decode(data, "utf-8")
        if as_utf8 is not None:
            defects.add("CharsetMismatchDefect")
            return as_utf8
        return data.decode("iso8859-15") if codec == "iso8859-15" else _cp1252(data)
    if codec in ("utf-8", "utf-8-sig"):
        text = _try_decode(data, codec)
        if text is not None:
            return text
        defects.add("CharsetMismatchDefect")
        return _guess_decode(data)
    text = _try_decode(data, codec)
    if text is not None:
        return text
    defects.add("CharsetMismatchDefect")
    text = _try_decode(data, "utf-8")
    if text is not None:
        return text
    text = _try_decode(data, codec, "replace")
    return text if text is not None else _guess_decode(data)


def _decode_8bit(value: str) -> str:
    """A header value kept as latin-1 characters (= raw bytes) → text: UTF-8, else latin-1."""
    if value.isascii():
        return value
    return _guess_decode(value.encode("latin-1", "replace"))


def _decode_charset_bytes(data: bytes, charset: str | None) -> str:
    """Bytes of an encoded word or RFC 2231 value: declared charset, UTF-8, latin-1."""
    codec = _codec(charset)
    if codec is not None:
        text = _try_decode(data, codec)
        if text is not None:
            return text
    return _guess_decode(data)


# -- RFC 2047 encoded words --------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?]{0,8192})\?=")


def _decode_b(text: str) -> bytes:
    data = text.encode("ascii", "ignore")
    return _decode_base64_lenient(data, None)


def _decode_rfc2047(value: str) -> str:
    """Decode encoded words leniently; adjacent words in one charset are joined first
    (a multi-byte character may be split between two of them)."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending = bytearray()
    pending_charset: str | None = None
    pos = 0
    previous_was_word = False

    def flush() -> None:
        nonlocal pending_charset
        if pending_charset is not None:
            out.append(_decode_charset_bytes(bytes(pending), pending_charset))
            pending.clear()
            pending_charset = None

    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        if gap and not (previous_was_word and not gap.strip()):
            flush()
            out.append(gap)
        charset = match.group(1).split("*", 1)[0].lower()
        payload = match.group(3)
        if match.group(2) in "bB":
            data = _decode_b(payload)
        else:
            data = binascii.a2b_qp(payload.encode("utf-8", "replace"), header=True)
        if pending_charset is not None and charset != pending_charset:
            flush()
        pending_charset = charset
        pending += data
        previous_was_word = True
        pos = match.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def _clean_header_text(value: str) -> str:
    return _HEADER_CONTROL_CHARS.sub(" ", value).strip()


def _header_text(raw_value: str) -> str:
    """A raw header value (latin-1 characters) → display text."""
    return _clean_header_text(_decode_rfc2047(_decode_8bit(raw_value)))


# -- header block ------------------------------------------------------------------------------

_HEADER_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_BLANK_LINE = re.compile(rb"\n\r?\n")


class _Header(NamedTuple):
    name: str  # lowercased
    value: str  # unfolded, raw bytes as latin-1 characters, stripped


def _scan_headers(
    buf: bytes, start: int, end: int, defects: _Defects, *, top: bool
) -> tuple[list[_Header], int]:
    """Header fields of the entity at ``buf[start:end]`` and where its body starts.

    Like the stdlib feed parser: the header block ends at the first empty line, or at the
    first line that is neither a field nor a continuation (that line starts the body).
    """
    headers: list[_Header] = []
    name: str | None = None
    parts: list[bytes] = []
    size = 0
    pos = start
    first = True

    def flush() -> None:
        if name is not None:
            value = b"".join(parts).decode("latin-1").strip()
            headers.append(_Header(name, value))

    while pos < end:
        newline = buf.find(b"\n", pos, end)
        line_end = end if newline < 0 else newline
        next_pos = end if newline < 0 else newline + 1
        line = buf[pos : min(line_end, pos + HEADER_VALUE_LIMIT)]
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line:
            flush()
            return headers, next_pos
        if line[0] in b" \t":
            if name is None:
                defects.add("FirstHeaderLineIsContinuationDefect")
            elif size + len(line) <= HEADER_VALUE_LIMIT:
                parts.append(line)
                size += len(line)
            else:
                defects.add("HeaderTooLongDefect")
        elif (match := _HEADER_NAME.match(line)) is not None:
            flush()
            name = None
            if len(headers) >= MAX_HEADER_FIELDS:
                defects.add("TooManyHeadersDefect")
                blank = _BLANK_LINE.search(buf, pos, end)
                return headers, end if blank is None else blank.end()
            name = match.group(1).decode("ascii").lower()
            parts = [line[match.end() :]]
            size = len(parts[0])
            if line_end - pos > HEADER_VALUE_LIMIT:
                defects.add("HeaderTooLongDefect")
        elif line.startswith(b"From "):
            if not (first and top):
                defects.add("MisplacedEnvelopeHeaderDefect")
        else:
            defects.add("MissingHeaderBodySeparatorDefect")
            flush()
            return headers, pos
        first = False
        pos = next_pos
    flush()
    return headers, end


def _first(headers: list[_Header], name: str) -> str | None:
    for header in headers:
        if header.name == name:
            return header.value
    return None


def _all(headers: list[_Header], name: str) -> list[str]:
    return [header.value for header in headers if header.name == name]


# -- parameters (Content-Type, Content-Disposition) --------------------------------------------


class _Param(NamedTuple):
    value: str
    decoded: bool  # True: RFC 2231 value, already text; False: raw latin-1 characters


def _split_params(value: str) -> tuple[str, list[tuple[str, str]]]:
    """``main; a=b; c="d;e"`` → ("main", [("a", "b"), ("c", "d;e")]), in linear time."""
    n = len(value)
    semicolon = value.find(";")
    if semicolon < 0:
        return value.strip(), []
    main = value[:semicolon].strip()
    params: list[tuple[str, str]] = []
    i = semicolon
    while i < n:
        while i < n and value[i] in "; \t\r\n":
            i += 1
        j = i
        while j < n and value[j] not in "=;":
            j += 1
        pname = value[i:j].strip().lower()
        if j >= n or value[j] == ";":
            i = j
            continue
        j += 1
        while j < n and value[j] in " \t\r\n":
            j += 1
        if j < n and value[j] == '"':
            chars: list[str] = []
            j += 1
            while j < n:
                c = value[j]
                if c == "\\" and j + 1 < n:
                    chars.append(value[j + 1])
                    j += 2
                    continue
                j += 1
                if c == '"':
                    break
                chars.append(c)
            pvalue = "".join(chars)
            next_semicolon = value.find(";", j)
            j = n if next_semicolon < 0 else next_semicolon
        else:
            next_semicolon = value.find(";", j)
            k = n if next_semicolon < 0 else next_semicolon
            pvalue = value[j:k].strip()
            comment = pvalue.find(" (")
            if comment >= 0:
                pvalue = pvalue[:comment].rstrip()
            j = k
        if pname and len(params) < 1000:
            params.append((pname, pvalue))
        i = j
    return main, params


def _decode_rfc2231(segments: list[tuple[bool, str]]) -> str:
    """Join RFC 2231 segments (encoded?, value); the first encoded one carries the charset."""
    charset: str | None = None
    data = bytearray()
    for index, (encoded, raw) in enumerate(segments):
        if encoded:
            text = raw
            if index == 0:
                pieces = raw.split("'", 2)
                if len(pieces) == 3:
                    charset, _language, text = pieces
            data += unquote_to_bytes(text.encode("latin-1", "replace"))
        else:
            data += raw.encode("latin-1", "replace")
    return _decode_charset_bytes(bytes(data), charset)


def _parse_params(value: str) -> tuple[str, dict[str, _Param]]:
    main, raw_params = _split_params(value)
    simple: dict[str, str] = {}
    single: dict[str, str] = {}
    continued: dict[str, dict[int, tuple[bool, str]]] = {}
    for pname, pvalue in raw_params:
        if "*" not in pname:
            simple.setdefault(pname, pvalue)
            continue
        base, _, rest = pname.partition("*")
        if not rest:
            single.setdefault(base, pvalue)
            continue
        number = rest.rstrip("*")
        if number.isdigit() and len(number) <= 4:
            continued.setdefault(base, {}).setdefault(int(number), (rest.endswith("*"), pvalue))
    params = {pname: _Param(pvalue, False) for pname, pvalue in simple.items()}
    for base, pvalue in single.items():
        params[base] = _Param(_decode_rfc2231([(True, pvalue)]), True)
    for base, numbered in continued.items():
        if base not in single:
            ordered = [numbered[key] for key in sorted(numbered)]
            params[base] = _Param(_decode_rfc2231(ordered), True)
    return main, params


def _param_text(param: _Param | None) -> str | None:
    if param is None:
        return None
    return param.value if param.decoded else _decode_rfc2047(_decode_8bit(param.value))


# -- transfer encodings ----------------------------------------------------------------------

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_NOT_DATA = bytes(set(range(256)) - set(_B64_ALPHABET + b"="))
_B64_WHITESPACE = b" \t\r\n"
_PADDING_RUN = re.compile(rb"=+")
_UUENCODE = frozenset({"x-uuencode", "uuencode", "x-uue", "uue"})
_IDENTITY = frozenset({"", "7bit", "8bit", "binary"})
_KNOWN_ENCODINGS = _IDENTITY | _UUENCODE | {"base64", "quoted-printable"}


def _decode_base64_lenient(data: bytes, defects: _Defects | None) -> bytes:
    """Decode whatever base64 is in there: junk dropped, padding repaired, and data after
    an inner padding (concatenated base64) kept."""
    cleaned = data.translate(None, _B64_NOT_DATA)
    if defects is not None and len(cleaned) != len(data) - sum(
        data.count(c) for c in (b" ", b"\t", b"\r", b"\n")
    ):
        defects.add("InvalidBase64CharactersDefect")
    out: list[bytes] = []
    for chunk in _PADDING_RUN.split(cleaned):
        remainder = len(chunk) % 4
        if remainder == 1:
            chunk = chunk[:-1]
            if defects is not None:
                defects.add("InvalidBase64LengthDefect")
        elif remainder:
            chunk += b"=" * (4 - remainder)
        if chunk:
            out.append(binascii.a2b_base64(chunk))
    return b"".join(out)


def _padding_only_at_end(buf: bytes, start: int, end: int, pads: int) -> bool:
    tail = buf[max(start, end - 4096) : end].translate(None, _B64_WHITESPACE)
    return tail.endswith(b"=" * pads)


def _decode_base64(buf: bytes, start: int, end: int, defects: _Defects) -> bytes:
    pads = buf.count(b"=", start, end)
    if pads == 0 or _padding_only_at_end(buf, start, end, pads):
        try:
            return binascii.a2b_base64(memoryview(buf)[start:end])
        except binascii.Error:
            defects.add("InvalidBase64PaddingDefect")
    return _decode_base64_lenient(buf[start:end], defects)


def _base64_size(buf: bytes, start: int, end: int, defects: _Defects) -> int:
    """Decoded size without decoding when the base64 is clean (the usual 50 MB PDF)."""
    if end <= start:
        return 0
    not_alphabet = buf[start:end].translate(None, _B64_ALPHABET)
    pads = not_alphabet.count(b"=")
    junk = not_alphabet.translate(None, _B64_WHITESPACE + b"=")
    if junk or (pads and not _padding_only_at_end(buf, start, end, pads)):
        return len(_decode_base64(buf, start, end, defects))
    data_chars = (end - start) - len(not_alphabet)
    if data_chars % 4 == 1:
        defects.add("InvalidBase64LengthDefect")
    return data_chars // 4 * 3 + (0, 0, 1, 2)[data_chars % 4]


def _decode_uu(data: bytes, defects: _Defects) -> bytes:
    out: list[bytes] = []
    started = False
    for line in data.splitlines():
        if not started:
            started = line.startswith(b"begin")
            continue
        if line.strip() == b"end":
            break
        try:
            out.append(binascii.a2b_uu(line))
        except binascii.Error:
            try:  # the stdlib's workaround for broken encoders
                length = (((line[0] - 32) & 63) * 4 + 5) // 3 if line else 0
                out.append(binascii.a2b_uu(line[:length]))
            except (binascii.Error, IndexError):
                defects.add("InvalidUuencodeDefect")
    if not started:
        defects.add("InvalidUuencodeDefect")
        return data
    return b"".join(out)


# -- the MIME tree ----------------------------------------------------------------------------

_CONTENT_TYPE = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+/[!#$%&'*+\-.^_`|~0-9a-z]+\Z")
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})


@dataclass(slots=True)
class _Node:
    start: int
    end: int
    body_start: int
    headers: list[_Header]
    content_type: str
    params: dict[str, _Param]
    encoding: str
    disposition: str | None
    disposition_params: dict[str, _Param]
    path: str
    depth: int
    children: list[int] = field(default_factory=list)
    split: bool = False  # a multipart whose children are in the tree
    opaque: bool = False  # a multipart left whole (too deep, too many parts)
    kind: str | None = None  # "plain" / "html": a candidate for the readable body

    def filename(self) -> str | None:
        return _param_text(self.disposition_params.get("filename")) or _param_text(
            self.params.get("name")
        )

    def content_id(self) -> str | None:
        return _content_id(_first(self.headers, "content-id"))


def _content_id(value: str | None) -> str | None:
    if value is None:
        return None
    cid = _clean_header_text(_decode_8bit(value)).strip().strip("<>").strip()
    return cid or None


def _make_node(
    buf: bytes,
    start: int,
    end: int,
    defects: _Defects,
    *,
    path: str,
    depth: int,
    default_type: str,
    top: bool,
) -> _Node:
    headers, body_start = _scan_headers(buf, start, end, defects, top=top)
    content_type = default_type
    params: dict[str, _Param] = {}
    raw_type = _first(headers, "content-type")
    if raw_type is not None:
        main, params = _parse_params(raw_type)
        main = "".join(main.split("(", 1)[0].split()).lower()
        if _CONTENT_TYPE.match(main):
            content_type = main
        elif main == "text":
            content_type = "text/plain"
        else:
            defects.add("InvalidContentTypeDefect")
    raw_encoding = _first(headers, "content-transfer-encoding")
    encoding = ""
    if raw_encoding is not None:
        tokens = raw_encoding.split(";", 1)[0].split()
        encoding = tokens[0].lower() if tokens else ""
        if encoding not in _KNOWN_ENCODINGS:
            defects.add("InvalidContentTransferEncodingDefect")
            encoding = ""
    disposition: str | None = None
    disposition_params: dict[str, _Param] = {}
    raw_disposition = _first(headers, "content-disposition")
    if raw_disposition is not None:
        main, disposition_params = _parse_params(raw_disposition)
        disposition = main.lower() or None
    return _Node(
        start=start,
        end=end,
        body_start=body_start,
        headers=headers,
        content_type=content_type,
        params=params,
        encoding=encoding,
        disposition=disposition,
        disposition_params=disposition_params,
        path=path,
        depth=depth,
    )


class _Delimiter(NamedTuple):
    previous_end: int  # where the part before it ends (its line break excluded)
    next_start: int  # where the part after it starts
    closing: bool


def _delimiter_tail(buf: bytes, pos: int, end: int) -> tuple[int, bool] | None:
    """After ``--boundary`` at ``pos``: ``(--)?[ \t]*\r?`` then a line end or ``end``.

    Returns (where the delimiter line's text ends, closing?), or None if this is no
    delimiter. Matched by hand: a regular expression per boundary meant compiling one per
    multipart (boundaries are unique, the ``re`` cache never hits): a third of the parse.
    """
    closing = buf.startswith(b"--", pos, end)
    if closing:
        pos += 2
    while pos < end and buf[pos] in b" \t":
        pos += 1
    if pos < end and buf[pos] == 0x0D:
        pos += 1
    if pos == end or buf[pos] == 0x0A:
        return pos, closing
    return None


def _delimiters(buf: bytes, start: int, end: int, boundary: bytes) -> Iterator[_Delimiter]:
    def after(pos: int) -> int:
        return pos + 1 if pos < end and buf[pos] == 0x0A else pos

    marker = b"--" + boundary
    if buf.startswith(marker, start, end):
        tail = _delimiter_tail(buf, start + len(marker), end)
        if tail is not None:
            yield _Delimiter(start, after(tail[0]), tail[1])
    needle = b"\n" + marker
    pos = start
    while (newline := buf.find(needle, pos, end)) >= 0:
        tail = _delimiter_tail(buf, newline + len(needle), end)
        if tail is None:
            pos = newline + 1
            continue
        previous_end = newline - 1 if newline > start and buf[newline - 1] == 0x0D else newline
        yield _Delimiter(previous_end, after(tail[0]), tail[1])
        pos = tail[0]


def _split_on(
    buf: bytes, start: int, end: int, boundary: bytes, limit: int, defects: _Defects
) -> list[tuple[int, int]] | None:
    """Child ranges of a multipart body, or None if the boundary never opens a part."""
    parts: list[tuple[int, int]] = []
    part_start: int | None = None
    found = False
    for delimiter in _delimiters(buf, start, end, boundary):
        found = True
        if part_start is not None:
            parts.append((part_start, max(part_start, delimiter.previous_end)))
            if len(parts) >= limit:
                defects.add("TooManyPartsDefect")
                parts[-1] = (parts[-1][0], end)
                return parts
        if delimiter.closing:
            return parts
        part_start = delimiter.next_start
    if not found:
        return None
    if part_start is not None:
        defects.add("CloseBoundaryNotFoundDefect")
        parts.append((part_start, end))
    return parts


def _guess_boundary(buf: bytes, start: int, end: int) -> bytes | None:
    """The first ``--something`` line followed by a header line, in the first 64 KiB."""
    pos = start
    stop = min(end, start + 64 * 1024)
    while pos < stop:
        newline = buf.find(b"\n", pos, stop)
        if newline < 0:
            return None
        line = buf[pos:newline].rstrip(b"\r \t")
        pos = newline + 1
        if line.startswith(b"--") and 2 < len(line) <= 202 and not line.endswith(b"--"):
            next_newline = buf.find(b"\n", pos, end)
            next_line = buf[pos : end if next_newline < 0 else next_newline]
            if _HEADER_NAME.match(next_line):
                return line[2:]
    return None


def _split_multipart(
    buf: bytes, node: _Node, limit: int, defects: _Defects
) -> list[tuple[int, int]] | None:
    if node.encoding not in _IDENTITY:
        defects.add("InvalidMultipartContentTransferEncodingDefect")
    param = node.params.get("boundary")
    boundary = (
        param.value.encode("utf-8" if param.decoded else "latin-1", "replace") if param else b""
    )
    parts = None
    if boundary:
        parts = _split_on(buf, node.body_start, node.end, boundary, limit, defects)
        if parts is None:
            defects.add("StartBoundaryNotFoundDefect")
    else:
        defects.add("NoBoundaryInMultipartDefect")
    if parts is None:
        guessed = _guess_boundary(buf, node.body_start, node.end)
        if guessed is not None and guessed != boundary:
            parts = _split_on(buf, node.body_start, node.end, guessed, limit, defects)
            if parts is not None:
                defects.add("BoundaryGuessedDefect")
    return parts


def _build_tree(buf: bytes, start: int, end: int, defects: _Defects) -> list[_Node]:
    """Every MIME entity of ``buf[start:end]``, parents before children, iteratively."""
    root = _make_node(
        buf, start, end, defects, path="", depth=0, default_type="text/plain", top=True
    )
    nodes = [root]
    budget = MAX_PARTS - 1
    stack = [0]
    while stack:
        index = stack.pop()
        node = nodes[index]
        if not node.content_type.startswith("multipart/"):
            continue
        if node.depth >= MAX_DEPTH:
            defects.add("NestingTooDeepDefect")
            node.opaque = True
            continue
        if budget <= 0:
            defects.add("TooManyPartsDefect")
            node.opaque = True
            continue
        ranges = _split_multipart(buf, node, budget, defects)
        if ranges is None:
            node.content_type = "text/plain"  # show what is there rather than nothing
            continue
        node.split = True
        budget -= len(ranges)
        child_type = "message/rfc822" if node.content_type == "multipart/digest" else "text/plain"
        for number, (child_start, child_end) in enumerate(ranges, 1):
            child = _make_node(
                buf,
                child_start,
                child_end,
                defects,
                path=f"{node.path}.{number}" if node.path else str(number),
                depth=node.depth + 1,
                default_type=child_type,
                top=False,
            )
            node.children.append(len(nodes))
            nodes.append(child)
        stack.extend(reversed(node.children))
    if not root.split:
        root.path = "1"
    for node in nodes:
        if not node.split and not node.opaque and node.filename() is None:
            if node.disposition != "attachment" and node.content_type == "text/plain":
                node.kind = "plain"
            elif node.disposition != "attachment" and node.content_type == "text/html":
                node.kind = "html"
    return nodes


def _payload(buf: bytes, node: _Node, defects: _Defects, limit: int | None = None) -> bytes:
    """Decoded content of a part (an opaque multipart: the whole entity, headers included)."""
    if node.opaque:
        return buf[node.start : node.end]
    start, end = node.body_start, node.end
    if limit is not None and end - start > limit:
        end = start + limit
    if node.encoding == "base64":
        return _decode_base64(buf, start, end, defects)
    if node.encoding == "quoted-printable":
        return binascii.a2b_qp(memoryview(buf)[start:end])
    if node.encoding in _UUENCODE:
        return _decode_uu(buf[start:end], defects)
    return buf[start:end]


def _payload_size(buf: bytes, node: _Node, defects: _Defects) -> int:
    if node.opaque:
        return node.end - node.start
    if node.encoding == "base64":
        return _base64_size(buf, node.body_start, node.end, defects)
    if node.encoding in _IDENTITY:
        return node.end - node.body_start
    return len(_payload(buf, node, defects))


def _related_root(nodes: list[_Node], node: _Node) -> int | None:
    if not node.children:
        return None
    start = _content_id(_param_text(node.params.get("start")))
    if start is not None:
        for child in node.children:
            if nodes[child].content_id() == start:
                return child
    return node.children[0]


def _roles(nodes: list[_Node]) -> tuple[list[int], list[int]]:
    """(body leaves, attachment leaves), in document order.

    multipart/alternative shows one child: the first able to give text/plain, else the
    last able to give HTML; multipart/related shows its root; other multiparts show all
    their children. Text leaves not shown are alternative renderings, not attachments.
    """
    gives_plain = [False] * len(nodes)
    gives_html = [False] * len(nodes)
    for index in range(len(nodes) - 1, -1, -1):  # children always come after parents
        node = nodes[index]
        if node.split:
            if node.content_type == "multipart/related":
                root = _related_root(nodes, node)
                candidates = [] if root is None else [root]
            else:
                candidates = node.children
            gives_plain[index] = any(gives_plain[child] for child in candidates)
            gives_html[index] = any(gives_html[child] for child in candidates)
        else:
            gives_plain[index] = node.kind == "plain"
            gives_html[index] = node.kind == "html"
    body: list[int] = []
    attachments: list[int] = []
    stack = [(0, True)]
    while stack:
        index, shown = stack.pop()
        node = nodes[index]
        if node.split:
            chosen: int | None = None
            if shown and node.content_type == "multipart/alternative":
                plains = [child for child in node.children if gives_plain[child]]
                htmls = [child for child in node.children if gives_html[child]]
                chosen = plains[0] if plains else htmls[-1] if htmls else None
                flags = [child == chosen for child in node.children]
            elif shown and node.content_type == "multipart/related":
                chosen = _related_root(nodes, node)
                flags = [child == chosen for child in node.children]
            else:
                flags = [shown] * len(node.children)
            stack.extend(reversed(list(zip(node.children, flags, strict=True))))
        elif node.kind is not None:
            if shown:
                body.append(index)
        else:
            attachments.append(index)
    return body, attachments


# -- HTML → text ------------------------------------------------------------------------------


class SafeHtmlParser(HTMLParser):
    """``html.parser`` made safe for hostile markup: declarations and start tags it cannot
    parse become text instead of an AssertionError, and :meth:`finish` replaces ``close()``
    without its quadratic case. Feed it in chunks (``HTML_CHUNK``) and call ``finish``."""

    # Declarations the stdlib parser does not know raise AssertionError: skip them instead.
    def parse_html_declaration(self, i: int) -> int:
        try:
            return super().parse_html_declaration(i)
        except AssertionError:
            end = self.rawdata.find(">", i + 2)
            return -1 if end < 0 else end + 1

    def parse_starttag(self, i: int) -> int:
        try:
            return super().parse_starttag(i)
        except AssertionError:
            self.handle_data("<")
            return i + 1

    def finish(self) -> None:
        """close(), minus its quadratic case: an unfinished construct ("<![CDATA[", "<a x")
        followed by no ">" at all makes the stdlib re-scan the rest once per "<"."""
        rest = self.rawdata
        if rest and ">" not in rest:
            self.rawdata = ""
            if not self.cdata_elem:
                self.handle_data(html.unescape(rest))
        self.close()


class _HtmlToText(SafeHtmlParser):
    """Readable text of an HTML body: no script/style/head, link texts kept, blocks on
    their own lines, entities decoded, whitespace collapsed (except in <pre>)."""

    SKIPPED: ClassVar[frozenset[str]] = frozenset(
        {"script", "style", "head", "title", "template", "xml"}
    )
    PARAGRAPHS: ClassVar[frozenset[str]] = frozenset(
        {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol",
         "dl", "hr", "address", "figure", "form", "fieldset"}
    )  # fmt: skip
    LINES: ClassVar[frozenset[str]] = frozenset(
        {"div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "nav",
         "aside", "main", "center", "caption", "tbody", "thead", "tfoot", "figcaption",
         "details", "summary", "body", "html"}
    )  # fmt: skip
    VOID: ClassVar[frozenset[str]] = frozenset(
        {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source",
         "track", "wbr", "param"}
    )  # fmt: skip

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.size = 0
        self.tags = 0
        self.full = False
        self.too_complex = False
        self._out: list[str] = []
        self._skipping: dict[str, int] = {}
        self._pre = 0
        self._newlines = 0  # line breaks owed before the next text
        self._line_start = True
        self._space = False

    def _break(self, count: int) -> None:
        self._newlines = max(self._newlines, count)

    def _emit(self, text: str) -> None:
        if not text or self.full:
            return
        if self._newlines and self._out:
            self._out.append("\n" * self._newlines)
            self.size += self._newlines
            self._line_start = True
            self._space = False
        self._newlines = 0
        if (self._line_start or self._space) and not self._pre:
            text = text.lstrip(" ")
            if not text:
                return
        self._out.append(text)
        self.size += len(text)
        self._line_start = text.endswith("\n")
        self._space = text.endswith((" ", "\t"))
        if self.size >= self.limit:
            self.full = True

    def _count_tag(self) -> None:
        self.tags += 1
        if self.tags > MAX_HTML_TAGS:
            self.full = self.too_complex = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._count_tag()
        if self.full:
            return
        if tag in self.SKIPPED:
            if len(self._skipping) < 100:
                self._skipping[tag] = min(self._skipping.get(tag, 0) + 1, 1000)
            return
        if tag == "body":
            self._skipping.clear()  # a <head> never closed must not hide the body
        if self._skipping:
            return
        if tag == "br":
            self._newlines = min(self._newlines + 1, 2)
        elif tag in self.PARAGRAPHS:
            self._break(2)
            if tag == "pre":
                self._pre += 1
        elif tag in self.LINES:
            self._break(1)
            if tag == "li":
                self._emit("- ")
        elif tag in ("td", "th") and not self._newlines and not self._line_start:
            self._emit("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            return
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        self._count_tag()
        if self.full:
            return
        if tag in self.SKIPPED:
            count = self._skipping.get(tag, 0)
            if count > 1:
                self._skipping[tag] = count - 1
            else:
                self._skipping.pop(tag, None)
            return
        if self._skipping:
            return
        if tag in self.PARAGRAPHS:
            self._break(2)
            if tag == "pre" and self._pre:
                self._pre -= 1
        elif tag in self.LINES:
            self._break(1)

    def handle_data(self, data: str) -> None:
        if self._skipping or self.full:
            return
        if self._pre:
            self._emit(data.replace("\r\n", "\n").replace("\r", "\n"))
        else:
            self._emit(_collapse_keeping_edges(data))

    def text(self) -> str:
        return "".join(self._out)


def _collapse_keeping_edges(data: str) -> str:
    words = " ".join(data.split())
    if not words:
        return " "
    if data[:1].isspace():
        words = " " + words
    if data[-1:].isspace():
        words += " "
    return words


_TRAILING_SPACES = re.compile(r"[ \t]+\n")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def _html_to_text(markup: str, defects: _Defects) -> str:
    parser = _HtmlToText(TEXT_LIMIT)
    if len(markup) > HTML_INPUT_LIMIT:
        defects.add("BodyTextTruncatedDefect")
        markup = markup[:HTML_INPUT_LIMIT]
    try:
        for offset in range(0, len(markup), HTML_CHUNK):
            parser.feed(markup[offset : offset + HTML_CHUNK])
            if parser.full:
                break
        else:
            parser.finish()
    except Exception:  # noqa: BLE001 - keep what was converted, whatever html.parser did
        defects.add("HtmlParseErrorDefect")
    if parser.too_complex:
        defects.add("BodyTextTruncatedDefect")
    text = _TRAILING_SPACES.sub("\n", parser.text())
    return _MANY_NEWLINES.sub("\n\n", text).strip()


def html_text(markup: str) -> str:
    """The readable text of HTML markup, as ``body_text`` gives it for an HTML part: one
    linear pass, bounded like it (``HTML_INPUT_LIMIT``, ``MAX_HTML_TAGS``, ``TEXT_LIMIT``)."""
    try:
        return _cap_text(_html_to_text(markup, _Defects()))[0]
    except Exception:  # noqa: BLE001 - the contract is to degrade, never to raise
        return ""


# -- text bodies ------------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed → paragraphs on one line each (quote depth kept)."""
    out: list[str] = []
    current: list[str] | None = None
    current_depth = 0
    for line in text.split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]
        flowed = stripped.endswith(" ") and stripped != "-- "
        if flowed and delsp:
            stripped = stripped[:-1]
        if current is not None and depth != current_depth:
            out.append(">" * current_depth + (" " if current_depth else "") + "".join(current))
            current = None
        if current is None:
            current = []
            current_depth = depth
        current.append(stripped)
        if not flowed:
            out.append(">" * depth + (" " if depth else "") + "".join(current))
            current = None
    if current is not None:
        out.append(">" * current_depth + (" " if current_depth else "") + "".join(current))
    return "\n".join(out)


def _leaf_text(buf: bytes, node: _Node, defects: _Defects) -> str:
    data = _payload(buf, node, defects, limit=TEXT_SCAN_LIMIT)
    param = node.params.get("charset")
    charset = param.value if param is not None else None
    if node.kind == "html" and not charset:
        meta = _META_CHARSET.search(data, 0, 8192)
        charset = meta.group(1).decode("ascii") if meta else None
    text = _decode_text(data, charset, defects)
    if text.startswith("\ufeff"):
        text = text[1:]
    if node.kind == "html":
        return _html_to_text(text, defects)
    text = _CONTROL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    form = node.params.get("format")
    if form is not None and form.value.strip().lower() == "flowed":
        delsp = node.params.get("delsp")
        text = _unflow(text, delsp is not None and delsp.value.strip().lower() == "yes")
    return text.strip("\n")


def _cap_text(text: str) -> tuple[str, bool]:
    if len(text) <= TEXT_LIMIT // 4:
        return text, False
    data = text.encode("utf-8", "replace")
    if len(data) <= TEXT_LIMIT:
        return text, False
    return data[:TEXT_LIMIT].decode("utf-8", "ignore"), True


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


# -- the public functions ---------------------------------------------------------------------


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


def _parse(raw: bytes, nodes: list[_Node], defects: _Defects, *, sizes: bool) -> ParsedMessage:
    headers = nodes[0].headers
    if not headers:
        defects.add("MissingHeadersDefect")

    raw_subject = _first(headers, "subject")
    senders = _addresses(_all(headers, "from"), defects)
    if not senders:
        defects.add("MissingFromHeaderDefect")
        senders = _addresses(_all(headers, "sender"), defects)
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
        to=_addresses(_all(headers, "to"), defects),
        cc=_addresses(_all(headers, "cc"), defects),
        bcc=_addresses(_all(headers, "bcc"), defects),
        reply_to=_addresses(_all(headers, "reply-to"), defects),
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


@dataclass(frozen=True, slots=True)
class HeaderSummary:
    """What the message list shows, from the header section alone (a sync's first pass).

    Each field is what :func:`parse_message` gives for the same bytes: the same header scan
    and the same decoding, without the MIME structure, the body, the references and the
    other fields (the header pass parses 5,000 of these before any body is fetched).
    """

    message_id: str | None
    subject: str
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None


_ADDRESS_CACHE_SIZE = 4096
_ADDRESS_CACHE_KEY_CHARS = 1024  # the cache stays under a few MB
_address_cache: dict[tuple[str, ...], tuple[Address, ...]] = {}


def _cached_addresses(values: list[str]) -> tuple[Address, ...]:
    """``_addresses`` without the defects, remembered: a mailbox repeats its correspondents
    (every incoming message has the same To), and ``email.utils`` is the slow part."""
    key = tuple(values)
    if sum(len(value) for value in values) > _ADDRESS_CACHE_KEY_CHARS:  # rare: not kept
        return _addresses(values, _Defects())
    found = _address_cache.get(key)
    if found is None:
        found = _addresses(values, _Defects())
        if len(_address_cache) >= _ADDRESS_CACHE_SIZE:
            _address_cache.clear()
        _address_cache[key] = found
    return found


def _header_summary(raw: bytes) -> HeaderSummary:
    defects = _Defects()  # not reported: the body pass parses the whole message
    headers, _body = _scan_headers(raw, 0, len(raw), defects, top=True)
    senders = _cached_addresses(_all(headers, "from")) or _cached_addresses(_all(headers, "sender"))
    raw_subject = _first(headers, "subject")
    return HeaderSummary(
        message_id=_message_id(_first(headers, "message-id"), defects),
        subject=_header_text(raw_subject) if raw_subject is not None else "",
        sender=senders[0] if senders else None,
        to=_cached_addresses(_all(headers, "to")),
        cc=_cached_addresses(_all(headers, "cc")),
        date=_date(_first(headers, "date"), defects),
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
                    return _payload(buf, node, self._defects)
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

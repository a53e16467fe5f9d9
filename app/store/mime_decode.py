"""Decoding what a raw message holds: charsets, RFC 2047 encoded words, the header block,
Content-Type/Disposition parameters (RFC 2231), transfer encodings; the defects found.

Part of the MIME parser (``app.store.mime``): robust to hostile input, never recursive."""

from __future__ import annotations

import binascii
import codecs
import re
from typing import NamedTuple
from urllib.parse import unquote_to_bytes

MAX_HEADER_FIELDS = 5_000  # header fields kept per entity
HEADER_VALUE_LIMIT = 64 * 1024  # bytes kept of one header field
MAX_DEFECTS = 200

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


# One field and its continuation lines, in a header block decoded as latin-1 (a character
# per byte): the whole field, its name, its value up to the end of its last line.
_FIELD = re.compile(r"(([\x21-\x39\x3b-\x7e]+)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*))(?:\n|\Z)")


def _scan_headers(
    buf: bytes, start: int, end: int, defects: _Defects, *, top: bool
) -> tuple[list[_Header], int]:
    """Header fields of the entity at ``buf[start:end]`` and where its body starts.

    Like the stdlib feed parser: the header block ends at the first empty line, or at the
    first line that is neither a field nor a continuation (that line starts the body).
    """
    usual = _scan_usual_headers(buf, start, end)
    if usual is not None:
        return usual
    return _scan_header_lines(buf, start, end, defects, top=top)


def _scan_usual_headers(buf: bytes, start: int, end: int) -> tuple[list[_Header], int] | None:
    """:func:`_scan_headers` of a block with nothing to report, read in one go (a header
    pass and every part of a message go through here): fields and their continuation lines
    up to an empty line, within ``HEADER_VALUE_LIMIT`` bytes and ``MAX_HEADER_FIELDS``
    fields. None for any other block: the line-by-line scan reads it and names its defects.
    """
    blank = _BLANK_LINE.search(buf, start, min(end, start + HEADER_VALUE_LIMIT + 3))
    if blank is None or blank.start() - start > HEADER_VALUE_LIMIT:
        return None
    block = buf[start : blank.start()].decode("latin-1")
    fields = _FIELD.findall(block)
    # Every character in a field (the line ends between them): no line of another kind.
    if sum(len(whole) for whole, _, _ in fields) + len(fields) - 1 != len(block):
        return None  # an envelope "From " line, a stray line, a leading continuation
    if len(fields) > MAX_HEADER_FIELDS:
        return None
    return [
        # unfolded: each line's end goes, with one carriage return before it
        _Header(
            name.lower(),
            (value.replace("\r\n", "").replace("\n", "") if "\n" in value else value).strip(),
        )
        for _, name, value in fields
    ], blank.end()


def _scan_header_lines(
    buf: bytes, start: int, end: int, defects: _Defects, *, top: bool
) -> tuple[list[_Header], int]:
    """:func:`_scan_headers` line by line, whatever the block holds."""
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


def _padding_only_at_end(buf: bytes, start: int, end: int) -> bool:
    """No "=" in ``buf[start:end]`` but at its very end (whitespace aside), in its last 4 KiB:
    base64 that ``binascii`` decodes whole. Found with ``find`` (memchr), not by counting."""
    first = buf.find(b"=", start, end)
    if first < 0:
        return True
    return first >= end - 4096 and not buf[first:end].translate(None, _B64_WHITESPACE + b"=")


def _decode_base64(buf: bytes, start: int, end: int, defects: _Defects) -> bytes:
    if _padding_only_at_end(buf, start, end):
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
    if junk or (pads and not _padding_only_at_end(buf, start, end)):
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

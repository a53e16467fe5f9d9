"""The MIME tree of a raw message: split iteratively on byte offsets (no copy of a part until
it is decoded), parts numbered as IMAP does, each part's decoded payload, and which parts
are the body and which the attachments."""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from app.store.mime_decode import (
    _HEADER_NAME,
    _IDENTITY,
    _KNOWN_ENCODINGS,
    _UUENCODE,
    _base64_size,
    _clean_header_text,
    _decode_8bit,
    _decode_base64,
    _decode_uu,
    _Defects,
    _first,
    _Header,
    _Param,
    _param_text,
    _parse_params,
    _scan_headers,
)

MAX_DEPTH = 50  # multipart levels split; deeper ones become one opaque part
MAX_PARTS = 20_000  # MIME entities per message (a hostile message cannot cost more)

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

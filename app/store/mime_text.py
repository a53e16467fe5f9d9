"""The text of a message: HTML converted to text (bounded, never recursive), text parts decoded
and unflowed, the whole capped."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import ClassVar

from app.store.mime_decode import _CONTROL_CHARS, _decode_text, _Defects
from app.store.mime_tree import _Node, _payload

TEXT_LIMIT = 1 << 20  # body_text, in UTF-8 bytes
TEXT_SCAN_LIMIT = 8 << 20  # encoded bytes of one text part looked at for body_text
HTML_INPUT_LIMIT = 4 << 20  # characters of one HTML part converted
HTML_CHUNK = 256 * 1024  # characters fed to the HTML parser at a time
MAX_HTML_TAGS = 100_000  # html.parser costs ~5 µs a tag: dense hostile markup stops here

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

"""The HTML of a message for the reader: found, bounded, then sanitised.

- :func:`html_body`: the first HTML text part that is not an attachment, from the message's
  one parse (:class:`~app.store.mime_attachments.MessageParts`); the parser's tree walk is
  made never to raise on malformed input (fuzzed in the tests).
- :func:`readable_html`: what the reader may render, or None when the markup is beyond the
  bounds below; the reader then shows the message's text with a notice. Hostile markup costs
  linear time at every step: html5ever (inside nh3) is quadratic in nesting depth (200,000
  nested ``<div>`` took minutes), and Qt's ``QTextDocument`` lays out nested tables in
  exponential time (24 nested tables, 800 bytes, froze the window for minutes) and breaks a
  line without a break opportunity in quadratic time (a 1 MB word: over a minute).

The bounds, checked in one pass of a tolerant tokenizer (``html.parser``, hardened in
``mime_text.py``) that writes the markup again, well-formed and allow-listed, before nh3 sees it:

- size: ``MAX_MARKUP_CHARS`` of markup, ``MAX_TAGS`` tags of any kind;
- depth: ``MAX_DEPTH`` elements open at once (unclosed ``<p>``, ``<li>``, ``<td>``… are
  closed where HTML implies it, so sloppy but ordinary mail stays shallow);
- rendering cost: ``RENDER_BUDGET`` units of a cost model of Qt's layout (about a
  microsecond each on the 2-core development machine): per element, more for tables and
  cells, doubling with each level of table nesting beyond the third, per character of text;
- lines: a zero-width space after every ``MAX_RUN`` characters without a break opportunity
  (invisible; Qt already breaks such words anywhere, only without the quadratic cost);
- nh3's own quadratic cases: html5ever appends each character reference (``&amp;``, and
  ``\xa0`` written as ``&nbsp;``) by copying the text node or attribute value so far
  (300,000 in one paragraph: 3 s). Text nodes are cut by an empty comment (which nh3
  drops, the text unchanged) every ``TEXT_NODE_CHARS``; longer attribute values than
  ``MAX_ATTRIBUTE_CHARS`` are dropped.

Time follows from these: ``bench/hostile_mail.py`` measures the worst cases that fit.
Sanitising (nh3, ammonia): kept are text structure and tables (lab results often come as
HTML tables); dropped are scripts, styles, event handlers, images and every other remote or
embedded resource, forms, frames; links only to http(s) and mailto.
"""

from __future__ import annotations

import html
import re
from typing import Final

import nh3

from app.store.mime_attachments import MessageParts
from app.store.mime_decode import _decode_text, _Defects
from app.store.mime_text import (
    _META_CHARSET,
    HTML_CHUNK,
    TEXT_SCAN_LIMIT,
    SafeHtmlParser,
    html_text,
)
from app.store.mime_tree import _payload, _roles

TAGS: Final = frozenset(
    {"a", "b", "big", "blockquote", "br", "caption", "center", "code", "col", "colgroup",
     "dd", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
     "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody",
     "td", "tfoot", "th", "thead", "tr", "u", "ul"}
)  # fmt: skip
CELL: Final = frozenset({"colspan", "rowspan", "align", "valign"})
ATTRIBUTES: Final = {
    "a": frozenset({"href", "title"}),
    "td": CELL,
    "th": CELL,
    "table": frozenset({"border", "cellpadding", "cellspacing"}),
    "font": frozenset({"color"}),
    "p": frozenset({"align"}),
    "div": frozenset({"align"}),
}
SCHEMES: Final = frozenset({"http", "https", "mailto"})

MAX_MARKUP_CHARS = 4 << 20  # characters of markup (as mime_text.HTML_INPUT_LIMIT)
MAX_TAGS = 100_000  # tags of any kind (html.parser: ~5 µs each), as mime_text.MAX_HTML_TAGS
MAX_DEPTH = 256  # elements open at once; html5ever's cost per tag grows with it
MAX_SANITISED_CHARS = 4 << 20  # characters of sanitised markup given to Qt
RENDER_BUDGET = 500_000  # units of the layout cost model (~ µs: half a second)
MAX_RUN = 1000  # characters without a break opportunity before a zero-width space
TEXT_NODE_CHARS = 1000  # characters of text given to nh3 in one node
MAX_ATTRIBUTE_CHARS = 4096  # a longer value (a link, a title) is dropped

# The cost model (units ~ µs of QTextDocument layout, measured by bench/hostile_mail.py)
ELEMENT_COST = 12  # + depth // 10
TABLE_COST = 250  # doubled for each level of table nesting beyond the third
CELL_COST = 50  # idem
TEXT_CHARS_PER_UNIT = 4
BREAK_COST = 1200  # a run broken by a zero-width space lays out slower than words
TABLE_FREE_LEVELS = 3

_SKIPPED_CONTENT = frozenset({"script", "style", "title"})  # content dropped with the tag
_VOID = frozenset({"br", "hr", "col"})
_INLINE = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "s", "small", "span", "strong", "sub",
     "sup", "u"}
)  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# HTML's implied end tags, restricted to the allow-list: these start tags close an open <p>
_CLOSE_P = frozenset(
    {"blockquote", "center", "dd", "div", "dl", "dt", "hr", "li", "ol", "p", "pre", "table",
     "ul"}
) | _HEADINGS  # fmt: skip
_SCOPE = frozenset({"caption", "table", "td", "th"})  # what an implied or stray end stops at
_SPECIAL = frozenset(
    {"blockquote", "center", "dd", "dl", "dt", "li", "ol", "pre", "table", "tbody", "td",
     "tfoot", "th", "thead", "tr", "ul", "caption", "colgroup"}
) | _HEADINGS  # fmt: skip
_SECTIONS = frozenset({"tbody", "thead", "tfoot"})
_TABLE = frozenset({"table"})
_TABLE_PARTS = _SECTIONS | {"tr", "td", "th", "caption"}
_P = frozenset({"p"})
# start tag -> (the open elements it closes, where the search for them stops)
_IMPLIED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), _SPECIAL - {"li"}),
    "dd": (frozenset({"dd", "dt"}), _SPECIAL - {"dd", "dt"}),
    "dt": (frozenset({"dd", "dt"}), _SPECIAL - {"dd", "dt"}),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "tr": (frozenset({"tr"}), _TABLE),
    "tbody": (_SECTIONS, _TABLE),
    "thead": (_SECTIONS, _TABLE),
    "tfoot": (_SECTIONS, _TABLE),
    "a": (frozenset({"a"}), _SCOPE),
}

ZERO_WIDTH_SPACE = "\u200b"
_BREAKS = " \t\n\r\f" + ZERO_WIDTH_SPACE
# A run starts after a break (the look-behind keeps the search linear: without it, each
# position inside a long run would be tried again).
_LONG_RUN = re.compile(f"(?<![^{_BREAKS}])[^{_BREAKS}]{{{MAX_RUN + 1},}}")


# -- the HTML part -----------------------------------------------------------------------


def html_body(message: bytes | MessageParts) -> str | None:
    """The HTML of the message's first HTML body part (decoded), or None."""
    parts = message if isinstance(message, MessageParts) else MessageParts(bytes(message))
    defects = _Defects()
    nodes = parts.nodes()
    body, _attachments = _roles(nodes)
    html_nodes = [i for i, node in enumerate(nodes) if node.kind == "html"]
    shown = [i for i in html_nodes if i in body] or [
        i for i in html_nodes if nodes[i].disposition != "attachment"
    ]
    if not shown:
        return None
    node = nodes[shown[0]]
    data = _payload(parts.raw, node, defects, limit=TEXT_SCAN_LIMIT)
    param = node.params.get("charset")
    charset = param.value if param is not None else None
    if not charset:
        meta = _META_CHARSET.search(data, 0, 8192)
        charset = meta.group(1).decode("ascii") if meta else None
    return _decode_text(data, charset, defects)


# -- long runs ---------------------------------------------------------------------------


def _split_run(match: re.Match[str]) -> str:
    run = match.group()
    return ZERO_WIDTH_SPACE.join(run[i : i + MAX_RUN] for i in range(0, len(run), MAX_RUN))


def _trailing_run(text: str) -> int:
    return len(text) - 1 - max(text.rfind(c) for c in _BREAKS)


def break_runs(text: str, run: int = 0) -> tuple[str, int]:
    """``text`` with a zero-width space after every ``MAX_RUN`` characters that offer no
    line break, ``run`` such characters coming just before it; and the run it ends with."""
    if run + len(text) <= MAX_RUN:
        trailing = _trailing_run(text)
        return text, run + len(text) if trailing == len(text) else trailing
    padded = "x" * run + text  # run <= MAX_RUN: no space lands inside the padding
    padded = _LONG_RUN.sub(_split_run, padded)
    return padded[run:], _trailing_run(padded)


def break_long_runs(text: str) -> str:
    """Plain text for a text view: long runs broken (see :func:`break_runs`)."""
    return break_runs(text)[0]


# -- bounding ----------------------------------------------------------------------------


class _Beyond(Exception):
    """The markup is beyond a bound: the reader shows the text instead."""


class _Bounded(SafeHtmlParser):
    """Writes the markup again: allow-listed tags and attributes, well-formed, bounded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.tables = 0  # tables open
        self.tags = 0
        self.cost = 0
        self.text_chars = 0
        self.run = 0  # characters since the last break opportunity
        self.node = 0  # characters of the text node being written
        self.skipping: str | None = None  # inside <script>, <style>, <title>

    def _spend(self, units: int) -> None:
        self.cost += units
        if self.cost + self.text_chars // TEXT_CHARS_PER_UNIT > RENDER_BUDGET:
            raise _Beyond("render budget")

    def _count_tag(self) -> None:
        self.tags += 1
        if self.tags > MAX_TAGS:
            raise _Beyond("tags")

    def _close_to(self, index: int) -> None:
        """Close the elements open from ``index`` up (their end tags written)."""
        while len(self.stack) > index:
            tag = self.stack.pop()
            if tag == "table":
                self.tables -= 1
            self.out.append(f"</{tag}>")
            self.node = 0
            if tag not in _INLINE:
                self.run = 0

    def _find(self, names: frozenset[str], stop: frozenset[str]) -> int:
        """Index of the innermost open element in ``names``, not looking past ``stop``."""
        for index in range(len(self.stack) - 1, -1, -1):
            tag = self.stack[index]
            if tag in names:
                return index
            if tag in stop:
                return -1
        return -1

    def _implied_ends(self, tag: str) -> None:
        """The end tags HTML implies before ``tag`` (as html5ever would close them)."""
        implied = _IMPLIED.get(tag)
        if implied is not None:
            found = self._find(*implied)
            if found >= 0:
                self._close_to(found)
        if tag in _CLOSE_P:
            found = self._find(_P, _SCOPE)
            if found >= 0:
                self._close_to(found)
        if tag in _HEADINGS and self.stack and self.stack[-1] in _HEADINGS:
            self._close_to(len(self.stack) - 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._count_tag()
        if self.skipping is not None:
            return
        if tag in _SKIPPED_CONTENT:
            self.skipping = tag
            return
        if tag not in TAGS:
            return
        self._implied_ends(tag)
        depth = len(self.stack)
        if depth >= MAX_DEPTH:
            raise _Beyond("depth")
        cost = ELEMENT_COST + depth // 10
        if tag == "table":
            self.tables += 1
            cost += TABLE_COST << min(30, max(0, self.tables - TABLE_FREE_LEVELS))
        elif tag in ("td", "th"):
            cost += CELL_COST << min(30, max(0, self.tables - TABLE_FREE_LEVELS))
        self._spend(cost)
        allowed = ATTRIBUTES.get(tag, frozenset())
        kept = "".join(
            f' {name}="{html.escape(value or "", quote=True)}"'
            for name, value in attrs
            if name in allowed and len(value or "") <= MAX_ATTRIBUTE_CHARS
        )
        self.out.append(f"<{tag}{kept}>")
        self.node = 0
        if tag not in _INLINE:
            self.run = 0
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_CONTENT:
            self._count_tag()
            return
        self.handle_starttag(tag, attrs)
        if tag in TAGS and tag not in _VOID and self.skipping is None:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        self._count_tag()
        if self.skipping is not None:
            if tag == self.skipping:
                self.skipping = None
            return
        if tag not in TAGS or tag in _VOID:
            return
        if tag == "table":
            found = self._find(_TABLE, frozenset())
        elif tag in _TABLE_PARTS:
            found = self._find(frozenset({tag}), _TABLE)
        else:
            found = self._find(frozenset({tag}), _SCOPE)
        if found >= 0:  # a stray end tag is dropped
            self._close_to(found)

    def handle_data(self, data: str) -> None:
        if self.skipping is not None or not data:
            return
        text, self.run = break_runs(data, self.run)
        self.text_chars += len(data)
        self._spend(BREAK_COST * (len(text) - len(data)))  # one character per space added
        start = 0
        while len(text) - start > TEXT_NODE_CHARS - self.node:
            end = start + TEXT_NODE_CHARS - self.node
            self.out.append(html.escape(text[start:end], quote=False))
            self.out.append("<!---->")  # a new text node for nh3 (module docstring)
            start, self.node = end, 0
        self.out.append(html.escape(text[start:], quote=False))
        self.node += len(text) - start

    def markup(self) -> str:
        self._close_to(0)
        return "".join(self.out)


def bounded_html(markup: str) -> str | None:
    """``markup`` written again well-formed, with only allow-listed tags and attributes,
    within the bounds (module docstring); None when it is beyond them."""
    if len(markup) > MAX_MARKUP_CHARS:
        return None
    writer = _Bounded()
    try:
        for offset in range(0, len(markup), HTML_CHUNK):
            writer.feed(markup[offset : offset + HTML_CHUNK])
        writer.finish()
    except _Beyond:
        return None
    return writer.markup()


def sanitise(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(SCHEMES),
        link_rel="noopener noreferrer",
    )


def readable_html(markup: str) -> str | None:
    """Sanitised markup that the reader can render in bounded time, or None: beyond the
    bounds, the reader shows the message's text (with a notice) instead."""
    bounded = bounded_html(markup)
    if bounded is None:
        return None
    clean = sanitise(bounded)
    return clean if len(clean) <= MAX_SANITISED_CHARS else None


def readable_or_text(markup: str) -> tuple[str | None, str]:
    """``(readable_html(markup), "")``, or ``(None, its text)`` beyond the bounds (a
    document without a message around it: its own text, long runs broken)."""
    shown = readable_html(markup)
    return (shown, "") if shown is not None else (None, break_long_runs(html_text(markup)))

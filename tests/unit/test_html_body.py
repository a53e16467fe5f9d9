"""The HTML part of a message for the reader: found when there, None otherwise, never a
crash on malformed input; bounded in depth, size and layout cost, in linear time, with the
text given instead beyond the bounds (hostile markup at 200,000 levels and several MB)."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, TypeVar

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.store.html_body import (
    MAX_ATTRIBUTE_CHARS,
    MAX_DEPTH,
    MAX_RUN,
    TAGS,
    TEXT_NODE_CHARS,
    ZERO_WIDTH_SPACE,
    break_long_runs,
    break_runs,
    html_body,
    readable_html,
    readable_or_text,
    sanitise,
)
from app.store.mime import parse_message_parts
from bench.hostile_data import FIRST_WORDS, html_message, nested_html, nested_tables

T = TypeVar("T")


def test_the_html_alternative_is_found() -> None:
    message = EmailMessage()
    message["Subject"] = "Résultats"
    message.set_content("Hémoglobine : 13,2 g/dL")
    message.add_alternative("<p>H&eacute;moglobine : <b>13,2</b></p>", subtype="html")
    found = html_body(message.as_bytes())
    assert found is not None and "<b>13,2</b>" in found


def test_a_plain_message_has_no_html() -> None:
    message = EmailMessage()
    message.set_content("texte")
    assert html_body(message.as_bytes()) is None


def test_an_html_attachment_is_not_the_body() -> None:
    message = EmailMessage()
    message.set_content("voir la pièce jointe")
    message.add_attachment(b"<p>page</p>", maintype="text", subtype="html", filename="page.html")
    assert html_body(message.as_bytes()) is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_garbage_never_raises(raw: bytes) -> None:
    prefix = (
        b"Content-Type: multipart/alternative; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: text/html\r\n\r\n"
    )
    found = html_body(prefix + raw)  # raises on a defect: the test fails
    assert found is None or isinstance(found, str)


# -- bounds: hostile markup costs linear time, and what is rendered is bounded -------------


def within(seconds: float, work: Callable[[], T]) -> T:
    """``work()``, failing the test if it has not finished after ``seconds`` (a hang guard,
    generous: the figures are in bench/hostile_mail.py)."""
    result: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if errors:
        raise errors[0]
    return result[0]


@pytest.fixture
def cleaned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What nh3 was given (the sanitiser is quadratic in nesting depth)."""
    given: list[str] = []
    real = nh3.clean

    def spy(markup: str, **options: Any) -> str:
        given.append(markup)
        return real(markup, **options)

    monkeypatch.setattr(nh3, "clean", spy)
    return given


def depth_of(markup: str) -> int:
    """Deepest nesting of a well-formed fragment (asserts it is well-formed)."""
    stack: list[str] = []
    deepest = 0
    for closing, tag in re.findall(r"<(/?)([a-z0-9]+)", markup):
        if closing:
            assert stack and stack.pop() == tag, markup[:200]
        elif tag not in ("br", "hr", "col"):
            stack.append(tag)
            deepest = max(deepest, len(stack))
    assert not stack
    return deepest


@pytest.mark.parametrize("depth", [20_000, 50_000, 200_000])
@pytest.mark.parametrize("tag", ["div", "blockquote", "span", "b", "ul", "font", "table"])
def test_deep_nesting_gives_the_text_without_reaching_the_sanitiser(
    depth: int, tag: str, cleaned: list[str]
) -> None:
    markup = nested_html(depth, tag)
    assert within(30, lambda: readable_html(markup)) is None
    assert cleaned == []  # refused by the linear pass, at MAX_DEPTH
    shown, text = within(30, lambda: readable_or_text(markup))
    assert shown is None and text.startswith(FIRST_WORDS)


@pytest.mark.parametrize("depth", [20_000, 200_000])
@pytest.mark.parametrize("tag", ["p", "li", "a", "h1", "dt"])
def test_unclosed_elements_that_html_closes_are_not_nested(
    depth: int, tag: str, cleaned: list[str]
) -> None:
    """``<p>`` × 20,000 are siblings for html5ever, not nested: so they are here (shown
    if within the render budget)."""
    shown = within(30, lambda: readable_html(nested_html(depth, tag)))
    if depth > 50_000:
        assert shown is None and cleaned == []  # 200,000 elements: over budget
    else:
        assert shown is not None and "créatinine" in shown
        assert depth_of(cleaned[-1]) <= 4


def test_a_hostile_message_is_read_in_one_parse_and_gives_its_text() -> None:
    """The reader's work on 200,000 nested levels and 2 MB (a hang guard, not a timing)."""
    raw = html_message(nested_html(200_000, "div", words=0) + "<p>" + "x " * 500_000)

    def read() -> tuple[str | None, str | None, str]:
        parsed, parts = parse_message_parts(raw)
        markup = html_body(parts)
        return markup, readable_html(markup or ""), parsed.body_text

    markup, shown, text = within(60, read)
    assert markup is not None and len(markup) > 2_000_000
    assert shown is None and text.startswith(FIRST_WORDS)


def test_the_depth_bound_is_exact(cleaned: list[str]) -> None:
    assert readable_html(nested_html(MAX_DEPTH, "div")) is not None
    assert depth_of(cleaned[-1]) == MAX_DEPTH
    assert readable_html(nested_html(MAX_DEPTH + 1, "div")) is None


@pytest.mark.parametrize(
    "markup",
    [
        "<b>x</b> " * 700_000,  # 6 MB: over the size bound
        "<p>" + "Hémoglobine 13,2 g/dL. " * 150_000 + "</p>",  # 3.4 MB of text: over budget
        "<i>x</i>" * 400_000,  # 3.2 MB: 800,000 tags
        "<x>" * 1_000_000,  # 3 MB of unknown tags (dropped, but each parsed)
        "<p>" + "a" * 3_000_000,  # one 3 MB word
        "<!--" + "<a " * 1_000_000,  # unfinished constructs (html.parser's quadratic case)
        "<table><tr><td>x</td></tr></table>" * 100_000,  # 3.4 MB of tables
    ],
    ids=["flat", "text", "tags", "unknown", "word", "unfinished", "tables"],
)
def test_megabytes_of_markup_are_bounded(markup: str, cleaned: list[str]) -> None:
    assert within(30, lambda: readable_html(markup)) is None
    assert cleaned == []


@pytest.mark.parametrize(
    "markup",
    [
        "<p>" + "a&amp; " * 300_000 + "</p>",
        "<p>" + "a&nbsp; " * 300_000 + "</p>",
        '<a href="https://labo.test/?' + "a&amp;" * 300_000 + '">lien</a>',
        '<a title="' + "a&nbsp;" * 300_000 + '">lien</a>',
    ],
    ids=["amp", "nbsp", "href", "title"],
)
def test_character_references_reach_the_sanitiser_in_short_nodes(
    markup: str, cleaned: list[str]
) -> None:
    """html5ever copies a text node or an attribute value for each character reference
    appended to it (300,000 in one paragraph: 3 s in nh3)."""
    shown = within(30, lambda: readable_html(markup))
    assert shown is not None
    (given,) = cleaned
    texts = re.split(r"<[^>]*>", given)
    assert max(len(html.unescape(text)) for text in texts) <= TEXT_NODE_CHARS
    values = re.findall(r'="([^"]*)"', given)
    assert all(len(html.unescape(value)) <= MAX_ATTRIBUTE_CHARS for value in values)
    assert html.unescape(re.sub(r"<[^>]*>", "", shown)).replace(ZERO_WIDTH_SPACE, "") == (
        html.unescape(re.sub(r"<[^>]*>", "", given)).replace(ZERO_WIDTH_SPACE, "")
    )  # the text itself unchanged: the comments cutting it are gone


@pytest.mark.parametrize("depth", [13, 24, 40])
def test_nested_tables_beyond_what_qt_lays_out_quickly_give_the_text(depth: int) -> None:
    """Qt's layout is exponential in table nesting (24 levels: minutes); 12 pass."""
    assert readable_html(nested_tables(depth)) is None
    assert readable_html(nested_tables(12)) is not None


def test_what_the_sanitiser_gets_is_well_formed_and_allow_listed(cleaned: list[str]) -> None:
    soup = (
        "<p>a<p>b<div>c<li>d<li>e</div><table><tr><td>f<td>g<tr><td>h</table>"
        "<b><i>x</b></i><a href='https://x.test'>1<a href='mailto:y@x.test'>2</a>"
        "<img src=x onerror=alert(1)><o:p>word</o:p><script>alert(2)</script>"
        "<title>T</title><font color=red size=7 onclick=z>r</font></span></div>"
    )
    shown = readable_html(soup)
    assert shown is not None
    (given,) = cleaned
    assert depth_of(given) <= 4
    assert set(re.findall(r"</?([a-z0-9]+)", given)) <= set(TAGS)
    for gone in ("alert", "onerror", "onclick", "size=", "<title", ">T<"):
        assert gone not in given
    assert 'color="red"' in given and "word" in shown and "<td>g</td>" in shown


def test_long_words_get_a_break_opportunity() -> None:
    word = "A" * 2500
    text = break_long_runs(f"début {word} fin")
    assert text.replace(ZERO_WIDTH_SPACE, "") == f"début {word} fin"
    assert [len(run) for run in text.split(ZERO_WIDTH_SPACE)] == [1006, 1000, 504]
    shown = readable_html("<p>" + "<b>a</b>" * 2500 + "&nbsp;" * 1500 + "</p>")
    assert shown is not None  # a run through inline tags and non-breaking spaces
    runs = re.sub(r"<[^>]*>", "", shown).replace("&nbsp;", "\xa0").split(ZERO_WIDTH_SPACE)
    assert max(len(run) for run in runs) <= MAX_RUN and len(runs) == 4


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \n\xa0\u200b", max_size=5000), st.integers(0, MAX_RUN))
def test_runs_are_broken_at_the_bound_and_nothing_else_changes(text: str, run: int) -> None:
    broken, after = break_runs(text, run)
    added = len(broken) - len(text)
    assert broken.replace(ZERO_WIDTH_SPACE, "") == text.replace(ZERO_WIDTH_SPACE, "")
    assert added >= 0
    pieces = re.split("[ \n\u200b]", "x" * run + broken)
    assert max(len(piece) for piece in pieces) <= MAX_RUN
    assert after == len(pieces[-1]) and after <= MAX_RUN


# Ordinary mail: well-formed markup that follows HTML's content rules is left as nh3 alone
# would sanitise it (the bounding pass changes nothing that html5ever would not).

_inline = st.deferred(
    lambda: st.one_of(
        st.sampled_from(["Hémoglobine", " 13,2 g/dL ", "a &amp; b", "x&lt;y", "\n", "é"]),
        st.builds(
            lambda tag, inner: f"<{tag}>{inner}</{tag}>",
            st.sampled_from(["b", "i", "em", "strong", "span", "u", "sub", "sup", "code"]),
            _inline,
        ),
        st.builds(
            lambda inner: f'<a href="https://labo.test/r?id=1&amp;x=2">{inner}</a>',
            st.sampled_from(["voir", "résultat"]),
        ),
        st.just("<br>"),
    )
)
_inlines = st.lists(_inline, min_size=1, max_size=4).map("".join)
_block = st.deferred(
    lambda: st.one_of(
        _inlines.map(lambda inner: f"<p>{inner}</p>"),
        st.lists(_block, min_size=1, max_size=3).map(lambda b: f"<div>{''.join(b)}</div>"),
        st.lists(_block, min_size=1, max_size=3).map(
            lambda b: f"<blockquote>{''.join(b)}</blockquote>"
        ),
        st.lists(_inlines, min_size=1, max_size=3).map(
            lambda items: "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
        ),
        st.lists(st.lists(_inlines, min_size=1, max_size=3), min_size=1, max_size=3).map(
            lambda rows: (
                '<table border="1"><tbody>'
                + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
                + "</tbody></table>"
            )
        ),
        _inlines.map(lambda inner: f"<h2>{inner}</h2>"),
        st.just("<hr>"),
    )
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_block, min_size=1, max_size=4).map("".join))
def test_ordinary_markup_is_sanitised_as_before(markup: str) -> None:
    assert readable_html(markup) == sanitise(markup)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(sorted(TAGS)).map(lambda t: f"<{t}>"),
            st.sampled_from(sorted(TAGS)).map(lambda t: f"</{t}>"),
            st.sampled_from(["<x>", "</x>", "<img src=a>", "<div/>", "<!--c-->", "<", "&"]),
            st.text(max_size=5),
        ),
        max_size=400,
    ).map("".join)
)
def test_tag_soup_reaches_the_sanitiser_well_formed(soup: str) -> None:
    given: list[str] = []
    real = nh3.clean

    def spy(markup: str, **options: Any) -> str:
        given.append(markup)
        return real(markup, **options)

    nh3.clean = spy  # not monkeypatch: one hypothesis example after another
    try:
        shown = readable_html(soup)
    finally:
        nh3.clean = real
    if shown is not None:
        (bounded,) = given
        assert depth_of(bounded) <= MAX_DEPTH
        assert set(re.findall(r"</?([a-z0-9]+)", bounded)) <= set(TAGS)

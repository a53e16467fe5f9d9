"""The header pass's FETCH answer read without imapclient: same result, or imapclient's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from imapclient.response_parser import parse_fetch_response

from app.transport.imap_fetch import header_responses

HEADER = b"Subject: essai\r\nFrom: a@b.fr\r\n\r\n"


def literal(prefix: bytes, after: bytes = b")") -> list[Any]:
    return [(prefix + b" {%d}" % len(HEADER), HEADER), after]


def test_usual_answer() -> None:
    data = literal(
        b"12 (UID 345 MODSEQ (17) FLAGS (\\Seen \\Recent $Label1) INTERNALDATE "
        b'" 1-Feb-2026 10:20:30 +0130" RFC822.SIZE 9876 BODY[HEADER]'
    ) + literal(b"13 (UID 346 FLAGS () BODY[HEADER]", b" RFC822.SIZE 10)")
    found = header_responses(data)
    assert found is not None
    first, second = found
    assert (first.uid, first.flags, first.size, first.modseq, first.header) == (
        345,
        ("$Label1", "\\Seen"),
        9876,
        17,
        HEADER,
    )
    assert first.internal_date == datetime(
        2026, 2, 1, 10, 20, 30, tzinfo=timezone(timedelta(hours=1, minutes=30))
    )
    assert first.internal_date.astimezone(UTC).hour == 8
    assert (second.uid, second.flags, second.size, second.modseq, second.internal_date) == (
        346,
        (),
        10,
        None,
        None,
    )


def test_same_as_imapclient() -> None:
    data = literal(
        b'1 (UID 7 FLAGS (\\Flagged) INTERNALDATE "28-Jun-2024 11:26:04 -0200" '
        b"RFC822.SIZE 42 MODSEQ (99) BODY[HEADER]"
    )
    found = header_responses(data)
    theirs = parse_fetch_response(data, False, True)[7]
    assert found is not None
    assert found[0].internal_date == theirs[b"INTERNALDATE"]
    assert found[0].size == theirs[b"RFC822.SIZE"]
    assert found[0].header == theirs[b"BODY[HEADER]"]


@pytest.mark.parametrize(
    "data",
    [
        [b"5 (FLAGS (\\Seen))"],  # unsolicited, no literal
        [*literal(b"1 (UID 7 BODY[HEADER]"), b"6 (FLAGS (\\Seen) UID 9)"],
        literal(b"1 (FLAGS (\\Seen) BODY[HEADER]"),  # no UID
        literal(b"1 (UID 7 X-GM-LABELS (a) BODY[HEADER]"),  # an item not asked for
        literal(b'1 (UID 7 INTERNALDATE "32-Foo-2026 10:00:00 +0000" BODY[HEADER]'),
        literal(b"1 (UID 7 BODY[HEADER]", b""),  # no closing parenthesis
        [(b"1 (UID 7 BODY[HEADER] {999}", HEADER), b")"],  # literal size mismatch
        [(b'1 (UID 7 BODY[HEADER] "x"', b""), b")"],
    ],
)
def test_anything_else_goes_to_imapclient(data: list[Any]) -> None:
    assert header_responses(data) is None

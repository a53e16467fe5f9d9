"""The header scanner's two ways (app.store.mime_decode): a usual block read in one go, any
other block line by line. Wherever the first one answers, it answers what the second does,
with nothing to report; on what it declines, the second one reads and names the defects."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.store.mime_decode import (
    HEADER_VALUE_LIMIT,
    MAX_HEADER_FIELDS,
    _Defects,
    _Header,
    _scan_header_lines,
    _scan_headers,
    _scan_usual_headers,
)

USUAL = (
    b"Return-Path: <resultats@labo.mssante.fr>\n"
    b"Received: from mx1.operateur.mssante.fr\n"
    b"\tby imap.medecin.mssante.fr; Tue, 05 Mar 2024 10:15:00 +0100\n"
    b"From: =?utf-8?q?Laboratoire_B=C3=A9tout?= <resultats@labo.mssante.fr>\n"
    b"Subject: XDM/1.0/DDM+Compte rendu DUPONT Marie 02/01/1970\n"
    b"X-MSS-CODECDA: 11502-2\n"
    b'Content-Type: multipart/mixed;\n boundary="=_b1"\n'
    b"X-Nom: valeur latin-1 \xe9\n"
    b"\n"
    b"--=_b1\n"
)


Scanned = tuple[list[_Header], int]


def both(buf: bytes, *, top: bool = True) -> tuple[Scanned | None, Scanned, tuple[str, ...]]:
    defects = _Defects()
    lines = _scan_header_lines(buf, 0, len(buf), defects, top=top)
    return _scan_usual_headers(buf, 0, len(buf)), lines, defects.names()


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_a_usual_block_is_read_in_one_go_as_line_by_line(newline: bytes) -> None:
    buf = USUAL.replace(b"\n", newline)
    usual, lines, defects = both(buf)
    assert usual is not None  # the header pass and every part take this way
    assert usual == lines
    assert defects == ()
    headers, body = usual
    assert body == buf.index(b"--=_b1")
    assert [h.name for h in headers] == [
        "return-path",
        "received",
        "from",
        "subject",
        "x-mss-codecda",
        "content-type",
        "x-nom",
    ]
    assert headers[1].value == (
        "from mx1.operateur.mssante.fr\tby imap.medecin.mssante.fr; Tue, 05 Mar 2024 10:15:00 +0100"
    )
    assert headers[-1].value == "valeur latin-1 \xe9"
    assert _scan_headers(buf, 0, len(buf), _Defects(), top=True) == lines


@pytest.mark.parametrize(
    "buf",
    [
        b"From someone@example.org Mon Jan  1 00:00:00 2026\n" + USUAL,  # mbox envelope
        b" leading continuation\n" + USUAL,
        b"\r\n" + USUAL,  # starts with an empty line
        b"\n\n" + USUAL,
        USUAL.replace(b"X-MSS-CODECDA: 11502-2\n", b"a stray line\n"),
        USUAL.replace(b"\n\n--", b"\n\r\r\n--"),  # "\r\r" is no empty line
        USUAL[: USUAL.index(b"\n\n")],  # no empty line at all
        USUAL.replace(b"\n\n", b"\n\r"),  # the empty line ends the buffer
        b"X-Long: " + b"a" * HEADER_VALUE_LIMIT + b"\n" + USUAL,
        b"X: y\n" * (MAX_HEADER_FIELDS + 1) + b"\nbody",
        b"X: y\n" + b" folded\n" * (HEADER_VALUE_LIMIT // 8) + b"\nbody",
    ],
    ids=[
        "envelope",
        "continuation",
        "crlf-first",
        "lf-first",
        "stray",
        "cr-cr",
        "no-blank",
        "blank-at-end",
        "long",
        "many",
        "long-folded",
    ],
)
def test_anything_else_is_left_to_the_line_by_line_scan(buf: bytes) -> None:
    usual, lines, _defects = both(buf)
    assert usual is None
    assert _scan_headers(buf, 0, len(buf), _Defects(), top=True) == lines


def test_a_part_is_read_within_its_range() -> None:
    buf = b"junk before" + USUAL.replace(b"\n", b"\r\n") + b"junk after"
    start, end = len(b"junk before"), len(buf) - len(b"junk after")
    usual = _scan_usual_headers(buf, start, end)
    assert usual is not None
    assert usual == _scan_header_lines(buf, start, end, _Defects(), top=False)
    # an empty line beyond the part's end is not the part's
    cut = buf.index(b"\r\n\r\n", start) + 1
    assert _scan_usual_headers(buf, start, cut) is None


_PIECES = st.sampled_from(
    [
        b"Subject: bonjour",
        b"subject:x",
        b"X-A \t: b",
        b"To: a@b.fr,\r",
        b" c@d.fr",
        b"\tsuite",
        b" ",
        b"\r",
        b"",
        b"From x@y Mon",
        b"From: =?utf-8?b?w6k=?= <a@b>",
        b"pas un champ",
        b":vide",
        b"Nom: \xe9\x85\xa0\x1c",
        b"A:\r\r",
        b"B: x\ry",
        b"--limite",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(_PIECES, max_size=12),
    newline=st.sampled_from([b"\n", b"\r\n"]),
    tail=st.sampled_from([b"", b"\n", b"\r\n", b"\n\nbody", b"\r\n\r\nbody"]),
    top=st.booleans(),
)
def test_both_ways_agree_on_any_block(
    lines: list[bytes], newline: bytes, tail: bytes, top: bool
) -> None:
    buf = newline.join(lines) + tail
    usual, scanned, defects = both(buf, top=top)
    if usual is not None:
        assert usual == scanned
        assert defects == ()
    assert _scan_headers(buf, 0, len(buf), _Defects(), top=top) == scanned

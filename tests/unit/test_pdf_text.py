"""PDF text for search (issue 18 items 5, 6): extracted in a child process with time and
memory limits; a PDF that fails, hangs or is too big gives a French notice, never an
exception, and the child never outlives the call."""

from __future__ import annotations

import multiprocessing
import time
import zlib

import pytest

from app.mssante import pdf_text
from app.mssante.pdf_text import pdf_texts
from tests.unit.test_mssante_documents import pdf as bare_pdf


def pdf(text: str) -> bytes:
    """A one-page PDF whose text an extractor can read (a standard font resource)."""
    font = (
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    )
    # the xref offsets are now wrong: extractors rebuild them, as they must for real mail
    return bare_pdf(text).replace(b"/Contents 4 0 R", b"/Contents 4 0 R " + font)


def test_text_of_good_pdfs_in_order_and_notices_for_bad_ones() -> None:
    found = pdf_texts([pdf("Hemoglobine 13.2 g/dL"), b"%PDF-1.4 nothing else", pdf("Ferritine")])
    assert "Hemoglobine 13.2" in found[0].text and found[0].notice is None
    assert found[1].text == "" and found[1].notice and "illisible" in found[1].notice
    assert "Ferritine" in found[2].text
    assert multiprocessing.active_children() == []


def test_a_child_past_its_time_is_killed_and_every_pdf_gets_a_notice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pdf_text, "STARTUP", 0.0)
    started = time.monotonic()
    found = pdf_texts([pdf("a"), pdf("b")], timeout=0.001)
    assert time.monotonic() - started < 10
    assert [t.text for t in found] == ["", ""]
    assert all(t.notice and "délai" in t.notice for t in found)
    assert multiprocessing.active_children() == []


def test_too_big_a_pdf_is_not_sent_to_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    small = pdf("petit")
    monkeypatch.setattr(pdf_text, "MAX_PDF_BYTES", len(small))
    found = pdf_texts([small + b" " * 100, small])
    assert "volumineux" in (found[0].notice or "") and found[0].text == ""
    assert "petit" in found[1].text


def test_a_decompression_bomb_gives_a_notice_within_the_limits() -> None:
    bomb = zlib.compress(b"BT (x) Tj ET\n" * 40_000_000, 9)  # ~520 MB of content stream
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(bomb), bomb)
    data = (
        pdf("z")
        .replace(b"/Contents 4 0 R", b"/Contents 5 0 R")
        .replace(b"xref", b"5 0 obj\n" + stream + b"\nendobj\nxref", 1)
    )
    started = time.monotonic()
    (found,) = pdf_texts([data], timeout=60)
    assert time.monotonic() - started < 70
    assert len(found.text) <= pdf_text.MAX_CHARS
    assert multiprocessing.active_children() == []

"""What the body workers read of a message, with less work and the same result: a part's
first bytes without decoding the rest (``MessageParts.head``), a photo told from a document
that way, base64 padding found without counting, each PDF hashed once, the overview of a
message without documents. What the readers read is what they read before."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.mssante import documents
from app.mssante.documents import read_message, read_parsed
from app.mssante.model import MessageDocuments
from app.mssante.overview import _plain_overview, header_section, ingest_overview, overview_of
from app.store.mime import parse_message_parts
from app.store.mime_attachments import MessageParts
from app.store.mime_decode import _padding_only_at_end
from tests.unit.test_mssante_documents import HPRIM, cda, make_zip, message, pdf, xdm_message


def png(size: int) -> bytes:
    """A real PNG header and a noise IDAT of about ``size`` bytes."""
    raw = bytes((i * 7919) % 251 for i in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 64, 64, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def one_part(body: bytes, encoding: str, content_type: str = "image/png") -> bytes:
    return (
        b"From: a@b.fr\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nbonjour\r\n--b\r\n"
        + f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n".encode()
        + b'Content-Disposition: attachment; filename="photo.png"\r\n\r\n'
        + body
        + b"\r\n--b--\r\n"
    )


def wrapped(data: bytes, width: int = 76, newline: bytes = b"\r\n") -> bytes:
    encoded = base64.b64encode(data)
    return newline.join(encoded[i : i + width] for i in range(0, len(encoded), width))


@pytest.mark.parametrize("size", [0, 1, 5, 8, 9, 3000, 200_000])
@pytest.mark.parametrize("encoding", ["base64", "binary", "7bit"])
def test_the_head_is_the_start_of_the_payload(size: int, encoding: str) -> None:
    data = png(size)[: size or None] if size else b""
    body = wrapped(data) if encoding == "base64" else data.replace(b"\r\n", b"\n")
    parts = parse_message_parts(one_part(body, encoding))[1]
    whole = parts.payload("2")
    head = parts.head("2", 8)
    assert head is not None
    assert head[0] == whole[:8]
    assert head[1] >= len(whole)


@pytest.mark.parametrize("encoding", ["quoted-printable", "x-uuencode"])
def test_encodings_not_read_in_part_are_left_to_payload(encoding: str) -> None:
    parts = parse_message_parts(one_part(b"=89PNG", encoding))[1]
    assert parts.head("2", 8) is None


def test_a_missing_part_has_no_head() -> None:
    parts = parse_message_parts(one_part(wrapped(png(100)), "base64"))[1]
    with pytest.raises(KeyError):
        parts.head("3", 8)
    with pytest.raises(KeyError):
        parts.head("2.1", 8)


_JUNK = st.sampled_from([b"\r\n", b"\n", b" ", b"\t", b"=", b"==", b"*", b"\x00", b"\xe9", b"!"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=3000),
    width=st.integers(min_value=1, max_value=200),
    junk=st.lists(st.tuples(st.integers(min_value=0), _JUNK), max_size=8),
    cut=st.integers(min_value=0, max_value=3),
    size=st.integers(min_value=1, max_value=4000),
)
def test_any_base64_reads_in_part_as_whole(
    data: bytes, width: int, junk: list[tuple[int, bytes]], cut: int, size: int
) -> None:
    """Junk, stray and inner padding, a cut end: the head is still the whole's start."""
    body = bytearray(wrapped(data, width))
    del body[len(body) - cut :]
    for position, piece in junk:
        at = position % (len(body) + 1)
        body[at:at] = piece
    text = bytes(body).replace(b"\r\n--b", b"\r\n -b")  # never a boundary
    parts = parse_message_parts(one_part(text, "base64"))[1]
    whole = parts.payload("2")
    head = parts.head("2", size)
    assert head is not None
    assert head[0] == whole[:size]
    assert head[1] >= len(whole)


def test_a_photo_is_not_decoded_by_the_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = message(
        [
            ("photo.png", png(300_000), "image", "png"),
            ("ordonnance.pdf", pdf("Ordonnance"), "application", "pdf"),
        ],
        subject="Ordonnance",
    )
    decoded: list[str] = []
    real = MessageParts.payload

    def payload(self: MessageParts, part_index: str) -> bytes:
        decoded.append(part_index)
        return real(self, part_index)

    monkeypatch.setattr(MessageParts, "payload", payload)
    result = read_message(raw)
    assert decoded == ["3"]  # the PDF, not the photo ("2")
    assert [d.readable.name for d in result.documents if d.readable] == ["ordonnance.pdf"]
    parsed, parts = parse_message_parts(raw, sizes=False)
    decoded.clear()
    assert ingest_overview(raw, parsed, parts).pdfs == 1
    assert decoded == []  # at ingest, neither (the PDF is counted, not decoded)


def hidden_zip() -> bytes:
    return make_zip([("IHE_XDM/SUBSET01/DOC0001.XML", cda())])


@pytest.mark.parametrize(
    "attachments",
    [
        [("photo.png", png(5000), "image", "png")],
        [("photo.png", pdf("Un PDF nommé photo"), "image", "png")],  # a PDF by its bytes
        [("scan.jpg", hidden_zip(), "image", "jpeg")],  # an archive by its bytes
        [("résultats", HPRIM.encode("latin-1"), "application", "octet-stream")],
        [("doc.bin", cda(), "application", "xml")],
        [("notes.txt", HPRIM.encode("latin-1"), "text", "plain")],
        [("a.png", b"", "image", "png"), ("b.png", b"PK", "image", "png")],
        [
            ("photo.png", png(5000), "image", "png"),
            ("IHE_XDM.ZIP", hidden_zip(), "application", "zip"),
        ],
    ],
    ids=[
        "photo",
        "pdf-as-photo",
        "zip-as-photo",
        "hprim-octets",
        "cda",
        "hprim-text",
        "tiny",
        "with-xdm",
    ],
)
def test_the_readers_read_as_when_everything_was_decoded(
    attachments: list[tuple[str, bytes, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    raws = [message(attachments), xdm_message()]
    for raw in raws:
        parsed, parts = parse_message_parts(raw, sizes=False)
        now = (
            read_message(raw),
            read_parsed(parsed, parts, light=True),
            ingest_overview(raw, parsed, parts),
        )
        with monkeypatch.context() as patched:
            patched.setattr(documents, "_nothing_to_read", lambda _parts, _attachment: False)
            parsed, parts = parse_message_parts(raw, sizes=False)
            before = (
                read_message(raw),
                read_parsed(parsed, parts, light=True),
                ingest_overview(raw, parsed, parts),
            )
        assert now == before


def test_a_part_that_may_be_too_big_is_decoded_to_be_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(documents, "MAX_ATTACHMENT_BYTES", 1000)
    raw = message([("photo.png", png(1200), "image", "png")], subject="Photo")
    assert [r.reason for r in read_message(raw).refused] == [
        "Pièce jointe refusée : fichier trop volumineux."
    ]
    parsed, parts = parse_message_parts(raw, sizes=False)
    assert [r.reason for r in read_parsed(parsed, parts, light=True).refused] == [
        "Pièce jointe refusée : fichier trop volumineux."
    ]


def counted_padding_only_at_end(buf: bytes, start: int, end: int) -> bool:
    """The definition, by counting every "=" (what the decoder did before)."""
    pads = buf.count(b"=", start, end)
    tail = buf[max(start, end - 4096) : end].translate(None, b" \t\r\n")
    return pads == 0 or tail.endswith(b"=" * pads)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=6000),
    junk=st.lists(st.tuples(st.integers(min_value=0), _JUNK), max_size=6),
    start=st.integers(min_value=0, max_value=20),
    cut=st.integers(min_value=0, max_value=20),
)
def test_padding_is_found_at_the_end_as_by_counting(
    data: bytes, junk: list[tuple[int, bytes]], start: int, cut: int
) -> None:
    body = bytearray(wrapped(data))
    for position, piece in junk:
        at = position % (len(body) + 1)
        body[at:at] = piece
    buf = bytes(body)
    end = max(start, len(buf) - cut)
    assert _padding_only_at_end(buf, start, end) == counted_padding_only_at_end(buf, start, end)


@pytest.mark.parametrize(
    "buf",
    [b"QUJD", b"QUI=", b"QQ==\r\n", b"QQ=\r\n=", b"QQ==QUJD", b"=QUJD", b"QUJD" + b"=\r\n" * 1400],
)
def test_padding_at_the_end_within_its_last_4_kib(buf: bytes) -> None:
    assert _padding_only_at_end(buf, 0, len(buf)) == counted_padding_only_at_end(buf, 0, len(buf))


def test_each_pdf_is_hashed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """An XDM's PDF and the same PDF attached beside it: matched by their digests, each
    computed once (a digest is a pass over a PDF of up to 64 MB)."""
    hashed: list[bytes] = []
    real = documents._digest

    def digest(data: bytes) -> str:
        hashed.append(data)
        return real(data)

    monkeypatch.setattr(documents, "_digest", digest)
    result = read_message(xdm_message())
    assert hashed
    assert len(hashed) == len({id(data) for data in hashed})
    assert result.refused == ()


@pytest.mark.parametrize(
    "header",
    [
        b"From: Jean <1234567890@patient.mssante.fr>\r\nTo: dr@medecin.mssante.fr\r\n",
        b"from: dr@medecin.mssante.fr\r\nCC: x@PATIENT.MSSANTE.TEST\r\n",
        b"From: dr@medecin.mssante.fr\r\nTo: confrere@ch.mssante.fr\r\n",
        b"Subject: patient.mssante.fr\r\n",
        b"",
    ],
)
def test_a_message_without_documents_is_overviewed_as_before(header: bytes) -> None:
    assert _plain_overview(header) == overview_of(MessageDocuments(), header)
    raw = header + b"\r\nbonjour\r\n"
    parsed, parts = parse_message_parts(raw, sizes=False)
    assert ingest_overview(raw, parsed, parts) == overview_of(
        MessageDocuments(), header_section(raw)
    )

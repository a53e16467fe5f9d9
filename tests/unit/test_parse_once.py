"""A message with 10,000 parts is parsed once per filing and once per "À classer" scan:
the attachments are read from that one parse (each read used to parse the whole message
again: 29 s for ``caducee file`` on 1 MB). Counted, not timed (bench/hostile_mail.py times
it)."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.cli.main import main
from app.filing.pending import pending_documents
from app.filing.service import Filing
from app.mssante.documents import MAX_ATTACHMENTS, read_message
from app.store import mime, mime_attachments, mime_tree
from app.store.db import Store
from app.store.mime import parse_message, parse_message_parts
from app.store.mime_attachments import MessageParts, attachment_bytes
from app.store.mime_decode import _Defects
from app.store.mime_headers import message_headers
from bench.hostile_data import many_parts_message, put_message


class Parses:
    """How many times the MIME tree of a whole message was built (a parse of it)."""

    def __init__(self) -> None:
        self.built: list[tuple[int, int, int]] = []

    def __call__(self, raw: bytes) -> int:
        whole = (len(raw), 0, len(raw))
        return sum(1 for built in self.built if built == whole)

    def reset(self) -> None:
        self.built.clear()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Parses:
    counter = Parses()
    real = mime_tree._build_tree

    def counting(buf: bytes, start: int, end: int, defects: _Defects) -> list[mime_tree._Node]:
        counter.built.append((len(buf), start, end))
        return real(buf, start, end, defects)

    monkeypatch.setattr(mime, "_build_tree", counting)  # parse_message_parts
    monkeypatch.setattr(mime_attachments, "_build_tree", counting)  # MessageParts, lazily
    return counter


@pytest.fixture(scope="module")
def many() -> bytes:
    return many_parts_message(10_000)


def test_reading_the_documents_parses_once(many: bytes, parses: Parses) -> None:
    docs = read_message(many)
    assert parses(many) == 1
    assert len(docs.documents) == MAX_ATTACHMENTS  # the first 200 read, the rest refused
    assert len(docs.refused) == 10_000 - MAX_ATTACHMENTS
    assert docs.documents[7].readable is not None
    assert docs.documents[7].readable.data == b"%PDF-1.4 00008 %%EOF"


def test_caducee_file_parses_once(
    tmp_path: Path, many: bytes, parses: Parses, capsys: pytest.CaptureFixture[str]
) -> None:
    profile, root = tmp_path / "profile", tmp_path / "Patients"
    root.mkdir()
    store = Store.open(profile)
    put_message(store, many)  # the sync's own parse, for the index
    store.close()
    parses.reset()
    code = main(
        ["--profile-dir", str(profile), "file", "--patients-dir", str(root),
         "--message-id", "many-parts@labo-biotest.test", "--auto", "--json"]
    )  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["status"] == "queued" and len(result["documents"]) == MAX_ATTACHMENTS
    assert result["receipt"]["requested"]  # read from the header section, not a parse
    assert parses(many) == 1


def test_the_a_classer_scan_parses_once(tmp_path: Path, many: bytes, parses: Parses) -> None:
    root = tmp_path / "Patients"
    root.mkdir()
    store = Store.open(tmp_path / "data")
    put_message(store, many)
    filing = Filing.open(tmp_path / "data", root, store)
    parses.reset()
    try:
        found = pending_documents(store, filing)
        assert len(found) == MAX_ATTACHMENTS
        assert parses(many) == 1
        filing.file_message(found[0].message, found[0].docs)  # the bulk filing: no parse
        assert parses(many) == 1
    finally:
        filing.close()
        store.close()


def forwarded(inner_parts: int) -> bytes:
    """A message forwarding (base64, as some mailers do) a message with attachments."""
    inner = EmailMessage()
    inner["Subject"] = "Résultats"
    inner.set_content("voir les pièces jointes")
    for number in range(inner_parts):
        inner.add_attachment(
            f"pièce {number}".encode(), maintype="application", subtype="pdf",
            filename=f"p{number}.pdf",
        )  # fmt: skip
    outer = EmailMessage()
    outer["Subject"] = "TR: Résultats"
    outer.set_content("Pour information.")
    outer.add_attachment(
        inner.as_bytes(), maintype="message", subtype="rfc822", cte="base64",
        filename="fwd.eml",
    )  # fmt: skip
    return outer.as_bytes()


def test_parts_inside_a_forwarded_message_are_read_from_one_parse_each(parses: Parses) -> None:
    raw = forwarded(5)
    parsed, parts = parse_message_parts(raw)
    (message_part,) = [a for a in parsed.attachments if a.filename.endswith(".eml")]
    inner = parts.payload(message_part.part_index)
    for number in range(5):
        path = f"{message_part.part_index}.{number + 2}"
        assert parts.payload(path) == f"pièce {number}".encode()
        assert parts.payload(path) == attachment_bytes(raw, path)
    assert parses(raw) == 1 + 5  # one here, one per attachment_bytes call
    assert parses(inner) == 1 + 5  # the forwarded message: once here, once per call
    with pytest.raises(KeyError):
        parts.payload(f"{message_part.part_index}.9")
    with pytest.raises(KeyError):
        parts.payload("1.x")


def test_parts_give_what_attachment_bytes_gives(many: bytes) -> None:
    parsed, parts = parse_message_parts(many)
    assert parsed == parse_message(many)
    for attachment in parsed.attachments[::2500]:
        data = parts.payload(attachment.part_index)
        assert data == attachment_bytes(many, attachment.part_index)
        assert len(data) == attachment.size


def test_message_headers_are_the_parsed_ones(many: bytes) -> None:
    assert message_headers(many) == parse_message(many).headers
    assert message_headers(many)["Disposition-Notification-To"].startswith("labo@")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_message_headers_never_raise_and_agree(raw: bytes) -> None:
    assert message_headers(raw) == parse_message(raw).headers


def test_a_lazy_parts_index_parses_on_first_use(parses: Parses) -> None:
    raw = forwarded(2)
    parts = MessageParts(raw)
    assert parses(raw) == 0
    parts.payload("1")
    parts.payload("2")
    assert parses(raw) == 1

"""Fuzzing the readers on malformed variants of good input: each returns its documented
result or raises its documented refusal, nothing else, in bounded time; read_message never
falls back on its "reader bug" safety net."""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.mssante import cda, hprim, xdm
from app.mssante.documents import read_message
from app.mssante.model import MessageDocuments
from app.mssante.safezip import ZipRefused
from app.mssante.xmlsafe import XmlRefused
from tests.unit.test_mssante_documents import (
    DEMO_OID,
    HPRIM,
    NIR_OID,
    TEST_OID,
    good_xdm,
    make_zip,
    message,
    metadata,
    patient_id,
    pdf,
    xdm_message,
)
from tests.unit.test_mssante_documents import (
    cda as make_cda,
)

FUZZ = settings(
    max_examples=200,
    derandomize=True,
    deadline=timedelta(seconds=3),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def mutate(
    seed: bytes, edits: list[tuple[int, int]], cut: int | None, insert: bytes, at: int
) -> bytes:
    data = bytearray(seed)
    for position, value in edits:
        data[position % len(data)] = value
    data[at % (len(data) + 1) : at % (len(data) + 1)] = insert
    return bytes(data if cut is None else data[: max(cut, 1)])


# Bytes that change XML and MIME structure more than they break the encoding
_STRUCTURAL = st.sampled_from(list(b'<>/"=&;#!?-[] \n\r:.%AZaz09^|&'))


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    size = len(seed)
    byte = st.one_of(_STRUCTURAL, _STRUCTURAL, st.integers(0, 255))
    return st.builds(
        mutate,
        st.just(seed),
        st.lists(st.tuples(st.integers(0, size - 1), byte), max_size=6),
        st.one_of(st.none(), st.none(), st.integers(1, size)),  # a third are cut short
        st.one_of(st.just(b""), st.binary(max_size=24), st.sampled_from(INSERTS)),
        st.integers(0, size),
    )


INSERTS = [
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"<!ENTITY e SYSTEM 'file:///etc/passwd'>&e;",
    b"../../",
    b"\\..\\",
    b"<section><title>",
    b"</component>",
    b"\x00",
    b"PK\x03\x04",
    b"%PDF-",
]


def stored_xdm() -> bytes:
    """The good XDM without compression: byte mutations reach the XML inside."""
    with zipfile.ZipFile(io.BytesIO(good_xdm())) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


CDA_SEED = make_cda()
CDA_PDF_SEED = make_cda(embedded_pdf=pdf("x"))
METADATA_SEED = metadata(
    [
        {
            "uri": "DOC0001.XML",
            "mime": "text/xml",
            "title": "CR",
            "type": "11490-0",
            "type_label": "CR",
            "patient": patient_id(),
        }
    ]
)
XDM_SEED = good_xdm()
STORED_SEED = stored_xdm()
MESSAGE_SEED = xdm_message()
STORED_MESSAGE_SEED = message([("IHE_XDM.ZIP", STORED_SEED, "application", "zip")])


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def no_reader_bug() -> Iterator[None]:
    handler = _Collect()
    logger = logging.getLogger("app.mssante.documents")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in handler.records] == []


def check_message(raw: bytes) -> None:
    with no_reader_bug():
        result = read_message(raw)
    assert isinstance(result, MessageDocuments)
    for refused in result.refused:
        assert refused.reason and isinstance(refused.name, str)


@FUZZ
@given(mutated(MESSAGE_SEED))
def test_read_message_on_mutated_messages(raw: bytes) -> None:
    check_message(raw)


@FUZZ
@given(mutated(STORED_MESSAGE_SEED))
def test_read_message_on_mutated_stored_archives(raw: bytes) -> None:
    check_message(raw)


@FUZZ
@given(st.one_of(mutated(XDM_SEED), mutated(STORED_SEED)))
def test_read_xdm_on_mutated_archives(data: bytes) -> None:
    try:
        archive = xdm.read_xdm(data)
    except (ZipRefused, XmlRefused, xdm.XdmRefused) as error:
        assert error.reason
        return
    assert isinstance(archive, xdm.XdmArchive)


@FUZZ
@given(mutated(METADATA_SEED))
def test_read_metadata_on_mutated_xml(data: bytes) -> None:
    try:
        entries = xdm.read_metadata(data)
    except XmlRefused as error:
        assert error.reason.startswith("METADATA.XML refusé")
        return
    assert all(isinstance(entry, xdm.XdmEntry) for entry in entries)


@FUZZ
@given(st.one_of(mutated(CDA_SEED), mutated(CDA_PDF_SEED)))
def test_read_cda_on_mutated_xml(data: bytes) -> None:
    try:
        document = cda.read_cda(data)
    except (XmlRefused, cda.CdaRefused) as error:
        assert error.reason
        return
    assert document.html is None or "<script" not in document.html


@FUZZ
@given(st.one_of(mutated(HPRIM.encode("cp1252")), st.binary(max_size=2000)))
def test_read_hprim_on_mutated_text(data: bytes) -> None:
    header = hprim.read_hprim(data)
    assert header is None or isinstance(header, hprim.HprimHeader)


@FUZZ
@given(mutated(CDA_SEED), mutated(CDA_PDF_SEED), mutated(METADATA_SEED))
def test_read_message_on_valid_archives_of_mutated_xml(
    first: bytes, second: bytes, listing: bytes
) -> None:
    archive = make_zip(
        [
            ("IHE_XDM/SUBSET01/METADATA.XML", listing),
            ("IHE_XDM/SUBSET01/DOC0001.XML", first),
            ("IHE_XDM/SUBSET02/DOC0001.XML", second),
        ]
    )
    check_message(
        message(
            [
                ("IHE_XDM.ZIP", archive, "application", "zip"),
                ("CR.pdf", pdf("CR"), "application", "pdf"),
            ]
        )
    )


_FIELD = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"[0-9]{4,14}([+-][0-9]{4})?", fullmatch=True),
    st.sampled_from(["", "2A", "20261320", "19550230", "99999999999999", "1.2.250.1.213.1.4.8"]),
)
_OIDS = st.sampled_from([NIR_OID, TEST_OID, DEMO_OID, "1.2.250.1.213.1.4.9", "1.2.3", ""])


@FUZZ
@given(
    st.fixed_dictionaries(
        {
            "when": _FIELD,
            "birth": _FIELD,
            "sex": _FIELD,
            "family": _FIELD,
            "used": _FIELD,
            "title": _FIELD,
            "code": _FIELD,
            "label": _FIELD,
        }
    ),
    st.lists(st.tuples(_OIDS, _FIELD), max_size=3),
    st.lists(_FIELD, max_size=3),
    _FIELD,
    _FIELD,
)
def test_read_message_on_cda_and_metadata_with_arbitrary_values(
    fields: dict[str, str],
    ids: list[tuple[str, str]],
    given_names: list[str],
    uri: str,
    patient: str,
) -> None:
    document = make_cda(ids=tuple(ids), given=tuple(given_names), **fields)
    entry = {
        "uri": uri,
        "mime": "text/xml",
        "title": fields["title"],
        "type": fields["code"],
        "type_label": fields["label"],
        "patient": patient,
        "created": fields["when"],
        "source": f"{fields['family']}^{patient}",
    }
    archive = make_zip(
        [
            ("IHE_XDM/SUBSET01/METADATA.XML", metadata([entry])),
            ("IHE_XDM/SUBSET01/DOC0001.XML", document),
            ("IHE_XDM/SUBSET01/" + (uri.replace("/", "_") or "x"), document),
        ]
    )
    with no_reader_bug():
        result = read_message(message([("IHE_XDM.ZIP", archive, "application", "zip")]))
    for read in result.documents:
        ins = read.identity.ins if read.identity else None
        assert ins is None or ins.oid in (NIR_OID, TEST_OID, DEMO_OID, "1.2.250.1.213.1.4.9")
        assert ins is None or not ins.qualified or ins.oid not in (TEST_OID, DEMO_OID)

"""The readers one by one: XDM, METADATA.XML, CDA, HPRIM, X-MSS headers, HL7 values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app.mssante import cda, hl7, hprim, xdm
from app.mssante.headers import MssHeaders, mss_headers, parse_mss
from app.mssante.model import InsKind
from app.mssante.xmlsafe import XmlRefused
from tests.unit.test_mssante_documents import (
    HPRIM,
    MATRICULE,
    NIR_OID,
    OTHER_MATRICULE,
    TEST_OID,
    good_xdm,
    make_zip,
    metadata,
    patient_id,
    pdf,
)
from tests.unit.test_mssante_documents import (
    cda as make_cda,
)


def test_xdm_subsets_documents_and_metadata() -> None:
    archive = xdm.read_xdm(good_xdm())
    assert archive.readme == "Emetteur : CH Valmont\r\n"
    assert [s.path for s in archive.subsets] == ["IHE_XDM/SUBSET01", "ihe_xdm/subset02"]
    first, second = archive.subsets
    assert [d.path for d in first.documents] == [
        "IHE_XDM/SUBSET01/DOC0001.XML",
        "IHE_XDM/SUBSET01/DOC0002.XML",
    ]
    assert [d.path for d in second.documents] == ["ihe_xdm/subset02/DOC0001.XML"]  # any case
    entry = first.documents[0].entry
    assert entry is not None
    assert entry.title == "Compte rendu de sortie" and entry.mime_type == "text/xml"
    assert (entry.type_code, entry.type_label) == ("11490-0", "Lettre de sortie")
    assert (entry.class_code, entry.class_label) == ("10", "Compte rendu")
    assert entry.created == datetime(2026, 11, 20, 13, 30, tzinfo=UTC)
    assert entry.author == "Dr Paul LEROY"
    assert entry.identity is not None and entry.identity.ins is not None
    assert entry.identity.ins.matricule == MATRICULE and entry.identity.ins.qualified
    assert entry.identity.birth_name == "MARTIN"
    assert entry.identity.first_names == ("Élodie", "Marie")
    other = second.documents[0].entry
    assert other is not None and other.identity is not None and other.identity.ins is not None
    assert other.identity.ins.matricule == OTHER_MATRICULE


def test_source_patient_info_used_name_and_local_ids() -> None:
    entry = {
        "uri": "DOC0001.XML",
        "mime": "text/xml",
        "title": "CR",
        "type": "x",
        "type_label": "x",
        "patient": "IPP42^^^&1.2.250.1.999.1&ISO^PI",
        "source": "DURAND^Jeanne^^^^^D",
    }
    (read,) = xdm.read_metadata(metadata([entry]))
    assert read.identity is not None and read.identity.ins is None  # a local id is no INS
    assert read.identity.used_name == "DURAND" and read.identity.birth_name is None
    assert read.patient_id == "IPP42^^^&1.2.250.1.999.1&ISO^PI"


def test_a_subset_without_metadata_still_gives_its_files() -> None:
    archive = xdm.read_xdm(make_zip([("IHE_XDM/SUBSET01/DOC0001.XML", make_cda())]))
    (subset,) = archive.subsets
    assert not subset.has_metadata
    assert [(d.name, d.entry, d.media_type) for d in subset.documents] == [
        ("DOC0001.XML", None, "text/xml")
    ]


def test_a_listed_document_missing_from_the_archive() -> None:
    entry = {
        "uri": "DOC0009.XML",
        "mime": "text/xml",
        "title": "CR",
        "type": "x",
        "type_label": "x",
        "patient": patient_id(),
    }
    archive = xdm.read_xdm(make_zip([("IHE_XDM/SUBSET01/METADATA.XML", metadata([entry]))]))
    assert archive.subsets[0].missing == ("DOC0009.XML",)
    assert archive.subsets[0].documents == ()


def test_cda_header() -> None:
    document = cda.read_cda(
        make_cda(ids=(("1.2.250.1.999.1", "IPP1"), (TEST_OID, MATRICULE)), embedded_pdf=pdf("z"))
    )
    assert (document.code, document.code_label) == ("11490-0", "Lettre de sortie")
    assert document.title == "Compte rendu de sortie"
    assert document.effective == datetime(2026, 11, 20, 14, 30, tzinfo=timezone(timedelta(hours=1)))
    assert document.act_date == date(2026, 11, 20)
    assert document.author == "Dr Paul LEROY"
    identity = document.identity
    assert identity is not None and identity.source == "cda"
    assert identity.ins is not None and identity.ins.kind is InsKind.TEST
    assert identity.ins.key_ok and not identity.ins.qualified
    assert (identity.birth_name, identity.used_name) == ("MARTIN", "DURAND")
    assert identity.first_names == ("Élodie", "Marie")
    assert identity.birth_date == date(1955, 8, 12) and identity.sex == "F"
    assert document.pdf == pdf("z") and document.body_media_type == "application/pdf"
    assert document.html is None


def test_cda_service_date_birth_first_names_and_organisation_author() -> None:
    data = make_cda(given=("Jean",)).replace(
        b"<given>Jean</given>", b'<given>Jean</given><given qualifier="BR">Jean Paul Marc</given>'
    )
    data = data.replace(
        b"<component>",
        b'<documentationOf><serviceEvent><effectiveTime><low value="20261102"/>'
        b"</effectiveTime></serviceEvent></documentationOf><component>",
        1,
    )
    data = data.replace(
        b"<assignedPerson><name><prefix>Dr</prefix><given>Paul</given><family>LEROY</family>"
        b"</name>\n    </assignedPerson>",
        b"<representedOrganization><name>Laboratoire Bio</name></representedOrganization>",
    )
    document = cda.read_cda(data)
    assert document.identity is not None
    assert document.identity.first_names == ("Jean", "Paul", "Marc")
    assert document.act_date == date(2026, 11, 2)
    assert document.author == "Laboratoire Bio"


def test_cda_refusals() -> None:
    with pytest.raises(cda.CdaRefused, match="ce n'est pas un document CDA"):
        cda.read_cda(b"<html/>", "x.xml")
    with pytest.raises(XmlRefused, match="XML mal formé"):
        cda.read_cda(b"<ClinicalDocument", "x.xml")
    not_pdf = make_cda(embedded_pdf=b"MZ not a pdf")
    assert cda.read_cda(not_pdf).pdf is None


def test_deep_narrative_is_bounded() -> None:
    deep = b"<content>" * 5000 + b"profond" + b"</content>" * 5000
    body = b"<structuredBody><component><section><title>T</title><text>" + deep
    body += b"</text></section></component></structuredBody>"
    data = make_cda().replace(b"<structuredBody>", b"<structuredBody><!--", 1)
    data = data.replace(b"</structuredBody>", b"--></structuredBody>", 1)
    data = data.replace(b"<structuredBody><!--", b"<!--", 1).replace(
        b"--></structuredBody>", b"-->" + body, 1
    )
    document = cda.read_cda(data)
    assert document.html is not None and "profond" in document.html


def test_hprim_header() -> None:
    header = hprim.read_hprim(HPRIM.replace("\n", "\r\n").encode("cp1252"))
    assert header is not None
    assert header.identity.birth_name == "MARTIN"
    assert header.identity.first_names == ("Élodie",)
    assert header.identity.birth_date == date(1955, 8, 12)
    ins = header.identity.ins  # the NIR line has no OID: kept as read, never qualified
    assert ins is not None and ins.matricule == "255081416802538" and ins.kind is None
    assert header.sampling_date == date(2026, 11, 19)
    assert header.file_number == "4512378" and header.request_number == "987654321"
    assert header.prescriber == "Dr Démo CADUCÉE" and header.results == 1
    assert hprim.read_hprim(b"Bonjour docteur,\nmerci.\n") is None
    assert hprim.read_hprim(b"****LAB****\n") is None  # no header: nothing to say


def test_hprim_net_records() -> None:
    data = b"H|^~\\&|||LABO|\nP|1|IPP42|||DUPONT^Marc||19700102|M\n****LAB****\nRES|x\n"
    header = hprim.read_hprim(data)
    assert header is not None
    assert header.identity.birth_name == "DUPONT" and header.identity.first_names == ("Marc",)
    assert header.identity.birth_date == date(1970, 1, 2) and header.identity.sex == "M"
    assert header.file_number == "IPP42" and header.identity.ins is None  # a local id
    named = data.replace(b"IPP42", b"IPP42~255081416802538^^^&1.2.250.1.213.1.4.8&ISO^INS")
    with_ins = hprim.read_hprim(named)
    assert with_ins is not None and with_ins.identity.ins is not None
    assert with_ins.identity.ins.qualified and with_ins.identity.ins.matricule == "255081416802538"


def test_x_mss_headers() -> None:
    headers = {
        "X-MSS-CODECDA": "34112-3, PRESC-BIO,15508-5,<bad>",
        "X-MSS-INS": "o",
        "X-MSS-NIL": "DEV935997",
        "X-MSS-MES": "FIN",
        "Subject": "x",
    }
    assert set(mss_headers(headers)) == {"X-MSS-CODECDA", "X-MSS-INS", "X-MSS-NIL", "X-MSS-MES"}
    assert parse_mss(headers) == MssHeaders(
        ("34112-3", "PRESC-BIO", "15508-5"), True, "DEV935997", True
    )
    assert parse_mss({}) == MssHeaders()
    assert parse_mss({"X-MSS-INS": "N"}).qualified_ins is False


def test_hl7_values() -> None:
    assert hl7.parse_ts("20261120") == datetime(2026, 11, 20, tzinfo=UTC)
    assert hl7.parse_ts("202611201430-0500") == datetime(
        2026, 11, 20, 14, 30, tzinfo=timezone(timedelta(hours=-5))
    )
    assert hl7.parse_ts("20261320") is None and hl7.parse_ts("hier") is None
    assert hl7.parse_date("19550812") == date(1955, 8, 12)
    assert hl7.xcn_name("8100^LEROY^Paul^^^Dr") == "Dr Paul LEROY"
    assert hl7.xon_name("CH Valmont^^^^^&1.2&ISO") == "CH Valmont"
    assert NIR_OID == "1.2.250.1.213.1.4.8"

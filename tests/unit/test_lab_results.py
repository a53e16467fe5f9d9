"""Lab results as data (issue 18 item 2): HPRIM RES/OBX lines and CI-SIS lab report
observations become rows with value, unit, range and flag; hostile input gives partial
rows and a French notice, never an exception or a long wait."""

from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.mssante.cda import read_cda
from app.mssante.documents import read_message
from app.mssante.overview import documents_json, overview
from app.mssante.results import (
    MAX_ROWS,
    flag_of,
    results_from_cda_bytes,
    results_from_hprim,
)
from app.sandbox.samples import sample_mail
from app.store.mime import parse_message_parts
from tests.lab_reports import FT4, HB, TSH, Analysis, hprim_file, lab_report
from tests.unit.test_mssante_documents import BILLION_LAUGHS, XXE, cda, message, pdf


def test_hprim_res_lines_become_rows_with_flags() -> None:
    data = hprim_file(
        [
            "RES|Hémoglobine|HB|N|10.2|g/dL|12|16|L|F",
            "RES|Leucocytes|LEUCO|N|13.79|G/L|4|10|H|F",
            "RES|Glycémie|GLY|N|5.10|mmol/L|3.9|5.8|N|F",
            "RES|Potassium|K|N|7.1|mmol/L|3.5|5|HH|F",
            "RES|CRP|CRP|N|2|mg/L||5||F",  # no flag given: computed from the range
        ]
    )
    found = results_from_hprim(data, date(2026, 11, 18))
    assert [(r.label, r.value, r.unit, r.reference_range, r.flag) for r in found.rows] == [
        ("Hémoglobine", "10.2", "g/dL", "12-16", "low"),
        ("Leucocytes", "13.79", "G/L", "4-10", "high"),
        ("Glycémie", "5.10", "mmol/L", "3.9-5.8", "normal"),
        ("Potassium", "7.1", "mmol/L", "3.5-5", "critical"),
        ("CRP", "2", "mg/L", "< 5", "normal"),
    ]
    assert found.abnormal == 3
    assert all(r.date == date(2026, 11, 18) for r in found.rows)
    assert found.notices == ()


def test_hprim_net_obx_segments() -> None:
    data = (
        b"H|^~\\&|||LABO|\nP|1|IPP42|||DUPONT^Marc||19700102|M\n****LAB****\n"
        b"OBX|1|NM|718-7^H\xc3\xa9moglobine^LN||11.0|g/dL^^L|13-17|L|||F|||20261117\n"
        b"OBX|2|ST|HIV^S\xc3\xa9rologie VIH^L||N\xc3\xa9gatif|||N|||F\n"
    )
    rows = results_from_hprim(data).rows
    assert rows[0].code == "718-7" and rows[0].label == "Hémoglobine"
    assert (rows[0].value, rows[0].unit, rows[0].reference_range, rows[0].flag) == (
        "11.0",
        "g/dL",
        "13-17",
        "low",
    )
    assert rows[0].date == date(2026, 11, 17)
    assert (rows[1].value, rows[1].flag) == ("Négatif", "normal")


def test_hprim_garbage_lines_are_skipped_with_a_notice() -> None:
    data = hprim_file(
        ["RES|", "RES|||", "RES|Hémoglobine|HB|N|13|g/dL|12|16|N|F", "junk|RES|x", "RES|\x00\x00"]
    )
    found = results_from_hprim(data)
    assert [r.label for r in found.rows] == ["Hémoglobine"]
    assert found.notices and "illisible" in found.notices[0]


def test_enormous_hprim_table_is_cut_fast_with_a_notice() -> None:
    lines = [f"RES|Analyse {n}|A{n}|N|{n}|U|0|1|H|F" for n in range(MAX_ROWS * 5)]
    started = time.monotonic()
    found = results_from_hprim(hprim_file(lines))
    assert time.monotonic() - started < 2
    assert len(found.rows) == MAX_ROWS
    assert any("tronqué" in n for n in found.notices)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_hprim_reader_never_raises(data: bytes) -> None:
    found = results_from_hprim(b"****LAB****\nRES|" + data)
    assert all(r.label and r.value for r in found.rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=12))
def test_hprim_res_fields_never_raise(fields: list[str]) -> None:
    line = "|".join(["RES", *fields]).replace("\n", " ").replace("\r", " ")
    found = results_from_hprim(hprim_file([line]))
    for row in found.rows:
        assert row.flag in (None, "normal", "high", "low", "abnormal", "critical")


def test_flag_codes() -> None:
    assert [flag_of(c) for c in ("N", "H", "L", "A", "HH", "LL", "AA", "<", ">", "", None)] == [
        "normal",
        "high",
        "low",
        "abnormal",
        "critical",
        "critical",
        "critical",
        "low",
        "high",
        None,
        None,
    ]


def test_cda_lab_report_observations_become_rows() -> None:
    for battery in (False, True):
        document = read_cda(lab_report([TSH, FT4, HB], battery=battery))
        rows = document.results.rows
        assert [(r.code, r.label, r.value, r.unit, r.reference_range, r.flag) for r in rows] == [
            ("3016-3", "Thyréostimuline (TSH)", "1.950", "m[IU]/L", "0.270-4.200", "normal"),
            ("3024-7", "Thyroxine libre (FT4)", "7.67", "pg/mL", "9.30-17.00", "low"),
            ("718-7", "Hémoglobine", "17.9", "g/dL", "12.0-16.0", "high"),
        ]
        assert rows[0].date == date(2026, 11, 18)
        assert document.results.abnormal == 2
        assert "Hémoglobine" in document.text and "Thyroxine libre" in document.text


def test_cda_values_of_other_types_and_missing_flags() -> None:
    items = [
        Analysis("X1", "Aspect", "clair", "", None, None, None, "ST"),
        Analysis("X2", "Germe", "Escherichia coli", "", None, None, "A", "CD"),
        Analysis("X3", "Créatinine", "140", "µmol/L", "45", "90", None),  # flag from range
    ]
    rows = read_cda(lab_report(items)).results.rows
    assert [(r.value, r.unit, r.flag) for r in rows] == [
        ("clair", None, None),
        ("Escherichia coli", None, "abnormal"),
        ("140", "µmol/L", "high"),
    ]


def test_other_documents_observations_are_not_lab_results() -> None:
    body = lab_report([HB]).split(b"<component><structuredBody>")[1].split(b"</component>\n")[0]
    letter = cda(
        code="11490-0",
        body=f"<structuredBody>{body.decode()}".replace(
            "</structuredBody></structuredBody>", "</structuredBody>"
        ),
    )
    letter = letter.replace(
        b'xmlns="urn:hl7-org:v3">',
        b'xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        1,
    )
    assert read_cda(letter).results.rows == ()


def test_hostile_cda_gives_a_notice_not_an_exception() -> None:
    for data in (BILLION_LAUGHS, XXE, b"<ClinicalDocument><unclosed>", b"\xff\xfe\x00"):
        found = results_from_cda_bytes(data)
        assert found.rows == () and found.notices and "refusé" in found.notices[0]


def test_deeply_nested_and_enormous_cda_is_read_in_part_quickly() -> None:
    deep = lab_report([HB]).replace(
        b"<structuredBody>", b"<structuredBody>" + b"<component><section>" * 2000
    )  # malformed on purpose: unbalanced
    assert results_from_cda_bytes(deep).notices
    many = [Analysis(f"C{n}", f"Analyse {n}", str(n), "U", "0", "1", "H") for n in range(3000)]
    started = time.monotonic()
    found = read_cda(lab_report(many)).results
    assert time.monotonic() - started < 10
    assert len(found.rows) == MAX_ROWS and any("tronqué" in n for n in found.notices)


def test_demo_hprim_result_yields_its_eight_values_two_abnormal() -> None:
    mail = sample_mail("dr.demo@demo.mssante.test")[0]  # the lab's PDF and HPRIM file
    documents = read_message(mail.raw)
    (document,) = [d for d in documents.documents if d.results]
    assert len(document.results) == 8
    assert all(r.value and r.unit and r.reference_range for r in document.results)
    flagged = [r for r in document.results if r.abnormal]
    assert len(flagged) == 2, [(r.label, r.value, r.flag) for r in document.results]
    (shown,) = [d for d in documents_json(documents) if d["results"]]
    assert shown["type"]["label"] == "Résultats de biologie"
    assert shown["pdf"] is not None and shown["source"] == "hprim"
    assert overview(mail.raw).abnormal == 2 and overview(mail.raw).kind == "results"


def test_documents_json_carries_the_contract_fields() -> None:
    raw = message([("CR-BIO.xml", lab_report([TSH, FT4]), "text/xml", "xml")], subject="Résultats")
    (shown,) = documents_json(read_message(raw))
    assert set(shown) >= {"patient", "type", "author", "date", "results"}
    assert set(shown["patient"]) >= {"birth_name", "first_names", "birth_date", "sex", "ins"}
    assert shown["patient"]["birth_name"] == "MARTIN"
    assert shown["patient"]["first_names"] == ["Élodie", "Marie"]
    assert shown["patient"]["ins"]["matricule"] == "255081416802538"
    assert shown["type"] == {"code": "11502-2", "label": "CR d'examens biologiques"}
    assert shown["author"] == "Dr Paul LEROY"
    assert shown["organisation"] is None  # neither the author's nor a custodian named
    assert shown["date"] == "2026-11-20"
    assert [
        {k: r[k] for k in ("label", "value", "unit", "reference_range", "flag")}
        for r in shown["results"]
    ] == [
        {
            "label": "Thyréostimuline (TSH)",
            "value": "1.950",
            "unit": "m[IU]/L",
            "reference_range": "0.270-4.200",
            "flag": "normal",
        },
        {
            "label": "Thyroxine libre (FT4)",
            "value": "7.67",
            "unit": "pg/mL",
            "reference_range": "9.30-17.00",
            "flag": "low",
        },
    ]


def test_overview_kinds_and_patient() -> None:
    letter = message([("LDL.xml", cda(code="11490-0"), "text/xml", "xml")])
    seen = overview(letter)
    assert seen.kind == "discharge"
    assert seen.patient == "MARTIN Élodie Marie (12/08/1955)"
    assert seen.patient_ins == "qualifiée"
    imaging = message(
        [("IMG.xml", cda(code="18748-4", label="CR d'imagerie médicale"), "text/xml", "xml")]
    )
    assert overview(imaging).kind == "imaging"
    level1 = message(
        [("N1.xml", cda(code="11488-4", embedded_pdf=pdf("Consultation")), "text/xml", "xml")]
    )
    seen = overview(level1)
    assert seen.kind == "document" and seen.pdfs == 1 and seen.patient is not None
    plain = message([], subject="Bonjour")
    assert overview(plain, documents=False).kind is None
    report = b"Content-Type: multipart/report; report-type=delivery-status\r\n\r\n"
    assert overview(report).kind == "receipt"


def test_a_reader_bug_never_stops_the_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.mssante.documents as readers  # overview imports them when it reads
    import app.mssante.overview as module

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(readers, "read_message", broken)
    raw = message([("CR-BIO.xml", lab_report([HB]), "text", "xml")])
    monkeypatch.setattr(readers, "read_parsed", broken)
    parsed, parts = parse_message_parts(raw)
    found = module.ingest_overview(raw, parsed, parts)
    assert found.kind is None and found.notices


def test_the_organisation_is_the_authors_else_the_custodian() -> None:
    custodian = (
        b"</recordTarget><custodian><assignedCustodian><representedCustodianOrganization>"
        b"<name>CH de Valmont</name></representedCustodianOrganization></assignedCustodian>"
        b"</custodian>"
    )
    cda = lab_report([TSH]).replace(b"</recordTarget>", custodian, 1)
    assert b"CH de Valmont" in cda
    raw = message([("CR-BIO.xml", cda, "text/xml", "xml")], subject="Résultats")
    (shown,) = documents_json(read_message(raw))
    assert shown["organisation"] == "CH de Valmont"
    lab = b"<representedOrganization><name>Labo Nord</name></representedOrganization>"
    cda = cda.replace(b"</assignedAuthor>", lab + b"</assignedAuthor>", 1)
    assert b"Labo Nord" in cda
    (shown,) = documents_json(read_message(message([("CR-BIO.xml", cda, "text/xml", "xml")])))
    assert shown["organisation"] == "Labo Nord"

"""Reading MSSanté mailboxes out of Annuaire Santé FHIR resources (no network)."""

from __future__ import annotations

from app.directory.fhir_parse import (
    MAILBOX_METADATA,
    Resources,
    department_of,
    mailboxes,
    person,
    unique,
)
from tests.integration.fhir_fake import EMAIL_TYPE, TRE_R256, bal, practitioner


def test_only_published_mssante_mailboxes() -> None:
    resource = {
        "telecom": [
            bal("a@x.mssante.fr", "CAB", service="Cabinet", description="Cabinet du Dr A"),
            bal("rouge@x.mssante.fr", "PER", liste_rouge=True),
            bal("a@apicrypt.org", "PER", messaging="APICRYPT"),
            {"system": "email", "value": "a@gmail.com"},
            {"system": "phone", "value": "0102030405"},
            {  # type as a bare Coding in a CodeableConcept-less form, no metadata at all
                "system": "email",
                "value": "b@x.mssante.fr",
                "extension": [
                    {"url": EMAIL_TYPE, "valueCodeableConcept": {"coding": [{"code": "MSSANTE"}]}}
                ],
            },
            {"system": "email", "value": "pas-une-adresse", "extension": []},
            "n'importe quoi",
        ]
    }
    found = mailboxes(resource)
    assert [(f.address, f.bal_type) for f in found] == [
        ("a@x.mssante.fr", "CAB"),
        ("b@x.mssante.fr", ""),
    ]
    assert (found[0].service, found[0].description) == ("Cabinet", "Cabinet du Dr A")
    assert mailboxes({"telecom": "garbage"}) == []
    assert mailboxes({}) == []


def test_liste_rouge_false_and_missing_are_published() -> None:
    telecom = bal("c@x.mssante.fr", "ORG")
    metadata = next(e for e in telecom["extension"] if e["url"] == MAILBOX_METADATA)
    metadata["extension"] = [e for e in metadata["extension"] if e["url"] != "listeRouge"]
    plain_type = {"url": EMAIL_TYPE, "valueCoding": {"system": TRE_R256, "code": "MSSANTE"}}
    assert [f.address for f in mailboxes({"telecom": [telecom]})] == ["c@x.mssante.fr"]
    assert mailboxes(
        {"telecom": [{"system": "email", "value": "d@y.fr", "extension": [plain_type]}]}
    )


def test_person_identifiers_and_names() -> None:
    doctor = person(practitioner("p", "10101201234", "MARTIN", "Anne", []))
    assert (doctor.rpps, doctor.id_nat, doctor.civility) == ("10101201234", "810101201234", "DR")
    only_idnps = person(
        {"identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "810101201234"}]}
    )
    assert only_idnps.rpps == "10101201234"
    adeli = person(
        {"identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "0751234567"}]}
    )
    assert (adeli.rpps, adeli.id_nat) == ("", "0751234567")


def test_department_of_postcodes() -> None:
    assert [department_of(c) for c in ("75011", "01000", "20000", "20200", "97400", "x", "")] == [
        "75",
        "01",
        "2A",
        "2B",
        "974",
        "",
        "",
    ]


def test_rows_keep_first_address_and_skip_organisations_fetched_for_roles() -> None:
    found = Resources()
    found.add(
        [
            practitioner("p", "10101201234", "MARTIN", "Anne", [bal("A@x.mssante.fr", "PER")]),
            {"resourceType": "Organization", "id": "o", "telecom": [bal("o@x.mssante.fr", "ORG")]},
            {"resourceType": "Patient", "id": "z"},
        ]
    )
    assert [m.address for m in found.rows(organization_rows=False)] == ["A@x.mssante.fr"]
    rows = list(found.rows()) + list(found.rows())
    assert [m.address for m in unique(rows)] == ["A@x.mssante.fr", "o@x.mssante.fr"]

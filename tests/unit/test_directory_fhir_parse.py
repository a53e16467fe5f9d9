"""Reading MSSanté mailboxes out of Annuaire Santé FHIR resources (no network)."""

from __future__ import annotations

from datetime import date

from app.directory.fhir_parse import (
    IDNPS_SYSTEM,
    MAILBOX_METADATA,
    MailboxFacts,
    Resources,
    department_of,
    mailboxes,
    person,
    search_parameters,
    unique,
)
from tests.integration.fhir_fake import EMAIL_TYPE, TRE_R256, TRE_R257, Json, bal, practitioner


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


# -- the MSSanté FHIR API IG's shapes (interop-ig-fhir-api-messagerie-securisee-sante) --------


def _metadata_only(address: str, *subs: Json) -> Json:
    """A mailbox as that IG's examples publish it: the MSSanté metadata, no e-mail type."""
    return {
        "system": "email",
        "value": address,
        "extension": [{"url": MAILBOX_METADATA, "extension": list(subs)}],
    }


def _type(code: str) -> Json:
    return {"url": "type", "valueCodeableConcept": {"coding": [{"system": TRE_R257, "code": code}]}}


def test_a_mailbox_with_the_metadata_alone_is_read() -> None:
    """The Practitioner of a searchset answering ``mailbox-mss-type=…|PER``: IDNPS only, the
    mailbox typed by its metadata, no fr-core e-mail type."""
    resource = {
        "resourceType": "Practitioner",
        "id": "bal-per-exemple",
        "identifier": [{"system": IDNPS_SYSTEM, "use": "official", "value": "810009876543"}],
        "name": [{"use": "official", "family": "ROBERT", "given": ["Lucie"]}],
        "telecom": [
            _metadata_only(
                "lucie.robert@infirmier.mssante.fr",
                _type("PER"),
                {"url": "listeRouge", "valueBoolean": False},
            ),
            _metadata_only("cachee@infirmier.mssante.fr", _type("PER"), _red(True)),
            {"system": "email", "value": "lucie.robert@example.fr"},  # neither extension
        ],
    }
    found = Resources()
    found.add([resource])
    (row,) = found.rows()
    assert (row.address, row.bal_type, row.display_name) == (
        "lucie.robert@infirmier.mssante.fr",
        "PER",
        "Lucie ROBERT",
    )
    assert (row.id_pp, row.id_nat) == ("10009876543", "810009876543")


def _red(value: bool) -> Json:
    return {"url": "listeRouge", "valueBoolean": value}


def test_every_metadata_field_the_igs_define() -> None:
    """type, description, responsible, service, listeRouge (IG Annuaire Santé), and phone
    and digitization of its earlier versions, on an ORG mailbox."""
    telecom = _metadata_only(
        "secretariat.cardio@ch-valmont.mssante.fr",
        _type("ORG"),
        {"url": "description", "valueString": "Secrétariat de cardiologie"},
        {"url": "responsible", "valueString": "Cadre de santé, poste 4120"},
        {"url": "service", "valueString": "Cardiologie"},
        {"url": "phone", "valueString": "04 00 00 41 20"},
        {"url": "digitization", "valueBoolean": True},
        _red(False),
    )
    (facts,) = mailboxes({"telecom": [telecom]})
    assert facts == MailboxFacts(
        "secretariat.cardio@ch-valmont.mssante.fr",
        "ORG",
        "Secrétariat de cardiologie",
        "Cardiologie",
        responsible="Cadre de santé, poste 4120",
        phone="04 00 00 41 20",
        dematerialisation="O",
    )
    organisation = {
        "resourceType": "Organization",
        "id": "ch",
        "name": "CENTRE HOSPITALIER DE VALMONT",
        "telecom": [telecom],
    }
    found = Resources()
    found.add([organisation])
    (row,) = found.rows()
    assert (row.description, row.responsible, row.phone, row.dematerialisation) == (
        "Secrétariat de cardiologie",
        "Cadre de santé, poste 4120",
        "04 00 00 41 20",
        "O",
    )
    assert row.to_json()["service"] == "Cardiologie"
    refused = _metadata_only("x@y.mssante.fr", {"url": "digitization", "valueBoolean": False})
    assert [f.dematerialisation for f in mailboxes({"telecom": [refused]})] == ["N"]


def test_an_explicit_other_messaging_wins_over_the_metadata() -> None:
    """APICRYPT with MSSanté metadata is still not MSSanté: the e-mail type says so."""
    telecom = bal("x@apicrypt.org", "PER", messaging="APICRYPT")
    assert mailboxes({"telecom": [telecom]}) == []
    alone = bal("y@z.mssante.fr", "PER", messaging=None)
    assert [f.address for f in mailboxes({"telecom": [alone]})] == ["y@z.mssante.fr"]


def test_ended_mailboxes_are_not_published() -> None:
    today = date(2030, 6, 1)
    old = {**bal("old@x.mssante.fr", "PER"), "use": "old"}
    ended = {**bal("ended@x.mssante.fr", "PER"), "period": {"end": "2030-05-31"}}
    ending = {**bal("ending@x.mssante.fr", "PER"), "period": {"end": "2030-06-01T23:00:00+02:00"}}
    garbled = {**bal("garbled@x.mssante.fr", "PER"), "period": {"end": "bientôt"}}
    found = mailboxes({"telecom": [old, ended, ending, garbled]}, today)
    assert [f.address for f in found] == ["ending@x.mssante.fr", "garbled@x.mssante.fr"]


def test_a_subsetted_resource_gives_its_mailboxes_by_address() -> None:
    """``_elements=identifier,telecom``: no name, ``meta.tag`` SUBSETTED."""
    resource = {
        "resourceType": "Practitioner",
        "id": "p-elements",
        "meta": {"tag": [{"code": "SUBSETTED"}]},
        "identifier": [{"system": IDNPS_SYSTEM, "value": "810009876543"}],
        "telecom": [_metadata_only("l.robert@medecin.mssante.fr", _type("PER"), _red(False))],
    }
    found = Resources()
    found.add([resource])
    (row,) = found.rows()
    assert (row.display_name, row.bal_type, row.id_pp) == (
        "l.robert@medecin.mssante.fr",
        "PER",
        "10009876543",
    )


def test_search_parameters_of_a_capability_statement() -> None:
    statement = {
        "resourceType": "CapabilityStatement",
        "rest": [
            {
                "mode": "server",
                "searchParam": [{"name": "_lastUpdated"}],
                "resource": [
                    {"type": "Organization", "searchParam": [{"name": "mailbox-mss-type"}]},
                    {"type": "Practitioner", "searchParam": [{"name": "name"}, "garbage"]},
                    {"searchParam": [{"name": "orphan"}]},
                ],
            },
            "garbage",
        ],
    }
    assert search_parameters(statement) == {
        "Organization": frozenset({"mailbox-mss-type", "_lastUpdated"}),
        "Practitioner": frozenset({"name", "_lastUpdated"}),
    }
    assert search_parameters({"resourceType": "Bundle"}) == {}
    assert search_parameters({}) == {}

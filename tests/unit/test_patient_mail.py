"""Writing to a patient (ECO.2.2.6, ECO.2.2.8, ECO.3.1.5) and a patient's mail recognised
(ECO.3.1.1-3.1.2): addresses checked as text (hostile too), against the registry, in the
outbox; the identity status of the registry."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.filing.errors import InvalidPatientError
from app.filing.patients import Patient, Registry, open_root_db
from app.mssante.model import InsKind
from app.mssante.patient_address import (
    PatientAddressError,
    aimed_at_patient,
    read_patient_address,
)
from app.ops.outbox import Draft, compose, enqueue, enqueue_message
from app.ops.patient_mail import (
    PatientMailError,
    address_of,
    check_recipients,
    patient_sender,
    why_not_writable,
)
from app.store.db import Account, HeaderRow, Store
from app.store.outbox import OutboxStore
from tests.filing_support import MATRICULE, OTHER_MATRICULE, with_key

ME = "dr.martin@medecin.mssante.test"
ADDRESS = f"{MATRICULE}@patient.mssante.fr"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    root = tmp_path / "Patients"
    root.mkdir()
    db = open_root_db(root)
    yield Registry(db, root)
    db.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    opened.add_account(ME, "password", "imaps://imap.test")
    yield opened
    opened.close()


def account(store: Store) -> Account:
    found = store.account(ME)
    assert found is not None
    return found


def patient(registry: Registry, **changes: object) -> Patient:
    fields: dict[str, object] = {
        "birth_name": "Dupont",
        "first_names": "Marie Louise",
        "birth_date": date(1980, 5, 12),
        "sex": "F",
        "ins": MATRICULE,
        "ins_oid": InsKind.NIR.value,
        "identity_qualified": True,
    }
    fields.update(changes)
    return registry.add(**fields)  # type: ignore[arg-type]


# -- addresses as text --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        ADDRESS,
        ADDRESS.upper(),  # the domain is case-insensitive
        f"{MATRICULE}@Patient.MSSante.FR.",  # trailing dot of a fully qualified name
        f"Marie Dupont <{ADDRESS}>",
        f"  {ADDRESS}  ",
        f"{MATRICULE}@patient.mssante.test",  # the sandbox's patients
    ],
)
def test_well_formed_patient_addresses_are_read(text: str) -> None:
    found = read_patient_address(text)
    assert found is not None
    assert found.matricule == MATRICULE
    assert found.address == found.address.lower()


def test_corsica_matricule_is_upper_cased() -> None:
    corsican = with_key("184072A123456")
    found = read_patient_address(f"{corsican.lower()}@patient.mssante.fr")
    assert found is not None and found.matricule == corsican


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"{MATRICULE[:-1]}@patient.mssante.fr", "15 caractères"),
        (f"{MATRICULE[:-2]}00@patient.mssante.fr", "clé de contrôle"),
        ("dupont.marie@patient.mssante.fr", "15 caractères"),
        ("@patient.mssante.fr", "15 caractères"),
        (f"{MATRICULE[:5]} {MATRICULE[5:]}@patient.mssante.fr", "15 caractères"),
        # Arabic-Indic digits look like a matricule to str.isdigit, not to us
        ("".join(chr(0x660 + int(d)) for d in MATRICULE) + "@patient.mssante.fr", "chiffres"),
        # full-width digits
        ("".join(chr(0xFF10 + int(d)) for d in MATRICULE) + "@patient.mssante.fr", "chiffres"),
        (f"{MATRICULE}@pаtient.mssante.fr", "trompeurs"),  # Cyrillic а
        (f"{MATRICULE}@patient.mssаnte.fr", "trompeurs"),
        (f"{MATRICULE}@ｐａｔｉｅｎｔ.mssante.fr", "trompeurs"),  # full-width Latin
        (f"{MATRICULE}@pat\u200bient.mssante.fr", "trompeurs"),  # zero-width space
        (f"{MATRICULE}@patıent.mssante.fr", "trompeurs"),  # dotless i
        (f"{MATRICULE}@patient。mssante。fr", "trompeurs"),  # ideographic full stops
        (f"{MATRICULE}@pa\u0301tient.mssante.fr", "trompeurs"),  # combining accent
        (f"{MATRICULE}@xn--ptient-3nf.mssante.fr", "trompeurs"),  # IDNA of "pаtient"
        (f"{MATRICULE}@PАTIENT.MSSANTE.FR", "trompeurs"),  # upper-case Cyrillic А
    ],
)
def test_hostile_patient_addresses_are_refused_with_a_reason(text: str, reason: str) -> None:
    assert aimed_at_patient(text)
    with pytest.raises(PatientAddressError) as raised:
        read_patient_address(text)
    assert reason in raised.value.user_message
    assert raised.value.user_message.startswith("Adresse de patient refusée")


@pytest.mark.parametrize(
    "text",
    [
        "confrere@medecin.mssante.fr",
        f"{MATRICULE}@patient.mssante.fr.exemple.com",
        f"{MATRICULE}@mssante.fr",
        "",
        "@",
        "pas une adresse",
        "x" * 5000,
    ],
)
def test_other_addresses_are_not_patients(text: str) -> None:
    assert read_patient_address(text) is None
    assert patient_sender(text, None) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.sampled_from(["patient.mssante.fr", "pаtient.mssante.fr", ""]))
def test_any_text_is_read_or_refused_never_crashes(local: str, domain: str) -> None:
    text = f"{local}@{domain}" if domain else local
    try:
        found = read_patient_address(text)
    except PatientAddressError as error:
        assert error.user_message
    else:
        assert found is None or len(found.matricule) == 15
    patient_sender(text, None)  # never raises


# -- the registry decides -----------------------------------------------------------------


def test_writable_only_with_a_qualified_nir(registry: Registry) -> None:
    good = patient(registry)
    assert why_not_writable(good) is None
    assert address_of(good) == ADDRESS
    cases = {
        "pas d'INS": patient(
            registry, birth_name="Sans", ins=None, ins_oid=None, identity_qualified=False
        ),
        "test": patient(
            registry, birth_name="Test", ins=OTHER_MATRICULE, ins_oid=InsKind.TEST.value
        ),
        "provisoire (NIA)": patient(
            registry,
            birth_name="Nia",
            ins=with_key("7800575123456"),
            ins_oid=InsKind.NIA.value,
        ),
        "n'est pas qualifiée": patient(
            registry, birth_name="Nonqual", ins=with_key("1800575123456"), identity_qualified=False
        ),
    }
    for words, refused in cases.items():
        reason = why_not_writable(refused)
        assert reason is not None and words in reason, (words, reason)
        with pytest.raises(PatientMailError):
            address_of(refused)


def test_qualified_identity_needs_an_ins_and_can_be_set_and_undone(registry: Registry) -> None:
    with pytest.raises(InvalidPatientError):
        patient(registry, ins=None, ins_oid=None, identity_qualified=True)
    marie = patient(registry, identity_qualified=False)
    assert not marie.identity_qualified
    assert registry.set_identity_qualified(marie.id, True).identity_qualified
    assert not registry.set_identity_qualified(marie.id, False).identity_qualified
    assert marie.to_json()["identity_qualified"] is False


def test_csv_import_reads_the_identity_status(registry: Registry) -> None:
    data = (
        "nom_naissance;prenoms;date_naissance;sexe;ins;statut_identite\n"
        f"DUPONT;Marie;12/05/1980;F;{MATRICULE};QUAL\n"
        f"MARTIN;Paul;03/03/1975;M;{OTHER_MATRICULE};PROV\n"
    ).encode()
    report = registry.import_csv(data)
    assert [p.identity_qualified for p in report.added] == [True, False]


def test_typed_patient_address_checked_against_the_registry(registry: Registry) -> None:
    lookup = registry.by_matricule
    with pytest.raises(PatientMailError, match="aucun patient de votre registre"):
        check_recipients([ADDRESS], lookup)
    marie = patient(registry, identity_qualified=False)
    with pytest.raises(PatientMailError, match="pas qualifiée"):
        check_recipients([ADDRESS.upper()], lookup)
    registry.set_identity_qualified(marie.id, True)
    found = check_recipients(["confrere@medecin.mssante.fr", ADDRESS.upper()], lookup)
    assert [(a.address, p.id if p else None) for a, p in found.found] == [(ADDRESS, marie.id)]
    with pytest.raises(PatientMailError, match="Aucun dossier des patients"):
        check_recipients([ADDRESS], None)


def test_an_answer_in_a_patients_conversation_is_allowed_unless_the_registry_says_no(
    registry: Registry,
) -> None:
    found = check_recipients([ADDRESS], None, answering=[ADDRESS.upper()])
    assert found and found.found[0][1] is None
    patient(registry, ins=MATRICULE, ins_oid=InsKind.TEST.value, identity_qualified=False)
    with pytest.raises(PatientMailError, match="test"):
        check_recipients([ADDRESS], registry.by_matricule, answering=[ADDRESS])


# -- the outbox ---------------------------------------------------------------------------


def test_the_outbox_refuses_a_typed_patient_address_and_queues_nothing(store: Store) -> None:
    draft = Draft(ME, [f"{MATRICULE[:-2]}00@patient.mssante.fr"], "Résultats", "Bonjour")
    with pytest.raises(PatientMailError, match="clé de contrôle"):
        enqueue(store, account(store), draft)
    draft = Draft(ME, [f"{MATRICULE}@pаtient.mssante.fr"], "Résultats", "Bonjour")
    with pytest.raises(PatientMailError, match="trompeurs"):
        enqueue(store, account(store), draft)
    assert OutboxStore(store).items() == []


def test_no_reply_puts_x_mss_mes_fin_only_on_mail_to_a_patient(
    store: Store, registry: Registry
) -> None:
    patient(registry)
    draft = Draft(ME, [ADDRESS], "Vos résultats", "Bonjour", end_conversation=True)
    item = enqueue(store, account(store), draft, patients=registry.by_matricule)
    assert b"\nX-MSS-MES: FIN\n" in OutboxStore(store).raw(item).replace(b"\r\n", b"\n")
    assert list(item.recipients) == [ADDRESS]
    assert compose(Draft(ME, [ADDRESS], "s", "b"))["X-MSS-MES"] is None
    to_colleague = Draft(ME, ["confrere@medecin.mssante.fr"], "s", "b", end_conversation=True)
    with pytest.raises(PatientMailError) as raised:
        enqueue(store, account(store), to_colleague)
    assert "ne vaut que pour un message adressé à un patient" in raised.value.user_message


def test_answering_a_patients_message_needs_no_registry(store: Store) -> None:
    store.upsert_folder(account(store), "INBOX", "/", None, True)
    folder = next(f for f in store.folders(account(store)) if f.name == "INBOX")
    header = (
        f"From: Marie Dupont <{ADDRESS}>\r\nTo: {ME}\r\nSubject: Question\r\n"
        "Message-ID: <question@patient.mssante.fr>\r\n\r\n"
    ).encode()
    store.add_headers(folder, [HeaderRow(1, (), None, len(header), None, header)])
    reply = EmailMessage()
    reply["From"] = ME
    reply["To"] = ADDRESS
    reply["Subject"] = "Re: Question"
    reply["Message-ID"] = "<reponse@medecin.mssante.test>"
    reply["In-Reply-To"] = "<question@patient.mssante.fr>"
    reply.set_content("Bonjour")
    item = enqueue_message(store, account(store), reply)
    assert list(item.recipients) == [ADDRESS]
    stranger = email.message_from_bytes(reply.as_bytes())
    del stranger["In-Reply-To"]
    del stranger["Message-ID"]
    stranger["Message-ID"] = "<autre@medecin.mssante.test>"
    with pytest.raises(PatientMailError):
        enqueue_message(store, account(store), stranger)


# -- a patient's mail, read ------------------------------------------------------------------


def test_patient_sender_from_the_registry_or_the_message(registry: Registry) -> None:
    unknown = patient_sender(f"Léo Dupond <{ADDRESS}>", registry.by_matricule)
    assert unknown is not None and not unknown.from_registry
    assert (unknown.birth_name, unknown.first_names) == ("DUPOND", "Léo")
    assert "non vérifié" in unknown.source()
    marie = patient(registry)
    known = patient_sender(f"Quelqu'un d'autre <{ADDRESS}>", registry.by_matricule)
    assert known is not None and known.from_registry and known.patient_id == marie.id
    assert known.label() == f"Patient · DUPONT Marie Louise · INS {MATRICULE}"
    assert patient_sender(f"x <{MATRICULE}@pаtient.mssante.fr>", None) is None
    hostile = patient_sender(f"\u202eevil\x00 name {'é' * 500} <{ADDRESS}>", None)
    assert hostile is not None and "\u202e" not in hostile.label()

"""« Adresser des documents »: a registry patient's PDF and a typed letter to a colleague
found in the directory, built the MSSanté way (real Ghostscript, real writers, the real
outbox) and read back; each refusal shown in French in the dialog, nothing queued."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.paths import Profile
from app.filing.patients import Patient, Registry, open_root_db
from app.filing.service import Filing
from app.mssante import pdfa
from app.mssante.documents import read_message
from app.mssante.model import InsKind
from app.ops.accounts import AccountSession
from app.ops.send_documents import SendRefused
from app.sandbox.colleagues import DEMO_COLLEAGUES, set_up_directory
from app.sandbox.operator import DEMO_HOLDER, DEMO_PASSPHRASE
from app.sandbox.pki import CardKeyUse, Issued, TestPki, new_rsa_key
from app.store.db import Account, Store
from app.store.outbox import OutboxStore
from app.ui.directory_search import DirectoryJobs, DirectoryPlaces
from app.ui.send_documents_dialog import SendDocumentsDialog, open_send_documents
from tests.filing_support import MATRICULE
from tests.ui.conftest import assert_not_blank

ME = "docteur.demo@medecin.mssante.test"
COLLEAGUE = DEMO_COLLEAGUES[0]
NOWHERE = "smtps://127.0.0.1:9"  # refused at once: the operator's SIZE is not known


@pytest.fixture(scope="module")
def demo_card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo identity's certificate as a PKCS#12 file (the author of what is sent)."""
    pki = TestPki(label="TEST")
    key = new_rsa_key()
    certificate = pki.card_certificate(key.public_key(), DEMO_HOLDER, CardKeyUse.AUTHENTICATION)
    path = tmp_path_factory.mktemp("card") / "carte.p12"
    path.write_bytes(
        Issued(certificate, key).pkcs12(DEMO_PASSPHRASE.encode(), [pki.personnes.certificate])
    )
    return path


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return pdfa.letter_pdfa("Compte rendu de consultation du 12/11.\nExamen normal.", "CR")


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    made = Profile.from_dir(tmp_path / "profile")
    made.ensure()
    set_up_directory(made, ME)  # the demo's directory: the colleagues, a liste blanche
    return made


@pytest.fixture
def store(profile: Profile, demo_card: Path) -> Iterator[Store]:
    opened = Store.open(profile.data_dir)
    opened.add_account(ME, "pkcs12", NOWHERE, NOWHERE, pkcs12=str(demo_card), source="démo")
    yield opened
    opened.close()


def session_of(profile: Profile) -> Callable[[Account], AccountSession]:
    """A real session of the account, as the sync worker holds one (the passphrase given)."""

    def session_for(account: Account) -> AccountSession:
        return AccountSession(
            account, profile.cache_dir, lambda _p: None, lambda _p: DEMO_PASSPHRASE
        )

    return session_for


@pytest.fixture
def registry(profile: Profile, tmp_path: Path) -> Iterator[Registry]:
    root = tmp_path / "Patients"
    root.mkdir()
    db = open_root_db(root, profile.data_dir)
    yield Registry(db, root)
    db.close()


@pytest.fixture
def directory(profile: Profile) -> Iterator[DirectoryJobs]:
    jobs = DirectoryJobs(DirectoryPlaces(profile.data_dir, profile.cache_dir))
    yield jobs
    jobs.close()


def marie(registry: Registry, letter_pdf: bytes, **changes: object) -> Patient:
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
    patient = registry.add(**fields)  # type: ignore[arg-type]
    (registry.folder_path(patient) / "2026-11-12 CR consultation.pdf").write_bytes(letter_pdf)
    return patient


def dialog_for(
    qtbot: QtBot,
    store: Store,
    registry: Registry,
    profile: Profile,
    patient: Patient,
    directory: DirectoryJobs | None = None,
) -> SendDocumentsDialog:
    dialog = SendDocumentsDialog(
        store,
        registry,
        profile.cache_dir,
        session_of(profile),
        directory=directory,
        patient_id=patient.id,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def answers(dialog: SendDocumentsDialog, monkeypatch: pytest.MonkeyPatch, *said: bool) -> list[str]:
    asked: list[str] = []
    replies = list(said)

    def ask(_title: str, text: str) -> bool:
        asked.append(text)
        return replies.pop(0)

    monkeypatch.setattr(dialog, "ask", ask)
    return asked


def test_documents_to_a_colleague_found_in_the_directory(
    qtbot: QtBot,
    store: Store,
    registry: Registry,
    profile: Profile,
    directory: DirectoryJobs,
    letter_pdf: bytes,
    artefacts: Path,
) -> None:
    patient = marie(registry, letter_pdf)
    dialog = dialog_for(qtbot, store, registry, profile, patient, directory)
    assert dialog.documents.count() == 1  # the PDF of the patient's folder, not yet chosen
    assert dialog.chosen_files() == []
    dialog.documents.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.letter.setPlainText("Cher confrère,\nje vous adresse Mme DUPONT pour avis.")
    dialog.type_box.setCurrentIndex(dialog.type_box.findData("96349-6"))
    dialog.title.setText("Lettre d'adressage en cardiologie")
    qtbot.keyClicks(dialog.search_field, "fontaine")
    qtbot.waitUntil(lambda: dialog.found.count() > 0 and dialog.found.item(0).data(
        Qt.ItemDataRole.UserRole + 2) is not None, timeout=10_000)  # fmt: skip
    assert "FONTAINE" in dialog.found.item(0).text()
    dialog._chosen(dialog.found.item(0))
    assert dialog.to.text() == COLLEAGUE.address
    dialog.mdn.setChecked(True)
    shot = artefacts / "send-documents-dialog.png"
    dialog.grab().save(str(shot))
    assert_not_blank(shot)

    with qtbot.waitSignal(dialog.queued, timeout=60_000):
        dialog.send_button.click()
    items = OutboxStore(store).items()
    assert len(items) == 1 and list(items[0].recipients) == [COLLEAGUE.address]
    raw = OutboxStore(store).raw(items[0])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(parsed["Subject"]).startswith(
        "XDM/1.0/DDM+Lettre d'adressage en cardiologie DUPONT Marie 12/05/1980"
    )
    assert parsed["X-MSS-CODECDA"] == "96349-6"  # one code, though two documents
    assert parsed["X-MSS-INS"] == "O"
    assert parsed["Disposition-Notification-To"] is not None
    assert "Démo CADUCÉE" in str(parsed["From"])  # ECO.2.2.7, from the certificate
    docs = read_message(raw)
    assert len(docs.documents) == 2
    for document in docs.documents:
        assert document.identity is not None and document.identity.ins is not None
        assert document.identity.ins.matricule == MATRICULE
        assert document.type_code == "96349-6"
        assert document.author is not None and "CADUCÉE" in document.author.upper()


def test_refusals_are_shown_in_the_dialog_and_nothing_is_queued(
    qtbot: QtBot,
    store: Store,
    registry: Registry,
    profile: Profile,
    letter_pdf: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient = marie(registry, letter_pdf)
    dialog = dialog_for(qtbot, store, registry, profile, patient)
    dialog.send_button.click()
    assert "Cochez au moins un document" in dialog.error.text() and dialog.error.isVisible()
    dialog.letter.setPlainText("Courrier.")
    dialog.send_button.click()
    assert "Indiquez le confrère" in dialog.error.text()

    # Not a PDF: refused by the engine, in French, naming the file
    fake = tmp_path / "radio.pdf"
    fake.write_bytes(b"GIF89a not a pdf")
    dialog.add_files([fake])
    dialog.to.setText(COLLEAGUE.address)
    dialog.send_button.click()
    qtbot.waitUntil(lambda: dialog.send_button.isEnabled(), timeout=60_000)
    assert "radio.pdf" in dialog.error.text()
    assert OutboxStore(store).items() == []

    # Outside MSSanté: asked, declined
    dialog.documents.item(dialog.documents.count() - 1).setCheckState(Qt.CheckState.Unchecked)
    dialog.to.setText("quelquun@gmail.com")
    asked = answers(dialog, monkeypatch, False)
    dialog.send_button.click()
    assert "quelquun@gmail.com" in asked[0] and "espace de confiance" in asked[0]
    assert OutboxStore(store).items() == []

    # No author (the account's card not opened yet): said in the dialog
    def no_session(_account: Account) -> AccountSession:
        raise SendRefused("no session", user_message="Relevez d'abord le courrier de ce compte.")

    dialog.session_for = no_session
    dialog.to.setText(COLLEAGUE.address)
    dialog.send_button.click()
    qtbot.waitUntil(lambda: "Relevez d'abord" in dialog.error.text(), timeout=60_000)
    assert OutboxStore(store).items() == []


def test_a_patient_without_ins_only_after_she_confirms(
    qtbot: QtBot,
    store: Store,
    registry: Registry,
    profile: Profile,
    letter_pdf: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient = marie(registry, letter_pdf, ins=None, ins_oid=None, identity_qualified=False)
    dialog = dialog_for(qtbot, store, registry, profile, patient)
    assert "Sans INS" in dialog.patient_note.text()
    dialog.letter.setPlainText("Courrier.")
    dialog.to.setText(COLLEAGUE.address)
    asked = answers(dialog, monkeypatch, False, True)
    dialog.send_button.click()
    assert "n'a pas d'INS" in asked[0] and OutboxStore(store).items() == []
    with qtbot.waitSignal(dialog.queued, timeout=60_000):
        dialog.send_button.click()
    raw = OutboxStore(store).raw(OutboxStore(store).items()[0])
    assert b"X-MSS-INS: N" in raw


def test_a_test_ins_is_refused_outside_the_demo(
    qtbot: QtBot,
    store: Store,
    registry: Registry,
    profile: Profile,
    letter_pdf: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient = marie(registry, letter_pdf, ins_oid=InsKind.TEST.value, identity_qualified=False)
    store.add_account("dr.vrai@medecin.mssante.fr", "card", "imaps://i", "smtps://s")
    dialog = dialog_for(qtbot, store, registry, profile, patient)
    assert "INS de test" in dialog.patient_box.currentText()
    dialog.from_box.setCurrentText("dr.vrai@medecin.mssante.fr")
    dialog.letter.setPlainText("Courrier.")
    dialog.to.setText(COLLEAGUE.address)
    dialog.send_button.click()
    assert "INS de test" in dialog.error.text() and OutboxStore(store).items() == []
    dialog.from_box.setCurrentText(ME)  # the demo's account: asked, then sent (X-MSS-INS: N)
    answers(dialog, monkeypatch, True)
    with qtbot.waitSignal(dialog.queued, timeout=60_000):
        dialog.send_button.click()
    assert len(OutboxStore(store).items()) == 1


def test_from_a_filed_message_its_patient_and_pdf_are_chosen(
    qtbot: QtBot,
    store: Store,
    registry: Registry,
    profile: Profile,
    letter_pdf: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.filing_support import put_demo_mail

    put_demo_mail(store, monkeypatch, InsKind.NIR.value)
    filing = Filing.open(profile.data_dir, registry.root, store)
    try:
        letter = next(m for m in store.messages() if "LETTRE DE LIAISON" in m.subject)
        docs = filing.documents(letter)
        identity = docs.documents[0].identity
        assert identity is not None and identity.ins is not None
        patient = filing.registry.add(
            birth_name=identity.birth_name or "",
            first_names=" ".join(identity.first_names),
            birth_date=identity.birth_date,
            sex=identity.sex or "U",
            ins=identity.ins.matricule,
            ins_oid=identity.ins.oid,
        )
        filing.file_message(letter, patient_id=patient.id)
        dialog = open_send_documents(
            store,
            filing,
            profile.cache_dir,
            session_of(profile),
            None,
            patient_id=None,
            message=letter,
            sender=None,
            parent=None,  # type: ignore[arg-type]
        )
        qtbot.addWidget(dialog)
        assert dialog.patient_box.currentData() == patient.id
        chosen = dialog.chosen_files()
        assert chosen and all(p.suffix == ".pdf" and p.is_file() for p in chosen)
        assert all(registry.root in p.parents for p in chosen)
        dialog.close()
    finally:
        filing.close()


def test_an_account_is_needed(qtbot: QtBot, store: Store, registry: Registry, profile: Profile,
                              letter_pdf: bytes) -> None:  # fmt: skip
    patient = marie(registry, letter_pdf)
    account: Account | None = store.account(ME)
    assert account is not None
    store.remove_account(account)
    dialog = dialog_for(qtbot, store, registry, profile, patient)
    dialog.send_button.click()
    assert "serveur d'envoi" in dialog.error.text()

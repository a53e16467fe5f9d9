"""The registry read once for patients' mail (PatientBook), the patient's PDFs offered by
"Adresser des documents", and the demo colleagues' directory rows and mailboxes."""

from __future__ import annotations

import mailbox
from datetime import date
from pathlib import Path

from app.core.errors import CaduceeError
from app.directory.extraction import COLUMNS, Extraction
from app.filing.patients import Patient, Registry, open_root_db
from app.mssante.model import InsKind
from app.ops.address_documents import patient_files
from app.ops.patient_mail import PatientBook, registry_patients
from app.sandbox.colleagues import (
    DEMO_COLLEAGUES,
    colleague,
    everyone,
    extraction_text,
    received,
)
from tests.filing_support import MATRICULE

ADDRESS = f"{MATRICULE}@patient.mssante.fr"


def patient(**changes: object) -> Patient:
    fields: dict[str, object] = {
        "id": "abcdef",
        "birth_name": "DUPONT",
        "first_names": "Marie",
        "birth_date": date(1980, 5, 12),
        "sex": "F",
        "folder": "DUPONT Marie",
        "ins": MATRICULE,
        "ins_oid": InsKind.NIR.value,
    }
    fields.update(changes)
    return Patient(**fields)  # type: ignore[arg-type]


def test_the_book_reads_the_registry_once_and_again_on_reload() -> None:
    loads: list[int] = []

    def load() -> list[Patient]:
        loads.append(1)
        return [patient(), patient(id="zzzzzz", ins=None, ins_oid=None)]

    book = PatientBook(load)
    for _ in range(3):
        sender = book.sender(f"Quelqu'un <{ADDRESS}>")
        assert sender is not None and sender.from_registry
    assert book.lookup(MATRICULE.lower())[0].id == "abcdef"
    assert book.sender("confrere@medecin.mssante.fr") is None
    assert len(loads) == 1
    book.reload()
    book.sender(f"<{ADDRESS}>")
    assert len(loads) == 2


def test_a_registry_that_fails_to_load_marks_from_the_message() -> None:
    def broken() -> list[Patient]:
        raise CaduceeError("no registry", user_message="Registre illisible.")

    found = PatientBook(broken).sender(f"Marie Dupont <{ADDRESS}>")
    assert found is not None and not found.from_registry
    assert (found.birth_name, found.first_names) == ("DUPONT", "Marie")


def test_no_or_a_moved_patients_folder_reads_as_no_patients(tmp_path: Path) -> None:
    assert registry_patients(tmp_path / "profile", None) == []
    assert registry_patients(tmp_path / "profile", tmp_path / "déplacé") == []


def test_patient_files_are_the_folders_pdfs_only(tmp_path: Path) -> None:
    root = tmp_path / "Patients"
    root.mkdir()
    db = open_root_db(root)
    try:
        registry = Registry(db, root)
        marie = registry.add(
            birth_name="Dupont", first_names="Marie", birth_date=date(1980, 5, 12), sex="F"
        )
        folder = registry.folder_path(marie)
        (folder / "a.pdf").write_bytes(b"%PDF-1.4")
        (folder / "B.PDF").write_bytes(b"%PDF-1.4")
        (folder / "notes.txt").write_text("x")
        (folder / "2026").mkdir()
        (folder / "2026" / "c.pdf").write_bytes(b"%PDF-1.4")
        outside = tmp_path / "ailleurs.pdf"
        outside.write_bytes(b"%PDF-1.4")
        (folder / "lien.pdf").symlink_to(outside)
        names = sorted(p.name for p in patient_files(registry, marie))
        assert names == ["B.PDF", "a.pdf", "c.pdf"]
        registry.folder_path(marie).rename(tmp_path / "gone")
        assert patient_files(registry, marie) == []
    finally:
        db.close()


def test_the_colleagues_rows_are_a_valid_extraction_file(tmp_path: Path) -> None:
    source = tmp_path / "Extraction_Correspondance_MSSante_demo.txt"
    source.write_text(extraction_text(), encoding="utf-8")
    with Extraction(source) as extraction:
        entries = list(extraction.entries())
        rows = extraction.rows
    assert [e.address for e in entries] == [c.address for c in everyone()]
    assert (rows.malformed, rows.header_warning, rows.truncated) == (0, None, False)
    assert all(len(c.extraction_row().split("|")) == len(COLUMNS) for c in everyone())
    assert colleague(DEMO_COLLEAGUES[1].address.upper()) == DEMO_COLLEAGUES[1]
    assert colleague("personne@ailleurs.test") is None


def test_received_reads_a_colleagues_maildir_newest_first(tmp_path: Path) -> None:
    first = DEMO_COLLEAGUES[0]
    assert list(received(tmp_path, first.address)) == []  # no mailbox yet
    box = mailbox.Maildir(tmp_path / first.address, create=True)
    for number, when in ((1, 1_000_000_000.0), (2, 1_500_000_000.0)):
        message = mailbox.MaildirMessage(f"Subject: n{number}\n\nx".encode())
        message.set_date(when)
        box.add(message)
    subjects = [raw.split(b"\n")[0] for raw in received(tmp_path, first.address)]
    assert subjects == [b"Subject: n2", b"Subject: n1"]
    assert list(received(tmp_path, "personne@ailleurs.test")) == []


def test_send_needs_a_recipient_and_a_patients_folder_for_to_patient(
    tmp_path: Path, capsys: object
) -> None:
    from app.cli.main import main

    profile = ["--profile-dir", str(tmp_path / "p")]
    common = ["send", "--from", "a@medecin.mssante.fr", "--subject", "s", "--body", "b"]
    assert main([*profile, *common]) == 2
    assert main([*profile, *common, "--to-patient", "abcdef"]) == 1
    said = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "indiquez --to ou --to-patient" in said
    assert "dossier des patients" in said
    moved = tmp_path / "déplacé"
    assert main([*profile, *common, "--to-patient", "x", "--patients-dir", str(moved)]) == 1
    assert "n'existe pas" in capsys.readouterr().err  # type: ignore[attr-defined]

"""Filing into the practice software's import folder: HPRIM + PDF, or the IHE_XDM.ZIP as is.

A real store, a real SQLite journal, real folders; every output is read back (the HPRIM
file with our own reader, the zip with ``zipfile``).
"""

from __future__ import annotations

import errno
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.core.settings import Settings
from app.filing import filer
from app.filing.errors import FilingError
from app.filing.patients import Patient
from app.filing.practice_import import (
    ImportFolderError,
    PracticeImport,
    destination_for,
    registry_root,
)
from app.filing.results import patient_results
from app.filing.service import DUPLICATE, FILED, Filing
from app.mssante.hprim import read_hprim
from app.mssante.hprim_writer import hprim_file
from app.mssante.model import DocumentFile, InsKind, PatientIdentity
from app.store.db import Store
from tests.filing_support import MATRICULE, PDF, document, documents, identity, ins
from tests.unit.test_filing_engine import ACCOUNT, put

STEM = "2026-11-16_CR-imagerie_Dr Paul DURAND"
WRITTEN_AT = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


def real_xdm(tag: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("IHE_XDM/SUBSET01/DOC0001.XML", b"<ClinicalDocument/>" + tag)
        archive.writestr("IHE_XDM/SUBSET01/METADATA.XML", b"<SubmitObjectsRequest/>")
        archive.writestr("INDEX.HTM", b"<html></html>")
    return out.getvalue()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    account = opened.add_account(ACCOUNT, "password", "imaps://imap.test")
    opened.upsert_folder(account, "INBOX", "/", "Inbox", True)
    yield opened
    opened.close()


@pytest.fixture
def inbox_dir(tmp_path: Path) -> Path:
    path = tmp_path / "Import LGC"
    path.mkdir()
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "Patients"
    path.mkdir()
    return path


def open_filing(tmp_path: Path, root: Path, store: Store, folder: Path, fmt: str) -> Filing:
    destination = PracticeImport(folder, fmt, clock=lambda: WRITTEN_AT)
    return Filing.open(tmp_path / "profile", root, store, destination)


@pytest.fixture
def hprim(tmp_path: Path, root: Path, store: Store, inbox_dir: Path) -> Iterator[Filing]:
    opened = open_filing(tmp_path, root, store, inbox_dir, "hprim")
    yield opened
    opened.close()


@pytest.fixture
def xdm(tmp_path: Path, root: Path, store: Store, inbox_dir: Path) -> Iterator[Filing]:
    opened = open_filing(tmp_path, root, store, inbox_dir, "xdm")
    yield opened
    opened.close()


def add_marie(filing: Filing) -> Patient:
    return filing.registry.add(
        birth_name="DUPONT",
        first_names="Marie Louise",
        birth_date=date(1980, 5, 12),
        sex="F",
        ins=MATRICULE,
        ins_oid=InsKind.NIR.value,
    )


def test_hprim_format_writes_the_pdf_and_an_hprim_file_naming_the_patient(
    hprim: Filing, store: Store, root: Path, inbox_dir: Path
) -> None:
    marie = add_marie(hprim)
    result = hprim.file_message(
        put(store, 1, "cr-1@chu.test"), documents(document(identity(ins_value=ins())))
    )
    assert result.status == FILED and result.keyword_added
    outcome = result.outcomes[0]
    assert "dossier d'import du logiciel métier" in outcome.message
    assert sorted(p.name for p in inbox_dir.iterdir()) == [f"{STEM}.hpr", f"{STEM}.pdf"]
    assert (inbox_dir / f"{STEM}.pdf").read_bytes() == PDF
    header = read_hprim((inbox_dir / f"{STEM}.hpr").read_bytes())
    assert header is not None
    assert header.identity == PatientIdentity(
        birth_name="DUPONT",
        first_names=("Marie", "Louise"),
        birth_date=date(1980, 5, 12),
        sex="F",
        source="hprim",
    )
    text = (inbox_dir / f"{STEM}.hpr").read_bytes().decode("iso-8859-1")
    assert text.startswith("H|~^\\&|||CADUCEE~Caducée||ORU|||||P|H2.2~C|20261120143000\r\n")
    assert text.endswith("\r\nP|1||||DUPONT~Marie Louise||19800512|F\r\nL|1\r\n")
    assert MATRICULE not in text  # HPRIM Santé 2.x has no INS field: not invented
    assert list((root / marie.folder).iterdir()) == []  # nothing in the patients' folders
    entry = hprim.journal.entry(outcome.entry_id or 0)
    assert entry is not None and entry.status == "filed" and entry.patient_id == marie.id
    resolved = inbox_dir.resolve()
    assert [f.path for f in entry.files] == [  # the document first, the .hpr signal last
        str(resolved / f"{STEM}.pdf"),
        str(resolved / f"{STEM}.hpr"),
    ]
    assert outcome.files == tuple(f.path for f in entry.files)
    results = patient_results(hprim, marie.id)  # the .hpr names her: it is not a result
    assert results.analytes == () and results.notices == ()


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_files_get_the_import_folders_rights_not_its_parents(
    hprim: Filing, store: Store, inbox_dir: Path
) -> None:
    inbox_dir.parent.chmod(0o755)  # a parent readable by all (e.g. a software's folder)
    inbox_dir.chmod(0o770)  # the import folder is the practice group's
    add_marie(hprim)
    hprim.file_message(
        put(store, 1, "cr-1@chu.test"), documents(document(identity(ins_value=ins())))
    )
    modes = {p.name: p.stat().st_mode & 0o777 for p in inbox_dir.iterdir()}
    assert modes == {f"{STEM}.pdf": 0o660, f"{STEM}.hpr": 0o660}


def test_the_same_document_again_is_a_duplicate_and_nothing_is_written(
    hprim: Filing, store: Store, inbox_dir: Path
) -> None:
    add_marie(hprim)
    docs = documents(document(identity(ins_value=ins())))
    hprim.file_message(put(store, 1, "cr-1@chu.test"), docs)
    again = hprim.file_message(put(store, 2, "cr-2@chu.test"), docs)
    assert again.status == DUPLICATE and "Déjà classé le" in again.outcomes[0].message
    assert len(list(inbox_dir.iterdir())) == 2


def test_two_documents_of_one_name_get_numbered_pairs(
    hprim: Filing, store: Store, inbox_dir: Path
) -> None:
    marie = add_marie(hprim)
    for uid, pdf in ((1, PDF), (2, PDF + b"v2")):
        docs = documents(document(identity(ins_value=ins()), pdf=pdf))
        assert hprim.file_message(put(store, uid, f"cr-{uid}@chu.test"), docs).status == FILED
    names = sorted(p.name for p in inbox_dir.iterdir())
    assert names == [f"{STEM} (2).hpr", f"{STEM} (2).pdf", f"{STEM}.hpr", f"{STEM}.pdf"]
    second = read_hprim((inbox_dir / f"{STEM} (2).hpr").read_bytes())
    assert second is not None and second.identity.birth_name == "DUPONT"
    assert marie.folder  # (her patients folder stays empty: nothing went there)


def test_undo_takes_the_files_back_from_the_import_folder(
    hprim: Filing, store: Store, inbox_dir: Path
) -> None:
    add_marie(hprim)
    result = hprim.file_message(
        put(store, 1, "cr-1@chu.test"), documents(document(identity(ins_value=ins())))
    )
    entry = hprim.undo(result.outcomes[0].entry_id or 0)
    assert entry.status == "undone" and list(inbox_dir.iterdir()) == []


def test_a_failure_mid_write_leaves_nothing_in_the_import_folder(
    hprim: Filing, store: Store, inbox_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_marie(hprim)
    real_link, calls = os.link, {"n": 0}

    def link_then_fail(src: str, dst: str) -> None:
        real_link(src, dst)
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.EIO, "Input/output error")  # the .hpr linked, then failure

    monkeypatch.setattr(filer.os, "link", link_then_fail)
    with pytest.raises(FilingError):
        hprim.file_message(
            put(store, 1, "cr-1@chu.test"), documents(document(identity(ins_value=ins())))
        )
    assert list(inbox_dir.iterdir()) == []  # no PDF alone, no .hpr, no temporary file
    [entry] = [e for e in hprim.journal.entries() if e.files]
    assert entry.status == "interrupted"


def test_xdm_format_deposits_the_received_archive_untouched(
    xdm: Filing, store: Store, inbox_dir: Path
) -> None:
    add_marie(xdm)
    archive = real_xdm()
    doc = replace(
        document(identity(ins_value=ins())),
        originals=(DocumentFile("IHE_XDM.ZIP", "application/zip", archive),),
    )
    result = xdm.file_message(put(store, 1, "cr-1@chu.test"), documents(doc))
    assert result.status == FILED
    [written] = list(inbox_dir.iterdir())
    assert written.name == f"{STEM}_IHE_XDM.zip" and written.read_bytes() == archive
    with zipfile.ZipFile(written) as opened:
        assert "IHE_XDM/SUBSET01/METADATA.XML" in opened.namelist()
        assert opened.read("IHE_XDM/SUBSET01/DOC0001.XML") == b"<ClinicalDocument/>"


def test_xdm_archive_of_two_documents_is_deposited_once(
    xdm: Filing, store: Store, inbox_dir: Path
) -> None:
    add_marie(xdm)
    archive = DocumentFile("IHE_XDM.ZIP", "application/zip", real_xdm())
    first = replace(document(identity(ins_value=ins())), originals=(archive,))
    second = replace(first, readable=DocumentFile("b.pdf", "application/pdf", PDF + b"b"))
    result = xdm.file_message(put(store, 1, "cr-1@chu.test"), documents(first, second))
    assert [o.status for o in result.outcomes] == [FILED, FILED]
    assert "Déjà déposé" in result.outcomes[1].message and result.outcomes[1].files == ()
    assert len(list(inbox_dir.iterdir())) == 1


def test_xdm_format_refuses_a_document_that_came_without_archive(
    xdm: Filing, store: Store, inbox_dir: Path
) -> None:
    add_marie(xdm)
    plain = replace(document(identity(ins_value=ins())), originals=())
    with pytest.raises(FilingError) as error:
        xdm.file_message(put(store, 1, "cr-1@chu.test"), documents(plain))
    assert "IHE_XDM.ZIP" in error.value.user_message and "HPRIM" in error.value.user_message
    assert list(inbox_dir.iterdir()) == []
    assert not [e for e in xdm.journal.entries() if e.status == "filed"]


def test_a_missing_import_folder_is_a_clear_error(tmp_path: Path, root: Path, store: Store) -> None:
    filing = open_filing(tmp_path, root, store, tmp_path / "absent", "hprim")
    try:
        add_marie(filing)
        with pytest.raises(ImportFolderError) as error:
            filing.file_message(
                put(store, 1, "cr-1@chu.test"), documents(document(identity(ins_value=ins())))
            )
        assert "n'existe pas" in error.value.user_message
    finally:
        filing.close()
    with pytest.raises(ImportFolderError):
        PracticeImport(tmp_path, "pdf")


def test_the_settings_choose_the_destination_and_the_registry_root(tmp_path: Path) -> None:
    folders = Settings(patients_dir=tmp_path / "P")
    assert destination_for(folders) is None
    assert registry_root(folders, tmp_path / "data") == tmp_path / "P"
    with pytest.raises(ImportFolderError):
        destination_for(folders, import_format="xdm")  # a format needs a folder
    chosen = destination_for(folders, tmp_path / "I", "xdm")
    assert chosen is not None and (chosen.folder, chosen.format) == (tmp_path / "I", "xdm")
    software = Settings(destination="logiciel", import_dir=tmp_path / "I", import_format="xdm")
    made = destination_for(software)
    assert made is not None and made.format == "xdm"
    registry = registry_root(software, tmp_path / "data")
    assert registry == tmp_path / "data" / "patients-logiciel" and registry.is_dir()
    with pytest.raises(ImportFolderError) as error:
        destination_for(Settings(destination="logiciel"))
    assert "dossier d'import" in error.value.user_message


def test_hprim_values_never_carry_a_delimiter_and_stay_latin_1() -> None:
    data = hprim_file(
        PatientIdentity(
            birth_name="CŒUR|X~Y",
            first_names=("Zoë^", "Łucja\r\nP|2"),
            birth_date=date(2001, 2, 3),
            sex="M",
        ),
        written_at=WRITTEN_AT,
    )
    lines = data.decode("iso-8859-1").split("\r\n")
    assert [line[:2] for line in lines if line] == ["H|", "P|", "L|"]
    patient = lines[1].split("|")
    assert patient[5] == "COEUR X Y~Zoë Lucja P 2" and patient[7:9] == ["20010203", "M"]
    header = read_hprim(data)
    assert header is not None and header.identity.birth_name == "COEUR X Y"

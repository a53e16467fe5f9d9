"""The registry and journal live with the patients root (issue 19 item 4): its own
database, made for a network share, and the profiles' old registries imported once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.filing.db import FILE_NAME, ROOT_DIR, FilingDb
from app.filing.patients import Registry
from app.filing.service import DUPLICATE, Filing
from app.mssante.model import InsKind
from app.store.db import Store
from tests.filing_support import MATRICULE, PDF, certain_docs, put_raw, raw_message
from tests.profile_db import open_db

ACCOUNT = "dr@mssante.test"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "Patients"
    path.mkdir()
    return path


def legacy_profile(profile: Path, root: Path, *, folder: str, patient_id: str) -> None:
    """A profile's filing.sqlite3 as Caducée kept it before: Marie registered and one
    document filed for her (its PDF's sha256 in journal_files), one message queued."""
    db = FilingDb.open(profile)
    registry = Registry(db, root)  # a profile database: keyed by the root's path
    with db.transaction() as sql:
        sql.execute(
            "INSERT INTO patients (id, root_id, ins, ins_oid, birth_name, first_names, "
            "birth_date, sex, folder) VALUES (?, ?, ?, ?, 'DUPONT', 'Marie Louise', "
            "'1980-05-12', 'F', ?)",
            (patient_id, registry.root_id, MATRICULE, InsKind.NIR.value, folder),
        )
        entry = sql.execute(
            "INSERT INTO journal (at, who, account, message_id, document, root_id, patient_id, "
            "status, content_hash, detail) VALUES ('2026-11-16T08:00:00Z', "
            "'dr@mssante.test (marie)', 'dr@mssante.test', 'cr-1@chu.test', 0, ?, ?, 'filed', "
            "'h', ?)",
            (registry.root_id, patient_id, f"classé dans {folder}"),
        ).lastrowid
        import hashlib

        sql.executemany(
            "INSERT INTO journal_files (entry_id, path, sha256, size, written) VALUES "
            "(?, ?, ?, ?, 1)",
            [
                (entry, f"{folder}/2026-11-16_cr.pdf", hashlib.sha256(PDF).hexdigest(), len(PDF)),
                (entry, f"{folder}/2026-11-16_cr_IHE_XDM.zip", "zip-hash", 22),
            ],
        )
        sql.execute(
            "INSERT INTO queue (account, message_id, document, root_id, reason, explanation) "
            "VALUES ('dr@mssante.test', 'q-1@chu.test', 0, ?, 'inconnu', 'Patient inconnu.')",
            (registry.root_id,),
        )
    db.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    yield opened
    opened.close()


def test_the_root_database_is_beside_the_patients_without_wal(root: Path, tmp_path: Path) -> None:
    filing = Filing.open(tmp_path / "profile", root)
    try:
        filing.registry.add(
            birth_name="DUPONT", first_names="Marie", birth_date=date(1980, 5, 12), sex="F"
        )
        path = root / ROOT_DIR / FILE_NAME
        assert path.is_file()
        mode = filing.db.db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "delete"
        assert not (root / ROOT_DIR / f"{FILE_NAME}-wal").exists()
        assert not (root / ROOT_DIR / "lock").exists()  # held only during a change
        # the profile keeps only the queue: no patient there
        profile = open_db(tmp_path / "profile" / FILE_NAME)
        assert profile.execute("SELECT count(*) FROM patients").fetchone()[0] == 0
        profile.close()
    finally:
        filing.close()
    # "import --folders" never takes the root's own folder for a patient
    again = Filing.open(tmp_path / "profile", root)
    try:
        report = again.registry.import_folders()
        assert ROOT_DIR not in [name for name, _ in report.skipped]
    finally:
        again.close()


def test_a_root_seen_under_another_path_is_the_same_registry(root: Path, tmp_path: Path) -> None:
    first = Filing.open(tmp_path / "pc1", root)
    marie = first.registry.add(
        birth_name="DUPONT", first_names="Marie", birth_date=date(1980, 5, 12), sex="F"
    )
    first.close()
    mounted = tmp_path / "P"
    mounted.symlink_to(root)  # the other PC's drive letter
    second = Filing.open(tmp_path / "pc2", tmp_path / "P")
    try:
        assert [p.id for p in second.registry.patients()] == [marie.id]
    finally:
        second.close()


def test_a_profile_registry_and_journal_are_imported_once(
    root: Path, tmp_path: Path, store: Store
) -> None:
    profile = tmp_path / "profile"
    legacy_profile(profile, root, folder="DUPONT Marie (1980-05-12)", patient_id="k7q2mx")
    filing = Filing.open(profile, root, store)
    try:
        (marie,) = filing.registry.patients()
        assert marie.id == "k7q2mx"  # her id, as she typed it before
        (entry,) = filing.journal.entries()
        assert (entry.id, entry.patient_id, entry.status) == (1, "k7q2mx", "filed")
        assert entry.user == "marie" and entry.host  # from "who", and this PC
        assert [i.message_id for i in filing.queue()] == ["q-1@chu.test"]  # still hers
        # the duplicates index was built from the files' hashes (not the zip's)
        put_raw(store, ACCOUNT, 1, raw_message("again@chu.test"))
        message = store.find("again@chu.test")
        assert message is not None
        result = filing.file_message(message, certain_docs())
        assert result.status == DUPLICATE
        assert "Déjà classé le 16/11/2026" in result.outcomes[0].message
    finally:
        filing.close()
    for _ in range(2):  # opened again: nothing imported twice
        again = Filing.open(profile, root)
        try:
            assert len(again.registry.patients()) == 1
            assert len([e for e in again.journal.entries() if e.status == "filed"]) == 1
        finally:
            again.close()
    # even if the profile's own mark was lost (a crash between the two commits)
    sql = open_db(profile / FILE_NAME)
    sql.execute("DELETE FROM moved")
    sql.close()
    again = Filing.open(profile, root)
    try:
        assert len([e for e in again.journal.entries() if e.status == "filed"]) == 1
    finally:
        again.close()


def test_two_pcs_registries_of_one_shared_root_are_merged_by_content(
    root: Path, tmp_path: Path
) -> None:
    folder = "DUPONT Marie (1980-05-12)"
    legacy_profile(tmp_path / "pc1", root, folder=folder, patient_id="aaaaaa")
    legacy_profile(tmp_path / "pc2", root, folder=folder, patient_id="bbbbbb")
    Filing.open(tmp_path / "pc1", root).close()
    filing = Filing.open(tmp_path / "pc2", root)
    try:
        assert [p.id for p in filing.registry.patients()] == ["aaaaaa"]  # one Marie
        entries = filing.journal.entries()
        assert len(entries) == 2  # both PCs' filings kept
        assert {e.patient_id for e in entries} == {"aaaaaa"}  # the second follows her id
        assert entries[0].id != entries[1].id
        imports = filing.db.db.execute("SELECT count(*) FROM imports").fetchone()[0]
        assert imports == 2
    finally:
        filing.close()

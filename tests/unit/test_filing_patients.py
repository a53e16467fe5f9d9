"""The patient registry: per patients root, INS checked, folders created; CSV and folders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.core.settings import Settings
from app.filing.db import FILE_NAME, FilingDb
from app.filing.errors import InvalidPatientError, PatientsRootError, UnknownPatientError
from app.filing.patients import Patient, Registry
from app.mssante import ins as ins_check
from app.mssante.model import InsKind
from tests.filing_support import MATRICULE, with_key
from tests.profile_db import open_db


@pytest.fixture
def db(tmp_path: Path) -> Iterator[FilingDb]:
    opened = FilingDb.open(tmp_path / "profile")
    yield opened
    opened.close()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "Patients"
    path.mkdir()
    return path


def add(registry: Registry, **changes: object) -> Patient:
    fields: dict[str, object] = {
        "birth_name": "Dupont",
        "first_names": "Marie Louise",
        "birth_date": date(1980, 5, 12),
        "sex": "F",
    }
    fields.update(changes)
    return registry.add(**fields)  # type: ignore[arg-type]


def test_ins_key_check() -> None:
    assert ins_check.key_ok(MATRICULE)
    assert not ins_check.key_ok(MATRICULE[:-2] + f"{(int(MATRICULE[-2:]) + 1) % 100:02d}")
    assert not ins_check.key_ok(MATRICULE[:-1])  # 14 characters
    assert not ins_check.key_ok("A" + MATRICULE[1:])
    corsica = with_key("180052A123456")
    assert ins_check.key_ok(corsica) and corsica[5:7] == "2A"
    assert int(corsica[13:]) == 97 - (1800519123456 % 97)  # 2A counts as 19
    assert ins_check.make_ins(" 2 80 05 75 123 456 " + MATRICULE[13:], InsKind.NIR.value).key_ok


def test_a_patient_gets_an_id_a_folder_and_survives_reopening(
    db: FilingDb, root: Path, tmp_path: Path
) -> None:
    registry = Registry(db, root)
    patient = registry.add(
        birth_name="dupont",
        used_name="martin",
        first_names="Marie  Louise",
        birth_date=date(1980, 5, 12),
        sex="F",
        ins=MATRICULE,
        ins_oid=InsKind.NIR.value,
    )
    assert len(patient.id) == 6 and patient.id.isalnum()
    assert patient.folder == "DUPONT Marie (1980-05-12)"
    assert (root / patient.folder).is_dir()
    assert (patient.birth_name, patient.used_name, patient.first_names) == (
        "DUPONT",
        "MARTIN",
        "Marie Louise",
    )
    db.close()
    again = Registry(FilingDb.open(tmp_path / "profile"), root)
    assert again.get(patient.id.upper()) == patient
    assert again.by_ins(MATRICULE, InsKind.NIR.value) == patient
    mode = open_db(tmp_path / "profile" / FILE_NAME).execute("PRAGMA journal_mode")
    assert mode.fetchone()[0] == "wal"
    again.db.close()


def test_patients_belong_to_their_root(db: FilingDb, root: Path, tmp_path: Path) -> None:
    other = tmp_path / "Cabinet 2"
    other.mkdir()
    patient = add(Registry(db, root))
    assert Registry(db, other).patients() == []
    with pytest.raises(UnknownPatientError):
        Registry(db, other).get(patient.id)
    assert Registry(db, root / ".." / root.name).patients() == [patient]  # same root resolved


def test_same_name_and_birth_date_get_distinct_folders(db: FilingDb, root: Path) -> None:
    registry = Registry(db, root)
    (root / "DUPONT Marie (1980-05-12)").mkdir()  # there already, not registered
    first, second = add(registry), add(registry)
    assert first.folder == "DUPONT Marie (1980-05-12) (2)"
    assert second.folder == "DUPONT Marie (1980-05-12) (3)"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"birth_name": "  "}, "obligatoires"),
        ({"first_names": ""}, "obligatoires"),
        ({"sex": "X"}, "Sexe"),
        ({"birth_name": "../../etc"}, "lettres"),
        ({"birth_name": "CON<x>"}, "lettres"),
        ({"first_names": "Marie\x00"}, "lettres"),
        ({"used_name": "Martin/Durand"}, "lettres"),
        ({"birth_date": date(2999, 1, 1)}, "Date"),
        ({"ins": MATRICULE[:-1] + "0"}, "INS invalide"),
        ({"ins": "123"}, "INS invalide"),
        ({"ins": MATRICULE, "ins_oid": "1.2.3"}, "OID"),
    ],
)
def test_invalid_patients_are_refused(
    db: FilingDb, root: Path, changes: dict[str, object], words: str
) -> None:
    registry = Registry(db, root)
    with pytest.raises(InvalidPatientError) as error:
        add(registry, **changes)
    assert words in error.value.user_message
    assert registry.patients() == [] and list(root.iterdir()) == []


def test_names_as_written_are_accepted(db: FilingDb, root: Path) -> None:
    registry = Registry(db, root)
    for birth, first in [("D'Artagnan", "Jean-Pierre"), ("LE GALL", "Anne Sophie"),
                         ("N’Diaye", "Aïssatou"), ("ST. JEAN", "Zoé")]:  # fmt: skip
        assert add(registry, birth_name=birth, first_names=first).birth_name == birth.upper()


def test_an_ins_is_registered_once(db: FilingDb, root: Path) -> None:
    registry = Registry(db, root)
    add(registry, ins=MATRICULE)
    with pytest.raises(InvalidPatientError):
        add(registry, ins=MATRICULE, first_names="Autre")
    add(registry, ins=MATRICULE, ins_oid=InsKind.TEST.value)  # the test OID is another INS


def test_a_missing_or_unwritable_root_is_a_real_error(db: FilingDb, tmp_path: Path) -> None:
    with pytest.raises(PatientsRootError):
        Registry(db, tmp_path / "absent")
    (tmp_path / "file").write_text("x")
    with pytest.raises(PatientsRootError):
        Registry(db, tmp_path / "file")


def test_the_setting_gives_the_default_root(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[classement]\ndossier_patients = "/srv/Patients"\n', encoding="utf-8")
    assert Settings.load(config).patients_dir == Path("/srv/Patients")
    config.write_text("[classement]\ndossier_patients = 3\n", encoding="utf-8")
    assert Settings.load(config).patients_dir is None


CSV_UTF8 = (
    "nom_naissance;nom_utilise;prenoms;date_naissance;sexe;ins;ins_oid\n"
    f"Dupont;Martin;Marie Louise;12/05/1980;F;{MATRICULE};1.2.250.1.213.1.4.8\n"
    "Lefèvre;;Jean-Pierre;1975-03-13;M;;\n"
    ";;Sans nom;01/01/2000;F;;\n"
    "Durand;;Paul;31/02/1970;M;;\n"
    "Petit;;Léa;01/01/2001;X;;\n"
    "Bernard;;Luc;02/02/2002;H;123;\n"
    "\n"
)


def test_csv_import_reports_each_skipped_line(db: FilingDb, root: Path) -> None:
    report = Registry(db, root).import_csv(CSV_UTF8.encode("utf-8"))
    assert [(p.birth_name, p.first_names) for p in report.added] == [
        ("DUPONT", "Marie Louise"),
        ("LEFÈVRE", "Jean-Pierre"),
    ]
    assert report.added[0].ins == MATRICULE and report.added[0].used_name == "MARTIN"
    assert [line for line, _why in report.skipped] == [4, 5, 6, 7]
    reasons = dict(report.skipped)
    assert "obligatoires" in reasons[4] and "date" in reasons[5]
    assert "sexe" in reasons[6] and "INS" in reasons[7]


def test_csv_variants_comma_cp1252_bom_and_aliases(db: FilingDb, root: Path) -> None:
    text = 'Nom,Prénom,Date de naissance,Sexe\n"Lefèvre",Zoé,13-03-1975,Femme\n'
    cp1252 = Registry(db, root).import_csv(text.encode("cp1252"))
    assert [(p.birth_name, p.first_names, p.sex) for p in cp1252.added] == [("LEFÈVRE", "Zoé", "F")]
    bom = "\ufeffnom_naissance;prenoms;date_naissance\nMARTIN;Luc;1990-01-02\n"
    assert len(Registry(db, root).import_csv(bom.encode("utf-8")).added) == 1


def test_csv_without_the_needed_columns_imports_nothing(db: FilingDb, root: Path) -> None:
    report = Registry(db, root).import_csv(b"nom;ville\nDupont;Rennes\n")
    assert report.added == [] and report.skipped[0][0] == 1
    assert "prenoms" in report.skipped[0][1]


def test_existing_folders_are_adopted(db: FilingDb, root: Path) -> None:
    for name in ("DUPONT Marie (1980-05-12)", "LE GALL Anne Sophie (31-01-1990)", "Factures"):
        (root / name).mkdir()
    (root / "notes.txt").write_text("x")
    (root / "DURAND  Paul (1970-01-01).").mkdir()  # not portable: Windows drops the dot
    (root / "LIEN Vers (2000-01-01)").symlink_to(root / "Factures")
    registry = Registry(db, root)
    report = registry.import_folders()
    assert sorted((p.birth_name, p.folder) for p in report.added) == [
        ("DUPONT", "DUPONT Marie (1980-05-12)"),
        ("LE GALL", "LE GALL Anne Sophie (31-01-1990)"),
    ]
    assert {where for where, _why in report.skipped} == {
        "Factures",
        "notes.txt",
        "LIEN Vers (2000-01-01)",
        "DURAND  Paul (1970-01-01).",
    }
    assert registry.import_folders().added == []  # already registered: nothing twice


def test_a_deep_root_gets_shorter_folder_names(db: FilingDb, tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    patient = add(Registry(db, deep), birth_name="N" * 90, first_names="Prénom")
    assert patient.folder.endswith(" (1980-05-12)")
    room = 250 - len(str(deep)) - 1 - 70 - len(" (99)")
    assert len(patient.folder) == max(30, room) < 100
    shallow = add(Registry(db, tmp_path), birth_name="N" * 90, first_names="Prénom")
    assert len(shallow.folder) > len(patient.folder)


def test_importing_the_same_export_again_adds_nobody_twice(db: FilingDb, root: Path) -> None:
    registry = Registry(db, root)
    first = registry.import_csv(CSV_UTF8.encode("utf-8"))
    again = registry.import_csv(CSV_UTF8.replace("Lefèvre", "LEFEVRE").encode("utf-8"))
    assert again.added == []
    assert dict(again.skipped)[2] == f"déjà enregistré (patient {first.added[0].id})"
    assert dict(again.skipped)[3] == f"déjà enregistré (patient {first.added[1].id})"
    assert len(registry.patients()) == 2

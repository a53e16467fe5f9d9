"""The offline MSSanté directory: parsing the extraction file, the index, search, whoami,
the liste blanche. Real SQLite files in tmp_path; files generated in the real format."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from app.cli.main import main
from app.directory.errors import DirectoryFileError, DirectoryMissingError, TrustedListError
from app.directory.extraction import FIELD_COUNT, Extraction
from app.directory.index import DirectoryIndex, build_index, index_path
from app.directory.trusted import normalise_domain, parse, store
from bench import directory_data

NAME = "Extraction_Correspondance_MSSante_202611220300"


def _line(**values: str) -> str:
    fields = [""] * FIELD_COUNT
    positions = {"type": 0, "address": 1, "id_type": 2, "id_pp": 3, "id_nat": 4, "last": 9}
    positions |= {"first": 10, "profession_code": 13, "profession": 14, "specialty": 16}
    positions |= {"organisation": 18, "l6": 27, "postcode": 28, "department": 29}
    for key, value in values.items():
        fields[positions[key]] = value
    return "|".join(fields)


ELODIE = _line(
    type="PER",
    address="elodie.lefevre@medecin.mssante.fr",
    id_type="8",
    id_pp="10101201234",
    id_nat="810101201234",
    last="LEFÈVRE",
    first="Élodie",
    profession_code="10",
    profession="Médecin",
    specialty="Cardiologie et maladies vasculaires (SM)",
    organisation="CABINET MÉDICAL DES LILAS",
    l6="35000 RENNES",
    postcode="35000",
    department="35",
)
ELODIE_2 = ELODIE.replace("elodie.lefevre@medecin", "e.lefevre@ch-rennes")
LEFEVRE_PHARMA = _line(
    type="PER",
    address="paul.lefevre-martin@pharmacien.mssante.fr",
    id_pp="10100000001",
    id_nat="810100000001",
    last="LEFEVRE-MARTIN",
    first="Paul",
    profession_code="21",
    profession="Pharmacien",
    l6="69003 LYON",
    postcode="69003",
    department="69",
)


def _file(tmp_path: Path, count: int = 300, **kwargs: object) -> Path:
    return directory_data.write(tmp_path / f"{NAME}.txt", count, **kwargs)  # type: ignore[arg-type]


def test_parse_by_position_trailing_separator_duplicates_and_malformed(tmp_path: Path) -> None:
    bad_utf8 = "PER|x@y.mssante.fr" + "|" * 29
    path = _file(
        tmp_path,
        10,
        extra_lines=[
            ELODIE + "|",  # trailing separator
            ELODIE.upper(),  # same address, other case: a duplicate
            "PER|sans-arobase|" + "|" * 29,  # no usable address
            "APPLI|a@b.mssante.fr" + "|" * 29,  # unknown type
            "PER|trop@peu.fr|de|colonnes",
            ELODIE_2 + "|x|y",  # too many fields
        ],
    )
    with path.open("ab") as out:
        out.write(bad_utf8.encode().replace(b"x@", b"\xff@") + b"\n")
    with Extraction(path) as extraction:
        entries = list(extraction.entries())
    rows = extraction.rows
    assert rows.header and rows.header_warning is None  # "… structure BAL" names accepted
    assert len(entries) == 11  # 10 generated + ELODIE
    assert entries[-1].address == "elodie.lefevre@medecin.mssante.fr"
    assert entries[-1].first_name == "Élodie" and entries[-1].city == "RENNES"
    assert rows.duplicates == 1
    assert rows.malformed == 5
    assert not rows.truncated


def test_unexpected_header_is_a_hint_only(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    header = "|".join(["Type de BAL", "Adresse BAL", *[f"Colonne {i}" for i in range(29)]])
    path.write_text(f"{header}\n{ELODIE}\n", encoding="utf-8")
    with Extraction(path) as extraction:
        entries = list(extraction.entries())
    assert [e.last_name for e in entries] == ["LEFÈVRE"]
    assert extraction.rows.header_warning and "colonnes 3, 4" in extraction.rows.header_warning


def test_import_search_ranking_and_filters(tmp_path: Path) -> None:
    path = _file(tmp_path, 2000, extra_lines=[ELODIE, ELODIE_2, LEFEVRE_PHARMA])
    report = build_index(path, tmp_path / "profile")
    assert report.entries == 2003 and report.malformed == 0
    with DirectoryIndex(tmp_path / "profile") as index:
        # words in any order, case and accents ignored, prefixes
        found = index.search("rennes ELODIE lefev")
        assert {m.address for m in found} == {
            "elodie.lefevre@medecin.mssante.fr",
            "e.lefevre@ch-rennes.mssante.fr",
        }
        assert index.search("cardio vasculaires 35000")[0].last_name == "LEFÈVRE"
        assert index.search("médical lilas")[0].organisation == "CABINET MÉDICAL DES LILAS"
        # an exact name comes before a longer one that only starts the same
        ranked = [m.last_name for m in index.search("lefevre", limit=None)]
        assert ranked[-1] == "LEFEVRE-MARTIN" and set(ranked[:-1]) == {"LEFÈVRE"}
        assert index.search("élodie lefèvre", limit=1)[0].first_name == "Élodie"
        # filters
        pharmacists = index.search("lefevre", profession="pharma", limit=None)
        assert {m.profession for m in pharmacists} == {"Pharmacien"}
        assert "paul.lefevre-martin@pharmacien.mssante.fr" in {m.address for m in pharmacists}
        by_code = index.search("lefevre", profession="21", limit=None)
        assert {m.address for m in by_code} == {m.address for m in pharmacists}
        in_69 = index.search("lefevre", department="69", limit=None)
        assert {m.department for m in in_69} == {"69"} and "Paul" in {m.first_name for m in in_69}
        assert {m.department for m in index.search("lefevre", department="2a")} <= {"2A"}
        assert index.search("lefevre", bal_type="ORG") == []
        assert all(m.bal_type == "ORG" for m in index.search("urgences", bal_type="org"))
        assert len(index.search("", department="35", limit=7)) == 7
        assert index.search("   ") == []
        assert index.search('"; DROP TABLE entries; --') == []  # words only reach FTS5
        # whoami by RPPS or national id
        rpps = {m.address for m in index.whoami("10101201234")}
        assert rpps == {"elodie.lefevre@medecin.mssante.fr", "e.lefevre@ch-rennes.mssante.fr"}
        assert {m.address for m in index.whoami("810101201234")} == rpps
        assert index.whoami("99999999999") == []
        assert index.lookup("ELODIE.LEFEVRE@medecin.mssante.fr") is not None


def test_truncated_or_shrunk_file_is_refused_unless_forced(tmp_path: Path) -> None:
    data_dir = tmp_path / "profile"
    build_index(_file(tmp_path, 1000), data_dir)
    cut = tmp_path / "cut.txt"
    full = (tmp_path / f"{NAME}.txt").read_bytes()
    cut.write_bytes(full[: len(full) - 40])  # the last line loses its end
    with pytest.raises(DirectoryFileError) as refused:
        build_index(cut, data_dir)
    assert "incomplète" in refused.value.user_message
    small = directory_data.write(tmp_path / "small.txt", 400, seed=2)
    with pytest.raises(DirectoryFileError) as shrunk:
        build_index(small, data_dir)
    assert "400 adresses seulement, contre 1000" in shrunk.value.user_message
    with DirectoryIndex(data_dir) as index:
        assert index.entry_count == 1000  # untouched
    assert not (data_dir / "directory.sqlite3.building").exists()
    assert build_index(cut, data_dir, force=True).malformed == 1
    assert build_index(small, data_dir, force=True).entries == 400


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_reads_only_the_expected_member_and_refuses_bombs(tmp_path: Path) -> None:
    text = _file(tmp_path, 50).read_bytes()
    good = _zip(tmp_path / "good.zip", {"LISEZMOI.txt": b"x", f"{NAME}.txt": text})
    assert build_index(good, tmp_path / "p1").entries == 50
    assert not (tmp_path / "p1" / f"{NAME}.txt").exists()  # never extracted

    traversal = _zip(tmp_path / "evil.zip", {f"../{NAME}.txt": text})
    with pytest.raises(DirectoryFileError):
        build_index(traversal, tmp_path / "p2")
    two = _zip(tmp_path / "two.zip", {f"{NAME}.txt": text, f"{NAME}b.txt": text})
    with pytest.raises(DirectoryFileError):
        build_index(two, tmp_path / "p2")
    bomb = _zip(tmp_path / "bomb.zip", {f"{NAME}.txt": b"\n" * (200 * 1024 * 1024)})
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(DirectoryFileError) as refused:
        build_index(bomb, tmp_path / "p2")
    assert "archive piégée" in refused.value.user_message
    many = _zip(tmp_path / "many.zip", {f"f{i}.txt": b"" for i in range(40)})
    with pytest.raises(DirectoryFileError):
        build_index(many, tmp_path / "p2")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[:-200])
    with pytest.raises(DirectoryFileError):
        build_index(cut, tmp_path / "p2")
    assert not index_path(tmp_path / "p2").exists()


def test_zip_member_lying_about_its_size_is_refused(tmp_path: Path) -> None:
    text = _file(tmp_path, 50).read_bytes()
    path = _zip(tmp_path / "lie.zip", {f"{NAME}.txt": text}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    # shrink the declared size in the central directory: zipfile stops there and the CRC
    # no longer matches -> an error, not a silently short import
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (len(text) // 2).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(DirectoryFileError):
        build_index(path, tmp_path / "p")


def test_missing_index_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DirectoryMissingError) as missing:
        DirectoryIndex(tmp_path)
    assert "caducee directory update" in missing.value.user_message


def test_killed_import_keeps_the_current_index(tmp_path: Path) -> None:
    data_dir = tmp_path / "profile"
    build_index(_file(tmp_path, 500), data_dir)
    with DirectoryIndex(data_dir) as index:
        before = index.search("martin")
    assert before
    big = directory_data.write(tmp_path / "big.txt", 60000, seed=3)
    script = (
        "import sys; from pathlib import Path; from app.directory.index import build_index; "
        "build_index(Path(sys.argv[1]), Path(sys.argv[2]))"
    )
    child = subprocess.Popen([sys.executable, "-c", script, str(big), str(data_dir)])
    building = data_dir / "directory.sqlite3.building"
    deadline = time.monotonic() + 30
    while not building.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    with DirectoryIndex(data_dir) as index:
        assert index.entry_count == 500
        assert index.search("martin") == before
    assert build_index(big, data_dir).entries > 500  # the leftover is cleaned up
    assert not building.exists()


def test_cli_import_search_whoami(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, 200, extra_lines=[ELODIE, "PER|bad"])
    profile = ["--profile-dir", str(tmp_path / "p")]
    assert main([*profile, "directory", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "201 adresses MSSanté" in out and "1 ligne(s) mal formée(s)" in out
    assert main([*profile, "directory", "search", "lefevre elodie", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found[0]["address"] == "elodie.lefevre@medecin.mssante.fr"
    assert main([*profile, "directory", "search", "lefèvre", "--type", "PER", "--limit", "1"]) == 0
    assert "1 résultat(s)" in capsys.readouterr().out
    assert main([*profile, "directory", "whoami", "--rpps", "10101201234"]) == 0
    assert "elodie.lefevre@medecin.mssante.fr" in capsys.readouterr().out
    assert main([*profile, "directory", "whoami", "--rpps", "12345678901"]) == 1
    assert main(["--profile-dir", str(tmp_path / "vide"), "directory", "search", "x"]) == 1
    assert "caducee directory update" in capsys.readouterr().err


LISTE = """<?xml version="1.0" encoding="UTF-8"?>
<ListeBlanche xmlns="https://listeblanche.mssante.fr/schema">
  <DateDeGeneration>2026-11-22T03:00:00</DateDeGeneration>
  <Domaine><Nom>medecin.mssante.fr</Nom><Description>Ordre</Description>
    <DNCertificatOperateur>CN=x, O=ANS, ST=Paris (75), C=FR</DNCertificatOperateur></Domaine>
  <Domaine><Nom>patient.mssante.fr</Nom></Domaine>
  <Domaine><Nom>CH-Électricité.MSSANTE.fr.</Nom></Domaine>
  <Domaine><Nom>pas un domaine</Nom></Domaine>
</ListeBlanche>
""".encode()


def test_liste_blanche(tmp_path: Path) -> None:
    liste = parse(LISTE)
    assert liste.generated == "2026-11-22T03:00:00" and liste.skipped == 1
    assert liste.is_trusted("dr.x@medecin.mssante.fr")
    assert liste.is_trusted("Dr.X@MEDECIN.MSSANTE.FR.")
    assert liste.is_trusted("a@ch-électricité.mssante.fr")
    assert liste.is_trusted("a@XN--CH-LECTRICIT-DEBJ.mssante.fr")
    assert not liste.is_trusted("a@sous.medecin.mssante.fr")  # exact match only
    assert not liste.is_trusted("a@mssante.fr")
    assert not liste.is_trusted("medecin.mssante.fr")
    assert not liste.is_trusted("a@evil-medecin.mssante.fr")
    assert normalise_domain("exa mple.fr") is None
    with pytest.raises(TrustedListError):
        parse(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
    with pytest.raises(TrustedListError):
        parse(b"<autre/>")
    store(LISTE, tmp_path)


def test_cli_trusted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = ["--profile-dir", str(tmp_path)]
    assert main([*profile, "directory", "trusted", "a@medecin.mssante.fr"]) == 1
    assert "trusted-update" in capsys.readouterr().err
    xml = tmp_path / "liste.xml"
    xml.write_bytes(LISTE)
    assert main([*profile, "directory", "trusted-update", "--file", str(xml)]) == 0
    assert "3 domaines" in capsys.readouterr().out
    assert main([*profile, "directory", "trusted", "a@medecin.mssante.fr"]) == 0
    assert main([*profile, "directory", "trusted", "a@gmail.com"]) == 1
    assert "absent de la liste blanche" in capsys.readouterr().out

"""``caducee file --import-dir`` / the ``logiciel`` destination and ``patients import
--export`` on a real profile (store, message files, SQLite journal, real folders)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from app.mssante.hprim import read_hprim
from tests.filing_support import MATRICULE, PDF, XDM
from tests.integration.test_filing_cli import marie, profile, root, run  # noqa: F401

HEADER = "nom_naissance;prenoms;date_naissance;sexe;ins;ins_oid;statut_identite\n"
MARIE = f"DUPONT;Marie Louise;12/05/1980;F;{MATRICULE};1.2.250.1.213.1.4.8;QUAL\n"
PAUL = "MARTIN;Paul;03/02/1975;M;;;\n"


def settings(profile: Path, **values: str) -> None:  # noqa: F811
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
    (profile / "config.toml").write_text(f"[classement]\n{lines}", encoding="utf-8")


def test_file_into_an_import_folder_from_the_command_line(
    profile: Path,  # noqa: F811
    root: Path,  # noqa: F811
    marie: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "Import"
    folder.mkdir()
    code, out, err = run(
        profile, capsys, "file", "--patients-dir", str(root), "--message-id",
        "certain@chu.test", "--auto", "--import-dir", str(folder), "--json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "filed"
    [outcome] = result["documents"]
    paths = [Path(p) for p in outcome["files"]]
    assert [p.parent for p in paths] == [folder.resolve()] * 2
    assert [p.suffix for p in paths] == [".pdf", ".hpr"]
    header = read_hprim(paths[1].read_bytes())
    assert header is not None and header.identity.birth_name == "DUPONT"
    assert list((root / "DUPONT Marie (1980-05-12)").iterdir()) == []
    code, out, _ = run(
        profile, capsys, "file", "--patients-dir", str(root), "--message-id",
        "copy@chu.test", "--auto", "--import-dir", str(folder),
    )  # fmt: skip
    assert code == 0 and "Déjà classé le" in out  # same content: the same journal's duplicate
    assert len(list(folder.iterdir())) == 2
    code, out, _ = run(profile, capsys, "journal", "--patients-dir", str(root), "--json")
    entries = json.loads(out)
    assert [e["status"] for e in entries][:2] == ["duplicate", "filed"]
    code, out, _ = run(
        profile, capsys, "file", "--patients-dir", str(root), "--undo",
        str(outcome["journal_entry"]),
    )  # fmt: skip
    assert code == 0 and list(folder.iterdir()) == []


def test_the_logiciel_destination_needs_no_patients_folder(
    profile: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, export = tmp_path / "Import", tmp_path / "patients.csv"
    folder.mkdir()
    export.write_text(HEADER + MARIE, encoding="cp1252")
    settings(
        profile,
        destination="logiciel",
        dossier_import=str(folder),
        format="xdm",
        export_patients=str(export),
        rafraichir="quotidien",
    )
    code, out, err = run(profile, capsys, "patients", "import", "--export", "--if-due", "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["ran"] and [p["birth_name"] for p in first["added"]] == ["DUPONT"]
    code, out, _ = run(profile, capsys, "patients", "import", "--export", "--if-due")
    assert code == 0 and "pas encore dû" in out  # daily: once a day
    export.write_text(HEADER + MARIE + PAUL, encoding="cp1252")
    code, out, _ = run(profile, capsys, "patients", "import", "--export")  # by hand: now
    assert code == 0 and "1 ajouté(s), 1 ignoré(s)" in out
    code, out, err = run(
        profile, capsys, "file", "--message-id", "certain@chu.test", "--auto", "--json"
    )
    assert code == 0, err
    [outcome] = json.loads(out)["documents"]
    assert outcome["status"] == "filed"
    [archive] = [Path(p) for p in outcome["files"]]
    assert archive.parent == folder.resolve() and archive.name.endswith("_IHE_XDM.zip")
    assert archive.read_bytes() == XDM + PDF[-8:]  # the received archive, byte for byte
    with zipfile.ZipFile(archive) as opened:  # (the builders' archive is an empty zip)
        assert opened.namelist() == []


def test_refusals_are_clear(
    profile: Path,  # noqa: F811
    root: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(
        profile, capsys, "file", "--patients-dir", str(root), "--message-id",
        "certain@chu.test", "--auto", "--import-format", "xdm",
    )  # fmt: skip
    assert code == 1 and "--import-format va avec --import-dir" in err
    settings(profile, destination="logiciel")
    code, _, err = run(profile, capsys, "file", "--message-id", "certain@chu.test", "--auto")
    assert code == 1 and "dossier d'import" in err
    code, _, err = run(profile, capsys, "patients", "import", "--export")
    assert code == 1 and "Aucun export des patients" in err

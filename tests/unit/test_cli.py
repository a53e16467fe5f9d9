from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import __version__
from app.cli.main import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"caducee {__version__}"


def test_help_is_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("Utilisation : caducee")
    assert "afficher cette aide et quitter" in out
    assert "--profile-dir DIR" in out


def test_unknown_command_is_a_usage_error_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["n-existe-pas"])
    assert exit_.value.code == 2
    assert "caducee : erreur" in capsys.readouterr().err


def test_info_json_reports_the_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--profile-dir", str(tmp_path), "info", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["version"] == __version__
    assert facts["profile"]["data"] == str(tmp_path.resolve())
    assert facts["openssl"].startswith("OpenSSL")
    assert list(tmp_path.iterdir()) == []  # a read-only command writes nothing

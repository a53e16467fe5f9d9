"""config.toml: read typed, written back whole (the window saves the patients folder)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from app.core.settings import Settings, SettingsError


def test_saving_keeps_every_setting_and_reads_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[carte]\nmodule = "C:\\\\Program Files\\\\santesocial\\\\cps3_pkcs11_w64.dll"\n'
        "[session]\nverrouillage_minutes = 15\n"
        '[annuaire]\napi_url = "https://fhir.exemple.test/v2"\napi_delai_secondes = 12\n'
        'api_autorites = "/etc/ssl/annuaire.pem"\n',
        encoding="utf-8",
    )
    read = Settings.load(path)
    assert read.lock_minutes == 15 and read.api_timeout == 12.0
    chosen = Settings(**{**read.__dict__, "patients_dir": Path('/srv/Patients "é"')})
    chosen.save(path)
    assert Settings.load(path) == chosen  # the [annuaire] section survived the window's save
    assert "# minutes without use" in path.read_text(encoding="utf-8")  # documented
    tomllib.loads(path.read_text(encoding="utf-8"))
    assert not list(tmp_path.glob(".*.tmp"))


def test_defaults_and_an_unreadable_file(tmp_path: Path) -> None:
    assert Settings.load(tmp_path / "absent.toml") == Settings()
    broken = tmp_path / "config.toml"
    broken.write_text("[carte\n", encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        Settings.load(broken)
    assert "illisible" in error.value.user_message

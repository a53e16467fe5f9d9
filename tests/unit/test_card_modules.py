from __future__ import annotations

from pathlib import Path

import pytest

from app.core.errors import CardModuleNotFoundError
from app.core.settings import Settings, SettingsError
from app.cps import modules
from app.cps.modules import ModuleSource, candidates, find_module


def test_cryptolib_names_per_platform() -> None:
    assert str(candidates("linux")[0]) == "/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so"
    assert {p.name for p in candidates("darwin")} == {"libcps3_pkcs11_osx.dylib"}
    assert {p.name for p in candidates("win32")} <= {"cps3_pkcs11_w64.dll", "cps3_pkcs11_w32.dll"}


def test_command_line_wins_then_settings_then_detection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given, configured, detected = (tmp_path / n for n in ("a.so", "b.so", "c.so"))
    for path in (given, configured, detected):
        path.write_bytes(b"")
    monkeypatch.setattr(modules, "candidates", lambda platform=None: [detected])
    assert find_module(given, configured) == modules.ModuleChoice(given, ModuleSource.COMMAND_LINE)
    assert find_module(None, configured).source is ModuleSource.SETTINGS
    assert find_module(None, None) == modules.ModuleChoice(detected, ModuleSource.DETECTED)


def test_an_explicit_path_that_does_not_exist_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    detected = tmp_path / "c.so"
    detected.write_bytes(b"")
    monkeypatch.setattr(modules, "candidates", lambda platform=None: [detected])
    with pytest.raises(CardModuleNotFoundError) as missing:
        find_module(tmp_path / "absent.so")
    assert "n'existe pas" in missing.value.user_message


@pytest.mark.parametrize("platform", ["win32", "linux", "darwin"])
def test_nothing_found_says_what_to_install(platform: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modules, "candidates", lambda platform=None: [])
    with pytest.raises(CardModuleNotFoundError) as missing:
        find_module(platform=platform)
    assert "Cryptolib CPS" in missing.value.user_message
    assert "--module" in missing.value.user_message


def test_settings_card_module(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    assert Settings.load(config).card_module is None
    config.write_text('version = 1\n[carte]\nmodule = "/opt/x.so"\n')
    assert Settings.load(config).card_module == "/opt/x.so"
    config.write_text("[carte\n")
    with pytest.raises(SettingsError) as broken:
        Settings.load(config)
    assert "illisible" in broken.value.user_message

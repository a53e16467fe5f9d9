"""config.toml's settings of "Préférences": language, notifications, default receipts, the
daily directory update; written back with their comments, bad values read as defaults."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.core.settings import Settings


def test_the_preferences_survive_a_save_and_the_other_settings_too(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    before = Settings(card_module="/opt/cps.so", lock_minutes=15, api_timeout=30.0)
    chosen = replace(
        before,
        language="en",
        notifications=False,
        delivery_receipt=True,
        read_receipt=True,
        directory_updates=False,
    )
    chosen.save(path)
    assert Settings.load(path) == chosen
    text = path.read_text(encoding="utf-8")
    assert "[interface]" in text and "[envoi]" in text and "accuse_lecture = true" in text


def test_defaults_and_bad_values(tmp_path: Path) -> None:
    assert Settings.load(tmp_path / "absent.toml") == Settings()
    defaults = Settings()
    assert (defaults.language, defaults.notifications, defaults.directory_updates) == (
        None,
        True,
        True,
    )
    assert not defaults.delivery_receipt and not defaults.read_receipt
    path = tmp_path / "config.toml"
    path.write_text(
        '[interface]\nlangue = "de"\nnotifications = "oui"\n[envoi]\naccuse_remise = 1\n'
        "[annuaire]\nmise_a_jour_auto = false\n",
        encoding="utf-8",
    )
    read = Settings.load(path)
    assert read.language is None  # not a language of the interface
    assert read.notifications is True and read.delivery_receipt is False  # not booleans
    assert read.directory_updates is False

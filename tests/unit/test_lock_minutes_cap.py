"""Issue 17, item 4: the session lock of a profile with an MSSanté account is 120 minutes by
default, and can be neither longer nor "never" (0)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.core.settings import (
    DEFAULT_LOCK_MINUTES,
    MAX_MSSANTE_LOCK_MINUTES,
    Settings,
    lock_minutes_for,
)
from app.ops.accounts import new_account, session_lock_minutes


def test_the_default_and_the_cap_are_pinned(tmp_path: Path) -> None:
    assert DEFAULT_LOCK_MINUTES == 120
    assert MAX_MSSANTE_LOCK_MINUTES == 120
    assert Settings.load(tmp_path / "absent.toml").lock_minutes == 120


@pytest.mark.parametrize(
    ("asked", "used"), [(0, 120), (121, 120), (10_000, 120), (1, 1), (15, 15), (120, 120)]
)
def test_mssante_profiles_lock_within_120_minutes(
    asked: int, used: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.core.settings"):
        assert lock_minutes_for(asked, mssante=True) == used
    assert ("not allowed with an MSSanté account" in caplog.text) is (asked != used)


@pytest.mark.parametrize("asked", [0, 15, 600])
def test_other_profiles_keep_their_setting(asked: int) -> None:
    assert lock_minutes_for(asked, mssante=False) == asked


def test_a_never_in_config_toml_is_read_then_capped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[session]\nverrouillage_minutes = "jamais"\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="app.core.settings"):
        assert Settings.load(path).lock_minutes == 120
    assert "is not a number of minutes" in caplog.text


def test_the_profile_cap_follows_its_accounts(tmp_path: Path) -> None:
    card = new_account("a@medecin.mssante.fr", "card", "imaps://imap.mailiz.fr", None)
    gmail = new_account("a@gmail.com", "password", "imaps://imap.gmail.com", None)
    mss = new_account("b@x.fr", "password", "imaps://imap.medecin.mssante.fr", None)
    assert session_lock_minutes(0, [gmail], tmp_path) == 0
    assert session_lock_minutes(0, [gmail, card], tmp_path) == 120
    assert session_lock_minutes(480, [mss], tmp_path) == 120
    assert session_lock_minutes(30, [mss, card], tmp_path) == 30

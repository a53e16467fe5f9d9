from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from app.core.paths import PROFILE_ENV, Profile


def test_explicit_directory_wins_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROFILE_ENV, str(tmp_path / "from-env"))
    assert Profile.resolve(tmp_path / "from-cli").data_dir == tmp_path / "from-cli"
    assert Profile.resolve(None).data_dir == tmp_path / "from-env"


def test_default_uses_per_user_directories(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    profile = Profile.resolve(None)
    assert not profile.explicit
    assert "Caducee" in str(profile.data_dir)
    assert "Caducee" in str(profile.log_dir)


def test_explicit_profile_keeps_everything_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", None)
    profile = Profile.from_dir(tmp_path / "p")
    profile.ensure()
    for path in (
        profile.data_dir,
        profile.cache_dir,
        profile.log_dir,
        profile.tmp_dir,
        profile.config_file,
    ):
        assert path.is_relative_to(tmp_path / "p")
    with tempfile.NamedTemporaryFile() as handle:
        assert Path(handle.name).is_relative_to(profile.tmp_dir)
    assert (profile.data_dir.stat().st_mode & 0o777) == 0o700

"""Shared pytest configuration: the lab fixtures, and nothing written outside temp dirs."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.lab.fixtures"]


@pytest.fixture(autouse=True)
def _isolated_profile(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test runs with its own profile directory unless it sets another one."""
    monkeypatch.setenv("CADUCEE_PROFILE_DIR", str(tmp_path_factory.mktemp("profile")))

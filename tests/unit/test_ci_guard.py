"""Under CI a skipped test fails the run (tests/conftest.py), so a broken lab cannot hide."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_a_skip_under_ci_fails_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest("from tests.conftest import pytest_sessionfinish  # noqa: F401")
    pytester.makepyfile("import pytest\ndef test_x():\n    pytest.skip('no lab')\n")
    monkeypatch.setenv("CI", "true")
    assert pytester.runpytest_subprocess().ret == pytest.ExitCode.TESTS_FAILED
    monkeypatch.setenv("CI", "false")
    assert pytester.runpytest_subprocess().ret == pytest.ExitCode.OK

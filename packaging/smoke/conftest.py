"""The frozen build's smoke test: reuses the test lab (tests/lab) and its fixtures.

Not part of the main suite (pyproject's testpaths is ``tests``): run it through
``packaging/smoke_test.py --dist DIR`` once ``packaging/build.py`` has built DIR/caducee.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.lab.fixtures import (  # noqa: F401 - fixtures, used by name
    cps3_card,
    dovecot_mss,
    full_card,
    lab_accounts,
    lab_dir,
    lab_pki,
    lab_smtp,
)

FROZEN_ENV = "CADUCEE_FROZEN"  # the frozen executable, set by packaging/smoke_test.py


@pytest.fixture(scope="session")
def frozen() -> Path:
    executable = os.environ.get(FROZEN_ENV)
    if not executable:
        raise pytest.UsageError(f"{FROZEN_ENV} must name the frozen caducee executable")
    path = Path(executable)
    assert path.is_file(), f"no frozen executable at {path}"
    return path


@pytest.fixture(autouse=True)
def _isolated_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADUCEE_PROFILE_DIR", str(tmp_path / "profile"))

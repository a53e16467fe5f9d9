"""``caducee gui --screenshot``: the desktop window as support and the docs capture it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.store.db import Store
from tests.ui.conftest import assert_not_blank, fill_store


def test_gui_screenshot_of_a_profile(tmp_path: Path, artefacts: Path) -> None:
    profile = tmp_path / "profile"
    store = Store.open(profile)
    fill_store(store, 40)
    store.close()
    shot = artefacts / "gui-command.png"
    shot.unlink(missing_ok=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--profile-dir",
            str(profile),
            "gui",
            "--screenshot",
            str(shot),
        ],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert_not_blank(shot)
    assert (profile / "ui.ini").exists()  # window settings stay inside the profile

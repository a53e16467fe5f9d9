"""``caducee gui --screenshot``: the desktop window as support and the docs capture it."""

from __future__ import annotations

from pathlib import Path

from app.store.db import Store
from tests.e2e.test_demo import caducee
from tests.lab.xvfb import XServer
from tests.ui.conftest import assert_not_blank, fill_store


def screenshot_of_a_profile(tmp_path: Path, shot: Path, env: dict[str, str]) -> None:
    profile = tmp_path / "profile"
    store = Store.open(profile)
    fill_store(store, 40)
    store.close()
    shot.unlink(missing_ok=True)
    done = caducee(profile, "gui", "--screenshot", str(shot), **env)
    assert done.returncode == 0, done.stderr
    assert_not_blank(shot)
    assert (profile / "ui.ini").exists()  # window settings stay inside the profile


def test_gui_screenshot_of_a_profile(tmp_path: Path, artefacts: Path) -> None:
    screenshot_of_a_profile(tmp_path, artefacts / "gui-command.png", {})


def test_gui_screenshot_on_an_x_server(tmp_path: Path, artefacts: Path, x_server: XServer) -> None:
    """The window as on a Linux desktop: Qt's xcb plugin, its libraries, a real server."""
    screenshot_of_a_profile(tmp_path, artefacts / "gui-command-xcb.png", x_server.env)

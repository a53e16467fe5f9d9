"""``caducee gui --screenshot``: the desktop window as support and the docs capture it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.core.crashes import MARKER_PREFIX, REPORT_PREFIX
from app.store.db import Store
from tests.e2e.test_demo import caducee
from tests.lab.xvfb import XServer, free_display
from tests.ui.conftest import assert_not_blank, fill_store
from tests.unit.test_crashes import run_child


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


def test_the_window_says_once_that_it_stopped_unexpectedly(tmp_path: Path, artefacts: Path) -> None:
    """A window process that segfaulted (the same crash guard): the next window shows
    the notice (look at the screenshot), the marker goes, the report stays; its own clean
    exit leaves nothing."""
    logs = tmp_path / "profile" / "logs"
    assert run_child(logs, "segfault").returncode != 0
    report = next(logs.glob(f"{REPORT_PREFIX}*"))
    screenshot_of_a_profile(tmp_path, artefacts / "gui-crash-notice.png", {})
    left = [p.name for p in logs.iterdir() if p.name.startswith((MARKER_PREFIX, REPORT_PREFIX))]
    assert left == [report.name]


NO_DISPLAY = {"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}


@pytest.mark.skipif(sys.platform != "linux", reason="Qt's xcb platform is Linux's")
@pytest.mark.parametrize("command", [[], ["gui"], ["demo"]])
def test_no_display_is_said_in_french_before_qt_aborts(tmp_path: Path, command: list[str]) -> None:
    done = caducee(tmp_path / "profile", *command, **NO_DISPLAY)
    assert done.returncode == 1, done.stderr  # not 134 (SIGABRT) and its core dump
    assert "ne peut pas ouvrir sa fenêtre" in done.stderr
    assert "DISPLAY" in done.stderr
    assert "qt.qpa" not in done.stderr  # Qt was never asked
    assert "opérateur local prêt" not in done.stdout  # the demo stops before its operator


@pytest.mark.skipif(sys.platform != "linux", reason="Qt's xcb platform is Linux's")
def test_an_x_server_that_does_not_answer_is_said_in_french(tmp_path: Path) -> None:
    nobody = free_display()
    done = caducee(tmp_path / "profile", "gui", **{**NO_DISPLAY, "DISPLAY": nobody})
    assert done.returncode == 1, done.stderr
    assert f"l'affichage {nobody}" in done.stderr and "ne répond pas" in done.stderr
    assert "qt.qpa" not in done.stderr

"""The check before the window: no display, an xcb plugin that cannot load, an X server
that does not answer — said in French instead of Qt's abort (issue 13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.ui.display import debian_package, display_problem, load_error
from tests.lab.availability import require_program
from tests.lab.xvfb import XServer, free_display

LINUX = "linux"


def never(_what: object) -> None:
    raise AssertionError("not to be called")


@pytest.mark.parametrize("platform", ["offscreen", "minimal", "vnc", "wayland", "eglfs"])
def test_other_qt_platforms_are_left_alone(platform: str) -> None:
    assert display_problem({"QT_QPA_PLATFORM": platform}, system=LINUX, load=never) is None


@pytest.mark.parametrize("system", ["win32", "darwin"])
def test_windows_and_macos_are_not_checked(system: str) -> None:
    assert display_problem({}, system=system, load=never, connect=never) is None


def test_no_display_at_all() -> None:
    for env in ({}, {"QT_QPA_PLATFORM": "xcb"}, {"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "w"}):
        problem = display_problem(env, system=LINUX, load=never, connect=never)
        assert problem is not None
        assert "ne peut pas ouvrir sa fenêtre" in problem and "DISPLAY" in problem


def test_a_wayland_session_is_left_to_qt() -> None:
    env = {"WAYLAND_DISPLAY": "wayland-0"}
    assert display_problem(env, system=LINUX, load=never, connect=never) is None


def test_the_first_platform_of_a_list_counts() -> None:
    env = {"QT_QPA_PLATFORM": "xcb:nograb;offscreen"}
    problem = display_problem(env, system=LINUX, load=never, connect=never)
    assert problem is not None and "DISPLAY" in problem
    assert display_problem({"QT_QPA_PLATFORM": "offscreen;xcb"}, system=LINUX) is None


def test_a_missing_library_is_named_with_its_package(tmp_path: Path) -> None:
    """A plugin built here that needs a library which is then removed: the real loader."""
    gcc = require_program("gcc", "gcc")
    absent = tmp_path / "libcaducee-absent.so.3"
    source = tmp_path / "empty.c"
    source.write_text("int caducee_absent(void) { return 0; }\n")
    compile_ = [gcc, "-shared", "-fPIC", "-o"]
    subprocess.run(
        [*compile_, str(absent), str(source), "-Wl,-soname,libcaducee-absent.so.3"], check=True
    )
    (tmp_path / "libcaducee-absent.so").symlink_to(absent.name)
    plugin = tmp_path / "libqxcb.so"
    subprocess.run(
        [
            *compile_,
            str(plugin),
            str(source),
            f"-L{tmp_path}",
            "-Wl,--no-as-needed",
            "-lcaducee-absent",
        ],
        check=True,
    )
    absent.unlink()

    failure = load_error(plugin)
    assert failure is not None and "libcaducee-absent.so.3" in failure
    problem = display_problem({"DISPLAY": ":0"}, system=LINUX, plugin=plugin, connect=never)
    assert problem is not None
    assert "libcaducee-absent.so.3" in problem and "libcaducee-absent3" in problem


def test_a_broken_plugin_is_said_too(tmp_path: Path) -> None:
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"not a library")
    problem = display_problem({"DISPLAY": ":0"}, system=LINUX, plugin=plugin, connect=never)
    assert problem is not None and "module d'affichage X11" in problem and str(plugin) in problem


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ],
)
def test_debian_package_names(soname: str, package: str) -> None:
    assert debian_package(soname) == package


@pytest.mark.skipif(sys.platform != LINUX, reason="Qt's xcb platform is Linux's")
def test_an_x_server_that_does_not_answer() -> None:
    nobody = free_display()
    problem = display_problem({"DISPLAY": nobody}, system=LINUX)
    assert problem is not None and f"l'affichage {nobody}" in problem


@pytest.mark.skipif(sys.platform != LINUX, reason="Qt's xcb platform is Linux's")
def test_a_real_x_server_passes(x_server: XServer) -> None:
    """This machine's xcb plugin loads, and Xvfb answers: nothing to say."""
    assert display_problem(x_server.env, system=LINUX) is None

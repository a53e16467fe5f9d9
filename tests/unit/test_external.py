"""The environment given to the user's programs from a frozen build (xdg-open on Linux)."""

from __future__ import annotations

from app.core.external import user_environment


def test_a_frozen_build_gives_back_the_users_library_path() -> None:
    bundled = {
        "LD_LIBRARY_PATH": "/opt/caducee/_internal",
        "LD_LIBRARY_PATH_ORIG": "/usr/local/lib",
        "HOME": "/home/docteur",
    }
    assert user_environment(bundled, frozen=True) == {
        "LD_LIBRARY_PATH": "/usr/local/lib",
        "HOME": "/home/docteur",
    }


def test_a_library_path_the_user_never_had_is_removed() -> None:
    bundled = {
        "LD_LIBRARY_PATH": "/opt/caducee/_internal",
        "QT_PLUGIN_PATH": "/opt/caducee/_internal/PySide6/Qt/plugins",
        "PATH": "/usr/bin",
    }
    assert user_environment(bundled, frozen=True) == {"PATH": "/usr/bin"}


def test_outside_a_frozen_build_nothing_changes() -> None:
    mine = {"LD_LIBRARY_PATH": "/home/docteur/lib", "LD_LIBRARY_PATH_ORIG": "x"}
    assert user_environment(mine, frozen=False) == mine

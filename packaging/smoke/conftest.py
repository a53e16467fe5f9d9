"""The frozen build's smoke test: reuses the test lab (tests/lab) and its fixtures.

Not part of the main suite (pyproject's testpaths is ``tests``): run it through
``packaging/smoke_test.py --dist DIR`` once ``packaging/build.py`` has built DIR/caducee.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.desktop_bus import session_bus
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
ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Where the frozen window's screenshots go, to be looked at by a person."""
    default = ROOT / "build" / "test-artefacts"
    directory = Path(os.environ.get("CADUCEE_ARTEFACTS", default)) / "frozen"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real Secret Service (GNOME Keyring, its login keyring unlocked) on a private D-Bus
    session bus: the normal place of the profile key on Linux. Gives the variable that points
    the frozen ``caducee`` (keyring's SecretService backend, through jeepney) at it."""
    for tool in ("dbus-daemon", "dbus-send", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:  # under CI=true a missing lab piece fails, never skips
            pytest.fail(f"{tool} is missing: scripts/system-packages installs it")
    home = tmp_path_factory.mktemp("keyring-home")
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_RUNTIME_DIR": str(runtime),
    }
    with session_bus(runtime, env) as address:
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            assert daemon.stdin is not None
            daemon.stdin.write(b"mot de passe de session du test")  # creates the login keyring
            daemon.stdin.close()
            deadline = time.monotonic() + 30
            while not _owned(env, "org.freedesktop.secrets"):
                assert daemon.poll() is None, "gnome-keyring-daemon stopped"
                assert time.monotonic() < deadline, "no Secret Service on the bus after 30 s"
                time.sleep(0.05)
            yield {"DBUS_SESSION_BUS_ADDRESS": address}
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)


def _owned(env: dict[str, str], name: str) -> bool:
    reply = subprocess.run(
        ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
         "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
        env=env, capture_output=True, text=True, timeout=10, check=False,
    )  # fmt: skip
    return "boolean true" in reply.stdout

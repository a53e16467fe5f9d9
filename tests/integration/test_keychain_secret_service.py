"""The profile key in a real Secret Service (GNOME Keyring on a session bus of the test's
own), reached through the backend keyring would choose, named directly: none of keyring's
search of every backend (issue 22, item 2: ~100 ms of each command that reads a key)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jeepney import message_bus
from jeepney.io.blocking import open_dbus_connection

from app.core import keychain
from tests.lab.availability import require_program
from tests.lab.desktop_bus import session_bus

pytestmark = pytest.mark.lab

SECRETS = "org.freedesktop.secrets"
PROBE = (
    "import json, sys\n"
    "from app.core import keychain\n"
    "import keyring\n"
    "if sys.argv[1] == 'write':\n"
    "    assert keychain.set_secret('profile-key:/probe', 'clé du profil')\n"
    "value = keychain.get_secret('profile-key:/probe')\n"
    "backend = type(keyring.get_keyring())\n"
    "print(json.dumps([value, backend.__module__ + '.' + backend.__name__,"
    " sorted(m for m in sys.modules if m.startswith('keyring.backends.'))]))\n"
)


def _owned(address: str, name: str) -> bool:
    connection = open_dbus_connection(bus=address)
    try:
        reply = connection.send_and_get_reply(message_bus.NameHasOwner(name), timeout=5)
    finally:
        connection.close()
    return bool(reply.body[0])


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A session with GNOME Keyring's Secret Service, its login keyring unlocked; the
    environment of a process of that session (no ``PYTHON_KEYRING_BACKEND``)."""
    daemon_program = require_program("gnome-keyring-daemon", "gnome-keyring")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env.update(
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_RUNTIME_DIR=str(runtime),
    )
    with session_bus(runtime, env) as address:
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        daemon = subprocess.Popen(
            [daemon_program, "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            assert daemon.stdin is not None
            daemon.stdin.write(b"mot de passe de session du test")  # the login keyring
            daemon.stdin.close()
            deadline = time.monotonic() + 30
            while not _owned(address, SECRETS):
                assert daemon.poll() is None, "gnome-keyring-daemon stopped"
                assert time.monotonic() < deadline, "no Secret Service on the bus after 30 s"
                time.sleep(0.05)
            yield env
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)


def _run(env: dict[str, str], mode: str) -> tuple[str | None, str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    value, backend, loaded = json.loads(done.stdout.splitlines()[-1])
    return value, backend, loaded


def test_the_secret_service_is_used_without_searching_every_backend(
    desktop: dict[str, str],
) -> None:
    assert _run(desktop, "write")[0] == "clé du profil"
    value, backend, loaded = _run(desktop, "read")  # another process: from the keyring
    assert value == "clé du profil"
    assert backend == keychain.PLATFORM_BACKENDS["linux"]
    # No search (it loads KWallet, libsecret, the chainer...); keyring.core loads "fail".
    assert loaded == ["keyring.backends.SecretService", "keyring.backends.fail"]

"""Which keyring backend holds the secrets: the one set, else the one the user configured,
else the system's own named directly (keyring's search of every installed backend is ~100 ms
of each command that reads a key: issue 22, item 2), else keyring's search."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.core
from keyring.backend import KeyringBackend
from keyring.backends import null

from app.core import keychain

PROBE = (  # a process of its own: the backend is chosen once per process
    "import json, sys\n"
    "from app.core import keychain\n"
    "import keyring, keyring.core\n"
    "unset = keyring.core._keyring_backend is None\n"
    "value = keychain.get_secret('probe')\n"
    "backend = keyring.get_keyring()\n"
    "print(json.dumps([unset, value, type(backend).__module__ + '.' + type(backend).__name__,"
    " sorted(m for m in sys.modules if m.startswith('keyring.backends.'))]))\n"
)


def _probe(tmp_path: Path, **env: str) -> tuple[bool, str | None, str, list[str]]:
    """The probe with no keyring service (no D-Bus session), no ``PYTHON_KEYRING_BACKEND``
    unless given, and a configuration folder of its own."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS")
    }
    clean.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"), **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    unset, value, backend, loaded = json.loads(done.stdout.splitlines()[-1])
    return unset, value, backend, loaded


def test_every_platform_backend_named_is_one_of_keyrings() -> None:
    assert set(keychain.PLATFORM_BACKENDS) == {"win32", "darwin", "linux"}
    for name in keychain.PLATFORM_BACKENDS.values():
        assert issubclass(keyring.core._load_keyring_class(name), KeyringBackend), name


def test_a_backend_already_set_is_the_one_used() -> None:
    previous = keyring.get_keyring()
    kept = null.Keyring()  # type: ignore[no-untyped-call]
    keyring.set_keyring(kept)
    try:
        assert keychain.get_secret("anything") is None
        assert keyring.get_keyring() is kept  # not replaced by the configured or system one
    finally:
        keyring.set_keyring(previous)


def test_the_variable_of_keyring_chooses_the_backend(tmp_path: Path) -> None:
    backend = "keyring.backends.null.Keyring"
    unset, value, chosen, _loaded = _probe(tmp_path, PYTHON_KEYRING_BACKEND=backend)
    assert unset  # what keychain reads to know that nothing was set yet (keyring's own)
    assert (value, chosen) == (None, backend)


def test_keyrings_configuration_file_chooses_the_backend(tmp_path: Path) -> None:
    config = tmp_path / "config" / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text("[backend]\ndefault-keyring=tests.file_keyring.FileKeyring\n")
    store = tmp_path / "keyring.json"
    store.write_text(json.dumps({f"{keychain.SERVICE}\nprobe": "gardé"}))
    _unset, value, chosen, _loaded = _probe(tmp_path, TEST_KEYRING_FILE=str(store))
    assert (value, chosen) == ("gardé", "tests.file_keyring.FileKeyring")


def test_no_system_keyring_falls_back_to_keyrings_own_search(tmp_path: Path) -> None:
    """No Secret Service on this session (no D-Bus): keyring's search decides, as before;
    reading says nothing is stored rather than failing."""
    _unset, value, chosen, loaded = _probe(tmp_path)
    assert value is None
    assert chosen != keychain.PLATFORM_BACKENDS["linux"]
    assert "keyring.backends.chainer" in loaded  # the search ran (it loads every backend)

"""Shared pytest configuration: the lab fixtures, and nothing written outside temp dirs."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from tests.file_keyring import FileKeyring

pytest_plugins = ["tests.lab.fixtures", "pytester"]

# Profile keys (app/core/profile_key.py) need a keyring, in this process and in every
# ``caducee`` the tests start: one file-backed stand-in for the session (tests/file_keyring.py).
_KEYRING_DIR = Path(tempfile.mkdtemp(prefix="caducee-keyring-"))
os.environ["TEST_KEYRING_FILE"] = str(_KEYRING_DIR / "keyring.json")
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.file_keyring.FileKeyring"
_ROOT = str(Path(__file__).resolve().parent.parent)  # ``tests`` importable in subprocesses
if _ROOT not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (os.environ.get("PYTHONPATH"), _ROOT) if p
    )
keyring.set_keyring(FileKeyring())


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_KEYRING_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_profile(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every test runs with its own profile directory unless it sets another one, and
    leaves the process's temporary folder as it found it: ``main()`` in-process moves it
    into its profile (Profile.ensure), and a lab started later would put its sockets under
    that long path (too long for a Unix socket: the lab would not start). The umask too:
    ``main()`` makes it 077, and a lab started later as root would then write files its
    unprivileged server processes cannot read."""
    monkeypatch.setenv("CADUCEE_PROFILE_DIR", str(tmp_path_factory.mktemp("profile")))
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    umask = os.umask(0o022)
    os.umask(umask)
    try:
        yield
    finally:
        os.umask(umask)
        _stop_the_pdf_probe()


def _stop_the_pdf_probe() -> None:
    """The window's PDF probe child (app/ui/pdf_probe.py) lives as long as its application;
    a test that started it stops it, so that the next one starts with no child process."""
    import sys

    probe = sys.modules.get("app.ui.pdf_probe")
    if probe is not None:
        probe.close_shared_prober()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under CI nothing may be skipped: a skipped lab test would hide a broken lab."""
    from tests.lab.availability import under_ci

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if under_ci() and skipped:
        for report in skipped:
            print(f"\nskipped under CI: {report.nodeid}: {report.longrepr}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def artefacts() -> Path:
    """Where screenshots go (kept by CI as test artefacts; looked at by a person)."""
    default = Path(__file__).resolve().parent.parent / "build" / "test-artefacts"
    directory = Path(os.environ.get("CADUCEE_ARTEFACTS", default))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class MemoryKeyring(KeyringBackend):
    """The OS keyring stand-in: no Secret Service runs on a CI machine."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """A keyring in memory for the test, the previous one back afterwards."""
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)

"""Every file Caducée creates in its profile is private (0600 / 0700), whatever the umask of
the process; what is filed into the patients folder takes that folder's own rights."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core import logs
from app.core.paths import Profile
from app.core.private import create_private, private_database, shared_modes, tighten
from app.core.settings import Settings
from app.filing import filer
from app.filing.db import FilingDb
from app.store.db import Store

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def lax_umask() -> Iterator[None]:
    """The umask of a process that did not go through ``main()`` (a library user)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_main_makes_the_process_create_private_files(tmp_path: Path) -> None:
    probe = (
        "import os, sys; from app.cli.main import main; main(['info', '--json']); "
        "sys.stdout.write(oct(os.umask(0)))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "CADUCEE_PROFILE_DIR": str(tmp_path / "p")},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert shown.stdout.endswith("0o77")


def test_the_store_and_its_wal_are_private_even_with_a_lax_umask(
    tmp_path: Path, lax_umask: None
) -> None:
    store = Store.open(tmp_path / "profile")
    try:
        store.add_account("dr@mssante.test", "password", "imaps://imap.test")  # WAL in use
        files = sorted((tmp_path / "profile").glob("store.sqlite3*"))
        assert [f.name for f in files] == [
            "store.sqlite3",
            "store.sqlite3-shm",
            "store.sqlite3-wal",
        ]
        assert {mode(f) for f in files} == {0o600}
        assert mode(tmp_path / "profile") == 0o700
        assert mode(tmp_path / "profile" / "messages") == 0o700
    finally:
        store.close()
    filing = FilingDb.open(tmp_path / "profile")
    filing.close()
    assert mode(tmp_path / "profile" / "filing.sqlite3") == 0o600


def test_an_older_caducees_files_are_tightened_when_opened(tmp_path: Path, lax_umask: None) -> None:
    profile = Profile.from_dir(tmp_path / "profile")
    for directory in (profile.data_dir, profile.log_dir):
        directory.mkdir(mode=0o755, parents=True)
    database = profile.data_dir / "store.sqlite3"
    database.write_bytes(b"")
    (profile.data_dir / "store.sqlite3-wal").write_bytes(b"")
    database.chmod(0o644)
    profile.ensure()
    assert mode(profile.data_dir) == mode(profile.log_dir) == 0o700
    private_database(database)
    assert mode(database) == mode(profile.data_dir / "store.sqlite3-wal") == 0o600
    elsewhere = tmp_path / "not-ours.txt"
    elsewhere.write_bytes(b"")
    elsewhere.chmod(0o644)
    link = profile.data_dir / "link"
    link.symlink_to(elsewhere)
    tighten(link)  # a link is left alone, and what it points to is not reached through it
    assert mode(elsewhere) == 0o644


def test_the_log_stays_private_through_its_rotations(
    tmp_path: Path, lax_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 200)  # a rotation every few records
    handler = logs.setup(tmp_path / "logs")
    try:
        for number in range(20):
            logging.getLogger("app.test").warning("record %d of a rotating log", number)
        handler.flush()
    finally:
        logging.getLogger("app").removeHandler(handler)
        handler.close()
    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert files == [logs.LOG_NAME] + [f"{logs.LOG_NAME}.{n}" for n in range(1, logs.BACKUPS + 1)]
    assert {mode(tmp_path / "logs" / name) for name in files} == {0o600}
    assert "record 19 " in (tmp_path / "logs" / logs.LOG_NAME).read_text(encoding="utf-8")


def test_log_and_settings_are_private(tmp_path: Path, lax_umask: None) -> None:
    handler = logs.setup(tmp_path / "logs")
    try:
        logging.getLogger("app.test").warning("a record")
        handler.flush()
    finally:
        logging.getLogger("app").removeHandler(handler)
        handler.close()
    assert mode(tmp_path / "logs" / logs.LOG_NAME) == 0o600
    assert mode(tmp_path / "logs") == 0o700
    Settings().save(tmp_path / "config" / "config.toml")
    assert mode(tmp_path / "config" / "config.toml") == 0o600
    create_private(tmp_path / "new")
    assert mode(tmp_path / "new") == 0o600


@pytest.mark.parametrize(
    ("root_mode", "folder_mode", "file_mode"),
    [
        (0o750, 0o750, 0o640),  # the practice's group reads
        (0o2770, 0o2770, 0o660),  # a group-shared folder (setgid) stays shared
        (0o700, 0o700, 0o600),  # a private folder stays private
        (0o777, 0o775, 0o664),  # never writable by anyone on the computer
    ],
)
def test_filed_files_take_the_patients_folder_rights(
    tmp_path: Path, root_mode: int, folder_mode: int, file_mode: int
) -> None:
    root = tmp_path / "Patients"
    root.mkdir()
    root.chmod(root_mode)
    assert shared_modes(root) == (folder_mode, file_mode)
    previous = os.umask(0o077)  # as main() sets it: it must not decide here
    try:
        folder = filer.patient_folder(root, "DURAND Marie (1950-01-02)")
        written = filer.write_new(root, folder, "2026-11-20_CR_Labo.pdf", b"%PDF-1.4\n")
    finally:
        os.umask(previous)
    assert mode(folder) == folder_mode
    assert mode(written) == file_mode
    folder.chmod(0o700)  # her own change to an existing patient folder is kept
    filer.patient_folder(root, "DURAND Marie (1950-01-02)")
    assert mode(folder) == 0o700

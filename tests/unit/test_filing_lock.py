"""The patients root's lock file (issue 19 item 4): exclusive across processes, reentrant in
one holder, a crashed holder's lock taken over, another's fresh lock never removed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.filing.errors import FilingError
from app.filing.lock import RootBusyError, RootLock, host_name


def test_one_holder_at_a_time_and_reentrant(tmp_path: Path) -> None:
    first, second = RootLock(tmp_path), RootLock(tmp_path, timeout=0.2)
    with first.held(), first.held():  # reentrant
        holder = first.holder()
        assert holder is not None
        assert holder["host"] == host_name() and holder["pid"] == os.getpid()
        with pytest.raises(RootBusyError) as raised:
            second.acquire()
        assert "occupé par un autre classement" in raised.value.user_message
        assert holder["host"] in raised.value.user_message
    assert not first.path.exists()
    with second.held():
        assert second.path.exists()


def test_the_lock_of_a_dead_process_on_this_host_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    (tmp_path / "lock").write_text(
        json.dumps({"host": host_name(), "pid": int(dead.stdout), "user": "x", "token": "t"})
    )
    lock = RootLock(tmp_path, timeout=5)
    started = time.monotonic()
    with lock.held():
        assert lock.holder() is not None and lock.holder()["pid"] == os.getpid()  # type: ignore[index]
    assert time.monotonic() - started < 2
    assert not (tmp_path / "lock.takeover").exists()


def test_an_old_lock_of_another_pc_is_taken_over_a_young_one_is_waited_for(
    tmp_path: Path,
) -> None:
    other = {"host": "PC-ACCUEIL", "pid": 4242, "user": "secretariat", "token": "t1"}
    (tmp_path / "lock").write_text(json.dumps(other))
    lock = RootLock(tmp_path, timeout=0.3, stale_after=60)
    with pytest.raises(RootBusyError) as raised:
        lock.acquire()
    assert "secretariat sur PC-ACCUEIL" in raised.value.user_message
    old = (tmp_path / "lock").stat().st_mtime - 3600  # by the disk's clock, not time.time():
    os.utime(tmp_path / "lock", (old, old))  # its holder crashed an hour ago
    with lock.held():
        assert lock.holder()["token"] != "t1"  # type: ignore[index]


def test_a_holder_never_removes_a_lock_that_is_no_longer_its_own(tmp_path: Path) -> None:
    lock = RootLock(tmp_path)
    lock.acquire()
    other = {"host": "PC-2", "pid": 1, "user": "y", "token": "someone-else"}
    (tmp_path / "lock").write_text(json.dumps(other))  # taken over meanwhile
    lock.release()
    assert json.loads((tmp_path / "lock").read_text())["token"] == "someone-else"


def test_a_takeover_left_by_a_crash_is_cleared(tmp_path: Path) -> None:
    (tmp_path / "lock").write_text("{}")
    (tmp_path / "lock.takeover").write_text("")
    old = (tmp_path / "lock").stat().st_mtime - 3600  # the disk's clock (CI shifts time.time)
    for name in ("lock", "lock.takeover"):
        os.utime(tmp_path / name, (old, old))
    with RootLock(tmp_path, timeout=5).held():
        pass
    assert not (tmp_path / "lock").exists() and not (tmp_path / "lock.takeover").exists()


def test_a_folder_she_cannot_write_is_said_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_args: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("app.filing.lock.os.open", refused)  # a read-only share
    with pytest.raises(FilingError) as raised:
        RootLock(tmp_path).acquire()
    assert "Impossible de verrouiller le dossier des patients" in raised.value.user_message

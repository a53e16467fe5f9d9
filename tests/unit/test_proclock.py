"""ProcessLock: one holder at a time across threads and processes; a dead holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.core.proclock import ProcessLock

_HOLD = """
import sys, time
from pathlib import Path
from app.core.proclock import ProcessLock
lock = ProcessLock(Path(sys.argv[1]))
assert lock.acquire(timeout=10)
print("held", flush=True)
time.sleep(60)
"""


def test_one_holder_at_a_time_across_threads(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "outbox.lock"
    inside = 0
    overlaps = 0
    counter = threading.Lock()

    def work() -> None:
        nonlocal inside, overlaps
        for _ in range(20):
            with ProcessLock(path):
                with counter:
                    inside += 1
                    overlaps += inside > 1
                time.sleep(0.001)
                with counter:
                    inside -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == 0


def test_a_second_holder_waits_or_gives_up(tmp_path: Path) -> None:
    first = ProcessLock(tmp_path / "a.lock")
    assert first.acquire(timeout=0)
    assert first.holder() == os.getpid()
    second = ProcessLock(tmp_path / "a.lock")
    started = time.monotonic()
    assert not second.acquire(timeout=0.2)
    assert time.monotonic() - started >= 0.2
    assert not second.held
    threading.Timer(0.2, first.release).start()
    assert second.acquire(timeout=10)
    second.release()
    with pytest.raises(RuntimeError):
        with ProcessLock(tmp_path / "b.lock") as lock:
            lock.acquire()


def test_a_killed_holder_leaves_the_lock_free(tmp_path: Path) -> None:
    path = tmp_path / "outbox.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        lock = ProcessLock(path)
        assert not lock.acquire(timeout=0)
        assert lock.holder() == holder.pid
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        assert lock.acquire(timeout=5)  # the OS released it with the process
        lock.release()
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()
        if holder.stdout:
            holder.stdout.close()


def test_named_locks_hash_the_scope(tmp_path: Path) -> None:
    one = ProcessLock.named(tmp_path, "outbox", "Dr.Martin@medecin.mssante.fr")
    same = ProcessLock.named(tmp_path, "outbox", "dr.martin@medecin.mssante.fr")
    other = ProcessLock.named(tmp_path, "outbox", "autre@medecin.mssante.fr")
    assert one.path == same.path != other.path
    assert one.path.name.startswith("outbox-") and "@" not in one.path.name
    assert ProcessLock.named(tmp_path, "sync").path == tmp_path / "sync.lock"

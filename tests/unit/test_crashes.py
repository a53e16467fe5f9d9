"""A native crash leaves a report and a marker; the next start sees it once (issue 13)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.crashes import MARKER_PREFIX, REPORT_PREFIX, pid_alive, unexpected_stops

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import faulthandler, sys, time
from pathlib import Path
from app.core.crashes import CrashGuard

if sys.platform != "win32":
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a report, but no core file

guard = CrashGuard(Path(sys.argv[1]))
guard.start()
print("started", flush=True)
if sys.argv[2] == "segfault":
    faulthandler._sigsegv()
elif sys.argv[2] == "wait":
    time.sleep(60)
guard.stop()
"""


def guarded_child(log_dir: Path, how: str) -> subprocess.Popen[str]:
    """A process with the window's crash guard, that ends as ``how`` says."""
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(log_dir), how],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_child(log_dir: Path, how: str) -> subprocess.CompletedProcess[str]:
    child = guarded_child(log_dir, how)
    out, err = child.communicate(timeout=60)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def left_files(log_dir: Path) -> list[str]:
    return sorted(p.name for p in log_dir.iterdir())


def test_a_clean_exit_leaves_nothing(tmp_path: Path) -> None:
    done = run_child(tmp_path, "exit")
    assert done.returncode == 0, done.stderr
    assert left_files(tmp_path) == []
    assert unexpected_stops(tmp_path) == []


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal")
def test_a_segfault_leaves_a_report_seen_once(tmp_path: Path) -> None:
    done = run_child(tmp_path, "segfault")
    assert done.returncode == -signal.SIGSEGV, done.stderr
    assert "started" in done.stdout
    marker = next(tmp_path.glob(f"{MARKER_PREFIX}*.json"))
    assert json.loads(marker.read_text())["pid"] > 0

    stops = unexpected_stops(tmp_path)
    assert len(stops) == 1
    report = stops[0].report
    assert report is not None and report.name.startswith(REPORT_PREFIX)
    text = report.read_text(encoding="utf-8")
    assert "Segmentation fault" in text and 'File "<string>"' in text  # where it stopped
    assert unexpected_stops(tmp_path) == []  # said once
    assert left_files(tmp_path) == [report.name]  # the report stays for support


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal")
def test_a_killed_window_is_an_unexpected_stop_without_report(tmp_path: Path) -> None:
    child = guarded_child(tmp_path, "wait")
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "started"
        assert unexpected_stops(tmp_path) == []  # still running: not ours to report
        assert any(name.startswith(MARKER_PREFIX) for name in left_files(tmp_path))
    finally:
        child.kill()
        child.communicate(timeout=30)
    stops = unexpected_stops(tmp_path)
    assert [(s.pid, s.report) for s in stops] == [(child.pid, None)]
    assert left_files(tmp_path) == []  # the empty report went with the marker


def test_an_unreadable_marker_is_dropped(tmp_path: Path) -> None:
    (tmp_path / f"{MARKER_PREFIX}12.json").write_text("{not json")
    assert unexpected_stops(tmp_path) == []
    assert left_files(tmp_path) == []


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert not pid_alive(int(child.stdout))

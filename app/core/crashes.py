"""Native crashes leave a trace: the window's process writes ``faulthandler``'s stack traces
to a report in the log folder, and a "running" marker that a clean exit removes. At the
next start, the marker of a process that is gone means it stopped unexpectedly (a crash in
Qt or a native module, or killed): the window says so once, naming the report.

A report holds only stack traces (file names, line numbers, function names), never mail,
addresses or health data. It is kept only when something was written to it.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

MARKER_PREFIX = "running-"
REPORT_PREFIX = "crash-"


@dataclass(frozen=True)
class UnexpectedStop:
    """A window process that ended without its clean exit."""

    pid: int
    started: str  # ISO 8601, local time
    report: Path | None  # its stack traces, when faulthandler wrote any


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (on Windows ``os.kill`` would end it)."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(kernel32.GetLastError() == 5)  # access denied: it exists
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def trace_to_stderr() -> None:
    """Any command: a native crash prints the Python stack traces on stderr (cheap; nothing
    written to disk). Not without a console (a windowed Windows build)."""
    stream = sys.__stderr__
    if stream is None:
        return
    with contextlib.suppress(ValueError, OSError):  # no file descriptor (a captured stream)
        faulthandler.enable(stream, all_threads=True)


def _marker(log_dir: Path, pid: int) -> Path:
    return log_dir / f"{MARKER_PREFIX}{pid}.json"


def unexpected_stops(log_dir: Path) -> list[UnexpectedStop]:
    """The window processes that left their marker and are gone, oldest first. Their
    markers are removed (said once); their reports kept when not empty."""
    stops = []
    for marker in sorted(log_dir.glob(f"{MARKER_PREFIX}*.json")):
        try:
            data = json.loads(marker.read_text(encoding="utf-8"))
            pid, started, name = int(data["pid"]), str(data["started"]), str(data["report"])
        except (OSError, ValueError, KeyError, TypeError):
            marker.unlink(missing_ok=True)  # unreadable: of no use to anyone
            continue
        if pid == os.getpid() or pid_alive(pid):
            continue  # another window still open on this profile (or ourselves)
        report = log_dir / Path(name).name
        stops.append(UnexpectedStop(pid, started, report if _keep(report) else None))
        marker.unlink(missing_ok=True)
    return sorted(stops, key=lambda stop: stop.started)


def _keep(report: Path) -> bool:
    """True if the report holds something; an empty one is removed."""
    try:
        if report.stat().st_size:
            return True
        report.unlink()
    except OSError:
        pass
    return False


class CrashGuard:
    """The window's process: its marker and its faulthandler report, between ``start``
    and ``stop`` (the clean exit)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.pid = os.getpid()
        self.marker = _marker(log_dir, self.pid)
        self.report: Path | None = None
        self._file: IO[str] | None = None
        self._had_faulthandler = False

    def start(self) -> list[UnexpectedStop]:
        """Begin watching; returns the previous window processes that stopped unexpectedly."""
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        stops = unexpected_stops(self.log_dir)
        now = datetime.now()
        self.report = self.log_dir / f"{REPORT_PREFIX}{now:%Y%m%d-%H%M%S}-{self.pid}.txt"
        self._file = self.report.open("w", encoding="utf-8")
        partial = self.marker.with_suffix(".tmp")
        partial.write_text(
            json.dumps(
                {
                    "pid": self.pid,
                    "started": now.isoformat(timespec="seconds"),
                    "report": self.report.name,
                }
            ),
            encoding="utf-8",
        )
        partial.replace(self.marker)
        self._had_faulthandler = faulthandler.is_enabled()
        faulthandler.enable(self._file, all_threads=True)
        return stops

    def __enter__(self) -> list[UnexpectedStop]:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """The clean exit: no marker left, and the report only if something was written."""
        if self._file is None:
            return
        faulthandler.disable()
        if self._had_faulthandler:  # the command's own (stderr), as it was
            trace_to_stderr()
        self._file.close()
        self._file = None
        if self.report is not None:
            _keep(self.report)
        self.marker.unlink(missing_ok=True)

"""bench/caducee.py: the no-change resync, a ~0.2 s process, reported as the median of
several runs beside the first (issue 22 item 2 read off one sample was the machine's noise)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import caducee
from bench.reference import ImapServer, Measure


def _measure(name: str, seconds: float, code: int = 0, rss: int = 100) -> Measure:
    return Measure(name, seconds, seconds / 2, seconds / 4, rss, code)


def test_the_median_of_runs_is_taken_figure_by_figure() -> None:
    runs = [_measure("x", s, rss=r) for s, r in ((0.30, 10), (0.20, 50), (0.22, 20))]
    median = caducee.median_of("caducee resync, no change, median of 3", runs)
    assert (median.seconds, median.user_seconds, median.system_seconds) == (0.22, 0.11, 0.055)
    assert median.max_rss_kib == 50 and median.returncode == 0
    failed = caducee.median_of("m", [*runs, _measure("x", 0.2, code=1)])
    assert failed.returncode == 1  # a failed run is not hidden by the others


def test_the_no_change_resync_is_run_several_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    timings = iter([40.0, 0.31, 0.20, 0.21, 0.19, 0.22, 0.5, 0.6])
    names: list[str] = []

    def measured(name: str, argv: list[str], **_: Any) -> Measure:
        assert argv[-1] == "sync"
        names.append(name)
        return _measure(name, next(timings))

    monkeypatch.setattr(caducee, "run_measured", measured)
    monkeypatch.setattr(caducee.subprocess, "run", lambda *a, **k: None)
    monkeypatch.setattr(caducee, "use_file_keyring", lambda _workdir: None)
    monkeypatch.setattr(caducee, "_search", lambda *a: [])
    monkeypatch.setattr(caducee.compileall, "compile_dir", lambda *a, **k: True)
    steps: list[str] = []
    server = ImapServer("127.0.0.1", 1, "u", "p", tls="starttls", ca_file=tmp_path / "ca.pem")
    measures, _ = caducee.run_caducee(server, tmp_path, [], 1, steps.append)
    assert steps == list(caducee.STEPS)  # the server changed before each step, once
    assert names.count("caducee resync, no change") == caducee.NO_CHANGE_RUNS == 5
    assert [(m.name, m.seconds) for m in measures] == [
        ("caducee full sync", 40.0),
        ("caducee resync, no change", 0.31),
        ("caducee resync, no change, median of 5", 0.21),
        ("caducee resync, 1 % flags changed", 0.5),
        ("caducee resync, new messages", 0.6),
    ]

"""When the daily directory refresh is due: by the time written in its stamp."""

from __future__ import annotations

import os
from pathlib import Path

from app.directory import refresh

NOON = 1_800_000_000.0


def test_due_by_the_stamped_time_not_the_file_s(tmp_path: Path) -> None:
    assert refresh.due(tmp_path, now=NOON)  # never refreshed
    refresh.stamp(tmp_path, now=NOON)
    os.utime(tmp_path / refresh.STAMP, (0, 0))  # copied, restored: its file time means nothing
    assert not refresh.due(tmp_path, now=NOON + 3600)
    assert refresh.due(tmp_path, now=NOON + refresh.EVERY_SECONDS)
    assert refresh.due(tmp_path, now=NOON - 3600)  # the clock went back: refresh, restamp


def test_an_unreadable_stamp_means_due(tmp_path: Path) -> None:
    (tmp_path / refresh.STAMP).write_text("hier\n", "ascii")
    assert refresh.due(tmp_path, now=NOON)
    (tmp_path / refresh.STAMP).write_bytes(b"\xff")
    assert refresh.due(tmp_path, now=NOON)

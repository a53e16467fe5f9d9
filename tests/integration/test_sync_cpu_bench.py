"""bench/sync_cpu.py measures what it says: every message parsed and stored, by the
checkout asked for, in an encrypted profile, both checkouts in the same run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bench import sync_cpu
from bench.mailbox import generate


def test_both_checkouts_parse_and_store_every_message(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    generate(maildir, 40, 600_000, seed=3, workers=1)
    before = tmp_path / "before"  # a copy of this tree, standing for an older checkout
    shutil.copytree(
        sync_cpu.ROOT,
        before,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", "build", "dist", "__pycache__", "*.egg-info"
        ),
    )
    out = tmp_path / "figures.json"
    assert (
        sync_cpu.main(
            ["--maildir", str(maildir), "--before", str(before), "--runs", "1", "--json", str(out)]
        )
        == 0
    )
    figures = json.loads(out.read_text())
    assert len(figures) == 2
    for measured in figures.values():
        assert measured["messages"] == 40
        assert all(measured[part] > 0 for part in ("parse", "headers", "bodies"))

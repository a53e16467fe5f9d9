"""The audit trail: hash chain, head, verification, concurrent appends, the CLI."""

from __future__ import annotations

import itertools
import json
import multiprocessing
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.audit import Action, AuditTrail


def _trail(tmp_path: Path, entries: int = 5) -> AuditTrail:
    trail = AuditTrail(tmp_path / "audit")
    for number in range(entries):
        trail.record(Action.MOVE, account="a@x.test", message=number, folder="INBOX",
                     target="Archives", request="UID MOVE", result="ok")  # fmt: skip
    return trail


def _file(trail: AuditTrail) -> Path:
    (path,) = trail.files()
    return path


def test_entries_are_chained_and_private(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    entries = trail.entries()
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(entries))
    assert entries[0]["os_user"]
    assert trail.verify().ok and trail.verify().count == 5
    assert _file(trail).stat().st_mode & 0o077 == 0
    assert trail.head_file.stat().st_mode & 0o077 == 0


def test_an_edited_entry_is_detected(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _file(trail).read_text().splitlines()
    entry = json.loads(lines[2])
    entry["result"] = "refusé"
    lines[2] = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    _file(trail).write_text("\n".join(lines) + "\n")
    result = trail.verify()
    assert not result.ok and result.count == 2
    assert "entrée n° 3" in (result.problem or "") and "modifié" in (result.problem or "")


def test_an_edited_entry_with_its_hash_recomputed_breaks_the_next_link(tmp_path: Path) -> None:
    from app.core.audit import entry_hash

    trail = _trail(tmp_path)
    lines = _file(trail).read_text().splitlines()
    entry = json.loads(lines[1])
    entry["message"] = 99
    entry["hash"] = entry_hash(entry)
    lines[1] = json.dumps(entry, sort_keys=True)
    _file(trail).write_text("\n".join(lines) + "\n")
    result = trail.verify()
    assert not result.ok and "entrée n° 3" in (result.problem or "")


def test_a_removed_entry_is_detected(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _file(trail).read_text().splitlines()
    del lines[1]
    _file(trail).write_text("\n".join(lines) + "\n")
    result = trail.verify()
    assert not result.ok and "entrée n° 2" in (result.problem or "")


def test_a_truncated_trail_is_detected(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _file(trail).read_text().splitlines()
    _file(trail).write_text("\n".join(lines[:3]) + "\n")  # the last two entries cut
    result = trail.verify()
    assert not result.ok and result.count == 3
    assert "tronqué" in (result.problem or "")


def test_a_lost_head_is_reported(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    trail.head_file.unlink()
    result = trail.verify()
    assert not result.ok and "tête" in (result.problem or "")


def _append_many(directory: str, who: str, count: int) -> None:
    trail = AuditTrail(Path(directory))
    for number in range(count):
        trail.record(Action.FLAG, account=who, message=number, request="local")


def test_concurrent_appends_from_two_processes_keep_the_chain(tmp_path: Path) -> None:
    directory = str(tmp_path / "audit")
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_many, args=(directory, who, 40))
        for who in ("a@x.test", "b@x.test")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    trail = AuditTrail(Path(directory))
    result = trail.verify()
    assert result.ok, result.problem
    assert result.count == 80


def test_since_filters_by_time(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    trail = _trail(tmp_path, 2)
    assert len(trail.entries(datetime.now(UTC) - timedelta(hours=1))) == 2
    assert trail.entries(datetime.now(UTC) + timedelta(hours=1)) == []


def test_the_command_shows_exports_and_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trail = _trail(tmp_path, 3)
    profile = ["--profile-dir", str(tmp_path)]
    assert main(["audit", *profile]) == 0
    out = capsys.readouterr().out
    assert "déplacement message 1 dans « INBOX » vers « Archives »" in out
    assert "3 entrée(s)." in out
    assert main(["audit", "--json", "--since", "2000-01-01", *profile]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert main(["audit", "--csv", *profile]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("seq,time,account,os_user") and len(rows) == 4
    assert main(["audit", "--verify", *profile]) == 0
    assert "intact : 3 entrée(s)" in capsys.readouterr().out
    lines = _file(trail).read_text().splitlines()
    _file(trail).write_text(lines[0] + "\n")
    assert main(["audit", "--verify", *profile]) == 1
    assert "tronqué" in capsys.readouterr().err


def test_the_national_id_learnt_at_sign_in_goes_on_the_accounts_entries(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "audit")
    trail.record(Action.READ, account="A@x.test", message=1)
    trail.remember("a@x.test", "810001234567")
    trail.record(Action.READ, account="A@x.test", message=1)
    trail.record(Action.READ, account="b@x.test", message=2)
    assert [e["national_id"] for e in trail.entries()] == [None, "810001234567", None]
    assert trail.verify().ok


def test_a_crash_before_the_head_is_replaced_is_not_tampering(tmp_path: Path) -> None:
    trail = _trail(tmp_path, 2)
    behind = trail.head_file.read_text()
    trail.record(Action.READ, account="a@x.test", message=3)
    trail.head_file.write_text(behind)  # as if the process died between the two writes
    assert trail.verify().ok and trail.verify().count == 3
    trail.record(Action.READ, account="a@x.test", message=4)
    assert [e["seq"] for e in trail.entries()] == [1, 2, 3, 4]
    result = trail.verify()
    assert result.ok and result.count == 4, result.problem

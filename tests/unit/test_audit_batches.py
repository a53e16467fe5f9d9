"""Audit entries appended together (``AuditTrail.batched``): a sync applying a mailbox's
receipts flushed the trail to the disk twice per receipt (issue 22). The chain, the order
and the other writers are as with single appends."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from app.core import audit
from app.core.audit import Action, AuditTrail
from app.core.profile_key import ProfileKeyError
from tests.unit.test_audit import appended_by_processes

ACCOUNT = "a@x.test"


def record(trail: AuditTrail, number: int, action: Action = Action.RECEIPT) -> None:
    trail.record(action, account=ACCOUNT, message=number, request="local")


def test_a_batch_is_appended_at_its_end_in_order_and_chained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trail = AuditTrail(tmp_path / "audit")
    record(trail, 0)
    flushes: list[int] = []
    real = audit.os.fsync
    monkeypatch.setattr(audit.os, "fsync", lambda fd: flushes.append(fd) or real(fd))
    with trail.batched():
        for number in range(1, 6):
            record(trail, number)
        assert [e["message"] for e in trail.entries()] == [0]  # nothing yet
    assert len(flushes) == 2  # the entries, then the head: once for the five
    entries = trail.entries()
    assert [e["message"] for e in entries] == [0, 1, 2, 3, 4, 5]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5, 6]
    result = trail.verify()
    assert result.ok and result.count == 6, result.problem
    record(trail, 6)  # the head written after the batch is the next one's start
    assert trail.verify().ok and trail.verify().count == 7


def test_nested_batches_append_once_and_an_error_loses_nothing(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "audit")
    with pytest.raises(RuntimeError), trail.batched():
        record(trail, 1)
        with trail.batched():
            record(trail, 2)
        assert trail.entries() == []  # the inner one leaves them to the outer
        raise RuntimeError("the sync failed")
    assert [e["message"] for e in trail.entries()] == [1, 2]
    assert trail.verify().ok


def test_another_thread_is_not_held_by_a_batch(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "audit")
    with trail.batched():
        record(trail, 1)
        other = threading.Thread(target=record, args=(trail, 2))
        other.start()
        other.join()
        assert [e["message"] for e in trail.entries()] == [2]
    assert [e["message"] for e in trail.entries()] == [2, 1]
    assert trail.verify().ok


def test_without_the_key_a_batch_is_logged_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_key(data_dir: Path) -> None:
        raise ProfileKeyError("no usable keyring")

    monkeypatch.setattr("app.core.profile_key.keys_for", no_key)
    trail = AuditTrail.of(tmp_path)
    with caplog.at_level(logging.ERROR), trail.batched():
        record(trail, 1)
        record(trail, 2, Action.FLAG)
    assert trail.files() == []
    assert "audit trail not written (accusé, " in caplog.text
    assert ACCOUNT not in caplog.text


def _append_batches(directory: str, count: int) -> None:
    trail = AuditTrail(Path(directory))
    for start in range(0, count, 10):
        with trail.batched():
            for number in range(start, start + 10):
                record(trail, number)


def _append_singly(directory: str, count: int) -> None:
    trail = AuditTrail(Path(directory))
    for number in range(count):
        record(trail, 1000 + number, Action.FLAG)


def test_batches_and_single_appends_of_two_processes_keep_the_chain(tmp_path: Path) -> None:
    directory = str(tmp_path / "audit")
    trail = appended_by_processes(
        [(_append_batches, (directory, 60)), (_append_singly, (directory, 30))], directory
    )
    result = trail.verify()
    assert result.ok, result.problem
    assert result.count == 90
    batched = [e["message"] for e in trail.entries() if e["message"] < 1000]
    assert batched == list(range(60))

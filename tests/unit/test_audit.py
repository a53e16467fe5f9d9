"""The audit trail: sealed entries (issue 21), hash chain, head, verification, concurrent
appends, a clear trail sealed in place, the CLI."""

from __future__ import annotations

import base64
import itertools
import json
import logging
import multiprocessing
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli.main import main
from app.core import audit, crypto
from app.core.audit import GENESIS, Action, AuditTrail, entry_hash
from app.core.profile_key import ProfileKeyError, keys_for

ACCOUNT = "a@x.test"
NATIONAL_ID = "810001234567"


def _trail(tmp_path: Path, entries: int = 5) -> AuditTrail:
    trail = AuditTrail(tmp_path / "audit")
    trail.remember(ACCOUNT, NATIONAL_ID)
    for number in range(entries):
        trail.record(Action.MOVE, account=ACCOUNT, message=number, folder="INBOX",
                     target="Archives", request="UID MOVE", result="ok")  # fmt: skip
    return trail


def _file(trail: AuditTrail) -> Path:
    (path,) = trail.files()
    return path


def _lines(trail: AuditTrail) -> list[str]:
    return _file(trail).read_text().splitlines()


def _rewrite(trail: AuditTrail, lines: list[str]) -> None:
    _file(trail).write_text("\n".join(lines) + "\n")


def _problem(trail: AuditTrail) -> str:
    result = trail.verify()
    assert not result.ok
    return result.problem or ""


def clear_trail(directory: Path, count: int, account: str = ACCOUNT) -> str:
    """A trail as a Caducée before issue 21 wrote it (clear JSON lines, a clear head and
    identities); the last entry's hash."""
    directory.mkdir(parents=True)
    prev, lines = GENESIS, []
    for seq in range(1, count + 1):
        entry = {"seq": seq, "time": f"2026-01-01T00:00:{seq % 60:02d}.000000Z",
                 "account": account, "os_user": "docteur", "national_id": NATIONAL_ID,
                 "action": "lecture", "message": seq, "folder": "INBOX", "target": None,
                 "request": "local", "result": "ok", "detail": None, "prev": prev}  # fmt: skip
        entry["hash"] = prev = entry_hash(entry)
        lines.append(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    (directory / "audit-2026.jsonl").write_text("".join(lines), encoding="utf-8")
    (directory / audit.HEAD_NAME).write_text(json.dumps({"seq": count, "hash": prev}))
    (directory / audit.IDENTITIES_NAME).write_text(json.dumps({account: NATIONAL_ID}))
    return prev


def test_entries_are_chained_sealed_and_private(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    entries = trail.entries()
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(entries))
    assert entries[0]["os_user"] and entries[0]["national_id"] == NATIONAL_ID
    assert trail.verify().ok and trail.verify().count == 5
    for path in (_file(trail), trail.head_file, trail.directory / audit.IDENTITIES_NAME):
        assert path.stat().st_mode & 0o077 == 0
        content = path.read_bytes()
        for clear in (ACCOUNT, NATIONAL_ID, "INBOX", "Archives", "UID MOVE", '"message"',
                      "déplacement", entries[-1]["hash"]):  # fmt: skip
            assert clear.encode() not in content, (path.name, clear)
    assert trail.key == keys_for(tmp_path).audit  # the profile key's audit sub-key


def test_an_edited_entry_is_detected(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _lines(trail)
    line = json.loads(lines[2])
    sealed = bytearray(base64.b64decode(line["sealed"]))
    sealed[-20] ^= 0x01  # one bit of the entry
    line["sealed"] = base64.b64encode(sealed).decode()
    lines[2] = json.dumps(line)
    _rewrite(trail, lines)
    result = trail.verify()
    assert not result.ok and result.count == 2
    assert result.problem == "entrée n° 3 : contenu modifié"
    assert [e["seq"] for e in trail.entries()] == [1, 2, 4, 5]  # never shown as if valid


def test_an_edited_entry_resealed_with_the_key_breaks_the_next_link(tmp_path: Path) -> None:
    """Whoever holds the profile key can seal a changed entry: the chain still tells."""
    trail = _trail(tmp_path)
    lines = _lines(trail)
    entry = trail.entries()[1]
    entry["message"] = 99
    entry["hash"] = entry_hash(entry)
    trail_id = json.loads(lines[1])["trail"]
    content = json.dumps(entry, sort_keys=True).encode()
    lines[1] = audit.sealed_line(trail.key, trail_id, 2, content).decode().strip()
    _rewrite(trail, lines)
    assert "entrée n° 3 : ne suit pas l'entrée précédente" in _problem(trail)


def test_a_removed_entry_is_detected(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _lines(trail)
    del lines[1]
    _rewrite(trail, lines)
    assert _problem(trail).startswith("entrée n° 2 : numéro 3 au lieu de 2")


def test_a_removed_entry_with_the_next_renumbered_is_detected(tmp_path: Path) -> None:
    """The position in clear is bound to the sealed entry: renumbering does not open."""
    trail = _trail(tmp_path)
    lines = _lines(trail)
    del lines[1]
    line = json.loads(lines[1])
    line["seq"] = 2
    lines[1] = json.dumps(line)
    _rewrite(trail, lines)
    assert _problem(trail) == "entrée n° 2 : contenu modifié"


def test_reordered_entries_are_detected(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _lines(trail)
    lines[1], lines[2] = lines[2], lines[1]
    _rewrite(trail, lines)
    assert _problem(trail).startswith("entrée n° 2 : numéro 3 au lieu de 2")
    swapped = [json.loads(line) for line in lines]
    swapped[1]["seq"], swapped[2]["seq"] = 2, 3  # and their positions swapped back
    _rewrite(trail, [json.dumps(line) for line in swapped])
    assert _problem(trail) == "entrée n° 2 : contenu modifié"


def test_a_replayed_entry_is_detected(tmp_path: Path) -> None:
    trail = _trail(tmp_path, 3)
    lines = _lines(trail)
    replayed = json.loads(lines[0])
    replayed["seq"] = 4
    _rewrite(trail, [*lines, json.dumps(replayed)])
    assert _problem(trail) == "entrée n° 4 : contenu modifié"


def test_an_entry_of_another_trail_of_the_same_profile_is_detected(tmp_path: Path) -> None:
    trail = _trail(tmp_path, 3)
    other = AuditTrail(tmp_path / "another", trail.key)  # same key, another trail id
    for number in range(3):
        other.record(Action.READ, account=ACCOUNT, message=number)
    lines = _lines(trail)
    lines[1] = _lines(other)[1]
    _rewrite(trail, lines)
    assert _problem(trail) == "entrée n° 2 : contenu modifié"


def test_a_truncated_trail_is_detected(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    _rewrite(trail, _lines(trail)[:3])  # the last two entries cut
    result = trail.verify()
    assert not result.ok and result.count == 3
    assert "tronqué" in (result.problem or "")


def test_a_lost_head_is_reported(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    trail.head_file.unlink()
    assert "tête" in _problem(trail)


def test_a_changed_or_older_head_is_reported(tmp_path: Path) -> None:
    trail = _trail(tmp_path, 2)
    older = trail.head_file.read_bytes()
    trail.record(Action.READ, account=ACCOUNT, message=3)
    trail.record(Action.READ, account=ACCOUNT, message=4)
    head = json.loads(trail.head_file.read_text())
    head["sealed"] = head["sealed"][:-4] + ("AAAA" if head["sealed"][-4:] != "AAAA" else "BBBB")
    trail.head_file.write_text(json.dumps(head))
    assert "tête illisible" in _problem(trail)
    trail.head_file.write_bytes(older)  # the head of two entries ago
    assert "tronqué" in _problem(trail)


def test_without_the_profile_key_nothing_is_written_and_the_action_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_key(data_dir: Path) -> None:
        raise ProfileKeyError("no usable keyring")

    monkeypatch.setattr("app.core.profile_key.keys_for", no_key)
    trail = AuditTrail.of(tmp_path)
    with caplog.at_level(logging.ERROR):
        trail.record(Action.READ, account=ACCOUNT, message=1)
        trail.remember(ACCOUNT, NATIONAL_ID)
    assert trail.files() == [] and not trail.directory.exists()
    assert "audit trail not written" in caplog.text and ACCOUNT not in caplog.text


def test_a_clear_trail_is_sealed_in_place_with_the_same_chain(tmp_path: Path) -> None:
    directory = tmp_path / "audit"
    last = clear_trail(directory, 4)
    trail = AuditTrail(directory, crypto.new_key())  # Store.open would seal it first
    assert trail.seal_in_place() == 4
    assert trail.seal_in_place() == 0  # again: nothing left in clear
    result = trail.verify()
    assert result.ok and result.count == 4
    assert result.head == last  # an exported head hash stays valid
    assert ACCOUNT.encode() not in _file(trail).read_bytes() + trail.head_file.read_bytes()
    trail.record(Action.READ, account=ACCOUNT, message=5)
    assert [e["seq"] for e in trail.entries()] == [1, 2, 3, 4, 5]
    assert trail.verify().ok and trail.verify().count == 5


def test_a_clear_trail_damaged_before_says_so_once_sealed(tmp_path: Path) -> None:
    directory = tmp_path / "audit"
    clear_trail(directory, 4)
    path = directory / "audit-2026.jsonl"
    lines = path.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["result"] = "refusé"
    del lines[2]
    lines[1] = json.dumps(edited)
    path.write_text("\n".join(lines) + "\nnot json\n")
    trail = AuditTrail(directory, crypto.new_key())
    trail.seal_in_place()
    assert _problem(trail) == "entrée n° 2 : contenu modifié"
    lines = _lines(trail)
    _rewrite(trail, [lines[0], *lines[2:]])
    assert _problem(trail).startswith("entrée n° 2 : numéro 4 au lieu de 2")
    assert b"not json" not in _file(trail).read_bytes()


def _append_many(directory: str, who: str, count: int) -> None:
    trail = AuditTrail(Path(directory))
    for number in range(count):
        trail.record(Action.FLAG, account=who, message=number, request="local")


def appended_by_processes(
    jobs: list[tuple[Callable[..., None], tuple[object, ...]]], directory: str
) -> AuditTrail:
    """Run each ``(target, args)`` in a spawned process at once; the trail they wrote."""
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=target, args=args) for target, args in jobs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    return AuditTrail(Path(directory))


def test_concurrent_appends_from_two_processes_keep_the_chain(tmp_path: Path) -> None:
    directory = str(tmp_path / "audit")
    trail = appended_by_processes(
        [(_append_many, (directory, who, 40)) for who in ("a@x.test", "b@x.test")], directory
    )
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
    _rewrite(trail, _lines(trail)[:1])
    assert main(["audit", "--verify", *profile]) == 1
    assert "tronqué" in capsys.readouterr().err


def test_the_national_id_learnt_at_sign_in_goes_on_the_accounts_entries(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "audit")
    trail.record(Action.READ, account="A@x.test", message=1)
    trail.remember("a@x.test", NATIONAL_ID)
    trail.record(Action.READ, account="A@x.test", message=1)
    trail.record(Action.READ, account="b@x.test", message=2)
    assert [e["national_id"] for e in trail.entries()] == [None, NATIONAL_ID, None]
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

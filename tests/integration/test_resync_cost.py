"""A sync does work in proportion to what changed, not to the mailbox (issue 22, item 2):
with nothing new, or three flags changed, the same SQL work and no listing of the message
files at 3,000 messages as at 1,000, against the lab's Dovecot, through ``caducee sync``.

Counted, not timed: the SQLite virtual machine's instructions (a progress handler called at
each one), the directories listed (the ``os.scandir`` / ``os.listdir`` audit events), and no
STATUS per folder (the server lists every folder with its status: one command for all).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.cli.main import main
from app.core import sqlite
from app.transport.imap import Mailbox
from tests.integration.test_sync import Server
from tests.lab.build import LabAccounts, LabPki
from tests.lab.dovecot import Dovecot, fill_maildir
from tests.unit.test_cli_startup import NOT_FOR_A_SYNC

pytestmark = pytest.mark.lab


@dataclass
class Work:
    """What one command did: SQLite instructions run, SQL statements, directories listed."""

    instructions: int = 0
    statements: list[str] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)


class Counter:
    """Counts the work of the commands run under ``counting()`` (one audit hook per process:
    it cannot be removed, so it only records while a count is on)."""

    installed = False
    current: Work | None = None

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        if not Counter.installed:
            sys.addaudithook(Counter._audit)
            Counter.installed = True
        original = sqlite.connect

        def connect(path: Path, key: bytes | None, **kwargs: Any) -> Any:
            connection = original(path, key, **kwargs)
            connection.set_progress_handler(Counter._step, 1)
            connection.set_trace_callback(Counter._statement)
            return connection

        monkeypatch.setattr(sqlite, "connect", connect)

    @staticmethod
    def _audit(event: str, args: tuple[Any, ...]) -> None:
        if Counter.current is not None and event in ("os.scandir", "os.listdir"):
            Counter.current.listed.append(str(args[0]))

    @staticmethod
    def _step() -> int:
        if Counter.current is not None:
            Counter.current.instructions += 1
        return 0

    @staticmethod
    def _statement(sql: str) -> None:
        if Counter.current is not None:
            Counter.current.statements.append(sql)

    def sync(
        self, base: list[str], capsys: pytest.CaptureFixture[str]
    ) -> tuple[dict[str, Any], Work]:
        work = Work()
        Counter.current = work
        try:
            code = main([*base, "sync", "--json"])
        finally:
            Counter.current = None
        out = capsys.readouterr().out
        assert code == 0, out
        [report] = json.loads(out)
        return report, work


def _no_status(_self: Mailbox, name: str) -> None:
    raise AssertionError(f"STATUS {name}: the statuses came with LIST-STATUS (RFC 5819)")


@pytest.fixture
def profile(
    dovecot_password: Dovecot,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[list[str]]:
    account = lab_accounts.sync
    trust = tmp_path / "public-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    base = ["--profile-dir", str(tmp_path / "p")]
    monkeypatch.setenv("CADUCEE_PASSWORD", account.password or "")
    add = ["account", "add", "--address", account.address, "--auth", "password"]
    add += ["--imap", f"imaps://localhost:{dovecot_password.imaps_port}"]
    add += ["--username", account.login, "--trust", str(trust), "--no-check"]
    assert main([*base, *add]) == 0
    yield base
    fill_maildir(dovecot_password, account, range(0))  # an empty mailbox for the next tests


def _change_flags(server: Server, positions: tuple[int, ...]) -> None:
    """Another client marks three messages (here and there in the folder) flagged."""
    with server.client() as client:
        client.select_folder("INBOX")
        uids = sorted(client.search(["ALL"]))
        client.add_flags([uids[p] for p in positions], [b"\\Flagged"])


def test_a_sync_does_work_in_proportion_to_what_changed_not_to_the_mailbox(
    dovecot_password: Dovecot,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
    profile: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    counter = Counter(monkeypatch)
    server = Server(dovecot_password, lab_pki, lab_accounts.sync)
    messages = tmp_path / "p" / "messages"

    def measure(size: int) -> tuple[dict[str, Any], Work, Work]:
        """The mailbox grown to ``size`` and synced; then a sync with nothing new, and one
        after three messages' flags changed on the server."""
        with monkeypatch.context() as patched:  # Dovecot lists each folder with its status
            patched.setattr(Mailbox, "status", _no_status)
            report, unchanged = counter.sync(profile, capsys)
        _change_flags(server, (size - 900, size // 2, size - 10))  # none flagged before
        flagged, changed = counter.sync(profile, capsys)
        assert (flagged["new"], flagged["flag_changes"], flagged["bodies"]) == (0, 3, 0), flagged
        return report, unchanged, changed

    fill_maildir(dovecot_password, lab_accounts.sync, range(1_000))
    first, _work = counter.sync(profile, capsys)
    assert (first["new"], first["bodies"]) == (1_000, 1_000)
    small_report, small, small_changed = measure(1_000)

    fill_maildir(dovecot_password, lab_accounts.sync, range(1_000, 3_000), fresh=False)
    more, _work = counter.sync(profile, capsys)
    assert (more["new"], more["bodies"]) == (2_000, 2_000)
    large_report, large, large_changed = measure(3_000)

    for report in (small_report, large_report):
        assert (report["new"], report["bodies"], report["removed"], report["flag_changes"]) == (
            0,
            0,
            0,
            0,
        )
        assert report["skipped_unchanged"] == report["folders"] >= 1
    # The message files are never listed (their clean-up is incremental, the full sweep
    # daily: it ran with the first sync).
    for work in (small, large, small_changed, large_changed):
        assert not [p for p in work.listed if Path(p).is_relative_to(messages)], work.listed
    # The same statements, and no more SQL work with three times the messages: a walk over
    # the messages (a COUNT, every UID, every file name) would triple it.
    assert sorted(large.statements) == sorted(small.statements)
    assert small.instructions < 2_000, small.statements
    assert large.instructions <= small.instructions * 1.05 + 20, (
        small.instructions,
        large.instructions,
    )
    # Three flags changed: three messages looked up and rewritten, at either size.
    assert large_changed.instructions <= small_changed.instructions * 1.1 + 100, (
        small_changed.instructions,
        large_changed.instructions,
    )


def test_a_sync_with_nothing_new_loads_none_of_the_code_it_does_not_need(
    dovecot_password: Dovecot,
    lab_accounts: LabAccounts,
    profile: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``caducee sync`` as she runs it (a process of its own, ``main()`` reading its
    arguments), connected to the server with nothing new: none of the modules a sync with
    nothing to write, send or parse never needs (``tests/unit/test_cli_startup.py`` checks
    a profile without accounts)."""
    fill_maildir(dovecot_password, lab_accounts.sync, range(3))
    assert main([*profile, "sync"]) == 0  # the first one stores them
    capsys.readouterr()
    probe = (
        "import json, sys\n"
        "from app.cli.main import main\n"
        "sys.argv = ['caducee', *sys.argv[1:]]\n"
        "code = main()\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *profile, "sync", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    *report_lines, last = done.stdout.splitlines()
    code, loaded = json.loads(last)
    assert code == 0, done.stderr
    [report] = json.loads("\n".join(report_lines))
    assert (report["ok"], report["new"], report["bodies"]) == (True, 0, 0), report
    assert "app.transport.imap" in loaded and "keyring" in loaded  # it did connect, read the key
    assert [m for m in loaded if m.startswith(NOT_FOR_A_SYNC)] == []

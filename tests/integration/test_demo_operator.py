"""The demo's sandbox operator fills the demo mailbox by its clock, not the wall clock."""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

from app.sandbox.mailbox import PARIS
from app.sandbox.operator import DEMO_ADDRESS, SandboxOperator
from app.sandbox.samples import sample_mail


def headers(raw: bytes) -> tuple[str, str]:
    parsed = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    return str(parsed["Message-ID"]), str(parsed["Date"])


def test_the_sample_mail_is_dated_by_the_operator_clock(tmp_path: Path) -> None:
    now = datetime(2031, 7, 14, 12, 0, tzinfo=PARIS)  # not today: the operator's clock
    operator = SandboxOperator(tmp_path / "demo", DEMO_ADDRESS, now=lambda: now)
    with operator:
        pass
    inbox = operator.files.mailboxes / DEMO_ADDRESS
    delivered = [*(inbox / "new").iterdir(), *(inbox / "cur").iterdir()]
    expected = sample_mail(DEMO_ADDRESS, now)
    assert sorted(headers(p.read_bytes()) for p in delivered) == sorted(
        headers(s.raw) for s in expected
    )
    # Maildir keeps the IMAP internal date as the file's mtime
    assert sorted(p.stat().st_mtime for p in delivered) == sorted(
        s.when.timestamp() for s in expected
    )

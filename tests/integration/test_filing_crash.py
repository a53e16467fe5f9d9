"""A filing process killed (SIGKILL) in the middle of writing: the next start rolls it back."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.filing import journal
from app.filing.service import FILED, Filing
from app.mssante.model import InsKind
from app.store.db import MessageSummary
from tests.filing_support import MATRICULE, document, documents, identity, ins

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from app.filing import filer
    from app.filing.service import Filing
    from app.store.db import MessageSummary
    from tests.filing_support import document, documents, identity, ins

    real_write, calls = os.write, [0]

    def write_then_die(fd, data):
        calls[0] += 1
        if calls[0] == {kill_at}:
            real_write(fd, bytes(data)[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        return real_write(fd, data)

    filer.os.write = write_then_die
    filing = Filing.open(Path({profile!r}), Path({root!r}))
    message = MessageSummary(1, "dr@mssante.test", "INBOX", 1, "cr-1@chu.test", None, "", "",
                             "", (), 1, True, True)
    filing.file_message(message, documents(document(identity(ins_value=ins()))))
    """
)


@pytest.mark.parametrize("kill_at", [1, 2, 3])
def test_killed_mid_filing_then_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kill_at: int
) -> None:
    profile, root = tmp_path / "profile", tmp_path / "Patients"
    root.mkdir()
    filing = Filing.open(profile, root)
    marie = filing.registry.add(
        birth_name="DUPONT", first_names="Marie", birth_date=date(1980, 5, 12), sex="F",
        ins=MATRICULE, ins_oid=InsKind.NIR.value,
    )  # fmt: skip
    filing.close()
    script = CHILD.format(repo=str(REPO), profile=str(profile), root=str(root), kill_at=kill_at)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert child.returncode == -9, child.stderr.decode()
    folder = root / marie.folder
    left = sorted(p.name for p in folder.iterdir())
    assert any(name.endswith(".tmp") for name in left)  # the kill did land mid-write
    assert len(left) == kill_at  # the files linked before, and the temporary one

    for path in folder.iterdir():  # two minutes later, as the journal's clock will say
        os.utime(path, (0, path.stat().st_mtime - 150))
    monkeypatch.setattr(journal, "STALE_PENDING", timedelta(0))
    again = Filing.open(profile, root)
    try:
        [entry] = again.journal.entries()
        assert entry.status == "interrupted"
        assert list(folder.iterdir()) == []
        message = MessageSummary(1, "dr@mssante.test", "INBOX", 1, "cr-1@chu.test", None, "",
                                 "", "", (), 1, True, True)  # fmt: skip
        result = again.file_message(message, documents(document(identity(ins_value=ins()))))
        assert result.status == FILED and len(list(folder.iterdir())) == 3
    finally:
        again.close()

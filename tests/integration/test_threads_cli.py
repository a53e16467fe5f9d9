"""``caducee list --threads``: what the window's "Fils de discussion" shows, for support:
the same messages as ``caducee list``, by conversation, with ``thread``, ``depth``,
``thread_size`` and ``thread_unread`` beside the usual fields."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import main
from app.store.db import HeaderRow, Store
from tests.unit.test_threads import mail, ref

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    store = Store.open(tmp_path)
    try:
        account = store.add_account("dr@medecin.mssante.test", "password", "imaps://imap.test")
        store.upsert_folder(account, "INBOX", ".", None, True)
        inbox = store.folders(account)[0]
        raws = [
            mail("a", "Patient Dupont", 0),
            mail("x", "Sans rapport", 1),
            mail("b", "Re: Patient Dupont", 2, references=ref("a")),
            mail("c", "Re: Re: Patient Dupont", 3, references=ref("a", "b")),
        ]
        rows = [
            HeaderRow(uid, ("\\Seen",) if uid == 1 else (), None, 10, None, raw)
            for uid, raw in enumerate(raws, 1)
        ]
        store.add_headers(inbox, rows)
        store.add_bodies(inbox, dict(enumerate(raws, 1)))
        # the first two as a store of the version before keeps them: placed by the command
        store.db.execute(
            "UPDATE messages SET thread = '<' || id, thread_depth = NULL WHERE uid <= 2"
        )
    finally:
        store.close()
    return tmp_path


def test_list_threads_json(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--profile-dir", str(profile), "list", "--json"]) == 0
    flat = json.loads(capsys.readouterr().out)
    assert main(["--profile-dir", str(profile), "list", "--threads", "--json"]) == 0
    threaded = json.loads(capsys.readouterr().out)
    assert sorted(m["id"] for m in threaded) == sorted(m["id"] for m in flat)
    assert set(flat[0]) < set(threaded[0])  # the usual fields kept
    shown = [
        (m["subject"], m["thread"], m["depth"], m["thread_size"], m["thread_unread"])
        for m in threaded
    ]
    assert shown == [
        ("Patient Dupont", "a@mssante.test", 0, 3, 2),
        ("Re: Patient Dupont", "a@mssante.test", 1, 3, 2),
        ("Re: Re: Patient Dupont", "a@mssante.test", 2, 3, 2),
        ("Sans rapport", "x@mssante.test", 0, 1, 1),
    ]


def test_list_threads_table_in_a_real_process(profile: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--profile-dir", str(profile), "list", "--threads"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith("Patient Dupont  (3, 2 non lu(s))")
    assert lines[1].endswith("  ↳ Re: Patient Dupont")
    assert lines[2].endswith("    ↳ Re: Re: Patient Dupont")
    assert lines[3].endswith("Sans rapport")
    assert lines[-1] == "4 message(s), 2 fil(s)"

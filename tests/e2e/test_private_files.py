"""After a sync, a send and a filing by the ``caducee`` command, no file or folder of the
profile can be read by anyone but the user; the document filed into the practice's
patients folder has that folder's rights."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from app.sandbox.operator import DEMO_ADDRESS, DEMO_PASSPHRASE
from tests.e2e.test_demo import caducee, listing, served_demo

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")

PDF = b"%PDF-1.4\n% compte rendu de consultation\n%%EOF\n"


def test_the_profile_stays_private_after_sync_send_and_filing(tmp_path: Path) -> None:
    profile = tmp_path / "demo"
    secret = {"CADUCEE_PKCS12_PASSPHRASE": DEMO_PASSPHRASE}
    attachment = tmp_path / "compte-rendu.pdf"
    attachment.write_bytes(PDF)
    practice = tmp_path / "Cabinet"  # the practice's shared patients folder
    practice.mkdir()
    practice.chmod(0o750)
    subject = f"Compte rendu {time.time_ns()}"
    with served_demo(profile):
        assert caducee(profile, "sync", **secret).returncode == 0
        sent = caducee(
            profile, "send", "--from", DEMO_ADDRESS, "--to", DEMO_ADDRESS, "--subject", subject,
            "--body", "Ci-joint.", "--attach", str(attachment), **secret,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stderr
        synced = caducee(profile, "sync", **secret)
        assert synced.returncode == 0, synced.stderr
    message = next(
        m for m in listing(profile) if m["subject"] == subject and m["folder"] == "INBOX"
    )
    added = caducee(
        profile, "patients", "add", "--patients-dir", str(practice), "--birth-name", "Durand",
        "--first-names", "Marie", "--birth-date", "1950-01-02", "--sex", "F", "--json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    patient = json.loads(added.stdout)
    filed = caducee(
        profile, "file", "--patients-dir", str(practice), "--message-id", str(message["id"]),
        "--patient", str(patient["id"]), "--json",
    )  # fmt: skip
    assert filed.returncode == 0, filed.stdout + filed.stderr

    readable = [
        f"{oct(stat.S_IMODE(path.lstat().st_mode))} {path.relative_to(profile)}"
        for path in [profile, *profile.rglob("*")]
        if not path.is_symlink() and path.lstat().st_mode & 0o077
    ]
    assert readable == []
    names = {path.name for path in profile.rglob("*")}
    assert {"store.sqlite3", "filing.sqlite3", "config.toml"} <= names
    assert any(name.endswith(".eml") for name in names)  # the synced and sent mail

    documents = [path for path in practice.rglob("*") if path.is_file()]
    assert documents, list(practice.rglob("*"))
    assert {stat.S_IMODE(path.stat().st_mode) for path in documents} == {0o640}
    assert {stat.S_IMODE(path.parent.stat().st_mode) for path in documents} == {0o750}

"""Receipts in the demo: its submission server honours DSN and files the reports into the
sandbox mailbox; ``caducee receipts`` then says, per recipient, remis or échec."""

from __future__ import annotations

import json
import time
from pathlib import Path

from app.sandbox.operator import DEMO_ADDRESS, DEMO_PASSPHRASE
from tests.e2e.test_demo import caducee, listing, served_demo


def test_the_demo_reports_delivery_per_recipient(tmp_path: Path) -> None:
    profile = tmp_path / "demo"
    secret = {"CADUCEE_PKCS12_PASSPHRASE": DEMO_PASSPHRASE}
    subject = f"Avis demandé {time.time_ns()}"
    outsider = "confrere@ailleurs.test"
    with served_demo(profile):
        sent = caducee(
            profile,
            *("send", "--from", DEMO_ADDRESS, "--to", DEMO_ADDRESS, "--to", outsider),
            *("--subject", subject, "--body", "Bonjour.", "--dsn", "--json"),
            **secret,
        )
        assert sent.returncode == 0, sent.stderr
        message_id = json.loads(sent.stdout)["message"]["message_id"]
        deadline = time.monotonic() + 30
        while True:
            assert caducee(profile, "sync", **secret).returncode == 0
            done = caducee(profile, "receipts", "--message-id", message_id, "--json")
            assert done.returncode == 0, done.stderr
            (followed,) = json.loads(done.stdout)
            states = {r["recipient"]: r for r in followed["recipients"]}
            if states[DEMO_ADDRESS]["state"] != "pending":
                break
            assert time.monotonic() < deadline, "no delivery report in the demo"
            time.sleep(0.5)
    assert states[DEMO_ADDRESS]["state"] == "delivered"
    assert states[outsider]["state"] == "failed" and states[outsider]["code"] == "5.1.1"
    assert followed["asked"] == "dsn"
    done = caducee(profile, "receipts", "--state", "echec")
    assert done.returncode == 0 and subject in done.stdout
    # The report itself stays in her inbox (the window hides it unless "Accusés" is on).
    reports = [m for m in listing(profile) if m["subject"] == "Undelivered Mail Returned to Sender"]
    assert [m["folder"] for m in reports] == ["INBOX"]

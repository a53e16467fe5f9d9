"""``caducee demo`` with Pro Santé Connect: the demo operator's provider, its e-CPS page
and its API LPS servers, used by the real client as a subprocess: an account added with
``--auth psc``, signed in by the QR code that the lab phone reads and approves on the demo's
"e-CPS de démonstration" page, then a sync and a send."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from tests.e2e.test_demo import caducee, served_demo
from tests.lab import phone


def approve_when_shown(png: Path, national_id: str) -> threading.Thread:
    def run() -> None:
        deadline = time.monotonic() + 60
        while not png.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        phone.approve(phone.scan(png), national_id)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_demo_signs_in_with_psc(tmp_path: Path) -> None:
    demo, mine = tmp_path / "demo", tmp_path / "mine"
    with served_demo(demo):
        (settings_file,) = demo.rglob("psc.json")
        psc = json.loads(settings_file.read_text(encoding="utf-8"))
        png = tmp_path / "qr.png"
        helper = approve_when_shown(png, psc["national_id"])
        added = caducee(
            mine, "account", "add", "--address", psc["address"], "--auth", "psc",
            "--psc-issuer", psc["issuer"], "--psc-client-id", psc["client_id"],
            "--imap", psc["imap_url"], "--smtp", psc["smtp_url"], "--trust", psc["trust"],
            "--psc", f"qr:{png}",
        )  # fmt: skip
        helper.join(10)
        assert added.returncode == 0, added.stderr
        assert (
            "Code QR écrit dans" in added.stderr and "Connecté à Pro Santé Connect" in added.stderr
        )

        helper = approve_when_shown(png, psc["national_id"])
        synced = caducee(mine, "sync", "--json", "--psc", f"qr:{png}")
        helper.join(10)
        assert synced.returncode == 0, synced.stderr
        (report,) = json.loads(synced.stdout)
        assert report["ok"] and report["new"] > 0

        helper = approve_when_shown(png, psc["national_id"])
        sent = caducee(
            mine, "send", "--from", psc["address"], "--to", psc["address"],
            "--subject", "Essai PSC", "--body", "Bonjour", "--json", "--psc", f"qr:{png}",
        )  # fmt: skip
        helper.join(10)
        assert sent.returncode == 0, sent.stderr
        assert json.loads(sent.stdout)["message"]["state"] == "sent"
        assert not png.exists()

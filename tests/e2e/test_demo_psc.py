"""``caducee demo`` with Pro Santé Connect: the demo operator's provider, its e-CPS page
and its API LPS servers, used by the real client as a subprocess: an account added with
``--auth psc``, signed in by the QR code that the lab phone reads and approves on the demo's
"e-CPS de démonstration" page, then a sync and a send."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from app.sandbox.operator import DEMO_PASSPHRASE
from tests.e2e.test_demo import ENV, caducee, listing, served_demo
from tests.lab import phone
from tests.lab.availability import require_program
from tests.lab.xvfb import XServer
from tests.ui.conftest import assert_not_blank


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


BROWSER = """
import os, re, sys, urllib.request
if os.fork():  # return at once, as a browser does: Caducée then listens for the redirect
    sys.exit(0)
from app.sandbox.psc import browser_sign_in
url = sys.argv[1]
page = urllib.request.urlopen(url, timeout=10).read().decode()
typed = re.search(r'name="national_id"[^>]*value="([0-9]+)"', page)
redirect = browser_sign_in(url, typed.group(1))  # the id the demo's page offers
urllib.request.urlopen(redirect, timeout=10).read()
"""


def test_demo_window_with_psc_on_an_x_server(
    tmp_path: Path, artefacts: Path, x_server: XServer
) -> None:
    """``caducee demo --psc`` as on a Linux desktop (xcb, Xvfb): the first sync opens the
    sign-in window; Entrée takes the browser (BROWSER: a script that signs in on the demo
    provider's pages with the national id they offer, then follows the redirect back to
    Caducée); the window syncs and takes its screenshot."""
    xdotool = require_program("xdotool", "xdotool")
    script = tmp_path / "browser.py"
    script.write_text(BROWSER, encoding="utf-8")
    shot = artefacts / "demo-psc-xcb.png"
    shot.unlink(missing_ok=True)
    window = subprocess.Popen(
        [sys.executable, "-m", "app", "--profile-dir", str(tmp_path / "demo"), "demo", "--psc",
         "--screenshot", str(shot)],
        env={**ENV, **x_server.env, "BROWSER": f"{sys.executable} {script} %s"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        found = subprocess.run(
            [xdotool, "search", "--sync", "--onlyvisible", "--name", "Connexion Pro Santé"],
            env={**ENV, **x_server.env},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        dialog = found.stdout.split()[0]
        time.sleep(3)  # discovery answered: the browser button enabled and focused
        for action in (["windowfocus", "--sync", dialog], ["key", "--clearmodifiers", "Return"]):
            subprocess.run([xdotool, *action], env={**ENV, **x_server.env}, check=True, timeout=30)
        out, err = window.communicate(timeout=120)
    finally:
        if window.poll() is None:
            window.kill()
            window.communicate()
    assert window.returncode == 0, err
    assert "connexion Pro Santé Connect" in out
    assert_not_blank(shot)
    assert len(listing(tmp_path / "demo")) == 7  # synced through the API LPS servers


def test_demo_serve_psc_switches_the_demo_account(tmp_path: Path) -> None:
    """``caducee demo --serve --psc``: the demo profile's own account signs in with PSC
    (here by the QR code, approved on the e-CPS page with the national id it offers), and
    ``caducee demo --serve`` alone gives it back its card."""
    demo = tmp_path / "demo"
    with served_demo(demo, options=("--psc",)):
        psc = json.loads((demo / "demo" / "psc.json").read_text(encoding="utf-8"))
        png = tmp_path / "qr.png"
        helper = approve_when_shown(png, psc["national_id"])
        synced = caducee(demo, "sync", "--json", "--psc", f"qr:{png}")
        helper.join(10)
        assert synced.returncode == 0, synced.stderr
        (report,) = json.loads(synced.stdout)
        assert report["ok"] and report["new"] == 7
        assert "Connecté à Pro Santé Connect" in synced.stderr
    with served_demo(demo):
        synced = caducee(demo, "sync", "--json", CADUCEE_PKCS12_PASSPHRASE=DEMO_PASSPHRASE)
        assert synced.returncode == 0, synced.stderr
        (report,) = json.loads(synced.stdout)
        assert report["ok"] and report["new"] == 0  # the same mailbox, already synced
        assert "Pro Santé Connect" not in synced.stderr

"""The frozen ``caducee``, headless, against the test lab: what a built installer must do.

Each test runs the frozen executable as a subprocess (``QT_QPA_PLATFORM=offscreen``), never
this Python: the operator's edition, the card (PKCS#11 through python-pkcs11), the
token-backed TLS (ctypes on the bundle's OpenSSL), the sync's worker processes (spawned from
the frozen executable), Qt's plugins and the window.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from app.sandbox.submission import Endpoints
from tests.lab.build import LabPki
from tests.lab.cards import VirtualCard
from tests.lab.dovecot import Dovecot

from .frozen import png_summary, rows, run

OPERATOR = "Exemple Santé"  # packaging/operators/exemple-sante.toml, what the smoke build uses


def test_version_names_the_operator(frozen: Path, tmp_path: Path) -> None:
    result = run(frozen, ["--version"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(rf"caducee \d+\.\d+\.\d+ — édition {OPERATOR}\n", result.stdout)
    facts = json.loads(run(frozen, ["info", "--json"], tmp_path).stdout)
    assert facts["edition"] == OPERATOR
    assert facts["openssl"].startswith("OpenSSL 3")


def test_card_info_on_the_lab_card(frozen: Path, full_card: VirtualCard, tmp_path: Path) -> None:
    args = ["card", "info", "--module", str(full_card.module)]
    result = run(frozen, args, tmp_path, **full_card.env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Titulaire : Alice MARTIN" in result.stdout
    assert "Code PIN : aucun code erroné" in result.stdout


def test_diagnose_with_the_card_against_the_lab_dovecot(
    frozen: Path,
    full_card: VirtualCard,
    cps3_card: VirtualCard,
    dovecot_mss: Dovecot,
    lab_smtp: Endpoints,
    lab_pki: LabPki,
    tmp_path: Path,
) -> None:
    """The card's key behind OpenSSL (ctypes into the bundle's libssl): TLS 1.3 with the full
    card, TLS 1.2 with PKCS#1 v1.5 only (CPS3-like); SASL EXTERNAL; SMTP."""
    for card, version in ((full_card, "TLSv1.3"), (cps3_card, "TLSv1.2")):
        args = [
            "diagnose",
            "--imap", f"imap+starttls://localhost:{dovecot_mss.imap_port}",
            "--smtp", f"smtps://localhost:{lab_smtp.implicit_tls_port}",
            "--auth", "card",
            "--module", str(card.module),
            "--trust", str(lab_pki.files.root),
        ]  # fmt: skip
        result = run(frozen, args, tmp_path, CADUCEE_PIN=card.pin, **card.env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Résultat : tout fonctionne." in result.stdout
        assert "Authentification SASL EXTERNAL : acceptée" in result.stdout
        assert f"Connexion sécurisée (TLS) : {version}" in result.stdout


def test_demo_screenshot_and_the_bundles_openssl(frozen: Path, tmp_path: Path) -> None:
    """The demo (pymap, aiosmtpd, TLS servers and client, the window after the first sync)
    gives a non-blank PNG; a running frozen process maps the bundle's libssl and libcrypto,
    the ones ``_ssl`` and the ctypes binding share, not the system's."""
    shot = tmp_path / "demo.png"
    result = run(frozen, ["demo", "--screenshot", str(shot)], tmp_path / "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    width, height, colours = png_summary(shot)
    assert (width, height) >= (800, 500)
    assert colours > 50, "blank screenshot"

    clean = {k: v for k, v in os.environ.items() if not k.startswith("CADUCEE_")}
    server = subprocess.Popen(
        [str(frozen), "--profile-dir", str(tmp_path / "serve"), "demo", "--serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert "opérateur local prêt" in first, first
        maps = Path(f"/proc/{server.pid}/maps").read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    libraries = {line.split()[-1] for line in maps.splitlines() if ".so" in line}
    bundle = frozen.parent
    for name in ("libssl.so.3", "libcrypto.so.3"):
        mapped = [path for path in libraries if Path(path).name == name]
        assert mapped == [str(bundle / "_internal" / name)], mapped


def test_gui_starts_to_its_window_in_french_or_english(frozen: Path, tmp_path: Path) -> None:
    """``caducee gui --screenshot``: start to a painted main window (the time is printed for
    the figures, docs/operators.md); the bundled catalogue turns the toolbar into English."""
    profile = tmp_path / "demo"
    demo = run(frozen, ["demo", "--screenshot", str(tmp_path / "first.png")], profile)
    assert demo.returncode == 0, demo.stderr
    timings = []
    for attempt in range(3):
        shot = tmp_path / f"window-{attempt}.png"
        started = time.time()
        result = run(frozen, ["gui", "--screenshot", str(shot)], profile, CADUCEE_LANG="fr")
        assert result.returncode == 0, result.stdout + result.stderr
        timings.append(shot.stat().st_mtime - started)
        assert png_summary(shot)[2] > 50
    print(f"\nstart to main window: {', '.join(f'{t:.2f} s' for t in timings)}")
    english = tmp_path / "window-en.png"
    result = run(frozen, ["gui", "--screenshot", str(english)], profile, CADUCEE_LANG="en")
    assert result.returncode == 0, result.stdout + result.stderr
    toolbar = [rows(tmp_path / name)[:24] for name in ("window-0.png", "window-1.png")]
    assert toolbar[0] == toolbar[1]  # the same French toolbar twice...
    assert rows(english)[:24] != toolbar[0]  # ...and another one in English


def test_the_bundle_leaves_out_what_it_does_not_use(frozen: Path) -> None:
    """packaging/caducee.spec: no virtual keyboard (Qt Quick, QML), no GTK 3 platform theme
    nor the GTK, Cairo, Pango libraries it alone pulls, and no link left pointing at them;
    what the window uses is there (QtCharts: the results chart)."""
    internal = frozen.parent / "_internal"
    names = [path.name for path in internal.rglob("*")]
    unused = ("libqgtk3", "libgtk-3", "libgdk-3", "libcairo", "libpango", "libQt6Quick")
    assert not [n for n in names if n.startswith(unused) or "VirtualKeyboard" in n]
    assert not [path for path in internal.rglob("*") if path.is_symlink() and not path.exists()]
    assert "libQt6Charts.so.6" in names

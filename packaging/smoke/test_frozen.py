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
import shutil
import signal
import struct
import subprocess
import time
import zlib
from pathlib import Path

from app.sandbox.submission import Endpoints
from tests.lab.build import LabAccounts, LabPki
from tests.lab.cards import VirtualCard
from tests.lab.dovecot import Dovecot, MailAccount

OPERATOR = "Exemple Santé"  # packaging/operators/exemple-sante.toml, what the smoke build uses


def run(
    frozen: Path, args: list[str], profile: Path, timeout: float = 180, **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CADUCEE_")}
    return subprocess.run(
        [str(frozen), "--profile-dir", str(profile), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**clean, "QT_QPA_PLATFORM": "offscreen", **env},
        stdin=subprocess.DEVNULL,
    )


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


def test_sync_with_the_card_uses_worker_processes(
    frozen: Path,
    full_card: VirtualCard,
    dovecot_mss: Dovecot,
    lab_accounts: LabAccounts,
    lab_pki: LabPki,
    tmp_path: Path,
) -> None:
    """150 messages: enough for the body pipeline's process pool, which spawns the frozen
    executable itself (multiprocessing.freeze_support)."""
    account = lab_accounts.martin
    _fill_maildir(dovecot_mss, account, 150)
    profile = tmp_path / "p"
    # No Secret Service here: the profile's key under a passphrase (the mode she may choose
    # without a keyring); the frozen SQLCipher then opens the encrypted profile.
    env = {
        "CADUCEE_PIN": full_card.pin,
        "CADUCEE_PROFILE_PASSPHRASE": "phrase de passe du test de fumée",
        **full_card.env,
    }
    protected = run(frozen, ["profile", "protect", "--passphrase"], profile, **env)
    assert protected.returncode == 0, protected.stdout + protected.stderr
    added = run(
        frozen,
        ["account", "add", "--address", account.address,
         "--imap", f"imaps://localhost:{dovecot_mss.imaps_port}",
         "--auth", "card", "--module", str(full_card.module),
         "--trust", str(lab_pki.files.root)],
        profile, **env,
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CADUCEE_")}
    sync = subprocess.Popen(
        [str(frozen), "--profile-dir", str(profile), "sync", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**clean, **env},
    )
    workers: set[str] = set()
    mapped: set[str] = set()  # shared libraries of the workers
    while sync.poll() is None:
        for child in _children(sync.pid):
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                if command[1:2] == [b"--multiprocessing-fork"]:
                    maps = Path(f"/proc/{child}/maps").read_text()
                    mapped |= {line.split()[-1] for line in maps.splitlines() if ".so" in line}
            except (OSError, IndexError):
                continue
            if command[0].decode() == str(frozen):
                workers.add(b" ".join(command[1:]).decode())
        time.sleep(0.01)
    out, err = sync.communicate()
    assert sync.returncode == 0, out + err
    # Seen between fork and exec, a child still shows the parent's command line.
    assert any(worker.startswith("--multiprocessing-fork") for worker in workers), workers
    # A worker uses the bundle's libraries (the bootloader's LD_LIBRARY_PATH), not the
    # system's copies of them.
    bundled = {_soname(path.name) for path in (frozen.parent / "_internal").glob("*.so*")}
    outside = {p for p in mapped if _soname(Path(p).name) in bundled}
    outside = {p for p in outside if not p.startswith(str(frozen.parent) + "/")}
    assert mapped and not outside, outside
    listed = run(frozen, ["list", "--json"], profile, **env)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 150
    checked = run(frozen, ["profile", "check"], profile, **env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_demo_screenshot_and_the_bundles_openssl(frozen: Path, tmp_path: Path) -> None:
    """The demo (pymap, aiosmtpd, TLS servers and client, the window after the first sync)
    gives a non-blank PNG; a running frozen process maps the bundle's libssl and libcrypto,
    the ones ``_ssl`` and the ctypes binding share, not the system's."""
    shot = tmp_path / "demo.png"
    result = run(frozen, ["demo", "--screenshot", str(shot)], tmp_path / "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    width, height, colours = _png_summary(shot)
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
        assert _png_summary(shot)[2] > 50
    print(f"\nstart to main window: {', '.join(f'{t:.2f} s' for t in timings)}")
    english = tmp_path / "window-en.png"
    result = run(frozen, ["gui", "--screenshot", str(english)], profile, CADUCEE_LANG="en")
    assert result.returncode == 0, result.stdout + result.stderr
    toolbar = [_rows(tmp_path / name)[:24] for name in ("window-0.png", "window-1.png")]
    assert toolbar[0] == toolbar[1]  # the same French toolbar twice...
    assert _rows(english)[:24] != toolbar[0]  # ...and another one in English


def _fill_maildir(dovecot: Dovecot, account: MailAccount, count: int) -> None:
    """Small messages written straight into the Maildir, as a delivery agent would."""
    home = dovecot.home(account)
    maildir = home / "Maildir"
    shutil.rmtree(maildir, ignore_errors=True)
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    stamp = int(time.time())
    for number in range(count):
        raw = (
            f"From: labo{number}@biolab.mssante.test\r\nTo: {account.address}\r\n"
            f"Subject: Bilan {number}\r\nMessage-ID: <frozen-{number}@lab.test>\r\n"
            f"Date: Mon, 16 Nov 2026 09:00:00 +0100\r\n\r\nRésultat {number}.\r\n"
        )
        (maildir / "cur" / f"{stamp}.{number}.lab:2,S").write_bytes(raw.encode())
    owner = home.stat()
    for path in [maildir, *maildir.rglob("*")]:
        os.chown(path, owner.st_uid, owner.st_gid)


def _soname(name: str) -> str:
    """``libffi.so.8.1.2`` → ``libffi.so``."""
    return name[: name.index(".so") + 3] if ".so" in name else name


def _children(pid: int) -> set[int]:
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return children


def _rows(path: Path) -> list[int]:
    """A checksum per pixel row of a PNG (8-bit, non-interlaced, as Qt writes them)."""
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    (height,) = struct.unpack(">I", data[20:24])
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = len(raw) // height
    return [zlib.crc32(raw[row * stride : (row + 1) * stride]) for row in range(height)]


def _png_summary(path: Path) -> tuple[int, int, int]:
    """Width, height and how many distinct pixel rows (a blank image has one)."""
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height, len(set(_rows(path)))

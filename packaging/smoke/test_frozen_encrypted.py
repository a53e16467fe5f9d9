"""The frozen ``caducee`` on an encrypted profile (issue 21: "the frozen build opens an
encrypted profile"): the profile is made, synced and read by the frozen executable alone —
its SQLCipher (``sqlcipher3``), its AES-GCM (``cryptography``), its keyring backend (Secret
Service over D-Bus, a real GNOME Keyring here) or the passphrase mode (scrypt), its window
and the window's icons (``qtawesome``'s fonts from the bundle).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from app.ui.icons import DEFAULT_COLOUR
from tests.lab.build import LabAccounts, LabPki
from tests.lab.cards import VirtualCard
from tests.lab.dovecot import Dovecot

from .frozen import children, fill_maildir, png_summary, run, soname

COUNT = 150  # enough for the sync's pool of body workers (spawned from the frozen executable)
PATIENT = "Zéphyrine QUINTALLARD"  # fictitious; nowhere else in the lab
INS = "284057511604237"
SUBJECT = f"Bilan de {PATIENT}"
BODY = f"Patiente : {PATIENT}, INS {INS}, née le 03/04/1984."
# What must not be readable on the disk: the name as written, without its accent (the search
# index folds accents), and the INS. grep -i covers the index's lower case.
WORDS = ("QUINTALLARD", "Zéphyrine", "Zephyrine", INS)
TOOLBAR = range(24, 72)  # pixel rows of the window's toolbar (its icons) in a screenshot


@dataclass(frozen=True)
class Synced:
    profile: Path
    env: dict[str, str]  # what the frozen executable needs for this profile: the card, the keyring
    workers: set[str]  # command lines of the frozen executable's children during the sync
    mapped: set[str]  # shared libraries the body workers mapped


@pytest.fixture(scope="module")
def synced(
    frozen: Path,
    full_card: VirtualCard,
    dovecot_mss: Dovecot,
    lab_accounts: LabAccounts,
    lab_pki: LabPki,
    secret_service: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Synced:
    """A profile encrypted by the frozen executable, its key in the Secret Service (the
    normal mode), with the lab account added and 150 messages synced with the card."""
    account = lab_accounts.martin
    fill_maildir(dovecot_mss, account, COUNT, subject=SUBJECT, body=BODY)
    profile = tmp_path_factory.mktemp("encrypted") / "p"
    env = {"CADUCEE_PIN": full_card.pin, **full_card.env, **secret_service}
    protected = run(frozen, ["profile", "protect"], profile, **env)
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
    mapped: set[str] = set()
    while sync.poll() is None:
        for child in children(sync.pid):
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
    return Synced(profile, env, workers, mapped)


def test_sync_into_the_encrypted_profile_uses_worker_processes(
    frozen: Path, synced: Synced
) -> None:
    marker = json.loads((synced.profile / "encryption.json").read_text())
    assert (marker["mode"], marker["state"]) == ("keyring", "done")
    # Seen between fork and exec, a child still shows the parent's command line.
    assert any(w.startswith("--multiprocessing-fork") for w in synced.workers), synced.workers
    # A worker uses the bundle's libraries (the bootloader's LD_LIBRARY_PATH), not the
    # system's copies of them.
    bundled = {soname(path.name) for path in (frozen.parent / "_internal").glob("*.so*")}
    outside = {p for p in synced.mapped if soname(Path(p).name) in bundled}
    outside = {p for p in outside if not p.startswith(str(frozen.parent) + "/")}
    assert synced.mapped and not outside, outside
    listed = run(frozen, ["list", "--json"], synced.profile, **synced.env)
    assert listed.returncode == 0, listed.stderr
    messages = json.loads(listed.stdout)
    assert len(messages) == COUNT
    assert all(m["downloaded"] for m in messages)


def test_no_synced_word_is_readable_on_the_disk(
    frozen: Path, synced: Synced, dovecot_mss: Dovecot, lab_accounts: LabAccounts
) -> None:
    """``grep`` over the whole profile finds neither the patient's name nor her INS, though
    every message, its index entry and its body are in it (the frozen search and show read
    them back) — and the same grep finds them in the server's Maildir."""
    maildir = dovecot_mss.home(lab_accounts.martin) / "Maildir"
    assert len(_grep(maildir)) == COUNT  # the grep finds what is there in clear
    found = run(frozen, ["search", "QUINTALLARD", "--json"], synced.profile, **synced.env)
    assert found.returncode == 0, found.stderr
    assert len(json.loads(found.stdout)) == COUNT  # in the (encrypted) full-text index
    shown = run(frozen, ["show", "<frozen-7@lab.test>", "--json"], synced.profile, **synced.env)
    assert shown.returncode == 0, shown.stderr
    assert BODY in json.loads(shown.stdout)["body_text"]  # in a (sealed) message file
    sealed = list((synced.profile / "messages").rglob("*.eml"))
    assert len(sealed) >= COUNT
    assert _grep(synced.profile) == []
    files = sum(1 for path in synced.profile.rglob("*") if path.is_file())
    print(f"\n{' '.join(_command())}: nothing in the profile's {files} files")


def test_the_frozen_window_opens_the_encrypted_profile(
    frozen: Path, synced: Synced, artefacts: Path
) -> None:
    """``gui --screenshot``: the window, painted from the encrypted store, the first message
    read from its sealed file, the toolbar's icons drawn. Without the keyring's key the
    window does not open, and says why in French."""
    shot = artefacts / "encrypted-profile-window.png"
    shot.unlink(missing_ok=True)
    result = run(frozen, ["gui", "--screenshot", str(shot)], synced.profile, **synced.env)
    assert result.returncode == 0, result.stdout + result.stderr
    width, height, distinct = png_summary(shot)
    assert (width, height) >= (800, 500)
    assert distinct > 50, "blank screenshot"
    assert _icon_pixels(shot) > 200, "no icon in the toolbar"

    no_keyring = {k: v for k, v in synced.env.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    refused = artefacts / "encrypted-profile-no-keyring.png"
    refused.unlink(missing_ok=True)
    result = run(frozen, ["gui", "--screenshot", str(refused)], synced.profile, **no_keyring)
    assert result.returncode != 0
    assert "trousseau" in result.stderr, result.stderr
    assert not refused.exists()


def test_the_icons_come_from_the_bundled_fonts(
    frozen: Path, synced: Synced, tmp_path: Path
) -> None:
    """The icon check above fails on a bundle without qtawesome's fonts (a copy of the build
    made of hard links, less the fonts): the window then shows its text only."""
    copy = tmp_path / "caducee"
    subprocess.run(["cp", "-al", str(frozen.parent), str(copy)], check=True)
    fonts = copy / "_internal" / "qtawesome" / "fonts"
    assert any(fonts.glob("fontawesome5-solid-*.ttf"))
    shutil.rmtree(fonts)
    shot = tmp_path / "no-fonts.png"
    result = run(
        copy / frozen.name, ["gui", "--screenshot", str(shot)], synced.profile, **synced.env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert png_summary(shot)[2] > 50
    assert _icon_pixels(shot) == 0


def test_profile_check_opens_every_page_and_sealed_file(frozen: Path, synced: Synced) -> None:
    checked = run(frozen, ["profile", "check"], synced.profile, **synced.env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Profil chiffré intact" in checked.stdout
    # One bit changed in one sealed message file: found, said in French; then put back.
    victim = next((synced.profile / "messages").rglob("*.eml"))
    original = victim.read_bytes()
    try:
        victim.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        damaged = run(frozen, ["profile", "check"], synced.profile, **synced.env)
        assert damaged.returncode == 1, damaged.stdout + damaged.stderr
        assert "messages/ : 1 fichier(s) modifié(s) ou déplacé(s)" in damaged.stderr
    finally:
        victim.write_bytes(original)
    again = run(frozen, ["profile", "check"], synced.profile, **synced.env)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_passphrase_profile_opens_in_the_frozen_window(frozen: Path, tmp_path: Path) -> None:
    """The mode she may choose without a keyring: the key sealed with her passphrase
    (scrypt, in the frozen ``cryptography``), asked at every start."""
    profile = tmp_path / "p"
    phrase = {"CADUCEE_PROFILE_PASSPHRASE": "phrase de passe du test de fumée"}
    protected = run(frozen, ["profile", "protect", "--passphrase"], profile, **phrase)
    assert protected.returncode == 0, protected.stdout + protected.stderr
    assert json.loads((profile / "encryption.json").read_text())["mode"] == "passphrase"
    shot = tmp_path / "window.png"
    result = run(frozen, ["gui", "--screenshot", str(shot)], profile, **phrase)
    assert result.returncode == 0, result.stdout + result.stderr
    assert png_summary(shot)[2] > 50
    checked = run(frozen, ["profile", "check"], profile, **phrase)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    wrong = tmp_path / "wrong.png"
    result = run(
        frozen, ["gui", "--screenshot", str(wrong)], profile,
        CADUCEE_PROFILE_PASSPHRASE="une autre phrase de passe",
    )  # fmt: skip
    assert result.returncode != 0
    assert "phrase de passe" in result.stderr, result.stderr
    assert not wrong.exists()


def _grep(folder: Path) -> list[str]:
    """The files under ``folder`` where ``grep`` finds one of ``WORDS`` (binary files as
    text, any case)."""
    result = subprocess.run(_command(), cwd=folder, capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr  # 1: nothing found
    return result.stdout.splitlines()


def _command() -> list[str]:
    patterns = [part for word in WORDS for part in ("-e", word)]
    return ["grep", "-r", "-l", "-a", "-i", "-F", *patterns, "."]


def _icon_pixels(shot: Path) -> int:
    """Pixels of the icons' colour in the toolbar (the glyphs' solid parts)."""
    image = QImage(str(shot))
    colour = QColor(DEFAULT_COLOUR).rgb()
    return sum(image.pixel(x, y) == colour for y in TOOLBAR for x in range(image.width()))

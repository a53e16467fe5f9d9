"""``caducee demo``: the real client against the embedded sandbox operator, as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.sandbox.operator import DEMO_ADDRESS, DEMO_PASSPHRASE
from tests.lab.xvfb import XServer
from tests.ui.conftest import assert_not_blank

ENV = {
    **os.environ,
    "QT_QPA_PLATFORM": "offscreen",
    # never the OS keyring: tests/conftest.py's file-backed one (profile keys need one)
    "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
}


def caducee(
    profile: Path, *args: str, python: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """``caducee --profile-dir PROFILE ARGS`` offscreen, ``env`` added (a value of ""
    removes the variable); ``python``: options of the interpreter (``-W error``)."""
    return subprocess.run(
        [sys.executable, *python, "-m", "app", "--profile-dir", str(profile), *args],
        env={name: value for name, value in {**ENV, **env}.items() if value},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def listing(profile: Path) -> list[dict[str, object]]:
    done = caducee(profile, "list", "--json")
    assert done.returncode == 0, done.stderr
    messages: list[dict[str, object]] = json.loads(done.stdout)
    return messages


def test_demo_screenshot_after_the_first_sync(tmp_path: Path, artefacts: Path) -> None:
    profile = tmp_path / "demo"
    shot = artefacts / "demo.png"
    shot.unlink(missing_ok=True)
    started = time.monotonic()
    done = caducee(profile, "demo", "--screenshot", str(shot))
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "opérateur local prêt" in done.stdout
    assert seconds < 30, f"the demo took {seconds:.1f} s"
    assert_not_blank(shot)

    messages = listing(profile)
    subjects = [str(m["subject"]) for m in messages]
    assert len(messages) == 7, subjects
    assert all(m["account"] == DEMO_ADDRESS for m in messages)
    assert any(s.startswith("Résultats d'analyses") for s in subjects)
    assert any(s.startswith("XDM/1.0/DDM+LETTRE DE LIAISON") for s in subjects)
    assert any(s.startswith("XDM/1.0/DDM+SCANNER") or "IRM" in s for s in subjects)
    lab = next(m for m in messages if str(m["subject"]).startswith("Résultats d'analyses"))
    shown = caducee(profile, "show", str(lab["id"]), "--json")
    attachments = [a["filename"] for a in json.loads(shown.stdout)["attachments"]]
    assert attachments[-1] == "RESULTATS.HPR" and attachments[0].endswith(".pdf")
    letter = next(m for m in messages if "LETTRE DE LIAISON" in str(m["subject"]))
    shown = caducee(profile, "show", str(letter["id"]), "--json")
    data = json.loads(shown.stdout)
    assert data["attachments"][0]["filename"] == "IHE_XDM.ZIP"
    assert data["headers"]["Disposition-Notification-To"]  # a read receipt is asked

    # Everything stayed in the profile; a second run reuses the sandbox mailbox as it is.
    assert (profile / "demo" / "carte-demo.p12").exists()
    again = caducee(profile, "demo", "--screenshot", str(tmp_path / "again.png"))
    assert again.returncode == 0, again.stderr
    assert len(listing(profile)) == 7


def test_demo_screenshot_on_an_x_server(tmp_path: Path, artefacts: Path, x_server: XServer) -> None:
    """The demo as on a Linux desktop: Qt's xcb plugin and a real X server (Xvfb)."""
    shot = artefacts / "demo-xcb.png"
    shot.unlink(missing_ok=True)
    done = caducee(tmp_path / "demo", "demo", "--screenshot", str(shot), **x_server.env)
    assert done.returncode == 0, done.stderr
    assert_not_blank(shot)


def test_the_demo_writes_nothing_outside_its_profile(tmp_path: Path) -> None:
    """Without --profile-dir, the demo's profile is ``<data dir>/demo``; the user's own
    directories (data, config, cache, state, logs, temporary files) get nothing else, in
    window mode as with --serve."""
    home = tmp_path / "home"
    places = {
        "HOME": home,
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_RUNTIME_DIR": tmp_path / "run",
        "TMPDIR": tmp_path / "tmp",
    }
    for directory in places.values():
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = {k: v for k, v in ENV.items() if k != "CADUCEE_PROFILE_DIR"}
    env.update({name: str(path) for name, path in places.items()})
    profile = home / ".local" / "share" / "Caducee" / "demo"
    command = [sys.executable, "-m", "app", "demo"]
    shown = subprocess.run(
        [*command, "--screenshot", str(tmp_path / "shot.png")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert f"profil {profile}" in shown.stdout
    serving = subprocess.Popen(
        [*command, "--serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert serving.stdout is not None
        assert "opérateur local prêt" in serving.stdout.readline()
        while "caducee send" not in serving.stdout.readline():  # the last line before it waits
            assert serving.poll() is None
        time.sleep(0.3)
    finally:
        serving.send_signal(signal.SIGINT)
        serving.communicate(timeout=30)
    assert serving.returncode == 0

    made_here = set(places.values())
    written = sorted(
        {
            path.relative_to(tmp_path)
            for place in made_here
            for path in place.rglob("*")
            if path not in made_here
            and not (path == profile or profile in path.parents or path in profile.parents)
        }
    )
    assert written == []
    assert (profile / "logs" / "caducee.log").is_file()  # its log is in its profile
    assert (profile / "store.sqlite3").is_file()


def test_demo_mail_sent_to_oneself_arrives(tmp_path: Path) -> None:
    """``caducee demo --serve``, then ``caducee send`` and ``caducee sync`` over its mTLS."""
    profile = tmp_path / "demo"
    with served_demo(profile):
        secret = {"CADUCEE_PKCS12_PASSPHRASE": DEMO_PASSPHRASE}
        subject = f"Note à moi-même {time.time_ns()}"
        sent = caducee(profile, *to_myself(subject, "Rappeler le laboratoire."), **secret)
        assert sent.returncode == 0, sent.stderr
        synced = caducee(profile, "sync", **secret)
        assert synced.returncode == 0, synced.stderr
        folders = sorted(str(m["folder"]) for m in listing(profile) if m["subject"] == subject)
        assert folders == ["INBOX", "Sent"]
        refused = caducee(
            profile,
            "send",
            "--from",
            DEMO_ADDRESS,
            "--to",
            "quelquun@ailleurs.test",
            "--subject",
            "Hors du bac à sable",
            "--body",
            "?",
            **secret,
        )
        assert "ailleurs.test" in refused.stdout + refused.stderr


def to_myself(subject: str, body: str) -> tuple[str, ...]:
    """The arguments of ``caducee send`` for a note from the demo account to itself."""
    return ("send", "--from", DEMO_ADDRESS, "--to", DEMO_ADDRESS, "--subject", subject,
            "--body", body)  # fmt: skip


@contextmanager
def served_demo(
    profile: Path, python: tuple[str, ...] = (), options: tuple[str, ...] = ()
) -> Iterator[list[str]]:
    """``caducee demo --serve [OPTIONS]`` on ``profile`` while the block runs, then stopped
    with Ctrl-C and checked to exit 0. Yields a list that then holds what it wrote on stderr.
    ``python``: options of the interpreter (``-W error``)."""
    command = [sys.executable, *python, "-m", "app", "--profile-dir", str(profile), "demo"]
    server = subprocess.Popen(
        [*command, "--serve", *options],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr: list[str] = []
    try:
        assert server.stdout is not None
        ready = server.stdout.readline()
        assert "opérateur local prêt" in ready, ready + (
            server.stderr.read() if server.stderr else ""
        )
        yield stderr
    finally:
        server.send_signal(signal.SIGINT)
        try:
            _, err = server.communicate(timeout=30)
            stderr.append(err)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert server.returncode == 0, stderr

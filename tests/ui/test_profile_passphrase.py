"""The window asks the passphrase of a profile whose key is sealed with one (issue 21):
masked, a wrong one said and asked again, "Quitter" closes with nothing written, the
environment variable wins; once opened, nothing asks it again in the session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from app.cli.main import main
from app.core import profile_key
from app.core.crypto import WrongPassphraseError
from app.core.paths import Profile
from app.store.db import Store
from app.ui.profile_passphrase import ProfilePassphraseDialog, ask_profile_passphrase

PHRASE = "la phrase secrète du cabinet"


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Profile]:
    """A profile in passphrase mode with an account, as a new start finds it."""
    chosen = Profile.from_dir(tmp_path / "profile")
    monkeypatch.setenv(profile_key.PASSPHRASE_ENV, PHRASE)
    argv = ["--profile-dir", str(chosen.data_dir), "profile", "protect", "--passphrase"]
    assert main(argv) == 0
    store = Store.open(chosen.data_dir)
    store.add_account("dr@medecin.mssante.test", "card", "imaps://imap.test")
    store.close()
    profile_key.forget(chosen.data_dir)  # as a new process
    monkeypatch.delenv(profile_key.PASSPHRASE_ENV)

    def on_the_terminal(*_args: object, **_options: object) -> str:
        raise AssertionError("the passphrase was asked on the terminal")

    monkeypatch.setattr(profile_key, "ask_passphrase", on_the_terminal)
    yield chosen
    profile_key.forget(chosen.data_dir)


def test_a_wrong_passphrase_is_said_and_asked_again_the_right_one_opens(
    qtbot: QtBot, profile: Profile, artefacts: Path
) -> None:
    data_dir = profile.data_dir
    assert profile_key.needs_passphrase(data_dir)
    dialog = ProfilePassphraseDialog(data_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "Phrase secrète du profil"
    assert dialog.field.echoMode() == QLineEdit.EchoMode.Password
    dialog.open_button.click()  # nothing typed
    assert "Tapez la phrase secrète" in dialog.problem.text()
    qtbot.keyClicks(dialog.field, "pas la bonne phrase du tout")
    dialog.open_button.click()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.problem.isVisible()
    assert "Phrase secrète incorrecte" in dialog.problem.text()
    assert dialog.field.text() == ""  # asked again
    assert profile_key.needs_passphrase(data_dir)
    qtbot.keyClicks(dialog.field, "phrase")  # shown masked in the screenshot
    dialog.grab().save(str(artefacts / "phrase-secrete-profil.png"), "PNG")
    dialog.field.setText(PHRASE)  # keyClicks aborts on "è" (QTest)
    dialog.open_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not profile_key.needs_passphrase(data_dir)
    store = Store.open(data_dir)  # the engine has the key: not asked again (terminal: fails)
    assert [a.address for a in store.accounts()] == ["dr@medecin.mssante.test"]
    store.close()


def test_the_environment_variable_wins(profile: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(profile_key.PASSPHRASE_ENV, PHRASE)
    assert not profile_key.needs_passphrase(profile.data_dir)
    assert ask_profile_passphrase(profile.data_dir)  # no dialog (it would wait here)


def test_the_engine_checks_the_passphrase(profile: Profile) -> None:
    with pytest.raises(WrongPassphraseError):
        profile_key.unlock(profile.data_dir, "une autre phrase de passe")
    assert profile_key.needs_passphrase(profile.data_dir)
    profile_key.unlock(profile.data_dir, PHRASE)
    assert (
        profile_key.keys_for(profile.data_dir).key_id
        == profile_key.read_marker(profile.data_dir)["key_id"]
    )


_START = """
import json, os, sys, threading
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from app.core import profile_key
from app.core.paths import Profile
from app.store.db import Store
from app.ui import application
from app.ui.profile_passphrase import ProfilePassphraseDialog

def on_the_terminal(*args, **options):
    raise AssertionError("asked on the terminal")

if not os.environ.get(profile_key.PASSPHRASE_ENV):  # the variable is read there
    profile_key.ask_passphrase = on_the_terminal
profile, shot, answers = Profile.from_dir(Path(sys.argv[1])), Path(sys.argv[2]), sys.argv[3:]
app = QApplication([])
seen = []

def answer():
    shown = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, ProfilePassphraseDialog) and w.isVisible()]
    if not shown or not answers:
        QTimer.singleShot(50, answer)
        return
    dialog = shown[0]
    seen.append(dialog.problem.text())
    typed = answers.pop(0)
    if typed == "QUITTER":
        dialog.quit_button.click()
        return
    dialog.field.setText(typed)
    QTimer.singleShot(50, answer)
    dialog.open_button.click()

QTimer.singleShot(0, answer)
code = application.run(profile, shot)
again = []  # the sync worker's thread opens the store too: never asked again
thread = threading.Thread(target=lambda: again.append(Store.open(profile.data_dir).close()))
thread.start()
thread.join()
print(json.dumps({"code": code, "seen": seen, "again": len(again)}))
"""


def _start(profile: Profile, shot: Path, *answers: str, **env: str) -> dict[str, object]:
    """``caducee`` (the window) in a child process, the dialog answered with ``answers``."""
    child_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **env}
    done = subprocess.run(
        [sys.executable, "-c", _START, str(profile.data_dir), str(shot), *answers],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _files(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_quitter_closes_with_nothing_opened_or_written(profile: Profile, tmp_path: Path) -> None:
    before = _files(profile.data_dir)
    shot = tmp_path / "window.png"
    started = _start(profile, shot, "pas la bonne phrase du tout", "QUITTER")
    assert started["code"] == 0 and not shot.exists()  # no window
    seen = started["seen"]
    assert isinstance(seen, list) and seen[0] == "" and "incorrecte" in seen[1]
    after = _files(profile.data_dir)
    written = {name for name in after if before.get(name) != after[name]}
    assert {name.split("/")[0] for name in written} <= {"logs"}, written  # the start's log only
    assert not any(name.startswith(("store", "filing", "audit")) for name in written)


def test_the_right_passphrase_opens_the_window_then_never_asked_again(
    profile: Profile, tmp_path: Path
) -> None:
    shot = tmp_path / "window.png"
    started = _start(profile, shot, "pas la bonne phrase du tout", PHRASE)
    assert started["code"] == 0 and shot.exists()  # the window opened (its screenshot)
    assert len(started["seen"]) == 2 and started["again"] == 1  # type: ignore[arg-type]


def test_with_the_variable_no_dialog(profile: Profile, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    started = _start(profile, shot, **{profile_key.PASSPHRASE_ENV: PHRASE})
    assert started == {"code": 0, "seen": [], "again": 1} and shot.exists()

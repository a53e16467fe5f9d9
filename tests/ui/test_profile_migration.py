"""The first start of a clear profile: encrypted on a thread behind a progress dialog, the
window's event loop running meanwhile (issue 21)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core import profile_encrypt, profile_key
from app.ui.profile_migration import STEPS, MigrationDialog, encrypt_with_progress
from tests.unit.test_encryption import check_whole, clear_profile

COUNT = 300


def test_a_clear_profile_is_encrypted_behind_a_progress_dialog(
    qtbot: QtBot, tmp_path: Path, artefacts: Path
) -> None:
    data_dir = tmp_path / "old" / "profile"
    clear_profile(data_dir, COUNT)
    assert profile_encrypt.needs_migration(data_dir)
    ticks, values, shot = [], [], []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))  # the event loop runs meanwhile
    timer.start(5)

    def watch() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, MigrationDialog)]
        for dialog in dialogs:
            if dialog.isVisible():
                values.append(dialog.value())
                dialog.reject()  # Esc: not cancelled
                dialog.close()
                if not shot and dialog.value() > 0:
                    shot.append(dialog.grab().save(str(artefacts / "chiffrement-profil.png")))

    watcher = QTimer()
    watcher.timeout.connect(watch)
    watcher.start(1)
    try:
        encrypt_with_progress(data_dir)
    finally:
        timer.stop()
        watcher.stop()
    assert ticks, "the window froze during the migration"
    assert values and max(values) <= STEPS and any(v > 0 for v in values), values
    assert values == sorted(values)
    assert not profile_encrypt.needs_migration(data_dir)
    assert not any(
        w.isVisible() for w in QApplication.topLevelWidgets() if isinstance(w, MigrationDialog)
    )
    profile_key.forget(data_dir)
    check_whole(data_dir, COUNT)


def test_an_encrypted_profile_opens_without_a_dialog(qtbot: QtBot, tmp_path: Path) -> None:
    data_dir = tmp_path / "profile"
    profile_key.keys_for(data_dir)  # new: encrypted from the start
    assert not profile_encrypt.needs_migration(data_dir)
    encrypt_with_progress(data_dir)  # returns at once (a dialog would wait here)
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MigrationDialog)]
    assert not any(w.isVisible() for w in shown)

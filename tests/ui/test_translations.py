"""French in the code, English from the catalogue; the catalogue follows the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.store.db import Store
from app.ui import application
from app.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def test_the_english_catalogue_is_complete_and_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "translations.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("lang", "label"), [("fr", "Relever"), ("en", "Get mail")])
def test_the_window_speaks_the_chosen_language(
    lang: str,
    label: str,
    qtbot: QtBot,
    mail_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(application.LANGUAGE_ENV, lang)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = set(app.findChildren(QTranslator))
    application._translate(app)  # what run() does at start
    try:
        window = MainWindow(mail_store, tmp_path / "ui.ini")
        qtbot.addWidget(window)
        assert window.get_mail_action.text() == label
        assert QCoreApplication.translate("MessageListModel", "Objet") in ("Objet", "Subject")
    finally:
        for added in set(app.findChildren(QTranslator)) - before:
            app.removeTranslator(added)

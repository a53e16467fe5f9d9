"""CADUCEE_LANG=en: the whole window in English — title and badge, folder names, the filing
labels that must not read like the "File" menu, sizes in KB/MB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from app.sandbox.operator import DEMO_LABEL, DEMO_PSC_LABEL
from app.store.db import Store
from app.ui import application
from app.ui.composer_parts import human_size
from app.ui.main_window import MainWindow
from app.ui.models import ScopeRole
from tests.ui.conftest import assert_not_blank


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(application.LANGUAGE_ENV, "en")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = set(app.findChildren(QTranslator))
    application._translate(app)  # what run() does at start
    try:
        yield
    finally:
        for added in set(app.findChildren(QTranslator)) - before:
            app.removeTranslator(added)
        QLocale.setDefault(QLocale.system())


def folder_labels(window: MainWindow) -> list[str]:
    account = window.folders.index(0, 0)
    return [
        str(window.folders.index(r, 0, account).data())
        for r in range(window.folders.rowCount(account))
    ]


def test_the_window_in_english(
    english: None, qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    application._show_label(window, f"DÉMO — {DEMO_LABEL}")  # as `caducee demo` shows it
    window.show()
    labels = folder_labels(window)
    assert any(label.startswith("Inbox") for label in labels), labels
    assert "Sent" in labels and "Outbox" in labels and "Drafts" in labels
    assert not any("Boîte" in label or "Envoyés" in label for label in labels)
    selected = window.folder_view.currentIndex().data(ScopeRole)
    assert selected.folder == "INBOX"  # the Inbox is what she sees first
    assert window.windowTitle() == "Caducée — DEMO — Dr Démo CADUCÉE — demo card"
    badge = window.findChild(QLabel, "profile-label")
    assert badge is not None and badge.text().startswith("DEMO")
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Go", "&Message", "&Tools", "&Help"]
    assert window.queue_action.text() == "To be filed"  # not "To file" beside "File"
    assert window.reader.file.text() == "File to patient…"  # the reader's "Classer…"
    assert human_size(2_400_000) == "2.3 MB"
    window.list_view.selectRow(0)
    QApplication.processEvents()
    target = artefacts / "main-window-english.png"
    window.grab().save(str(target))
    assert_not_blank(target)


def test_every_part_of_the_demo_labels_has_its_english(english: None) -> None:
    for label in (f"DÉMO — {DEMO_LABEL}", f"DÉMO — {DEMO_PSC_LABEL}"):
        shown = application.translated_label(label)
        assert "DÉMO" not in shown and "démonstration" not in shown, shown

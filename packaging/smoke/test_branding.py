"""The operator's branding in the window (app/ui/application.py), in this Python, offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from app.core import edition as edition_module
from app.core.edition import load_edition
from app.ui import application

EXAMPLE = Path(__file__).resolve().parents[1] / "operators" / "exemple-sante.toml"


@pytest.fixture
def with_edition() -> Iterator[None]:
    saved = list(edition_module._embedded)
    edition_module._embedded[:] = [load_edition(EXAMPLE)]
    yield
    edition_module._embedded[:] = saved


def test_the_window_shows_the_operator(qapp: QApplication, with_edition: None) -> None:
    palette = qapp.palette()
    try:
        edition = application._brand(qapp)
        assert edition is not None
        assert not qapp.windowIcon().isNull()
        highlight = qapp.palette().color(QPalette.ColorRole.Highlight)
        assert highlight == QColor("#0b5ea8")
        window = QMainWindow()  # what _brand_window uses of the main window
        application._brand_window(window, edition)  # type: ignore[arg-type]
        assert window.windowTitle() == "Caducée — édition Exemple Santé"
        labels = {label.objectName(): label for label in window.statusBar().findChildren(QLabel)}
        assert labels["operator-edition"].text() == "Exemple Santé"
        assert not labels["operator-logo"].pixmap().isNull()
        window.close()
    finally:
        qapp.setPalette(palette)


def test_without_an_edition_nothing_changes(qapp: QApplication) -> None:
    saved = list(edition_module._embedded)
    edition_module._embedded[:] = [None]
    try:
        assert application._brand(qapp) is None
    finally:
        edition_module._embedded[:] = saved

"""What the lock screen asks, in French, from the accounts' ways of signing in."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.ui.lock import LockOverlay


def test_the_overlay_names_what_unlocking_asks(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    overlay = LockOverlay(parent)
    overlay.explain({"card"})
    assert "carte CPS et son code" in overlay.explanation.text()
    assert "Pro Santé Connect" not in overlay.explanation.text()
    assert overlay.button.text() == "Déverrouiller"
    overlay.explain({"psc"})
    assert "reconnectant avec Pro Santé Connect (carte CPS ou e-CPS)" in (
        overlay.explanation.text()
    )
    assert overlay.button.text() == "Déverrouiller avec Pro Santé Connect"
    overlay.explain({"card", "psc"})
    text = overlay.explanation.text()
    assert "carte CPS et son code" in text and "Pro Santé Connect" in text
    assert overlay.button.text() == "Déverrouiller"
    assert overlay.explanation.height() >= 2 * overlay.fontMetrics().height()  # two lines shown

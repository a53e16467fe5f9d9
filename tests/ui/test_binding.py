"""The Qt binding keeps Python's reference counts: PySide6 6.12.0 on Python 3.11 dropped a
reference to None on every Qt call that returns nothing, until Python aborted
("none_dealloc") in the middle of whatever the window was doing — the kind of crash a
doctor sees as Caducée vanishing after an ordinary click. The lock must not bring it back."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_qt_calls_returning_nothing_keep_none_alive(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for index in range(10_000):
        label.setText(str(index))
        label.setToolTip("")
    assert sys.getrefcount(None) >= before - 100  # a little noise from elsewhere, not 20,000

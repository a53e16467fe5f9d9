"""Run in a child process on an X server (tests/ui/test_menus.py): the window opened under
Qt's xcb platform, the "Message" menu opened by a real click on the menu bar, then the
message list's right-click menu; each time the whole X screen is captured (the popups are
real windows there, drawn by the server). Prints what it saw as JSON.

    python -m tests.ui.menus_on_x PROFILE_DIR OUT_DIR
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from app.store.db import Store
from app.ui.main_window import MainWindow
from tests.ui.conftest import fill_store


def settle(app: QApplication, seconds: float = 0.6) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def open_popup(app: QApplication) -> QMenu | None:
    for _ in range(100):
        settle(app, 0.05)
        popup = QApplication.activePopupWidget()
        if isinstance(popup, QMenu):
            return popup
    return None


def main(profile: Path, out: Path) -> int:
    app = QApplication(sys.argv[:1])
    store = Store.open(profile)
    fill_store(store, 40)
    window = MainWindow(store, profile / "ui.ini")
    window.resize(1200, 780)
    window.move(0, 0)
    window.show()
    window.activateWindow()
    settle(app, 1.5)
    seen: dict[str, object] = {"platform": QGuiApplication.platformName()}
    bar = window.menuBar()
    message = window.menu_bar.menus["message"].menuAction()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(message).center())
    popup = open_popup(app)
    seen["menu"] = [a.text() for a in popup.actions() if not a.isSeparator()] if popup else []
    seen["shortcuts"] = [a.shortcut().toString() for a in popup.actions()] if popup else []
    QGuiApplication.primaryScreen().grabWindow(0).save(str(out / "menu-message-xcb.png"))
    if popup is not None:
        popup.close()
    settle(app)
    window.list_view.selectRow(1)
    cell = window.list_view.visualRect(window.messages.index(1, 1)).center()
    window.list_menu.show_menu(cell)  # what the right button asks (customContextMenuRequested)
    popup = open_popup(app)
    seen["context"] = [a.text() for a in popup.actions() if not a.isSeparator()] if popup else []
    seen["context_icons"] = sum(1 for a in popup.actions() if not a.icon().isNull()) if popup else 0
    QGuiApplication.primaryScreen().grabWindow(0).save(str(out / "menu-contextuel-xcb.png"))
    if popup is not None:
        popup.close()
    seen["at"] = [window.mapToGlobal(QPoint(0, 0)).x(), window.mapToGlobal(QPoint(0, 0)).y()]
    print(json.dumps(seen, ensure_ascii=False))
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))

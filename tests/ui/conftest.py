"""A local store with realistic MSSanté mail (the benchmark's generator), for the UI tests."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.store.db import HeaderRow, Store
from app.ui.main_window import MainWindow
from bench.mailbox import Builder, plan_mailbox

OWNER = "dr.martin@medecin.mssante.fr"
SPECIAL = {"INBOX": "Inbox", "Sent": "Sent"}


def fill_store(store: Store, count: int, *, size: int = 3_000_000) -> None:
    """``count`` generated messages (lab results with PDF, XDM letters, notes...)."""
    account = store.account(OWNER) or store.add_account(OWNER, "card", "imaps://imap.test")
    plan = plan_mailbox(count, size, seed=7)
    builder = Builder(plan)
    by_folder: dict[str, list[tuple[int, bytes, str]]] = {}
    for uid, planned in enumerate(plan.messages, start=1):
        flags = "\\Seen" if "S" in planned.flags else ""
        by_folder.setdefault(planned.folder, []).append((uid, builder.build(planned), flags))
    for name, messages in by_folder.items():
        store.upsert_folder(account, name.replace("/", "."), ".", SPECIAL.get(name), True)
        folder = next(f for f in store.folders(account) if f.name == name.replace("/", "."))
        store.add_headers(
            folder,
            [
                HeaderRow(uid, tuple(flags.split()), datetime.now(), len(raw), None, raw)
                for uid, raw, flags in messages
            ],
        )
        store.add_bodies(folder, {uid: raw for uid, raw, _flags in messages})


@pytest.fixture(autouse=True)
def _composers_close_without_asking(monkeypatch: pytest.MonkeyPatch) -> None:
    """A composer closed at a test's end keeps its draft: no modal question left open
    (the question itself: tests/ui/test_drafts_view.py)."""
    from app.ui.composer import Composer

    monkeypatch.setattr(Composer, "ask_on_close", False)


class Gate:
    """The list loader's queries (app/ui/list_loader.py) crawl until ``open()``: a progress
    handler on its own connection waits 5 ms at every step of SQLite's machine (real
    SQLite: an interrupt still ends the query, SQLite checks for one between steps)."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.steps = 0

    def slow(self, connection: sqlite3.Connection) -> None:
        def step() -> int:
            self.steps += 1
            self.opened.wait(0.005)
            return 0  # go on (a non-zero answer would abort the query)

        connection.set_progress_handler(step, 1)

    def open(self) -> None:
        self.opened.set()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """The list loader's queries slow until ``gate.open()`` (opened at the test's end)."""
    from app.ui.list_loader import ListLoader

    made = Gate()
    monkeypatch.setattr(ListLoader, "prepare", made.slow)
    yield made
    made.open()


@pytest.fixture
def mail_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "profile")
    fill_store(store, 60)
    yield store
    store.close()


def assert_not_blank(path: Path) -> None:
    image = QImage(str(path))
    assert not image.isNull(), path
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 20, f"{path} looks blank ({len(colours)} colours)"


def open_window(qtbot: QtBot, store: Store, tmp_path: Path) -> MainWindow:
    """The main window over ``store``, shown and exposed, its settings in ``tmp_path``."""
    shown = MainWindow(store, tmp_path / "ui.ini")
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown

"""A worker thread still busy when its window closes is waited for, never destroyed running."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot
from pytestqt.qtbot import QtBot

from app.ui import threads


class _Busy(QObject):
    started = Signal()

    def __init__(self, release: threading.Event) -> None:
        super().__init__()
        self.release = release
        self.done = False

    @Slot()
    def work(self) -> None:
        self.started.emit()
        self.release.wait(5)  # a card or network call that outlasts the patience
        self.done = True


def test_finish_waits_past_its_patience_for_a_busy_worker(qtbot: QtBot) -> None:
    release = threading.Event()
    thread = QThread()
    worker = _Busy(release)
    worker.moveToThread(thread)
    thread.started.connect(worker.work)
    with qtbot.waitSignal(worker.started, timeout=5_000):
        thread.start()
    threading.Timer(0.5, release.set).start()
    threads.finish(thread, patience_ms=50)
    assert thread.isFinished() and worker.done
    del thread  # destroying it now is safe: Qt would abort the process if it still ran

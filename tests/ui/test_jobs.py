"""A job of the thread pool never reports to a window being deleted at exit: the window's
exit waits for the jobs still running (``finish_jobs``), then the window goes."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from app.ui.jobs import BackgroundJob, finish_jobs


def test_exit_waits_for_the_running_jobs(qtbot: QtBot) -> None:
    owner = QObject()
    started, finished = threading.Event(), threading.Event()
    results: list[object] = []

    def work() -> str:
        started.set()
        time.sleep(0.3)
        finished.set()
        return "fait"

    BackgroundJob(owner, work, results.append, results.append).start()
    assert started.wait(5)
    assert not finished.is_set()
    assert finish_jobs(5_000)  # waits for the job to end
    assert finished.is_set()
    owner.deleteLater()  # then the window goes, after the result the job posted
    qtbot.wait(50)
    assert results == ["fait"]


def test_exit_does_not_wait_forever(qtbot: QtBot) -> None:
    owner = QObject()
    release = threading.Event()
    BackgroundJob(owner, lambda: release.wait(10), print, print).start()
    started = time.monotonic()
    assert not finish_jobs(200)  # a job stuck on the network: she is not kept waiting
    assert time.monotonic() - started < 2
    release.set()
    assert finish_jobs(5_000)
    owner.deleteLater()
    qtbot.wait(50)

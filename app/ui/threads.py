"""Ending a worker's QThread without ever destroying it while it runs.

Qt aborts the whole process ("QThread: Destroyed while thread is still running") when a
QThread object is deleted before its thread ended. A worker can be inside a job bounded only
by its network or card timeouts when the window or the wizard closes, so a bounded wait is
not enough: after it, this waits on, and says so in the log (no health data: the thread's
name only).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QThread

log = logging.getLogger(__name__)

_PATIENCE_MS = 10_000


def finish(thread: QThread, patience_ms: int = _PATIENCE_MS) -> None:
    """Ask the thread's event loop to quit and return once the thread has ended."""
    thread.quit()
    if thread.wait(patience_ms):
        return
    log.warning(
        "thread %s still busy after %d ms; waiting for it", thread.objectName(), patience_ms
    )
    thread.wait()  # its job ends on its own timeouts; deleting it now would abort Caducée

"""One piece of work in the thread pool, its result back on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class BackgroundJob(QRunnable):
    """``work()`` in the thread pool; ``on_done(result)`` or ``on_error(exception)`` then
    run on the GUI thread.

    The relay is a child of ``owner`` (a widget that outlives the job): a queued call to a
    plain callable is dropped if its sender is gone, and the pool deletes the job itself
    once ``run`` returns."""

    def __init__(
        self,
        owner: QObject,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        super().__init__()
        self.work = work
        self.relay = _Relay(owner)
        queued = Qt.ConnectionType.QueuedConnection
        self.relay.done.connect(on_done, queued)
        self.relay.failed.connect(on_error, queued)
        for signal in (self.relay.done, self.relay.failed):
            signal.connect(self.relay.deleteLater, queued)

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as error:  # noqa: BLE001 - shown to her by on_error
            self._tell(self.relay.failed, error)
            return
        self._tell(self.relay.done, result)

    @staticmethod
    def _tell(signal: Any, value: object) -> None:
        with suppress(RuntimeError):  # the owner was deleted meanwhile (a window closed)
            signal.emit(value)  # nobody is left to tell: dropped

    def start(self) -> None:
        QThreadPool.globalInstance().start(self)


def finish_jobs(timeout_ms: int = 3_000) -> bool:
    """At exit, before the windows go: the jobs still running finish first (at most
    ``timeout_ms``). A job ending while its owner is being deleted emitted on a relay
    being deleted from another thread: a crash at quit, not a dropped result. True when
    none is left."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)

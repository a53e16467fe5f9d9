"""The window's longest stall for each thing she does in a large mailbox (issue 20: <= 100 ms
at 5,000 messages; issue 22: the same at 100,000): open the Inbox, scroll, sort by each
column, search as she types, clear the search, open an unread message (read, counts), mark
it unread again, the end of a sync that changed nothing and of one that brought 20.

    .venv/bin/python bench/ui_actions.py --messages 5000 [--repeat 3] [--json FILE]

A 10 ms timer ticks in the GUI thread all along; an action's stall is the longest gap
between two ticks from the moment it starts until it has settled (its debounce and
background jobs included), minus the tick. Settled means the list holds the ids asked for:
a large scope is listed off the GUI thread (app/ui/list_loader.py), and the measure goes on
until its ids are swapped into the list; the time until then is printed too ("listed
after": from the action, or from the last key typed). The store is built once in a
temporary profile, encrypted as hers is, every message with a text body (the same ingest as
a sync).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

if not __package__:  # run as a script: import from the repository, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QEventLoop, QModelIndex, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from app.store.db import HeaderRow, MessageSummary, Store
from app.store.views import Scope
from app.sync.engine import SyncReport
from app.ui.main_window import MainWindow
from app.ui.models import MessageRole, ScopeRole
from bench.file_keyring import use_file_keyring
from bench.ui_first_paint import build

TICK_MS = 10
SETTLE_MS = 600  # after an action: the search's debounce (300 ms) and what follows it
TYPING_MS = 120  # between two keys: a doctor typing
GOAL_MS = 100


class Ticks:
    """Timestamps of a 10 ms timer in the GUI thread."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))
        self.timer.start(TICK_MS)

    def stall(self, start: float, end: float) -> float:
        """The longest gap (ms, beyond the tick) covering [start, end]."""
        around = [t for t in self.times if start - TICK_MS / 1000 <= t <= end]
        around = [start, *around] if not around or around[0] > start else around
        gaps = [(b - a) * 1000 - TICK_MS for a, b in itertools.pairwise(around)]
        return max([0.0, *gaps])


def spin(milliseconds: int) -> None:
    """The event loop runs (timers, queued signals, jobs' answers) for that long, as the
    window's own loop does: a QEventLoop lets other Python threads run while it waits
    (``QTest.qWait`` holds the GIL: the list loader's thread starved, 200x slower)."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


class Listed:
    """When the list last took in ids (``MessageListModel.listed``) and whether it is still
    waiting for some (``loading``)."""

    def __init__(self, window: MainWindow) -> None:
        self.model = window.messages
        self.last = 0.0
        self.model.listed.connect(self._listed)

    def _listed(self, _how: str) -> None:
        self.last = time.perf_counter()

    def busy(self) -> bool:
        return self.model.loading

    def after(self, start: float) -> float | None:
        """ms from ``start`` until the list took its ids in; None: not listed since."""
        return (self.last - start) * 1000 if self.last >= start else None


def settle(start: float, busy: Callable[[], bool], limit_s: float = 60) -> None:
    """The event loop runs until nothing is being listed any more."""
    while busy() and time.perf_counter() - start < limit_s:
        spin(10)
    if busy():
        raise RuntimeError(f"the list was not listed within {limit_s:.0f} s")


def timed(
    ticks: Ticks,
    action: Callable[[], object],
    settle_ms: int = SETTLE_MS,
    busy: Callable[[], bool] = lambda: False,
    quiet_ms: int = 50,
) -> float:
    """The action from the event loop, as a click is; its stall is the longer of its own
    run and the longest gap between ticks until it has settled (``busy()`` False: the
    list's ids listed off the GUI thread are in)."""
    spin(quiet_ms)  # quiet before
    start = time.perf_counter()
    took: list[float] = []

    def run() -> None:
        began = time.perf_counter()
        action()
        took.append((time.perf_counter() - began) * 1000)

    QTimer.singleShot(0, run)
    spin(settle_ms)
    while not took and time.perf_counter() - start < 10:  # not run yet: the loop is held
        spin(10)
    settle(start, busy)
    own = took[0] if took else (time.perf_counter() - start) * 1000
    return max(own, ticks.stall(start, time.perf_counter()))


def inbox_index(window: MainWindow) -> QModelIndex:
    account = window.folders.index(0, 0)
    for row in range(window.folders.rowCount(account)):
        index = window.folders.index(row, 0, account)
        scope = index.data(ScopeRole)
        if isinstance(scope, Scope) and scope.folder == "INBOX":
            return index
    raise RuntimeError("no Inbox in the folder tree")


def first_unread_row(window: MainWindow) -> int:
    for row in range(min(window.messages.rowCount(), 2000)):
        message = window.messages.index(row, 0).data(MessageRole)
        if isinstance(message, MessageSummary) and message.unread:
            return row
    return 0


def arrive(store: Store, first_uid: int, count: int) -> None:
    """What a sync brings: ``count`` new messages in the Inbox (headers and bodies)."""
    account = store.accounts()[0]
    inbox = next(f for f in store.folders(account) if f.name == "INBOX")
    now = datetime(2031, 1, 1, tzinfo=UTC)
    rows, bodies = [], {}
    for uid in range(first_uid, first_uid + count):
        date = now + timedelta(minutes=uid)
        header = (
            "From: Laboratoire BIOLAB <resultats@biolab.mssante.fr>\r\n"
            "To: dr.martin@medecin.mssante.fr\r\nSubject: Résultats du jour\r\n"
            f"Date: {date.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
            f"Message-ID: <arrived-{uid}@mssante.test>\r\n\r\n"
        ).encode()
        rows.append(HeaderRow(uid, (), date, 2000, None, header))
        bodies[uid] = header + b"Bilan normal.\r\n"
    store.add_headers(inbox, rows)
    store.add_bodies(inbox, bodies)


class Actions:
    """Each action's longest stall (``stalls``) and how long until the list held its new
    ids (``listed``, the longest of its repeats; absent: the action lists nothing)."""

    def __init__(self, window: MainWindow) -> None:
        self.ticks = Ticks()
        self.watch = Listed(window)
        self.stalls: dict[str, float] = {}
        self.listed: dict[str, float] = {}

    def do(self, name: str, action: Callable[[], object], settle_ms: int = SETTLE_MS) -> None:
        spin(50)  # quiet before
        start = time.perf_counter()
        self.took(name, timed(self.ticks, action, settle_ms, self.watch.busy, 0), start)

    def took(self, name: str, stall: float, start: float) -> None:
        self.stalls[name] = max(self.stalls.get(name, 0.0), stall)
        after = self.watch.after(start)
        if after is not None:
            self.listed[name] = max(self.listed.get(name, 0.0), after)


def run(window: MainWindow, store: Store, count: int) -> tuple[dict[str, float], dict[str, float]]:
    """One round of every action: (longest stall, list listed after), ms, by action."""
    done = Actions(window)
    view = window.list_view
    header = view.horizontalHeader()  # a click on a column's title sorts by it
    spin(300)
    other = window.folders.index(0, 0)  # the account (all its folders), then the Inbox
    opened = "ouvrir la boîte de réception"
    done.do(opened, lambda: window.folder_view.setCurrentIndex(other))
    done.do(opened, lambda: window.folder_view.setCurrentIndex(inbox_index(window)))
    scrolled = "défiler (fin, milieu, début)"
    done.do(scrolled, view.scrollToBottom, 200)
    done.do(scrolled, lambda: view.scrollTo(window.messages.index(count // 2, 0)), 200)
    done.do(scrolled, view.scrollToTop, 200)
    for column, name in ((1, "objet"), (2, "expéditeur"), (3, "date")):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            done.do(f"trier par {name}", partial(header.setSortIndicator, column, order))
    header.setSortIndicator(3, Qt.SortOrder.DescendingOrder)
    settle(time.perf_counter(), done.watch.busy)
    for word in ("durand", "biolab", "recontrôler"):
        start = time.perf_counter()
        window.search.setFocus()
        for letter in word:
            window.search.insert(letter)  # as typed: textChanged, key by key
            last_key = time.perf_counter()
            spin(TYPING_MS)
        spin(SETTLE_MS)
        settle(start, done.watch.busy)  # the last query's ids are in the list
        done.took(
            f"rechercher en tapant « {word} »",
            done.ticks.stall(start, time.perf_counter()),
            last_key,
        )
        done.do("effacer la recherche", window.search.clear)
    row = first_unread_row(window)
    done.do("ouvrir un message non lu", lambda: view.selectRow(row))
    done.do("marquer comme non lu", window.toggle_read)
    address = store.accounts()[0].address
    done.do(
        "fin de synchronisation sans changement",
        partial(window._account_done, address, SyncReport(folders=3)),
    )
    arrive(store, count + 1, 20)
    done.do(
        "fin de synchronisation (20 nouveaux)",
        partial(window._account_done, address, SyncReport(folders=3, new=20)),
    )
    done.ticks.timer.stop()
    return done.stalls, done.listed


Round = tuple[dict[str, float], dict[str, float]]


def measure(count: int, repeat: int) -> tuple[float, list[Round]]:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="caducee-bench-ui-", ignore_cleanup_errors=True) as d:
        profile = Path(d)
        use_file_keyring(profile)  # the profile's key (the store is encrypted)
        built = build(profile / "data", count, bodies=True)
        store = Store.open(profile / "data")
        window = MainWindow(store, profile / "data" / "ui.ini")
        window.resize(1400, 900)
        window.show()
        rounds = []
        for _ in range(repeat):
            rounds.append(run(window, store, count))
        window.close()
        window.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        del window
        QThreadPool.globalInstance().waitForDone(30_000)
        store.close()
    return built, rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    built, rounds = measure(args.messages, args.repeat)
    print(f"store: {args.messages} messages with bodies, built in {built:.1f} s")
    print(
        f"| action ({args.messages} messages) | longest stall, ms | each round | goal "
        "| list listed after, ms (each round) |"
    )
    print("|---|---:|---|---|---|")
    worst = 0.0
    for action in rounds[0][0]:
        values = [stalls[action] for stalls, _listed in rounds]
        worst = max(worst, *values)
        mark = "ok" if max(values) <= GOAL_MS else "NO"
        waits = [listed[action] for _stalls, listed in rounds if action in listed]
        after = ", ".join(f"{v:.0f}" for v in waits) if waits else "-"
        print(
            f"| {action} | {max(values):.0f} | {', '.join(f'{v:.0f}' for v in values)} | {mark} "
            f"| {after} |"
        )
    print(f"goal: every action <= {GOAL_MS} ms; worst {worst:.0f} ms")
    if args.json:
        figures = {
            "messages": args.messages,
            "rounds": [stalls for stalls, _listed in rounds],
            "listed_after": [listed for _stalls, listed in rounds],
        }
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

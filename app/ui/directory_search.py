"""The directory for the window: searches, lookups, the liste blanche and updates, run in a
thread of their own so that typing never waits on SQLite or the disk.

``DirectoryJobs`` owns one Python worker thread and the read-only connections it opens
(an SQLite connection belongs to the thread that opened it). The GUI thread submits a job
(a function of the thread's ``DirectoryContext``) under a *kind*; a job not yet started is
replaced by a newer one of the same kind (type-ahead: only the last query matters). The
result, or the ``CaduceeError``/``OSError`` raised, comes back through the ``finished``
signal, which consumers connect to an ``@Slot`` with an explicit
``Qt.QueuedConnection``: it then runs in the GUI thread.

The index is reopened when its file was replaced (``caducee directory update`` in a
terminal, or the panel's own update), and closed during an update of our own (Windows
cannot replace a file held open).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.errors import CaduceeError
from app.directory import trusted
from app.directory.errors import DirectoryMissingError
from app.directory.index import DirectoryIndex, Mailbox, index_path
from app.directory.trusted import TrustedList

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DirectoryPlaces:
    """Where the profile keeps the index (data) and the liste blanche (cache)."""

    data_dir: Path
    cache_dir: Path

    @classmethod
    def beside(cls, settings_file: Path) -> DirectoryPlaces:
        """A self-contained profile (``--profile-dir``): cache below the data folder."""
        return cls(settings_file.parent, settings_file.parent / "cache")


@dataclass(frozen=True)
class Query:
    text: str
    profession: str = ""  # label words (profession and specialty) or a profession code
    department: str = ""
    bal_type: str = ""  # "PER", "ORG" or "" for both
    limit: int = 200

    @property
    def empty(self) -> bool:
        return not (self.text.strip() or self.profession or self.department or self.bal_type)


@dataclass(frozen=True)
class Choices:
    """Values for the filters, from the installed index (most frequent first)."""

    professions: list[str]
    specialties: list[str]
    entries: int
    imported_at: str


class DirectoryContext:
    """What a job gets, in the worker thread: the index and the liste blanche, opened
    lazily, reopened when their files change."""

    def __init__(self, places: DirectoryPlaces) -> None:
        self.places = places
        self._index: DirectoryIndex | None = None
        self._index_stamp: tuple[int, int] | None = None
        self._trusted: TrustedList | None = None
        self._trusted_stamp: tuple[int, int] | None = None
        self.choices: tuple[tuple[int, int] | None, Choices] | None = None

    @property
    def index_stamp(self) -> tuple[int, int] | None:
        return self._index_stamp

    @staticmethod
    def _stamp(path: Path) -> tuple[int, int] | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def index(self) -> DirectoryIndex:
        """The installed index; ``DirectoryMissingError`` when there is none."""
        stamp = self._stamp(index_path(self.places.data_dir))
        if self._index is not None and stamp == self._index_stamp:
            return self._index
        self.close_index()
        self._index = DirectoryIndex(self.places.data_dir)
        self._index_stamp = stamp
        return self._index

    def close_index(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def trusted_list(self) -> TrustedList | None:
        """The cached liste blanche, or None when none was downloaded yet."""
        path = trusted.cache_path(self.places.cache_dir)
        stamp = self._stamp(path)
        if stamp is None:
            self._trusted = self._trusted_stamp = None
        elif stamp != self._trusted_stamp:
            self._trusted = trusted.load(self.places.cache_dir)
            self._trusted_stamp = stamp
        return self._trusted


def search(context: DirectoryContext, query: Query) -> list[Mailbox]:
    if query.empty:
        return []
    return context.index().search(
        query.text,
        profession=query.profession or None,
        department=query.department or None,
        bal_type=query.bal_type or None,
        limit=query.limit,
    )


def choices(context: DirectoryContext) -> Choices:
    """Professions and specialties present in the index: one scan of the entries (0.17 s
    for 150,000 on the test machine, so ~0.7 s for the real file), kept for as long as
    the same index file is installed."""
    index = context.index()
    if context.choices is not None and context.choices[0] == context.index_stamp:
        return context.choices[1]
    path = index_path(context.places.data_dir).resolve()
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT profession, specialty, count(*) FROM entries "
            "WHERE profession != '' GROUP BY profession, specialty"
        ).fetchall()
    professions: dict[str, int] = {}
    specialties: dict[str, int] = {}
    for profession, specialty, count in rows:
        professions[profession] = professions.get(profession, 0) + count
        if specialty:
            specialties[specialty] = specialties.get(specialty, 0) + count
    by_count = sorted(professions, key=lambda p: (-professions[p], p))
    found = Choices(
        professions=by_count,
        specialties=sorted(specialties, key=str.casefold),
        entries=index.entry_count,
        imported_at=index.meta.get("imported_at", ""),
    )
    context.choices = (context.index_stamp, found)
    return found


def lookup(context: DirectoryContext, address: str) -> Mailbox | None:
    try:
        return context.index().lookup(address)
    except DirectoryMissingError:
        return None


Job = Callable[[DirectoryContext], Any]


class DirectoryJobs(QObject):
    """One worker thread running directory jobs in order, newest per kind."""

    # ticket, kind, result (or the CaduceeError / OSError raised); emitted in the worker
    # thread: connect with Qt.ConnectionType.QueuedConnection.
    finished = Signal(int, str, object)

    def __init__(self, places: DirectoryPlaces, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.places = places
        self._tickets = itertools.count(1)
        self._pending: dict[str, tuple[int, Job, bool]] = {}
        self._condition = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, kind: str, job: Job, *, urgent: bool = False) -> int:
        """Queue ``job``; a pending job of the same kind is dropped. ``urgent`` jobs (what
        she is typing) run before the others waiting. Returns its ticket."""
        ticket = next(self._tickets)
        with self._condition:
            if self._closed:
                return ticket
            self._pending.pop(kind, None)
            self._pending[kind] = (ticket, job, urgent)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="directory-jobs", daemon=True
                )
                self._thread.start()
            self._condition.notify()
        return ticket

    def close(self, wait: float = 5.0) -> None:
        """No new jobs; the thread ends after the running one (waited for ``wait`` s)."""
        with self._condition:
            self._closed = True
            self._pending.clear()
            self._condition.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(wait)

    def _run(self) -> None:
        context = DirectoryContext(self.places)
        try:
            while True:
                with self._condition:
                    while not self._pending and not self._closed:
                        self._condition.wait()
                    if self._closed:
                        return
                    kind = next(
                        (k for k, (_t, _j, urgent) in self._pending.items() if urgent),
                        next(iter(self._pending)),
                    )
                    ticket, job, _urgent = self._pending.pop(kind)
                result: object
                try:
                    result = job(context)
                except (CaduceeError, OSError, sqlite3.Error) as error:
                    result = error
                except Exception as error:  # a bug: reported, the thread goes on
                    log.exception("directory job %s failed", kind)
                    result = error
                try:
                    self.finished.emit(ticket, kind, result)
                except RuntimeError:  # the window that asked is gone
                    return
        finally:
            context.close_index()


def user_message(error: BaseException) -> str:
    """The French text for an error a job returned."""
    if isinstance(error, CaduceeError):
        return error.user_message
    return f"{type(error).__name__} : {error}" if str(error) else type(error).__name__


def environment_update(places: DirectoryPlaces) -> Callable[[DirectoryContext], str | None]:
    """The panel's "Mettre à jour l'annuaire": what ``caducee directory update`` does.
    Returns the import report (French), or None when the index was already up to date."""

    def run(context: DirectoryContext) -> str | None:
        from app.directory.refresh import update_directory
        from app.transport.tls import TrustPolicy

        context.close_index()  # Windows: the file cannot be replaced while open
        policy = TrustPolicy.for_mssante(places.cache_dir / "crl")
        return update_directory(places.data_dir, places.cache_dir, policy)

    return run

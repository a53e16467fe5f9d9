"""One account's sync, one process at a time: what ``caducee sync`` and the window both call.

Two processes syncing one account at once (the window open while ``caducee sync`` runs, or
two ``caducee sync``) would each fetch every new message and report it as theirs. So a sync
takes ``<data dir>/locks/sync-<account>.lock`` (``app.core.proclock``: freed by the OS when
its holder dies, whatever the way) before it connects, and keeps it until the folders are
in the store. The caller chooses how long to wait for another process's sync: the command
line a bounded time, then it says so; the window not at all, and it tries again later.
Sending the outbox after the sync is not covered by this lock (the outbox has its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from app.core.errors import CaduceeError, Scope
from app.core.proclock import ProcessLock
from app.ops.accounts import AccountSession
from app.store.blobs import COLLECT_GRACE
from app.store.db import Store
from app.sync.engine import AccountSync, Progress, SyncReport
from app.transport.imap import Mailbox

LOCK_PURPOSE = "sync"


class SyncBusyError(CaduceeError):
    """Another process syncs this account and did not finish within the time allowed."""

    scope = Scope.ACCOUNT
    retryable = True

    def __init__(self, pid: int | None) -> None:
        holder = f" (pid {pid})" if pid is not None else ""
        super().__init__(
            f"the account is being synced by another process{holder}",
            user_message="Une synchronisation de ce compte est déjà en cours dans un autre "
            f"processus{holder} ; réessayez quand elle sera finie.",
        )
        self.pid = pid


def sync_lock(locks: Path, address: str) -> ProcessLock:
    """The lock of ``address``'s sync in the profile's ``locks`` directory."""
    return ProcessLock.named(locks, LOCK_PURPOSE, address)


def sync_account(
    store: Store,
    session: AccountSession,
    locks: Path,
    *,
    progress: Progress | None = None,
    wait: float | None = 0.0,
    waiting: Callable[[int | None], None] | None = None,
) -> SyncReport:
    """Sync ``session``'s account, alone: ``SyncBusyError`` when another process still
    syncs it after ``wait`` seconds (0: at once, None: as long as it takes). ``waiting(pid)``
    is called once, before waiting, when the account is busy. Nothing is connected, and no PIN or
    password asked, before the lock is held."""
    lock = sync_lock(locks, session.account.address)
    if not lock.acquire(timeout=0):
        if wait == 0:
            raise SyncBusyError(lock.holder())
        if waiting is not None:
            waiting(lock.holder())
        if not lock.acquire(timeout=wait):
            raise SyncBusyError(lock.holder())
    # The store's own row: a session handed over (the wizard's) may carry the row of
    # another connection, or one made before the account was stored again.
    account = store.account(session.account.address) or session.account
    try:
        with session.imap() as connection:
            mailbox = Mailbox(connection)
            report = AccountSync(store, account, mailbox, progress).run(collect=False)
        collect_files(store, locks, session.account.address)
        return report
    finally:
        lock.release()


def collect_files(store: Store, locks: Path, address: str, *, at_once: Iterable[str] = ()) -> int:
    """Remove the message files nothing refers to any more (messages expunged, an account
    removed), by the holder of ``address``'s sync lock.

    The files are shared by every account of the profile, and a sync writes a file before
    the row that refers to it: while another account syncs in another process, its newest
    files may not be referred to yet. So the other accounts' sync locks are taken for the
    time of the collection; when one is busy, only files older than ``COLLECT_GRACE`` go
    (and ``at_once``, the files of an account just removed).
    """
    held: list[ProcessLock] = []
    try:
        others = [a.address for a in store.accounts() if a.address.lower() != address.lower()]
        for other in others:
            lock = sync_lock(locks, other)
            if not lock.acquire(timeout=0):
                return store.collect_blobs(older_than=COLLECT_GRACE, at_once=at_once)
            held.append(lock)
        return store.collect_blobs(at_once=at_once)
    finally:
        for lock in held:
            lock.release()

"""A sync's writes checkpointed once at the end (``Store.bulk_writes``): inside, the log is
not copied into the database every 1,000 pages; after it, SQLite's default again, and
what the sync wrote is in the database file, whatever way the sync ended."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from app.store.db import HeaderRow, Store
from app.store.message_writes import BULK_CACHE_KIB, BULK_CHECKPOINT_PAGES


def _fill(store: Store, count: int) -> None:
    account = store.add_account("dr@mssante.test", "password", "imaps://imap.test")
    store.upsert_folder(account, "INBOX", "/", None, True)
    inbox = store.folders(account)[0]
    for start in range(1, count + 1, 100):  # a transaction per batch, as a sync writes
        store.add_headers(
            inbox,
            [
                HeaderRow(
                    uid, (), None, 100, None, f"Subject: bilan {uid} {'x' * 900}\r\n".encode()
                )
                for uid in range(start, min(start + 100, count + 1))
            ],
        )


def _cache(store: Store) -> int:
    return int(store.db.execute("PRAGMA cache_size").fetchone()[0])


def _autocheckpoint(store: Store) -> int:
    return int(store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])


def _frames_left(store: Store) -> int:
    """Frames of the log not yet in the database after a passive checkpoint attempt."""
    _busy, logged, done = store.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(logged) - int(done)


@pytest.mark.parametrize("fails", [False, True])
def test_a_sync_checkpoints_once_then_leaves_the_default(tmp_path: Path, fails: bool) -> None:
    store = Store.open(tmp_path / "profile")
    try:
        assert _autocheckpoint(store) == 1000
        cache = _cache(store)
        with pytest.raises(RuntimeError) if fails else contextlib.nullcontext():
            with store.bulk_writes():
                assert _autocheckpoint(store) == BULK_CHECKPOINT_PAGES
                assert _cache(store) == -BULK_CACHE_KIB  # pages read again not decrypted again
                _fill(store, 3000)  # more than 1,000 pages of log
                # not checkpointed on the way: the log holds every page written since
                logged = store.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
                assert logged > 2000
                if fails:
                    raise RuntimeError("the connection dropped")
        assert _autocheckpoint(store) == 1000
        assert _cache(store) == cache  # the window's connection back to its own size
        assert _frames_left(store) == 0
    finally:
        store.close()
    reopened = Store.open(tmp_path / "profile")
    try:
        assert reopened.db.execute("SELECT count(*) FROM messages").fetchone()[0] == 3000
    finally:
        reopened.close()

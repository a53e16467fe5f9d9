"""One sync per account across processes, true counts, and files collected safely."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest

from app.ops.accounts import AccountSession
from app.ops.sync import SyncBusyError, collect_files, sync_account, sync_lock
from app.store.db import Account, Folder, HeaderRow, Store

ADDRESS = "dr@mssante.test"
OTHER = "secretariat@mssante.test"


def header(number: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Laboratoire <labo@biolab.mssante.test>"
    message["Subject"] = f"Bilan n°{number}"
    message["Message-ID"] = f"<bilan-{number}@biolab.test>"
    return message.as_bytes()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    for address in (ADDRESS, OTHER):
        account = opened.add_account(address, "password", "imaps://imap.test")
        opened.upsert_folder(account, "INBOX", ".", "Inbox", True)
    yield opened
    opened.close()


def inbox(store: Store, address: str = ADDRESS) -> Folder:
    account = store.account(address)
    assert account is not None
    return store.folders(account)[0]


class NeverConnects:
    """An account session that fails the test if anything connects or asks a secret."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def imap(self) -> None:
        raise AssertionError("connected while another process syncs the account")


def session_of(store: Store) -> AccountSession:
    account = store.account(ADDRESS)
    assert account is not None
    return cast(AccountSession, NeverConnects(account))


def test_a_busy_account_is_refused_without_connecting(store: Store, tmp_path: Path) -> None:
    locks = tmp_path / "profile" / "locks"
    elsewhere = sync_lock(locks, ADDRESS.upper())  # the address's case does not matter
    assert elsewhere.acquire(timeout=0)
    try:
        with pytest.raises(SyncBusyError) as busy:
            sync_account(store, session_of(store), locks, wait=0)
        assert busy.value.pid == os.getpid()
        assert busy.value.retryable
        assert f"autre processus (pid {os.getpid()})" in busy.value.user_message

        told: list[int | None] = []
        started = time.monotonic()
        with pytest.raises(SyncBusyError):
            sync_account(store, session_of(store), locks, wait=0.3, waiting=told.append)
        assert time.monotonic() - started >= 0.3
        assert told == [os.getpid()]  # said once, before waiting
    finally:
        elsewhere.release()
    other = sync_lock(locks, OTHER)  # another account's sync does not stand in the way
    assert other.acquire(timeout=0)
    other.release()


def test_counts_are_what_this_store_took_in(store: Store) -> None:
    folder = inbox(store)
    rows = [HeaderRow(uid, (), None, 100, None, header(uid)) for uid in (1, 2, 3)]
    assert store.add_headers(folder, rows) == 3
    assert store.add_headers(folder, rows) == 0  # another sync stored them first
    seen = (("\\Seen",), None)
    assert store.set_flags(folder, {1: seen, 2: ((), None), 9: seen}) == 1  # 2 unchanged, 9 absent
    assert store.set_flags(folder, {1: seen}) == 0
    assert store.remove_uids(folder, [3, 4]) == 1
    stored = store.add_bodies(folder, {1: header(1) + b"\r\nTexte", 4: b"expunged meanwhile"})
    assert [body.uid for body in stored] == [1]
    assert store.add_bodies(folder, {1: header(1) + b"\r\nTexte"}) == []  # already there


def test_files_another_sync_may_be_writing_are_kept(store: Store, tmp_path: Path) -> None:
    locks = tmp_path / "profile" / "locks"
    fresh = store.blobs.put(b"written by a sync of the other account, row not yet committed")
    old = store.blobs.put(b"left by a message expunged long ago")
    long_ago = store.blobs.path(fresh).stat().st_mtime - 2 * 3600  # by the disk's clock
    os.utime(store.blobs.path(old), (long_ago, long_ago))
    other = sync_lock(locks, OTHER)
    assert other.acquire(timeout=0)  # the other account syncs in another process
    try:
        assert collect_files(store, locks, ADDRESS) == 1
        assert store.blobs.get(fresh) is not None and store.blobs.get(old) is None
    finally:
        other.release()
    assert collect_files(store, locks, ADDRESS) == 1  # no other sync: every orphan goes
    assert store.blobs.get(fresh) is None


def test_a_removed_account_takes_its_files_with_it(store: Store, tmp_path: Path) -> None:
    folder = inbox(store, OTHER)
    store.add_headers(folder, [HeaderRow(1, (), None, 100, None, header(1))])
    [body] = store.add_bodies(folder, {1: header(1) + b"\r\nTexte"})
    account = store.account(OTHER)
    assert account is not None
    locks = tmp_path / "profile" / "locks"
    elsewhere = sync_lock(locks, ADDRESS)
    assert elsewhere.acquire(timeout=0)  # even while the other account syncs
    try:
        files = store.remove_account(account)
        assert files == {body.digest}
        assert collect_files(store, locks, OTHER, at_once=files) == 1
        assert store.blobs.get(body.digest) is None
    finally:
        elsewhere.release()


def test_an_account_is_not_removed_while_another_process_syncs_it(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    base = [sys.executable, "-m", "app", "--profile-dir", str(profile)]
    subprocess.run(
        [*base, "account", "add", "--address", ADDRESS, "--imap", "imaps://imap.test:993",
         "--auth", "password", "--no-check"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    elsewhere = sync_lock(profile / "locks", ADDRESS)
    assert elsewhere.acquire(timeout=0)
    try:
        removing = subprocess.Popen(
            [*base, "account", "remove", "--address", ADDRESS],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert removing.stderr is not None
        assert "synchronisation en cours dans un autre processus, attente" in (
            removing.stderr.readline()
        )
        store = Store.open(profile)
        try:
            assert store.account(ADDRESS) is not None  # still there while it waits
        finally:
            store.close()
    finally:
        elsewhere.release()
    out, errors = removing.communicate(timeout=60)
    assert removing.returncode == 0, errors
    assert f"Compte {ADDRESS} retiré" in out

"""The header pass's sections parsed by the worker processes (issue 22): the same facts
as parsed in the sync process, whatever the input, and the same rows stored; a pool
shut down or broken falls back to parsing here."""

from __future__ import annotations

import os
import random
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from app.store.db import HeaderRow, Store
from app.store.header_facts import facts_of, header_facts
from app.sync.bodies import start_workers
from app.sync.engine import PARSED_APART, _HeaderParsing

SAMPLES = (
    b"From: Labo <labo@biolab.mssante.test>\r\nTo: dr@example.test, Secr\xc3\xa9tariat "
    b"<secr@example.test>\r\nSubject: =?utf-8?q?Bilan_h=C3=A9patique?=\r\n"
    b"Message-ID: <a@test>\r\nDate: Tue, 02 Jan 2024 08:00:00 +0100\r\n\r\n",
    b"From: Mail Delivery System <MAILER-DAEMON@example.test>\r\nSubject: Undelivered\r\n"
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n",
    b"From: p@patient.mssante.test\r\nIn-Reply-To: <a@test>\r\nReferences: <a@test>\r\n"
    b"Subject: Re: Bilan\r\nDisposition-Notification-To: p@patient.mssante.test\r\n\r\n",
    b"From: <<<@@>>>\r\nSubject: =?utf-8?B?####?=\r\nDate: 99 Foo 99999\r\n\x00\xff\r\n\r\n",
    b"",
    b"Subject: " + b"x" * 20_000 + b"\r\n\r\n",
    b"To: " + b", ".join(b"r%d@example.test" % n for n in range(300)) + b"\r\n\r\n",
)


def rows(count: int) -> list[HeaderRow]:
    chance = random.Random(count)
    return [
        HeaderRow(uid, (), None, 1000, None, chance.choice(SAMPLES) + b"X-N: %d\r\n" % uid)
        for uid in range(1, count + 1)
    ]


def test_the_workers_facts_are_the_sync_process_facts() -> None:
    batch = rows(500)
    pool = start_workers(2)
    try:
        parsing = _HeaderParsing(pool, batch)
        assert len(parsing.futures) == 2  # split among the workers
        assert parsing.result() == facts_of(row.header for row in batch)
    finally:
        pool.shutdown()


def test_a_small_batch_or_no_pool_is_parsed_here() -> None:
    pool = start_workers(1)
    try:
        small = rows(2 * PARSED_APART - 1)
        assert _HeaderParsing(pool, small).futures == []
        assert _HeaderParsing(None, rows(500)).futures == []
        assert _HeaderParsing(None, small).result() == [header_facts(r.header) for r in small]
    finally:
        pool.shutdown()


def _die() -> None:
    os._exit(3)


def test_a_pool_gone_wrong_falls_back_to_parsing_here() -> None:
    batch = rows(300)
    expected = facts_of(row.header for row in batch)
    stopped = start_workers(1)
    stopped.shutdown()
    assert _HeaderParsing(stopped, batch).result() == expected  # shut down before
    broken = ProcessPoolExecutor(1)
    try:
        dying = broken.submit(_die)  # a worker dies (out of memory...) before the batch
        parsing = _HeaderParsing(broken, batch)
        assert parsing.futures  # queued behind it
        assert parsing.result() == expected
        assert isinstance(dying.exception(), BrokenProcessPool)
        assert _HeaderParsing(broken, batch).result() == expected  # broken when submitted
    finally:
        broken.shutdown(wait=False, cancel_futures=True)


def stored_rows(directory: Path, given: bool) -> list[tuple[object, ...]]:
    store = Store.open(directory)
    try:
        account = store.add_account("dr@example.test", "password", "imaps://imap.example.test")
        store.upsert_folder(account, "INBOX", ".", "Inbox", True)
        [folder] = store.folders(account)
        batch = rows(len(SAMPLES) * 3)
        facts = facts_of(row.header for row in batch) if given else None
        assert store.add_headers(folder, batch, facts) == len(batch)
        assert store.search("hepatique") and store.search("secretariat")
        return [
            tuple(row)
            for row in store.db.execute(
                "SELECT uid, message_id, subject, sender, recipients, date, report, thread "
                "FROM messages ORDER BY uid"
            )
        ]
    finally:
        store.close()


def test_stored_rows_are_the_same_with_facts_given(tmp_path: Path) -> None:
    here = stored_rows(tmp_path / "here", given=False)
    assert stored_rows(tmp_path / "given", given=True) == here
    assert {row[6] for row in here} == {None, "dsn"}  # the report seen from its header

"""The body pipeline: read-ahead thread, worker processes, bad input, files before rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store.db import HeaderRow, Store
from app.sync.bodies import BodyPipeline, read_ahead, start_workers

GOOD = (
    b"From: Labo <labo@biolab.mssante.test>\r\nTo: dr@example.test\r\n"
    b"Subject: Bilan hepatique\r\nMessage-ID: <a@test>\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
    b"Content-Type: text/plain\r\n\r\ntransaminases normales\r\n--b\r\n"
    b'Content-Type: application/pdf; name="resultat.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
)
BROKEN = (
    b"From: Patient <p@patient.mssante.test>\r\nSubject: Ordonnance perdue\r\n"
    b'Content-Type: multipart/mixed; boundary="never"\r\nContent-Transfer-Encoding: base64'
    b"\r\n\r\n\x00\xff--nev\r\n=?utf-8?B?####?=\r\n" + b"<" * 5000
)


def test_read_ahead_keeps_the_order_and_raises_the_producers_error() -> None:
    with read_ahead(iter(range(50))) as items:
        assert list(items) == list(range(50))

    def failing() -> Iterator[int]:
        yield 1
        raise ConnectionResetError("coupé")

    seen = []
    with pytest.raises(ConnectionResetError), read_ahead(failing()) as items:
        for item in items:
            seen.append(item)
    assert seen == [1]


def test_an_error_in_the_consumer_stops_the_producer() -> None:
    produced = []

    def endless() -> Iterator[int]:
        for number in range(10_000):
            produced.append(number)
            yield number

    with pytest.raises(RuntimeError), read_ahead(endless()) as items:
        for item in items:
            if item == 3:
                raise RuntimeError("disque plein")
    assert len(produced) < 10  # one item ahead at most, then it stopped


@pytest.mark.parametrize("workers", [0, 1, "started"])
def test_bodies_are_stored_and_indexed_even_when_malformed(
    tmp_path: Path, workers: int | str
) -> None:
    pool = start_workers(1) if workers == "started" else None  # as the header pass does
    count = 1 if workers == "started" else int(workers)
    store = Store.open(tmp_path / "profile")
    try:
        account = store.add_account("dr@example.test", "password", "imaps://imap.example.test")
        store.upsert_folder(account, "INBOX", ".", "Inbox", True)
        [folder] = store.folders(account)
        store.add_headers(
            folder,
            [
                HeaderRow(uid, (), None, len(raw), None, raw.split(b"\r\n\r\n")[0])
                for uid, raw in ((1, GOOD), (2, BROKEN))
            ],
        )
        counted: list[tuple[int, int]] = []
        with BodyPipeline(
            store, workers=count, stored=lambda n, b: counted.append((n, b)), pool=pool
        ) as p:
            p.submit(folder, {1: GOOD, 2: BROKEN})
            p.submit(folder, {3: b"no such message any more"})  # expunged meanwhile
        assert sum(n for n, _ in counted) == 2  # as stored: not the one expunged meanwhile
        [good] = store.search("transaminases")
        assert good.uid == 1 and good.has_attachments and store.raw(good) == GOOD
        [broken] = store.search("ordonnance")  # by its headers: never lost
        assert store.raw(broken) == BROKEN
        assert store.search("resultat.pdf")
        assert pool is None or pool._shutdown_thread  # the pipeline stopped it
    finally:
        store.close()

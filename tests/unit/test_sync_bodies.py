"""The body pipeline: read-ahead thread, worker processes, bad input, files before rows."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from app.store.db import Folder, HeaderRow, Store
from app.sync import bodies
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


def _note(number: int) -> bytes:
    return (
        f"From: Labo <labo@biolab.mssante.test>\r\nTo: dr@example.test\r\n"
        f"Subject: Bilan {number}\r\nMessage-ID: <bilan-{number}@test>\r\n\r\n"
        f"ferritine {number}\r\n"
    ).encode()


@pytest.fixture
def two_folders(tmp_path: Path) -> Iterator[tuple[Store, list[Folder]]]:
    """A store whose INBOX has UIDs 1-6 and Archives UID 7, headers only."""
    store = Store.open(tmp_path / "profile")
    try:
        account = store.add_account("dr@example.test", "password", "imaps://imap.example.test")
        store.upsert_folder(account, "INBOX", ".", "Inbox", True)
        store.upsert_folder(account, "Archives", ".", "Archive", True)
        folders = sorted(store.folders(account), key=lambda f: f.name != "INBOX")
        for folder, uids in zip(folders, (range(1, 7), (7,)), strict=True):
            store.add_headers(
                folder,
                [
                    HeaderRow(u, (), None, len(_note(u)), None, _note(u).split(b"\r\n\r\n")[0])
                    for u in uids
                ],
            )
        yield store, folders
    finally:
        store.close()


def _with_bodies(store: Store) -> int:
    return int(
        store.db.execute("SELECT count(*) FROM messages WHERE blob IS NOT NULL").fetchone()[0]
    )


def test_parsed_batches_are_committed_together_within_bounds(
    two_folders: tuple[Store, list[Folder]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several server batches, one transaction: up to COMMIT_MESSAGES, never across two
    folders; what is held is committed when the pipeline ends."""
    store, (inbox, archives) = two_folders
    monkeypatch.setattr(bodies, "COMMIT_MESSAGES", 3)
    commits: list[int] = []
    with BodyPipeline(store, workers=0, stored=lambda n, _b: commits.append(n)) as pipeline:
        pipeline.submit(inbox, {1: _note(1)})
        pipeline.submit(inbox, {2: _note(2)})
        assert commits == [] and _with_bodies(store) == 0  # held, not committed yet
        pipeline.submit(inbox, {3: _note(3), 4: _note(4)})
        assert commits == [4] and _with_bodies(store) == 4  # the bound reached: one commit
        pipeline.submit(inbox, {5: _note(5), 6: _note(6)})
        pipeline.submit(archives, {7: _note(7)})  # another folder: INBOX's committed first
        assert commits == [4, 2]
    assert commits == [4, 2, 1] and _with_bodies(store) == 7
    assert [m.uid for m in store.search("ferritine 7")] == [7]


def test_held_batches_are_committed_after_a_while_or_past_their_text_bound(
    two_folders: tuple[Store, list[Folder]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, (inbox, _archives) = two_folders
    now = [100.0]
    commits: list[int] = []
    pipeline = BodyPipeline(
        store, workers=0, stored=lambda n, _b: commits.append(n), clock=lambda: now[0]
    )
    with pipeline:
        pipeline.submit(inbox, {1: _note(1)})
        now[0] += bodies.COMMIT_SECONDS - 0.5
        pipeline.submit(inbox, {2: _note(2)})
        assert commits == []
        now[0] += 0.5
        pipeline.submit(inbox, {3: _note(3)})
        assert commits == [3]  # the first held COMMIT_SECONDS ago
        monkeypatch.setattr(bodies, "COMMIT_TEXT", 10)
        pipeline.submit(inbox, {4: _note(4)})  # "ferritine 4" alone is past 10 characters
        assert commits == [3, 1]
    assert _with_bodies(store) == 4


def test_what_is_held_is_committed_when_the_sync_fails(
    two_folders: tuple[Store, list[Folder]],
) -> None:
    """An error after some batches (the connection lost): the parsed ones are stored, the
    next sync fetches only the rest."""
    store, (inbox, _archives) = two_folders
    with pytest.raises(ConnectionResetError):
        with BodyPipeline(store, workers=0, stored=lambda _n, _b: None) as pipeline:
            pipeline.submit(inbox, {1: _note(1), 2: _note(2)})
            assert _with_bodies(store) == 0
            raise ConnectionResetError
    assert _with_bodies(store) == 2
    assert sorted(store.missing_bodies(inbox, 100)) == [3, 4, 5, 6]


@pytest.mark.parametrize("fails", ["at the end", "while an error is raised"])
def test_held_batches_are_committed_when_a_later_batch_fails(
    two_folders: tuple[Store, list[Folder]], monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    """A batch whose writing or parsing failed (disk full) does not take the parsed ones
    held before it along: they are committed, then its error is raised."""
    store, (inbox, _archives) = two_folders
    failing: Future[list[object]] = Future()
    real = BodyPipeline._start

    def start(self: BodyPipeline, chunk: list[tuple[int, bytes]]) -> Future[Any]:
        return failing if chunk[0][0] == 5 else real(self, chunk)

    monkeypatch.setattr(BodyPipeline, "_start", start)
    with pytest.raises(OSError, match="disk full"):
        with BodyPipeline(store, workers=0, stored=lambda _n, _b: None) as pipeline:
            pipeline.submit(inbox, {1: _note(1), 2: _note(2)})
            pipeline.submit(inbox, {5: _note(5)})  # not done yet
            failing.set_exception(OSError("disk full"))
            if fails == "while an error is raised":
                raise OSError("disk full (the connection's error first)")
    assert _with_bodies(store) == 2


def test_a_slow_servers_batch_is_committed_as_soon_as_it_is_parsed(
    two_folders: tuple[Store, list[Folder]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """COMMIT_SECONDS counts from when the server gave the batch: on a slow link (the next
    batch a minute later), a batch is not held for another minute."""
    store, (inbox, _archives) = two_folders
    now = [0.0]
    parsed: Future[Any] = Future()
    real = BodyPipeline._start

    def start(self: BodyPipeline, chunk: list[tuple[int, bytes]]) -> Future[Any]:
        return parsed if chunk[0][0] == 1 else real(self, chunk)

    monkeypatch.setattr(BodyPipeline, "_start", start)
    commits: list[int] = []
    pipeline = BodyPipeline(
        store, workers=0, stored=lambda n, _b: commits.append(n), clock=lambda: now[0]
    )
    with pipeline:
        pipeline.submit(inbox, {1: _note(1)})  # read at 0, parsed later
        now[0] = 60.0
        parsed.set_result(real(pipeline, [(1, _note(1))]).result())
        pipeline.submit(inbox, {2: _note(2)})  # a minute later: the first goes in at once
        assert commits[:1] == [1] and _with_bodies(store) >= 1
    assert _with_bodies(store) == 2

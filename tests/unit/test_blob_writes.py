"""Sealed message files written in place (issue 22): no temporary file and rename each, the
authentication tag telling a file cut short; a damaged file never sticks (``forget``)."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from app.store import blobs as blobs_module
from app.store.blobs import BlobStore

KEY = bytes(range(32))
MESSAGE = b"From: labo@biolab.mssante.test\r\nSubject: Bilan\r\n\r\n" + b"glycemie 5.2\r\n" * 500


def no_temporary(*_args: Any, **_kwargs: Any) -> tuple[int, str]:
    raise AssertionError("a temporary file was made")


def test_a_new_sealed_file_is_written_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = BlobStore(tmp_path / "messages", key=KEY)
    monkeypatch.setattr(tempfile, "mkstemp", no_temporary)
    digest = store.put(MESSAGE)
    assert store.get(digest) == MESSAGE
    assert store.put(MESSAGE) == digest  # there already: nothing written
    if os.name != "nt":
        assert store.path(digest).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("store_kind", ["clear", "durable"])
def test_clear_and_durable_stores_still_rename(tmp_path: Path, store_kind: str) -> None:
    """A clear file has no tag, the outbox cannot fetch again: both keep the rename."""
    store = (
        BlobStore(tmp_path / "m")
        if store_kind == "clear"
        else BlobStore(tmp_path / "m", key=KEY, durable=True)
    )
    made: list[str] = []
    real = tempfile.mkstemp

    def counted(*args: Any, **kwargs: Any) -> tuple[int, str]:
        handle, name = real(*args, **kwargs)
        made.append(name)
        return handle, name

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "mkstemp", counted)
        digest = store.put(MESSAGE)
    assert len(made) == 1 and not Path(made[0]).exists()
    assert store.get(digest) == MESSAGE


def test_a_file_cut_short_is_replaced_by_the_next_write(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "messages", key=KEY)
    digest = store.put(MESSAGE)
    whole = store.path(digest).read_bytes()
    store.path(digest).write_bytes(whole[: len(whole) // 2])  # a crash halfway
    assert store.get(digest) is None
    assert store.put(MESSAGE) == digest
    assert store.get(digest) == MESSAGE


def test_a_damaged_file_of_the_right_size_is_forgotten_then_written_again(
    tmp_path: Path,
) -> None:
    store = BlobStore(tmp_path / "messages", key=KEY)
    digest = store.put(MESSAGE)
    store.path(digest).write_bytes(bytes(store.path(digest).stat().st_size))  # zeros
    assert store.put(MESSAGE) == digest  # same size: taken as there...
    assert store.get(digest) is None  # ...but it does not open
    store.forget(digest)
    assert not store.path(digest).exists()
    assert store.put(MESSAGE) == digest
    assert store.get(digest) == MESSAGE
    store.forget(digest)
    store.forget(digest)  # already gone: nothing raised
    store.forget("not a digest")


def test_another_writer_halfway_is_replaced_whole(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "messages", key=KEY)
    digest = store.put(MESSAGE)
    target = store.path(digest)
    whole = target.read_bytes()
    target.write_bytes(whole[:100])  # another process's write, under way
    store._create(target, whole)  # found there: replaced whole, atomically
    assert store.get(digest) == MESSAGE


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = BlobStore(tmp_path / "messages", key=KEY)
    real = os.fdopen

    class Full:
        def __init__(self, handle: int) -> None:
            self.file = real(handle, "wb")

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *_exc: object) -> None:
            self.file.close()

        def write(self, _data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(blobs_module.os, "fdopen", lambda handle, _mode: Full(handle))
    with pytest.raises(OSError, match="No space"):
        store.put(MESSAGE)
    assert [p for p in (tmp_path / "messages").rglob("*") if p.is_file()] == []

"""The window's documents pass: a slice that ends after the window closed says nothing (the
list and its store are gone: reading rows then raised in the Qt event loop)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.store.documents_index import IndexProgress
from app.ui.documents_indexer import DocumentsIndexer


def test_a_slice_ending_after_stop_is_silent(qtbot: QtBot, tmp_path: Path) -> None:
    indexer = DocumentsIndexer(tmp_path)
    emitted: list[bool] = []
    indexer.progressed.connect(lambda: emitted.append(True))
    indexer.running = True  # a slice under way
    indexer._done(IndexProgress(done=3, left=5))
    assert emitted == [True]  # while the window is open, the list reads its rows again
    indexer.running = True
    indexer.stop()  # the window closes while the next slice runs
    indexer._done(IndexProgress(done=3, left=2))
    assert emitted == [True] and not indexer.running
    assert not indexer._next.isActive()  # and no further slice
    indexer.start()
    assert not indexer.running

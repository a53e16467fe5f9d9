"""The main window on a store of realistic mail, offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.directory import refresh
from app.directory.refresh import RefreshReport
from app.mssante.subject import displayed
from app.store.changes import LocalChanges
from app.store.db import HeaderRow, Store
from app.store.views import Scope
from app.ui.directory_search import DirectoryPlaces
from app.ui.main_window import MainWindow
from app.ui.models import FolderTreeModel, MessageListModel, MessageRole
from tests.ui.conftest import assert_not_blank, open_window

MODE = QAbstractItemModelTester.FailureReportingMode.Fatal


def test_models_pass_qt_model_tester(mail_store: Store) -> None:
    folders = FolderTreeModel(mail_store)
    messages = MessageListModel(mail_store)
    testers = [QAbstractItemModelTester(m, MODE) for m in (folders, messages)]
    messages.set_scope(Scope(folder="INBOX"))
    messages.sort(1, Qt.SortOrder.AscendingOrder)
    messages.set_scope(Scope(search="compte rendu"))
    folders.reload()
    assert testers and messages.rowCount() >= 0


def test_the_window_shows_folders_messages_and_the_reader(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    account = shown.folders.index(0, 0)
    labels = [
        shown.folders.index(r, 0, account).data() for r in range(shown.folders.rowCount(account))
    ]
    assert labels[0].startswith("Boîte de réception")  # special folders first, in French
    inbox = len(mail_store.messages(folder="INBOX"))
    assert shown.messages.rowCount() == inbox > 0
    dates = [shown.messages.message(r).date or "" for r in range(inbox)]  # type: ignore[union-attr]
    assert dates == sorted(dates, reverse=True)  # newest first

    shown.list_view.selectRow(0)
    first = shown.messages.message(0)
    assert first is not None
    qtbot.waitUntil(lambda: shown.reader.body.toPlainText() not in ("", "Chargement…"))
    assert displayed(first.subject) in shown.reader.headers.text().replace("&amp;", "&")
    opened = mail_store.find(str(first.id))
    assert opened is not None and not opened.unread  # read once shown, queued for the server
    shown.grab().save(str(artefacts / "main-window.png"))
    assert_not_blank(artefacts / "main-window.png")


def test_search_filters_and_delete(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def confirm(_parent: object, title: str, _text: str) -> QMessageBox.StandardButton:
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", confirm)
    shown = open_window(qtbot, mail_store, tmp_path)
    subject = shown.messages.message(0).subject  # type: ignore[union-attr]
    word = max(subject.split(), key=len)
    shown.search.setText(word)
    shown.search.returnPressed.emit()
    found = [shown.messages.message(r) for r in range(shown.messages.rowCount())]
    assert found and all(m is not None for m in found)
    assert "résultat" in shown.count.text()
    shown.search.clear()
    shown.filters["attachments"].setChecked(True)
    assert all(
        shown.messages.message(r).has_attachments  # type: ignore[union-attr]
        for r in range(shown.messages.rowCount())
    )
    shown.filters["attachments"].setChecked(False)
    before = shown.messages.rowCount()
    shown.list_view.selectRow(0)
    doomed = shown.list_view.currentIndex().data(MessageRole)
    shown.delete_selected()
    assert asked == ["Supprimer définitivement ?"]  # no trash folder here: asked first
    assert shown.messages.rowCount() == before - 1
    assert [c.kind for c in LocalChanges(mail_store).pending(mail_store.accounts()[0])] == [
        "delete"
    ]  # replayed by the next sync
    assert mail_store.find(str(doomed.id)) is None


def test_column_choices_are_remembered(qtbot: QtBot, mail_store: Store, tmp_path: Path) -> None:
    first = open_window(qtbot, mail_store, tmp_path)
    first.list_view.horizontalHeader().resizeSection(2, 333)
    first.list_view.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    first.close()
    again = open_window(qtbot, mail_store, tmp_path)
    header = again.list_view.horizontalHeader()
    assert header.sectionSize(2) == 333
    assert header.sortIndicatorSection() == 2


def test_a_refresh_keeps_rows_and_selection_in_place(mail_store: Store) -> None:
    model = MessageListModel(mail_store)
    QAbstractItemModelTester(model, MODE)
    model.set_scope(Scope(folder="INBOX"))
    before = [model.message(r).id for r in range(model.rowCount())]  # type: ignore[union-attr]
    watched = QPersistentModelIndex(model.index(3, 1))
    watched_id = before[3]
    changes = LocalChanges(mail_store)
    for doomed in (before[1], before[5]):  # two removed, one arriving on top
        changes.delete(doomed, permanent=True)
    account = mail_store.accounts()[0]
    inbox = next(f for f in mail_store.folders(account) if f.name == "INBOX")
    raw = (
        b"From: labo@biolab.mssante.fr\r\nSubject: Nouveau bilan\r\n"
        b"Date: Mon, 1 Jan 2035 09:00:00 +0000\r\n\r\n"
    )
    mail_store.add_headers(inbox, [HeaderRow(99_999, (), None, len(raw), None, raw)])
    removed, inserted = [], []
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.modelReset.connect(lambda: pytest.fail("a refresh must not reset the view"))
    model.refresh()
    after = [model.message(r).id for r in range(model.rowCount())]  # type: ignore[union-attr]
    assert after == [m.id for m in mail_store.messages(folder="INBOX")]
    assert removed == [(5, 5), (1, 1)] and inserted == [(0, 0)]
    assert watched.isValid() and model.message(watched.row()).id == watched_id  # type: ignore[union-attr]


def test_n_goes_to_the_next_unread(qtbot: QtBot, mail_store: Store, tmp_path: Path) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    unread = [r for r in range(shown.messages.rowCount()) if shown.messages.message(r).unread]  # type: ignore[union-attr]
    assert len(unread) >= 2
    shown.next_unread()
    assert shown.list_view.currentIndex().row() == unread[0]
    shown.next_unread()  # the first one is read now that it was shown
    assert shown.list_view.currentIndex().row() == unread[1]


def test_the_directory_is_refreshed_once_a_day_in_its_thread(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def offline_refresh(data_dir: Path, cache_dir: Path, work_dir: Path) -> RefreshReport:
        calls.append(cache_dir)  # (the real one is tested against a local HTTPS server)
        refresh.stamp(cache_dir)
        return RefreshReport(done=["Annuaire déjà à jour."])

    monkeypatch.setattr(refresh, "refresh", offline_refresh)
    places = DirectoryPlaces(tmp_path / "data", tmp_path / "cache")
    places.cache_dir.mkdir()
    shown = MainWindow(mail_store, tmp_path / "ui.ini", directory=places)
    qtbot.addWidget(shown)
    with qtbot.waitSignal(shown.directory_jobs.finished, timeout=10_000) as finished:
        ticket = shown.refresh_directory_if_due()
    assert ticket is not None and finished.args is not None and finished.args[1] == "daily-refresh"
    assert calls == [places.cache_dir]
    assert shown.refresh_directory_if_due() is None  # refreshed less than a day ago
    shown.directory_jobs.close()

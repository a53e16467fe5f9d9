"""What the window tells while it works: the sync's progress and each account's state in the
folder tree and the status bar, new mail, and search as she types with its empty state.
(The same, against the lab's Dovecot: tests/ui/test_gui_sync.py.)"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.store.db import HeaderRow, Store
from app.store.views import Scope, message_ids
from app.sync.engine import SyncReport
from app.ui import icons, notify
from app.ui.main_window import MainWindow
from app.ui.models import ScopeRole
from app.ui.search_box import DEBOUNCE_MS
from tests.lab.desktop_bus import NotificationService
from tests.ui.conftest import OWNER, assert_not_blank, open_window


def account_row(shown: MainWindow) -> str:
    return str(shown.folders.index(0, 0).data())


def test_the_sync_in_progress_and_the_account_state_in_the_tree(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    shown._account_started(OWNER)  # what the worker's signals call, queued
    assert account_row(shown) == f"{OWNER}\nsynchronisation…"
    shown._progressed(OWNER, "dossiers", 1, 7, "INBOX")
    assert account_row(shown) == f"{OWNER}\nBoîte de réception…"
    shown._progressed(OWNER, "en-têtes", 120, 500, "INBOX")
    assert account_row(shown) == f"{OWNER}\nBoîte de réception 120/500"
    assert shown.progress.isVisible() and shown.progress.value() == 120
    assert shown.state_label.text() == (
        f"{OWNER} : synchronisation : Boîte de réception — en-têtes 120/500"
    )
    inbox = next(
        shown.folders.itemFromIndex(shown.folders.index(r, 0, shown.folders.index(0, 0)))
        for r in range(3)
        if shown.folders.index(r, 0, shown.folders.index(0, 0)).data(ScopeRole)
        == Scope(account=OWNER, folder="INBOX")
    )
    assert inbox.icon().cacheKey() == icons.icon("syncing").cacheKey()  # the folder read now
    shown.grab().save(str(artefacts / "synchronisation-en-cours.png"))
    assert_not_blank(artefacts / "synchronisation-en-cours.png")
    shown._progressed(OWNER, "messages", 30, 80, "Sent")
    assert account_row(shown) == f"{OWNER}\nmessages 30/80"
    assert inbox.icon().isNull()  # moved on to Envoyés

    shown._account_failed(OWNER, "hors ligne", "Serveur injoignable", "")
    assert account_row(shown) == f"{OWNER}\nhors ligne"
    shown._sync_finished()
    assert not shown.progress.isVisible()
    shown._refresh_counts()  # the tree is rebuilt after each sync: the state stays
    assert account_row(shown) == f"{OWNER}\nhors ligne"
    top = shown.folders.item(0)
    assert top is not None and top.icon().cacheKey() == icons.icon("offline").cacheKey()
    for state, kind in (
        ("carte retirée", "card"),
        ("identifiant refusé", "refused"),
        ("relève en cours ailleurs", "busy"),
    ):
        shown._account_failed(OWNER, state, "", "")
        assert account_row(shown) == f"{OWNER}\n{state}"
        assert shown.folders.item(0).icon().cacheKey() == icons.icon(kind).cacheKey()  # type: ignore[union-attr]
    shown.error_bar.hide()
    shown._account_done(OWNER, None)
    assert account_row(shown) == f"{OWNER}\nconnecté"
    assert shown.states == {OWNER: "connecté"}
    assert shown.folders.item(0).accessibleText() == f"Compte {OWNER}, connecté"  # type: ignore[union-attr]


def _arrive(store: Store, folder_name: str, uid: int, subject: str) -> None:
    account = store.accounts()[0]
    folder = next(f for f in store.folders(account) if f.name == folder_name)
    raw = (
        f"From: x@y.mssante.fr\r\nTo: {OWNER}\r\nSubject: {subject}\r\n"
        f"Message-ID: <n{uid}@y>\r\nDate: Mon, 7 Dec 2026 09:00:00 +0100\r\n\r\ntexte\r\n"
    ).encode()
    store.add_headers(folder, [HeaderRow(uid, (), datetime(2026, 12, 7, 9), len(raw), None, raw)])


def test_new_mail_is_told_without_saying_what(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alerts: list[object] = []
    monkeypatch.setattr(QApplication, "alert", lambda widget, _ms=0: alerts.append(widget))
    shown = open_window(qtbot, mail_store, tmp_path)
    monkeypatch.setattr(shown, "isActiveWindow", lambda: False)  # she is elsewhere
    shown._account_started(OWNER)
    _arrive(mail_store, "INBOX", 9001, "Résultats de Mme DURAND")
    _arrive(mail_store, "INBOX", 9002, "Compte rendu")
    _arrive(mail_store, "Sent", 9003, "Ma propre réponse")  # her own copy: not new mail
    shown._account_done(OWNER, None)
    assert shown.new_mail.told == ["2 nouveau(x) message(s)"]  # no subject, no sender
    assert alerts == [shown]  # the taskbar (no tray offscreen)
    assert shown.statusBar().currentMessage() == "2 nouveau(x) message(s)"

    shown._account_started(OWNER)
    shown._account_done(OWNER, None)  # nothing new: nothing said
    assert len(shown.new_mail.told) == 1

    shown.new_mail.enabled = False  # the preference (i20-prefs): the status bar only
    shown._account_started(OWNER)
    _arrive(mail_store, "INBOX", 9004, "Encore")
    shown._account_done(OWNER, None)
    assert len(shown.new_mail.told) == 1 and len(alerts) == 1


def test_without_a_tray_the_desktop_notification_says_it(
    qtbot: QtBot,
    mail_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    desktop_notifications: NotificationService,
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    assert shown.tray is None  # offscreen: no tray, as GNOME without an extension
    monkeypatch.setattr(shown, "isActiveWindow", lambda: False)
    shown._account_started(OWNER)
    _arrive(mail_store, "INBOX", 9201, "Résultats de Mme DURAND")
    shown._account_done(OWNER, None)
    assert desktop_notifications.arrived.wait(10)
    (notice,) = desktop_notifications.received
    assert (notice.app_name, notice.summary, notice.body) == (
        "Caducée",
        "1 nouveau(x) message(s)",
        "",
    )
    assert "DURAND" not in repr(notice)


def test_a_sync_that_changed_nothing_does_not_list_the_messages_again(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    listed: list[object] = []
    refresh = shown.messages.refresh
    monkeypatch.setattr(shown.messages, "refresh", lambda: listed.append(refresh()))
    shown._account_started(OWNER)
    shown._account_done(OWNER, SyncReport(folders=3, flag_changes=2, bodies=1))
    assert listed == []  # same messages: rows redrawn, ids not listed again (100,000: 200 ms)
    before = shown.messages.rowCount()
    shown._account_started(OWNER)
    _arrive(mail_store, "INBOX", 9301, "Arrivé pendant la relève")
    shown._account_done(OWNER, SyncReport(folders=3, new=1))
    assert len(listed) == 1 and shown.messages.rowCount() == before + 1
    shown.filters["unread"].setChecked(True)  # a list chosen by flags: flag changes move it
    shown._account_done(OWNER, SyncReport(flag_changes=1))
    assert len(listed) == 2
    shown._account_done(OWNER, None)  # no report: assume it changed
    assert len(listed) == 3


def test_the_first_sync_of_an_account_is_not_new_mail(mail_store: Store, tmp_path: Path) -> None:
    fresh = Store.open(tmp_path / "fresh")
    fresh.add_account("dr.neuf@medecin.mssante.fr", "card", "imaps://imap.test")
    assert notify.unread_arrived(fresh, "dr.neuf@medecin.mssante.fr") is None  # no folder yet
    assert notify.unread_arrived(fresh, "inconnu@x.fr") is None
    before = notify.unread_arrived(mail_store, OWNER)
    assert before is not None and before > 0
    _arrive(mail_store, "Sent", 9100, "Copie envoyée")
    _arrive(mail_store, "INBOX", 9101, "Arrivé")
    assert notify.unread_arrived(mail_store, OWNER) == before + 1
    fresh.close()


def test_search_as_she_types_and_the_empty_state(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    shown = open_window(qtbot, mail_store, tmp_path)
    everything = shown.messages.rowCount()
    subject = shown.messages.message(0).subject  # type: ignore[union-attr]
    word = max(subject.split(), key=len)
    qtbot.keyClicks(shown.search, word[:-1])
    assert shown.messages.scope.search is None  # not at each key: 300 ms after the last
    qtbot.keyClicks(shown.search, word[-1])
    qtbot.waitUntil(lambda: shown.messages.scope.search == word, timeout=DEBOUNCE_MS * 10)
    assert shown.messages.rowCount() > 0 and not shown.search_feedback.empty.isVisible()

    shown.search.setText("zzqxwv")
    qtbot.waitUntil(lambda: shown.search_feedback.empty.isVisible(), timeout=DEBOUNCE_MS * 10)
    empty = shown.search_feedback.empty
    assert empty.text.text() == "Aucun résultat pour « zzqxwv »"
    assert shown.count.text() == "0 résultat(s)"
    shown.grab().save(str(artefacts / "recherche-aucun-resultat.png"))
    assert_not_blank(artefacts / "recherche-aucun-resultat.png")
    qtbot.mouseClick(empty.button, Qt.MouseButton.LeftButton)  # "Effacer la recherche"
    assert shown.search.text() == "" and shown.messages.rowCount() == everything
    assert not empty.isVisible()

    shown.search.setText("zzqxwv")
    shown.search.setFocus()
    qtbot.keyClick(shown.search, Qt.Key.Key_Escape)  # Escape clears too
    assert shown.search.text() == ""

    for action in shown.filters.values():  # no message is all of these at once here
        action.setChecked(True)
    assert shown.messages.rowCount() == 0 and empty.isVisible()
    assert empty.text.text() == "Aucun message ne correspond aux filtres choisis."
    qtbot.mouseClick(empty.button, Qt.MouseButton.LeftButton)  # "Retirer les filtres"
    assert not any(a.isChecked() for a in shown.filters.values())
    assert shown.messages.rowCount() == everything


@pytest.mark.parametrize("text", ["compte rendu", "MÉNARD", "a", "pdf", "zzqxwv", "«»"])
def test_the_list_search_finds_what_the_store_search_finds(mail_store: Store, text: str) -> None:
    """The list's query matches in one statement (no summaries first): same messages."""
    expected = {m.id for m in mail_store.search(text)}
    assert bool(expected) == (text in ("compte rendu", "MÉNARD", "a", "pdf"))
    found = message_ids(mail_store, Scope(search=text, reports=True))
    assert set(found) == expected
    assert len(found) == len(set(found))  # each once, though both indexes may match it
    assert set(message_ids(mail_store, Scope(search=text))) <= expected  # reports apart

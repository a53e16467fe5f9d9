"""The reader on hostile HTML (sanitised; beyond the bounds, its text under a notice) and on a
discharge letter with IHE_XDM.ZIP, offscreen."""

from __future__ import annotations

import threading
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.store.db import HeaderRow, Store
from app.store.outbox import OutboxStore
from app.store.views import blob_digest
from app.ui import file_dialogs, reader
from app.ui.document_pane import DocumentView
from app.ui.jobs import _Relay
from app.ui.main_window import MainWindow
from app.ui.pdf_view import PdfPane
from bench.hostile_data import FIRST_WORDS, LAST_WORDS, html_message, nested_html, nested_tables
from tests.ui.conftest import assert_not_blank

HOSTILE = """<html><head><script>alert('x')</script>
<link rel=stylesheet href="https://tracker.example/css"></head>
<body onload="steal()"><img src="https://tracker.example/pixel.gif?patient=durand">
<p>Résultat <b>normal</b>.</p><a href="javascript:steal()">voir</a>
<table border=1><tr><th>Analyse</th><th>Valeur</th></tr>
<tr><td>Hémoglobine</td><td>13,2 g/dL</td></tr></table>
<a href="https://labo.example/resultats?id=42" onclick="steal()">Compte rendu en ligne</a>
<iframe src="https://evil.example/"></iframe><style>p{color:red}</style></body></html>"""


def hostile_message() -> bytes:
    message = EmailMessage()
    message["From"] = "Inconnu <x@evil.example>"
    message["To"] = "dr.martin@medecin.mssante.fr"
    message["Subject"] = "Message piégé"
    message["Message-ID"] = "<hostile@evil.example>"
    message.set_content(HOSTILE, subtype="html")
    return message.as_bytes()


def test_hostile_html_is_sanitised_and_links_confirmed(
    qtbot: QtBot,
    mail_store: Store,
    tmp_path: Path,
    artefacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = mail_store.accounts()[0]
    inbox = next(f for f in mail_store.folders(account) if f.name == "INBOX")
    raw = hostile_message()
    mail_store.add_headers(inbox, [HeaderRow(9999, (), datetime.now(), len(raw), None, raw)])
    mail_store.add_bodies(inbox, {9999: raw})
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    window.search.setText("piégé")
    window.search.returnPressed.emit()
    window.list_view.selectRow(0)
    qtbot.waitUntil(lambda: "Résultat" in window.reader.body.toPlainText())
    shown = window.reader.body.toPlainText()
    assert "Résultat normal." in shown
    assert "alert" not in shown and "steal" not in shown  # scripts and handlers dropped
    assert not window.reader.body.openLinks() and not window.reader.body.openExternalLinks()
    assert "Hémoglobine" in shown
    rendered = window.reader.body.document().toHtml()
    assert "<img" not in rendered and "tracker.example" not in rendered  # nothing remote
    assert "javascript" not in rendered and "<table" in rendered  # tables kept for results
    asked: list[str] = []
    opened: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda _p, _t, text: asked.append(text) or QMessageBox.StandardButton.Yes,
    )
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    window.reader.body.anchorClicked.emit(QUrl("https://labo.example/resultats?id=42"))
    assert "https://labo.example/resultats?id=42" in asked[0]  # the target shown first
    assert opened == ["https://labo.example/resultats?id=42"]
    window.reader.body.anchorClicked.emit(QUrl("javascript:steal()"))
    assert len(opened) == 1  # never anything but http(s) and mailto
    window.grab().save(str(artefacts / "reader-hostile-html.png"))
    assert_not_blank(artefacts / "reader-hostile-html.png")


def test_a_discharge_letter_with_its_xdm_package(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    window.search.setText("IHE_XDM")
    window.search.returnPressed.emit()
    assert window.messages.rowCount() > 0
    window.list_view.selectRow(0)
    qtbot.waitUntil(lambda: window.reader.attachments.count() > 0)
    names = [
        window.reader.attachments.item(i).text() for i in range(window.reader.attachments.count())
    ]
    assert any("IHE_XDM.ZIP" in n for n in names), names
    shown_subject = window.messages.index(0, 1).data()
    assert window.messages.message(0).subject.startswith("XDM/1.0/DDM+")  # type: ignore[union-attr]
    assert not shown_subject.startswith("XDM/")  # the machine prefix hidden (ECO.3.1.3)
    assert "XDM/1.0" not in window.reader.headers.text()
    window.grab().save(str(artefacts / "reader-xdm-letter.png"))
    assert_not_blank(artefacts / "reader-xdm-letter.png")


def test_a_pdf_attachment_opens_inside_caducee(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    window = MainWindow(mail_store, tmp_path / "ui.ini", temp_dir=tmp_path / "opened")
    qtbot.addWidget(window)
    window.show()
    window.search.setText("IHE_XDM")
    window.search.returnPressed.emit()
    window.list_view.selectRow(0)
    reader = window.reader
    qtbot.waitUntil(lambda: reader.attachments.count() > 1)
    pdf_row = next(
        i for i in range(reader.attachments.count()) if ".pdf" in reader.attachments.item(i).text()
    )
    reader.attachments.setCurrentRow(pdf_row)
    qtbot.waitUntil(lambda: reader.documents.loaded is not None)
    reader.open_attachment()
    assert reader.pdf is None  # no separate window: the document's tab, its PDF in place
    view = reader.documents.currentWidget()
    assert isinstance(view, DocumentView)
    view.show_view("pdf")
    pane = view.page("pdf")
    assert isinstance(pane, PdfPane) and pane.pages >= 1
    qtbot.wait(300)  # the first page renders asynchronously
    window.grab().save(str(artefacts / "reader-pdf.png"))
    assert_not_blank(artefacts / "reader-pdf.png")
    assert not (tmp_path / "opened").exists()  # read from memory, no temporary file


def test_a_read_receipt_is_offered_once(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    mail_store.db.execute("UPDATE accounts SET smtp_url = 'smtp+starttls://smtp.test:587'")
    account = mail_store.accounts()[0]
    inbox = next(f for f in mail_store.folders(account) if f.name == "INBOX")
    message = EmailMessage()
    message["From"] = "Dr Paul DURAND <paul.durand@chu.mssante.fr>"
    message["To"] = account.address
    message["Subject"] = "Compte rendu opératoire"
    message["Message-ID"] = "<cro-7@chu.mssante.fr>"
    message["Disposition-Notification-To"] = "paul.durand@chu.mssante.fr"
    message.set_content("Voici le compte rendu.")
    raw = message.as_bytes()
    mail_store.add_headers(inbox, [HeaderRow(8888, (), datetime.now(), len(raw), None, raw)])
    mail_store.add_bodies(inbox, {8888: raw})
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    window.search.setText("opératoire")
    window.search.returnPressed.emit()
    window.list_view.selectRow(0)
    qtbot.waitUntil(lambda: window.reader.receipt_bar.isVisible())
    assert "paul.durand@chu.mssante.fr" in window.reader.receipt_text.text()
    window.grab().save(str(artefacts / "reader-receipt-asked.png"))
    window.reader._answer_receipt(True)
    items = OutboxStore(mail_store).items()
    assert [i.recipients for i in items] == [("paul.durand@chu.mssante.fr",)]
    assert b"disposition-notification" in OutboxStore(mail_store).raw(items[0])
    shown = mail_store.find("cro-7@chu.mssante.fr")
    assert shown is not None and "$MDNSent" in shown.flags  # never asked again
    window.list_view.clearSelection()
    window.list_view.selectRow(0)
    qtbot.wait(300)
    assert not window.reader.receipt_bar.isVisible()


def test_the_background_load_dies_in_the_gui_thread(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    """Issue 13: the load's result came through a QObject owned by the job, which the pool
    destroyed in its own thread before the result was delivered (a QObject must die in its
    thread). Now a relay owned by the reader, deleted by its event loop."""
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    threads: list[str] = []
    for row in range(3):  # a few in a row, as she goes down the list
        window.list_view.selectRow(row)
        relays = window.reader.findChildren(_Relay)
        assert relays, "the load's relay belongs to the reader"
        for relay in relays:
            relay.destroyed.connect(
                lambda _gone: threads.append(threading.current_thread().name),
                Qt.ConnectionType.DirectConnection,
            )
    qtbot.waitUntil(lambda: not window.reader.findChildren(_Relay), timeout=10_000)
    assert threads and set(threads) == {threading.main_thread().name}
    assert window.reader.body.toPlainText() not in ("", "Chargement…")


def test_a_message_that_cannot_be_read_is_said(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_raw: bytes) -> None:
        raise ValueError("unreadable")

    monkeypatch.setattr(reader, "parse_message_parts", broken)
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    window.list_view.selectRow(0)
    qtbot.waitUntil(lambda: "n'a pas pu être lu" in window.reader.body.toPlainText())


def put(store: Store, uid: int, raw: bytes) -> None:
    account = store.accounts()[0]
    inbox = next(f for f in store.folders(account) if f.name == "INBOX")
    store.add_headers(inbox, [HeaderRow(uid, (), datetime.now(), len(raw), None, raw)])
    store.add_bodies(inbox, {uid: raw})


def select(window: MainWindow, words: str) -> None:
    window.search.setText(words)
    window.search.returnPressed.emit()
    assert window.messages.rowCount() == 1, words
    window.list_view.selectRow(0)


def test_html_beyond_the_bounds_is_shown_as_text_with_a_notice(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    """200,000 nested levels (html5ever: minutes) and 24 nested tables (Qt: minutes)."""
    deep = html_message(nested_html(200_000, "div"), "Résultats profonds", "deep")
    tables = html_message(nested_tables(24), "Résultats tabulaires", "tables")
    fine = html_message(
        "<p>Résultat <b>normal</b>.</p><table border=1><tr><td>Hémoglobine</td>"
        "<td>13,2 g/dL</td></tr></table>",
        "Résultats ordinaires",
        "fine",
    )
    for uid, raw in enumerate((deep, tables, fine), start=7001):
        put(mail_store, uid, raw)
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    reader = window.reader
    select(window, "profonds")
    qtbot.waitUntil(lambda: reader.notice.isVisible(), timeout=60_000)  # a hang guard
    assert "trop complexe pour être affiché en HTML" in reader.notice.text()
    assert reader.body.toPlainText().startswith(FIRST_WORDS)
    assert "<table" not in reader.body.document().toHtml()  # the text, not the markup
    window.grab().save(str(artefacts / "reader-html-too-complex.png"))
    assert_not_blank(artefacts / "reader-html-too-complex.png")

    select(window, "tabulaires")
    qtbot.waitUntil(lambda: LAST_WORDS in reader.body.toPlainText(), timeout=60_000)
    assert reader.notice.isVisible() and "créatinine" in reader.body.toPlainText()

    select(window, "ordinaires")
    qtbot.waitUntil(lambda: "Hémoglobine" in reader.body.toPlainText(), timeout=60_000)
    assert not reader.notice.isVisible()
    assert "<table" in reader.body.document().toHtml()


def test_a_late_result_for_another_message_is_dropped(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    deep = html_message(nested_html(200_000, "div"), "Résultats profonds", "deep")
    put(mail_store, 7001, deep)
    put(mail_store, 7002, html_message("<p>Rendez-vous <b>mardi</b>.</p>", "Rendez-vous", "rdv"))
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    reader = window.reader
    first, second = (
        mail_store.find("<deep@labo-biotest.test>"),
        mail_store.find("<rdv@labo-biotest.test>"),
    )
    assert first is not None and second is not None
    reader.show_message(first, blob_digest(mail_store, first.id))
    reader.show_message(second, blob_digest(mail_store, second.id))  # before the first is read
    assert QThreadPool.globalInstance().waitForDone(60_000)  # both read; results queued
    qtbot.waitUntil(lambda: "mardi" in reader.body.toPlainText(), timeout=10_000)
    qtbot.wait(200)  # the first message's result, delivered after, changes nothing
    assert reader.current == second.id and "mardi" in reader.body.toPlainText()
    assert not reader.notice.isVisible() and FIRST_WORDS not in reader.body.toPlainText()


def test_saving_an_attachment_starts_in_documents_and_a_failure_is_said(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(file_dialogs, "documents_folder", lambda: documents)
    file_dialogs.forget_all()
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.search.setText("IHE_XDM")
    window.search.returnPressed.emit()
    window.list_view.selectRow(0)
    reader = window.reader
    qtbot.waitUntil(lambda: reader.attachments.count() > 0)
    reader.attachments.setCurrentRow(0)
    offered: list[str] = []
    targets = [documents / "piece", tmp_path / "absent" / "folder" / "piece"]

    def save_as(_parent: object, _title: str, start: str, _filters: str) -> tuple[str, str]:
        offered.append(start)
        return str(targets.pop(0)), ""

    monkeypatch.setattr("app.ui.file_dialogs.QFileDialog.getSaveFileName", save_as)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    reader.save_attachment()
    assert (documents / "piece").stat().st_size > 0 and not warned
    assert offered[0].startswith(str(documents))  # not the program's folder
    reader.save_attachment()  # a folder that does not exist: said, nothing raised
    assert warned and "n'a pas pu être enregistrée" in warned[0]
    file_dialogs.forget_all()

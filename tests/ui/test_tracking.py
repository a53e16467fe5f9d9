"""Receipts in the window: Envois > Suivi des envois, the reader of a sent message, the
reports kept out of the inbox list unless the "Accusés" filter is on."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from app.store.db import MessageSummary, Store
from app.store.receipts import ANS_ERRORS_FR, ReceiptStore, envelope_id
from app.ui.main_window import MainWindow
from app.ui.models import MessageRole
from app.ui.tracking import DeliveryPanel, TrackingView, install
from tests.ui.conftest import OWNER, assert_not_blank
from tests.unit.test_receipts_followed import dsn, mdn, synced

PAUL = "paul.durand@chu.mssante.test"
ANNE = "anne.roux@chu.mssante.test"
LUC = "luc.petit@clinique.mssante.test"
NOEMIE = "noemie.blanc@ch.mssante.test"


def followed(store: Store) -> MessageSummary:
    """A message of Sent, followed for four recipients; reports for three of them synced."""
    sent = next(m for m in store.messages(OWNER, "Sent") if m.message_id)
    account = store.account(OWNER)
    assert account is not None and sent.message_id is not None
    receipts = ReceiptStore(store)
    receipts.track(
        account.id,
        sent.message_id,
        [PAUL, ANNE, LUC, NOEMIE],
        envid=envelope_id(sent.message_id),
        subject=sent.subject,
        asked="dsn+mdn",
    )
    receipts.track(account.id, "autre@x", [PAUL], subject="Courrier sans accusé", asked="")
    inbox = next(f for f in store.folders(account) if f.name == "INBOX")
    reports = [
        dsn(
            [(PAUL, "delivered", "2.0.0"), (ANNE, "delivered", "2.0.0"), (LUC, "failed", "5.1.1")],
            envid=envelope_id(sent.message_id),
            original=sent.message_id,
        ),
        mdn("manual-action/MDN-sent-manually; displayed", sender=PAUL).replace(
            b"cr-42@mssante.test", sent.message_id.encode()
        ),
        mdn(
            "automatic-action/MDN-sent-automatically; processed/Error: 902^Patient inconnu",
            sender=ANNE,
        ).replace(b"cr-42@mssante.test", sent.message_id.encode()),
    ]
    synced(store, reports, inbox.name, OWNER)
    return sent


def test_suivi_des_envois_lists_each_recipient_and_filters(
    qtbot: QtBot, mail_store: Store, artefacts: Path
) -> None:
    sent = followed(mail_store)
    view = TrackingView(mail_store)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    assert view.tree.topLevelItemCount() == 2
    top = next(
        view.tree.topLevelItem(i)
        for i in range(2)
        if view.tree.topLevelItem(i).toolTip(0) == sent.message_id
    )
    states = {top.child(i).text(0): top.child(i).text(1) for i in range(top.childCount())}
    assert states[PAUL].startswith("lu le ")
    assert states[ANNE] == f"refusé (902 : {ANS_ERRORS_FR[902]})"
    assert states[LUC].startswith("échec (5.1.1 : adresse du destinataire inconnue")
    assert states[NOEMIE].startswith("en attente depuis le ")
    assert top.text(1) == "4 destinataire(s) : 1 échec, 1 refusé, 1 en attente, 1 lu"
    view.grab().save(str(artefacts / "suivi-des-envois.png"))
    assert_not_blank(artefacts / "suivi-des-envois.png")

    view.set_filter("failed")
    assert view.tree.topLevelItemCount() == 1
    view.set_filter("waiting")
    assert view.tree.topLevelItemCount() == 1  # Noémie waits; the other asked no receipt
    view.set_filter("all")
    assert view.count.text() == "2 message(s)"


def test_the_reader_of_a_sent_message_shows_where_each_recipient_stands(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    sent = followed(mail_store)
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.resize(1300, 860)
    window.show()
    qtbot.waitExposed(window)

    inbox_ids = {window.messages.message(r).id for r in range(window.messages.rowCount())}  # type: ignore[union-attr]
    found = mail_store.db.execute(
        "SELECT m.id FROM messages m JOIN folders f ON f.id = m.folder_id "
        "WHERE m.report IS NOT NULL AND f.name = 'INBOX'"
    )
    reports = {r[0] for r in found}
    assert len(reports) == 3 and not inbox_ids & reports  # tucked away, not deleted
    window.filters["reports"].setChecked(True)
    shown = {window.messages.message(r).id for r in range(window.messages.rowCount())}  # type: ignore[union-attr]
    assert reports <= shown
    window.filters["reports"].setChecked(False)

    account = window.folders.index(0, 0)
    for row in range(window.folders.rowCount(account)):
        index = window.folders.index(row, 0, account)
        if str(index.data()).startswith("Envoyés"):
            window.folder_view.setCurrentIndex(index)
    row = next(
        r
        for r in range(window.messages.rowCount())
        if window.messages.index(r, 0).data(MessageRole).id == sent.id
    )
    window.list_view.selectRow(row)
    qtbot.waitUntil(lambda: window.reader.delivery.isVisible())
    text = window.reader.delivery.text.text()
    assert f"{PAUL} : <span" in text and "lu le " in text and "refusé (902" in text
    qtbot.waitUntil(lambda: "Chargement" not in window.reader.body.toPlainText())
    qtbot.wait(50)  # the reader's layout settles
    window.grab().save(str(artefacts / "lecteur-suivi-envoi.png"))
    assert_not_blank(artefacts / "lecteur-suivi-envoi.png")

    other = next(r for r in range(window.messages.rowCount()) if r != row)
    window.list_view.selectRow(other)
    assert not window.reader.delivery.isVisible()  # not followed: no panel

    view = window.open_tracking()
    qtbot.addWidget(view)
    assert view.isVisible() and view.tree.topLevelItemCount() == 2
    tools = window.menu_bar.menus["tools"].actions()
    tracking = next(a for a in tools if a.objectName() == "tracking")  # Outils > Suivi…
    assert tracking.shortcut().toString() == "Ctrl+Shift+E"
    assert view.tree.topLevelItem(0).flags() & Qt.ItemFlag.ItemIsEnabled


class _Worker(QObject):
    all_done = Signal()


def test_what_is_open_follows_the_reports_of_each_sync(qtbot: QtBot, mail_store: Store) -> None:
    sent = followed(mail_store)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.worker = _Worker()  # type: ignore[attr-defined]
    panel = DeliveryPanel()
    qtbot.addWidget(panel)
    view = install(window, mail_store, panel)()
    qtbot.addWidget(view)
    panel.show_for(sent)
    assert "noemie.blanc@ch.mssante.test : <span style='color:#4b5563'>en attente" in (
        panel.text.text()
    )
    assert sent.message_id is not None
    report = mdn("manual-action/MDN-sent-manually; displayed", sender=NOEMIE)
    synced(
        mail_store,
        [report.replace(b"cr-42@mssante.test", sent.message_id.encode())],
        "INBOX",
        OWNER,
    )
    window.worker.all_done.emit()  # type: ignore[attr-defined]
    assert f"{NOEMIE} : <span style='color:#1d4ed8'>lu le " in panel.text.text()
    view.set_filter("waiting")
    assert view.tree.topLevelItemCount() == 0  # nobody waits any more (the other: no receipt)

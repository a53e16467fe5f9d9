"""The composer: reply with quoting, drafts saved in the store, sending into the outbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.ops import drafts
from app.store.db import Store
from app.store.drafts import DraftStore
from app.store.outbox import OutboxStore
from app.ui.composer import Composer
from app.ui.main_window import MainWindow
from tests.ui.conftest import assert_not_blank


def test_reply_draft_and_send(
    qtbot: QtBot,
    mail_store: Store,
    tmp_path: Path,
    artefacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mail_store.db.execute("UPDATE accounts SET smtp_url = 'smtp+starttls://smtp.test:587'")
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    warned: list[list[str]] = []  # the liste blanche warning (tests/ui/test_directory_panel.py)
    monkeypatch.setattr(
        Composer, "confirm_trust", lambda _self, addresses: warned.append(addresses) or True
    )
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    window.list_view.selectRow(0)
    original = window.messages.message(0)
    assert original is not None

    composer = window.reply()
    assert composer is not None
    qtbot.addWidget(composer)
    assert composer.to.text() == original.sender
    assert composer.subject.text().lower().startswith("re")
    assert "a écrit :" in composer.body.toPlainText()
    composer.body.setPlainText("Merci, bien reçu.\n" + composer.body.toPlainText())
    composer.mdn.setChecked(True)
    attached = tmp_path / "ordonnance.pdf"
    attached.write_bytes(b"%PDF-1.4 ordonnance")
    composer.add_files([attached])
    qtbot.waitExposed(composer)
    composer.grab().save(str(artefacts / "composer-reply.png"))
    assert_not_blank(artefacts / "composer-reply.png")

    composer.save_draft()  # what the timer does every few seconds
    saved = drafts.load(mail_store, composer.draft_key)
    assert saved is not None and saved.body.startswith("Merci, bien reçu.")
    assert saved.to == [original.sender] and saved.mdn and saved.in_reply_to

    composer.send()
    assert warned == [[original.sender]]  # checked against the liste blanche before sending
    assert drafts.load(mail_store, composer.draft_key) is None  # in the outbox now, no draft
    items = OutboxStore(mail_store).items()
    assert len(items) == 1 and items[0].subject == composer.subject.text()
    raw = OutboxStore(mail_store).raw(items[0])
    assert b"In-Reply-To: <" in raw and b"Disposition-Notification-To" in raw
    assert b'filename="ordonnance.pdf"' in raw


def test_an_unsent_draft_comes_back(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    assert not window.drafts_action.isVisible()
    composer = window.write()
    qtbot.addWidget(composer)
    composer.to.setText("labo@biolab.mssante.fr")
    composer.body.setPlainText("Merci de m'envoyer le bilan complet.")
    composer.close()  # closed unsent (or the PC crashed after the autosave)

    again = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(again)
    assert again.drafts_action.text() == "Brouillons (1)"
    again.drafts_action.trigger()  # the account's "Brouillons", in place of the list
    panel = again.send_views.drafts
    assert again.send_views.stack.currentWidget() is panel and panel.model.rowCount() == 1
    again.show()
    qtbot.waitExposed(again)
    again.grab().save(str(artefacts / "drafts-view.png"))
    assert_not_blank(artefacts / "drafts-view.png")
    panel.open.click()
    resumed = again.composers[-1]
    qtbot.addWidget(resumed)
    assert resumed.body.toPlainText() == "Merci de m'envoyer le bilan complet."
    assert resumed.draft_key == composer.draft_key  # the same draft, saved over
    resumed.discard()
    assert DraftStore(mail_store).get(composer.draft_key) is None

"""The composer as a desktop mail client's (issue 20 item 6): the account's signature, Échap,
Ctrl+S, the subject as the title, attachments by name and size with "Retirer", files dropped
on the text, file dialogs in Documents then the last folder, Qt's own dialogs in French."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QMimeData, QTranslator, QUrl
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.ops import drafts
from app.ops.outbox import Draft
from app.store import account_settings
from app.store.db import Store
from app.store.drafts import DraftStore
from app.ui import application, file_dialogs
from app.ui.composer import Composer
from app.ui.composer_parts import human_size
from app.ui.main_window import MainWindow
from tests.ui.conftest import OWNER, assert_not_blank

OTHER = "secretariat@cabinet.mssante.fr"
SIGNATURE = "Dr Marie MARTIN\nMédecin généraliste — 12 rue des Lilas, Lyon"


@pytest.fixture
def signed(mail_store: Store) -> Store:
    account = mail_store.account(OWNER)
    assert account is not None
    account_settings.set_signature(mail_store, account, SIGNATURE)
    other = mail_store.add_account(OTHER, "card", "imaps://imap.test")
    account_settings.set_signature(mail_store, other, "Secrétariat du cabinet")
    return mail_store


@pytest.fixture
def french_locale() -> object:
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    yield None
    QLocale.setDefault(QLocale.system())


def press(widget: QWidget, keys: str) -> None:
    """As typed: through the window, so that its shortcuts see the keys (a key event sent to
    a widget directly skips them under the offscreen platform)."""
    widget.activateWindow()
    QApplication.processEvents()
    handle = widget.windowHandle()
    assert handle is not None
    QTest.keySequence(handle, QKeySequence(keys))


def drop(target: object, files: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    target.insertFromMimeData(mime)  # type: ignore[attr-defined] - what a drop calls


def test_signature_title_attachments_and_no_draft_until_she_writes(
    qtbot: QtBot, signed: Store, tmp_path: Path, artefacts: Path, french_locale: object
) -> None:
    composer = Composer(signed, sender=OWNER)
    qtbot.addWidget(composer)
    composer.show()
    body = composer.body.toPlainText()
    assert body == f"\n\n-- \n{SIGNATURE}\n"
    assert composer.body.textCursor().position() == 0  # she writes above it
    assert composer.windowTitle() == "Rédaction"
    composer.save_draft()  # the autosave: a signature alone is not a draft
    assert DraftStore(signed).get(composer.draft_key) is None

    composer.from_box.setCurrentText(OTHER)
    assert composer.body.toPlainText() == "\n\n-- \nSecrétariat du cabinet\n"
    composer.from_box.setCurrentText(OWNER)
    composer.to.setText("dr.durand@chu-lyon.mssante.fr")
    composer.subject.setText("Mme LEGRAND — résultats")
    assert composer.windowTitle() == "Mme LEGRAND — résultats"
    composer.body.moveCursor(composer.body.textCursor().MoveOperation.Start)
    composer.body.insertPlainText("Cher confrère,\nVoici les résultats.")

    letter = tmp_path / "courrier.pdf"
    letter.write_bytes(b"%PDF" + b"x" * 12_600)
    scan = tmp_path / "bilan.png"
    scan.write_bytes(b"\x89PNG" + b"x" * 4_300_000)
    note = tmp_path / "note.txt"
    note.write_bytes(b"830 bytes".ljust(830, b"."))
    composer.add_files([letter, tmp_path])  # a folder is not a file: skipped
    drop(composer.body, [scan, note])  # dropped on the text: attached, not pasted
    assert "file://" not in composer.body.toPlainText()
    shown = [composer.attachments.text(r) for r in range(composer.attachments.count())]
    assert shown == ["courrier.pdf — 12,3 Ko", "bilan.png — 4,1 Mo", "note.txt — 830 octets"]
    assert composer.attachments.view.item(0).toolTip() == str(letter)
    qtbot.waitExposed(composer)
    composer.grab().save(str(artefacts / "composer-signature-attachments.png"))
    assert_not_blank(artefacts / "composer-signature-attachments.png")

    composer.attachments.view.item(2).setSelected(True)
    composer.attachments.remove_button.click()
    assert composer.draft().attachments == [letter, scan]

    press(composer, "Ctrl+S")
    saved = drafts.load(signed, composer.draft_key)
    assert saved is not None and saved.body.startswith("Cher confrère,\nVoici les résultats.")
    assert saved.body.endswith(f"-- \n{SIGNATURE}\n") and saved.attachments == [letter, scan]
    assert composer.windowTitle() == "Mme LEGRAND — résultats (brouillon enregistré)"


def test_a_reopened_draft_gets_no_second_signature_and_a_reply_gets_it_above_the_quote(
    qtbot: QtBot, signed: Store
) -> None:
    key = drafts.new_key()
    drafts.save(signed, key, Draft(OWNER, ["a@b.mssante.fr"], "Objet", "Texte\n\n-- \nAncienne"))
    reopened = Composer(signed, drafts.load(signed, key), draft_key=key)
    qtbot.addWidget(reopened)
    assert reopened.body.toPlainText() == "Texte\n\n-- \nAncienne"
    reply = Composer(
        signed, Draft(OWNER, ["x@y.mssante.fr"], "RE: a", "\n\nLe lundi, X a écrit :\n> a\n")
    )
    qtbot.addWidget(reply)
    text = reply.body.toPlainText()
    assert text.index(SIGNATURE) < text.index("a écrit :")


def test_escape_asks_to_save_or_discard(
    qtbot: QtBot, signed: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Composer, "ask_on_close", True)
    asked: list[bool] = []
    answer = QMessageBox.StandardButton.Discard
    monkeypatch.setattr(Composer, "ask_keep", lambda _self: asked.append(True) or answer)
    untouched = Composer(signed, sender=OWNER)
    qtbot.addWidget(untouched)
    untouched.show()
    press(untouched, "Esc")
    assert not untouched.isVisible() and asked == []  # nothing written: closed at once
    composer = Composer(signed, sender=OWNER)
    qtbot.addWidget(composer)
    composer.show()
    composer.subject.setText("À garder ?")
    press(composer, "Esc")
    assert asked == [True] and not composer.isVisible()
    assert DraftStore(signed).get(composer.draft_key) is None  # "Ne pas enregistrer"
    answer = QMessageBox.StandardButton.Save
    kept = Composer(signed, sender=OWNER)
    qtbot.addWidget(kept)
    kept.show()
    kept.subject.setText("À garder")
    press(kept, "Esc")
    assert drafts.load(signed, kept.draft_key) is not None


def test_the_attach_dialog_opens_in_documents_then_the_last_folder(
    qtbot: QtBot, signed: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    scans = tmp_path / "Scans"
    scans.mkdir()
    (scans / "ordonnance.pdf").write_bytes(b"%PDF-1.4")
    monkeypatch.setattr(file_dialogs, "documents_folder", lambda: documents)
    file_dialogs.forget_all()
    started: list[str] = []

    def pick(_parent: object, _title: str, start: str, _filters: str) -> tuple[list[str], str]:
        started.append(start)
        return [str(scans / "ordonnance.pdf")], ""

    monkeypatch.setattr("app.ui.file_dialogs.QFileDialog.getOpenFileNames", pick)
    composer = Composer(signed, sender=OWNER)
    qtbot.addWidget(composer)
    composer.choose_files()
    composer.choose_files()  # the same file again: listed once
    assert started == [str(documents), str(scans)]
    assert composer.draft().attachments == [scans / "ordonnance.pdf"]
    file_dialogs.forget_all()


@pytest.mark.parametrize(
    ("lang", "cancel", "size"), [("fr", "Annuler", "12,3 Ko"), ("en", "Cancel", "12.3 KB")]
)
def test_qt_dialogs_and_sizes_follow_the_language(
    lang: str, cancel: str, size: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(application.LANGUAGE_ENV, lang)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = set(app.findChildren(QTranslator))
    application._translate(app)
    try:
        # Qt's own catalogue (qtbase_fr): the buttons of every standard dialog
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == cancel
        assert human_size(12_600) == size
    finally:
        for added in set(app.findChildren(QTranslator)) - before:
            app.removeTranslator(added)
        QLocale.setDefault(QLocale.system())


def test_the_language_of_the_preferences_unless_caducee_lang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(application.LANGUAGE_ENV, raising=False)
    assert application.language("en") == "en"
    assert application.language("fr") == "fr"
    monkeypatch.setenv(application.LANGUAGE_ENV, "fr")
    assert application.language("en") == "fr"


def test_the_window_passes_the_default_receipts(
    qtbot: QtBot, signed: Store, tmp_path: Path
) -> None:
    window = MainWindow(signed, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.composer_receipts = (True, False)
    composer = window.write()
    qtbot.addWidget(composer)
    assert composer.dsn.isChecked() and not composer.mdn.isChecked()

"""Préférences, Paramètres des comptes, À propos and the help page (F1), from the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.core.settings import Settings
from app.directory import refresh
from app.ops import drafts
from app.ops.outbox import Draft
from app.store import account_settings
from app.store.db import Store
from app.ui import file_dialogs
from app.ui.about import AboutDialog
from app.ui.main_window import MainWindow
from app.ui.preferences import PreferencesDialog
from tests.ui.conftest import OWNER, assert_not_blank


@pytest.fixture
def window(qtbot: QtBot, mail_store: Store, tmp_path: Path) -> MainWindow:
    opened = MainWindow(mail_store, tmp_path / "profile" / "ui.ini")
    qtbot.addWidget(opened)
    opened.show()
    return opened


def menu_texts(window: MainWindow) -> list[str]:
    texts = []
    for top in window.menuBar().actions():
        menu = top.menu()
        texts += [a.text() for a in menu.actions()] if menu is not None else []  # type: ignore[union-attr]
    return texts


def test_the_preferences_are_saved_and_applied(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, artefacts: Path
) -> None:
    config = window.data_dir / "config.toml"
    Settings(card_module="/opt/cps/module.so", lock_minutes=30).save(config)
    assert {"Préférences…", "Paramètres des comptes…", "À propos de Caducée"} <= set(
        menu_texts(window)
    )
    dialog = window.settings_actions.open_preferences()
    qtbot.waitExposed(dialog)
    assert dialog.lock.value() == 30 and dialog.lock.maximum() == 120  # an MSSanté account
    patients = tmp_path / "Patients"
    patients.mkdir()
    dialog.patients.setText(str(patients))
    dialog.lock.setValue(10)
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.notifications.setChecked(False)
    dialog.mdn.setChecked(True)
    dialog.updates.setChecked(False)
    dialog.grab().save(str(artefacts / "preferences.png"))
    assert_not_blank(artefacts / "preferences.png")
    dialog.save()
    saved = Settings.load(config)
    assert saved.card_module == "/opt/cps/module.so"  # what the dialog does not show: kept
    assert (saved.lock_minutes, saved.patients_dir, saved.language) == (10, patients, "en")
    assert not saved.notifications and saved.read_receipt and not saved.delivery_receipt
    assert not saved.directory_updates
    assert window.inactivity.minutes == 10 and not window.notify_new_mail
    assert window.composer_receipts == (False, True)
    composer = window.write()
    qtbot.addWidget(composer)
    assert composer.mdn.isChecked() and not composer.dsn.isChecked()


def test_a_missing_patients_folder_is_said_and_nothing_saved(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    config = tmp_path / "config.toml"
    dialog = PreferencesDialog(config, mssante=False)
    qtbot.addWidget(dialog)
    assert dialog.lock.minimum() == 0 and dialog.lock.specialValueText() == "jamais"
    dialog.patients.setText(str(tmp_path / "nowhere"))
    dialog.save()
    assert warned and "introuvable" in warned[0]
    assert not config.exists() and dialog.saved is None


def test_the_patients_folder_dialog_opens_in_documents_then_the_last_folder(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(file_dialogs, "documents_folder", lambda: documents)
    file_dialogs.forget_all()
    started: list[str] = []
    chosen = tmp_path / "Dossiers patients"
    chosen.mkdir()

    def directory(_parent: object, _title: str, start: str) -> str:
        started.append(start)
        return str(chosen)

    monkeypatch.setattr("app.ui.file_dialogs.QFileDialog.getExistingDirectory", directory)
    dialog = PreferencesDialog(tmp_path / "config.toml")
    qtbot.addWidget(dialog)
    dialog._choose_patients()
    dialog.patients.clear()
    dialog._choose_patients()
    assert started == [str(documents), str(chosen)]
    assert dialog.patients.text() == str(chosen)
    file_dialogs.forget_all()


def test_account_settings_edit_the_signature_and_remove_the_account(
    qtbot: QtBot, window: MainWindow, mail_store: Store, artefacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    dialog = window.settings_actions.open_accounts()
    qtbot.waitExposed(dialog)
    assert dialog.accounts.currentText() == OWNER
    assert dialog.auth.text() == "Carte CPS" and not dialog.username.isEnabled()
    dialog.signature.setPlainText("Dr Marie MARTIN\nMédecin généraliste — Lyon")
    dialog.smtp.setText("smtps://smtp.test:465")
    changed: list[str] = []
    dialog.changed.connect(changed.append)
    dialog.grab().save(str(artefacts / "account-settings.png"))
    assert_not_blank(artefacts / "account-settings.png")
    assert dialog.save()
    account = mail_store.account(OWNER)
    assert account is not None and account.smtp_url == "smtps://smtp.test:465"
    assert account_settings.signature(mail_store, account).startswith("Dr Marie MARTIN")
    assert changed == [OWNER]  # the worker's session is rebuilt with the new servers
    dialog.imap.setText("pas une adresse")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    assert not dialog.save() and warned

    window.syncing = True
    monkeypatch.setattr(QMessageBox, "information", lambda *_a: None)
    assert not dialog.remove()  # not while a sync runs
    window.syncing = False
    monkeypatch.setattr(dialog, "confirm_removal", lambda _account: False)
    assert not dialog.remove() and mail_store.account(OWNER) is not None
    monkeypatch.setattr(dialog, "confirm_removal", lambda _account: True)
    assert dialog.remove()
    assert mail_store.account(OWNER) is None
    assert window.folders.rowCount() == 0 and window.messages.rowCount() == 0
    assert dialog.auth.text() == "aucun compte" and not dialog.remove_button.isEnabled()


def test_the_removal_question_names_what_is_lost(
    qtbot: QtBot, window: MainWindow, mail_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    drafts.save(mail_store, drafts.new_key(), Draft(OWNER, ["a@b.mssante.fr"], "Objet", "Texte"))
    dialog = window.settings_actions.open_accounts(OWNER)
    shown: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        shown.append(box.informativeText())
        cancel = next(b for b in box.buttons() if b.text() == "Annuler")
        cancel.click()

    qtbot.waitExposed(dialog)
    QTimer.singleShot(200, answer)
    assert not dialog.remove()
    assert shown and "1 brouillon(s)" in shown[0] and "restent sur le serveur" in shown[0]
    assert mail_store.account(OWNER) is not None


def test_help_on_f1_and_about_from_the_metadata(
    qtbot: QtBot, window: MainWindow, artefacts: Path
) -> None:
    action = window.settings_actions.help_action
    assert action.shortcut() == QKeySequence(Qt.Key.Key_F1)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    help_window = window.settings_actions.help
    assert help_window is not None
    qtbot.waitExposed(help_window)
    text = help_window.browser.toPlainText()
    assert "Raccourcis clavier" in text and "Ctrl+Alt+L" in text
    help_window.browser.confirm_link(QUrl("#raccourcis"))
    assert help_window.browser.opened == []  # an anchor of the page: nothing opened outside
    about = window.settings_actions.open_about()
    assert isinstance(about, AboutDialog)
    qtbot.waitExposed(about)
    names = [about.table.item(r, 0).text() for r in range(about.table.rowCount())]
    assert "PySide6" in names and "cryptography" in names
    licences = {about.table.item(r, 0).text(): about.table.item(r, 2).text()
                for r in range(about.table.rowCount())}  # fmt: skip
    assert "LGPL" in licences["PySide6"]
    shown = about.show_licence(names.index("IMAPClient"))
    qtbot.addWidget(shown)
    about.grab().save(str(artefacts / "about.png"))
    assert_not_blank(artefacts / "about.png")


def test_update_now_says_how_it_went(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = [
        refresh.RefreshReport(failed=["Annuaire injoignable (hors ligne)."]),
        refresh.RefreshReport(done=["Annuaire mis à jour."]),
    ]
    monkeypatch.setattr(refresh, "refresh", lambda *_a, **_k: reports.pop(0))
    actions = window.settings_actions
    with qtbot.waitSignal(window.directory_jobs.finished, timeout=10_000):
        actions.update_now()
    qtbot.waitUntil(lambda: window.error_bar.isVisible())
    assert "a échoué" in window.error_bar.text.text()
    assert "injoignable" in window.error_bar.details_text
    with qtbot.waitSignal(window.directory_jobs.finished, timeout=10_000):
        actions.update_now()
    qtbot.waitUntil(lambda: "à jour" in window.statusBar().currentMessage())

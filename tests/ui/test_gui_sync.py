"""Getting mail from the window against the lab's Dovecot: the sync runs in its worker
thread, asks the password through the window, fills the views; a refusal shows once in the
error bar, and "Réessayer" tries again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from app.core.keychain import SERVICE, password_key
from app.ops.sync import sync_lock
from app.sandbox.submission import Endpoints
from app.store.db import Store
from app.store.outbox import OutboxStore
from app.ui.main_window import MainWindow, start_worker, stop_worker
from app.ui.sync_worker import Prompter, Question, SyncWorker
from tests.conftest import MemoryKeyring
from tests.integration.test_sync import Server, gp_message
from tests.lab.build import LabAccounts, LabPki
from tests.lab.dovecot import Dovecot
from tests.ui.conftest import assert_not_blank


@pytest.fixture
def server(dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts) -> Server:
    box = Server(dovecot_password, lab_pki, lab_accounts.sync)
    box.reset(("Résultats",))
    return box


@pytest.fixture
def store(tmp_path: Path, server: Server, lab_smtp_password: Endpoints) -> Iterator[Store]:
    smtp = lab_smtp_password
    opened = Store.open(tmp_path / "profile")
    trust = tmp_path / "provider-root.pem"
    trust.write_bytes(server.lab_pki.public_ca.root.issued.cert_pem())
    opened.add_account(
        server.account.address,
        "password",
        f"imaps://localhost:{server.dovecot.imaps_port}",
        smtp_url=f"smtp+starttls://localhost:{smtp.starttls_port}",
        username=server.account.login,
        trust=str(trust),
    )
    yield opened
    opened.close()


def test_get_mail_from_the_window(
    qtbot: QtBot, server: Server, store: Store, tmp_path: Path, artefacts: Path
) -> None:
    server.append("INBOX", [gp_message(i) for i in range(1, 4)])
    answers = ["mauvais mot de passe", server.account.password or ""]
    asked: list[str] = []

    def answer(question: Question) -> str | None:
        asked.append(question.text)
        return answers.pop(0)

    prompter = Prompter(answerer=answer)
    worker = SyncWorker(tmp_path / "profile", tmp_path / "cache", None, prompter)
    window = MainWindow(store, tmp_path / "ui.ini", worker)
    qtbot.addWidget(window)
    thread: QThread = start_worker(window, worker)
    try:
        window.show()
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.get_mail()
        assert window.error_bar.isVisible()  # the wrong password, said in French
        assert "mot de passe refusé" in window.error_bar.text.text()
        assert "identifiant refusé" in window.state_label.text()
        window.grab().save(str(artefacts / "main-window-error-bar.png"))
        assert window.folders.index(0, 0).data().endswith("\nidentifiant refusé")  # the tree

        states = window.account_states
        shown_lines: list[str] = []
        progressed = states.progressed

        def seen(*args: object) -> None:  # what the tree says as each report arrives
            progressed(*args)  # type: ignore[arg-type]
            shown_lines.append(str(window.folders.index(0, 0).data()))
            if len(shown_lines) == 1:
                window.grab().save(str(artefacts / "synchronisation-lab.png"))

        states.progressed = seen  # type: ignore[method-assign]
        with qtbot.waitSignal(window.sync_finished, timeout=60_000):
            window.error_bar._retry()
        assert not window.error_bar.isVisible()
        lines = [line.split("\n")[1] for line in shown_lines]  # under the address
        assert "Boîte de réception…" in lines and "Boîte de réception 3/3" in lines, lines
        assert "messages 3/3" in lines and lines[-1] == "envoi", lines
        assert window.folders.index(0, 0).data().endswith("\nconnecté")
        assert "connecté" in window.state_label.text()
        assert len(asked) == 2 and "Mot de passe" in asked[0]  # asked again after a refusal
        window._select_first_folder()
        qtbot.waitUntil(lambda: window.messages.rowCount() == 3)

        server.append("INBOX", [gp_message(4)])
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.get_mail()  # the session is kept: no new question
        assert len(asked) == 2
        qtbot.waitUntil(lambda: window.messages.rowCount() == 4)

        composer = window.write()  # to herself, through the outbox and the lab's SMTP AUTH
        qtbot.addWidget(composer)
        composer.to.setText(server.account.address)
        composer.subject.setText("Note pour moi-même")
        composer.body.setPlainText("Rappeler le laboratoire.")
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            composer.send()  # queued, then the sync sends it
        assert OutboxStore(store).items()[0].state == "sent"
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.get_mail()
        qtbot.waitUntil(lambda: window.messages.rowCount() == 5)
        subjects = {m.subject for m in store.messages()}
        assert "Note pour moi-même" in subjects
    finally:
        stop_worker(worker, thread)


def test_lock_hides_mail_and_unlocking_signs_in_again(
    qtbot: QtBot, server: Server, store: Store, tmp_path: Path, artefacts: Path
) -> None:
    server.append("INBOX", [gp_message(1)])
    answers = [server.account.password or "", "faux", server.account.password or ""]
    asked: list[str] = []

    def answer(question: Question) -> str | None:
        asked.append(question.text)
        return answers.pop(0)

    worker = SyncWorker(tmp_path / "profile", tmp_path / "cache", None, Prompter(answerer=answer))
    window = MainWindow(store, tmp_path / "ui.ini", worker, lock_minutes=120)
    qtbot.addWidget(window)
    thread: QThread = start_worker(window, worker)
    try:
        window.show()
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.get_mail()
        window._select_first_folder()
        window.list_view.selectRow(0)
        window.inactivity.timer.start(50)  # as if two hours went by without use
        qtbot.waitUntil(lambda: window.locked, timeout=5_000)
        assert window.lock_overlay.isVisible() and window.reader.current is None
        qtbot.waitUntil(lambda: not worker.sessions, timeout=5_000)  # the sign-in forgotten
        window.grab().save(str(artefacts / "session-locked.png"))
        assert_not_blank(artefacts / "session-locked.png")
        window.get_mail()  # F5 while locked: nothing happens
        assert not window.syncing
        assert not window.get_mail_action.isEnabled()  # nor any other shortcut

        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.lock_overlay.button.click()  # a wrong password: still locked
        assert window.locked and "refusé" in window.lock_overlay.problem.text()
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.lock_overlay.button.click()
        assert not window.locked and not window.lock_overlay.isVisible()
        assert window.get_mail_action.isEnabled()
        assert len(asked) == 3
    finally:
        stop_worker(worker, thread)


def test_unlocking_asks_the_password_even_when_the_keyring_keeps_it(
    qtbot: QtBot, server: Server, store: Store, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    """The keyring spares her the password at start, not at unlock: anyone at the desk could
    unlock otherwise."""
    memory_keyring.set_password(
        SERVICE, password_key(server.account.address), server.account.password or ""
    )
    server.append("INBOX", [gp_message(1)])
    asked: list[str] = []

    def answer(question: Question) -> str | None:
        asked.append(question.text)
        return server.account.password

    worker = SyncWorker(tmp_path / "profile", tmp_path / "cache", None, Prompter(answerer=answer))
    window = MainWindow(store, tmp_path / "ui.ini", worker, lock_minutes=120)
    qtbot.addWidget(window)
    thread: QThread = start_worker(window, worker)
    try:
        window.show()
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.get_mail()
        assert asked == [] and "connecté" in window.state_label.text()  # from the keyring
        window.lock()
        qtbot.waitUntil(lambda: not worker.sessions, timeout=5_000)
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.lock_overlay.button.click()
        assert not window.locked
        assert len(asked) == 1 and "Mot de passe" in asked[0]
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.get_mail()  # signed in: nothing asked again
        assert len(asked) == 1
    finally:
        stop_worker(worker, thread)


def test_a_sync_running_in_another_process_is_waited_for_quietly(
    qtbot: QtBot, server: Server, store: Store, tmp_path: Path
) -> None:
    """The account is being synced elsewhere (``caducee sync`` in a terminal): the window
    says so in the status bar, not as an error, asks nothing, and tries again later; an
    unlock meanwhile still proves the sign-in."""
    server.append("INBOX", [gp_message(i) for i in range(1, 3)])
    answers = [server.account.password or "", "faux", server.account.password or ""]
    asked: list[str] = []

    def answer(question: Question) -> str | None:
        asked.append(question.text)
        return answers.pop(0)

    worker = SyncWorker(tmp_path / "profile", tmp_path / "cache", None, Prompter(answerer=answer))
    window = MainWindow(store, tmp_path / "ui.ini", worker, lock_minutes=120)
    qtbot.addWidget(window)
    thread: QThread = start_worker(window, worker)
    elsewhere = sync_lock(tmp_path / "profile" / "locks", server.account.address)
    assert elsewhere.acquire(timeout=0)  # as another process's sync holds it
    try:
        window.show()
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.get_mail()
        assert "relève en cours ailleurs" in window.state_label.text()
        assert not window.error_bar.isVisible()
        assert asked == []  # nothing asked while it cannot sync
        assert window.busy_retry.isActive()  # tried again by itself
        assert store.messages(folder="INBOX") == []

        elsewhere.release()
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.busy_retry.start(10)  # sooner than BUSY_RETRY_MS
        assert "connecté" in window.state_label.text()
        assert len(store.messages(folder="INBOX")) == 2
        assert not window.busy_retry.isActive()

        window.lock()
        qtbot.waitUntil(lambda: not worker.sessions, timeout=5_000)
        assert elsewhere.acquire(timeout=0)
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.lock_overlay.button.click()  # a wrong password: busy or not, still locked
        assert window.locked and "refusé" in window.lock_overlay.problem.text()
        with qtbot.waitSignal(window.sync_finished, timeout=30_000):
            window.lock_overlay.button.click()
        assert not window.locked
        assert "relève en cours ailleurs" in window.state_label.text()
        assert len(asked) == 3
    finally:
        elsewhere.release()
        stop_worker(worker, thread)

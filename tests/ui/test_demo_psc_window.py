"""``caducee demo --psc`` in its window: the demo operator's mailbox signed in with its Pro
Santé Connect. The real sign-in window opens from the first sync; the lab phone decodes the
QR code from the window as painted and approves on the demo's "e-CPS de démonstration"
page; the window syncs and sends through the demo's API LPS servers. Locking forgets the
tokens; the overlay says Pro Santé Connect; unlocking signs in again, this time through the
browser (the provider's pages, the demo national id already typed), with the national id of
the last sign-in offered for CIBA. Screenshots: the demo's QR page, the lock screen."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
import webbrowser
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.cli.demo import set_up_account
from app.core.paths import Profile
from app.ops.outbox import enqueue_message
from app.sandbox.operator import DEMO_ADDRESS, DEMO_HOLDER, OperatorEndpoints, SandboxOperator
from app.sandbox.psc import browser_sign_in
from app.store.db import Store
from app.store.outbox import OutboxStore
from app.ui.main_window import MainWindow, start_worker, stop_worker
from app.ui.psc_signin import PscSignInDialog
from app.ui.sync_worker import Prompter, SyncWorker
from tests.lab import phone

NATIONAL_ID = DEMO_HOLDER.id_nat


@dataclass
class Demo:
    profile: Profile
    operator: SandboxOperator
    endpoints: OperatorEndpoints
    store: Store


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    profile = Profile.from_dir(tmp_path / "demo")
    profile.ensure()
    operator = SandboxOperator(profile.data_dir / "demo", DEMO_ADDRESS)
    endpoints = operator.start()
    try:
        set_up_account(profile, operator, endpoints, psc=True)  # what `demo --psc` does
        store = Store.open(profile.data_dir)
        try:
            yield Demo(profile, operator, endpoints, store)
        finally:
            store.close()
    finally:
        operator.stop()


@dataclass
class DialogDriver:
    """Answers the sign-in window from inside its own event loop (``exec()``), step by
    step on a timer, as a person would; what went wrong is kept for the test to raise."""

    act: Callable[[PscSignInDialog], bool]  # True once done with this dialog
    errors: list[BaseException] = field(default_factory=list)
    seen: list[PscSignInDialog] = field(default_factory=list)

    def start(self) -> QTimer:
        timer = QTimer()
        timer.setInterval(100)
        timer.timeout.connect(self._tick)
        timer.start()
        return timer

    def _tick(self) -> None:
        dialogs = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, PscSignInDialog) and w.isVisible() and w not in self.seen
        ]
        for dialog in dialogs:
            try:
                if self.act(dialog):
                    self.seen.append(dialog)
            except BaseException as error:  # noqa: BLE001 - raised by the test afterwards
                self.errors.append(error)
                self.seen.append(dialog)
                dialog.reject()


def test_demo_window_signs_in_with_psc_then_locks_and_unlocks(
    qtbot: QtBot, demo: Demo, tmp_path: Path, artefacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (account,) = demo.store.accounts()
    assert account.auth == "psc" and account.imap_url == demo.endpoints.psc_imap_url

    def by_qr_code(dialog: PscSignInDialog) -> bool:
        if not dialog.phone_button.isEnabled():
            return False  # discovery not answered yet
        if dialog.pages.currentIndex() == 0:
            assert dialog.national_field.text() == ""  # never signed in: nothing to offer
            dialog.phone_button.click()
            return False
        if not dialog.code_label.text() or dialog.qr_label.pixmap().isNull():
            return False
        assert dialog.local_label.isVisible()  # the demo's page: on this computer only
        assert "127.0.0.1" in dialog.local_label.text()
        assert dialog.device_request is not None
        assert dialog.device_request.qr_url in dialog.local_label.text().replace("&amp;", "&")
        shot = artefacts / "demo-psc-qr-page.png"
        dialog.grab().save(str(shot))
        url = phone.scan(shot)  # the whole window as painted: one QR code in it
        assert url.startswith(demo.endpoints.psc_issuer + "/device")
        assert dialog.code_label.text() in urllib.parse.unquote(url)
        page = urllib.request.urlopen(url, timeout=10).read().decode()  # noqa: S310
        assert f'value="{NATIONAL_ID}"' in page  # the demo's e-CPS: approve in one click
        assert "approuvée" in phone.approve(url, NATIONAL_ID)
        return True

    driver = DialogDriver(by_qr_code)
    worker = SyncWorker(demo.profile.data_dir, demo.profile.cache_dir, None, Prompter())
    window = MainWindow(demo.store, tmp_path / "ui.ini", worker, lock_minutes=120)
    worker.prompter.window = window
    qtbot.addWidget(window)
    thread = start_worker(window, worker)
    timer = driver.start()
    try:
        window.show()
        with qtbot.waitSignal(window.sync_finished, timeout=90_000):
            window.get_mail()
        assert not driver.errors, driver.errors
        assert len(driver.seen) == 1
        assert window.states[DEMO_ADDRESS] == "connecté"
        inbox = demo.store.messages(DEMO_ADDRESS)
        assert inbox, "the demo's sample mail, synced through the API LPS IMAP"

        message = EmailMessage()
        message["From"] = message["To"] = DEMO_ADDRESS
        message["Subject"] = "Essai Pro Santé Connect"
        message["Message-ID"] = "<essai-psc@demo.mssante.test>"
        message.set_content("Bonjour.")
        item = enqueue_message(demo.store, account, message)
        with qtbot.waitSignal(window.sync_finished, timeout=60_000):
            window.get_mail()  # the same PSC session: no second sign-in
        assert len(driver.seen) == 1
        sent = OutboxStore(demo.store).get(item.id)
        assert sent is not None and sent.state == "sent", sent

        # Ctrl+Alt+L: tokens forgotten, the overlay names Pro Santé Connect
        keeper = worker.sessions[DEMO_ADDRESS].psc()  # signed in: no sign-in asked here
        assert keeper.active
        (lock,) = [a for a in window.actions() if a.shortcut().toString() == "Ctrl+Alt+L"]
        lock.trigger()
        assert window.locked
        qtbot.waitUntil(lambda: not worker.sessions, timeout=5_000)
        assert not keeper.active  # the tokens themselves are gone, not only the session
        overlay = window.lock_overlay
        assert "Pro Santé Connect" in overlay.explanation.text()
        assert overlay.button.text() == "Déverrouiller avec Pro Santé Connect"
        window.grab().save(str(artefacts / "demo-psc-lock.png"))

        browsed: list[str] = []

        def browser(url: str, *_args: object, **_kwargs: object) -> bool:
            page = urllib.request.urlopen(url, timeout=10).read().decode()  # noqa: S310
            typed = re.search(r'name="national_id"[^>]*value="(\d+)"', page)
            assert typed is not None and typed.group(1) == NATIONAL_ID
            browsed.append(url)
            redirect = browser_sign_in(url, typed.group(1))
            with urllib.request.urlopen(redirect, timeout=10) as answer:  # noqa: S310
                return bool(answer.status == 200)

        monkeypatch.setattr(webbrowser, "open", browser)

        def by_browser(dialog: PscSignInDialog) -> bool:
            if not dialog.browser_button.isEnabled():
                return False
            assert dialog.ciba_row.isVisible()  # the demo's provider offers CIBA
            assert dialog.national_field.text() == NATIONAL_ID  # her last sign-in's
            assert dialog.ciba_button.isEnabled()
            dialog.browser_button.click()
            return True

        driver.act = by_browser
        with qtbot.waitSignal(window.sync_finished, timeout=90_000):
            overlay.button.click()
        assert not driver.errors, driver.errors
        assert len(driver.seen) == 2 and len(browsed) == 1
        assert not window.locked, overlay.problem.text()
        subjects = {m.subject for m in demo.store.messages(DEMO_ADDRESS)}
        assert "Essai Pro Santé Connect" in subjects  # sent, delivered, synced back

        # the two-hour lock (the inactivity timer firing): the same, tokens forgotten again
        keeper = worker.sessions[DEMO_ADDRESS].psc()
        window.inactivity.timer.timeout.emit()
        assert window.locked and overlay.isVisible()
        assert overlay.button.text() == "Déverrouiller avec Pro Santé Connect"
        qtbot.waitUntil(lambda: not keeper.active, timeout=5_000)
    finally:
        timer.stop()
        stop_worker(worker, thread)

"""A PSC account in the window, on the lab's provider and Dovecot (oauth2 passdb): the
sync asks for the PSC sign-in, locking forgets the tokens and unlocking signs in again
through PSC; a sign-in closed keeps the window locked, with its reason."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from app.psc.client import PscClient
from app.psc.keeper import TokenKeeper
from app.sandbox.psc import PscProvider, browser_sign_in
from app.sandbox.submission import Endpoints
from app.store.db import Account, Store
from app.ui.main_window import MainWindow, start_worker, stop_worker
from app.ui.sync_worker import Prompter, SyncWorker
from tests.lab.build import PSC_MARTIN, LabPki, lab_message
from tests.lab.dovecot import Dovecot
from tests.lab.smtp import lmtp_deliverer

pytestmark = pytest.mark.lab


@pytest.fixture
def store(
    tmp_path: Path,
    lab_psc: PscProvider,
    dovecot_psc: Dovecot,
    lab_smtp_psc: Endpoints,
    lab_pki: LabPki,
) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    opened.add_account(
        PSC_MARTIN.address,
        "psc",
        f"imaps://localhost:{dovecot_psc.imaps_port}",
        smtp_url=f"smtps://localhost:{lab_smtp_psc.implicit_tls_port}",
        trust=str(lab_pki.files.root),
        psc_issuer=lab_psc.issuer,
        psc_client_id="caducee",
    )
    message = lab_message("labo@biolab.mssante.test", PSC_MARTIN.address, "Bilan PSC", "Texte")
    lmtp_deliverer(dovecot_psc.lmtp_socket)(
        "labo@biolab.mssante.test", [PSC_MARTIN.address], bytes(message)
    )
    yield opened
    opened.close()


def test_sync_signs_in_with_psc_and_unlocking_signs_in_again(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    answers = ["approve", None, "approve"]  # None: she closes the sign-in window
    asked: list[str] = []

    def sign_in(client: PscClient, account: Account) -> TokenKeeper | None:
        asked.append(account.address)
        if answers.pop(0) is None:
            return None

        def browser(url: str) -> bool:
            redirect = browser_sign_in(url, PSC_MARTIN.national_id)
            with urllib.request.urlopen(redirect, timeout=10) as answer:  # noqa: S310
                return answer.status == 200

        return TokenKeeper(client, client.sign_in_browser(browser, timeout=30))

    worker = SyncWorker(
        tmp_path / "profile", tmp_path / "cache", None, Prompter(psc_answerer=sign_in)
    )
    window = MainWindow(store, tmp_path / "ui.ini", worker, lock_minutes=120)
    qtbot.addWidget(window)
    thread: QThread = start_worker(window, worker)
    try:
        window.show()
        with qtbot.waitSignal(window.sync_finished, timeout=60_000):
            window.get_mail()
        assert asked == [PSC_MARTIN.address]
        assert any(m.subject == "Bilan PSC" for m in store.messages(PSC_MARTIN.address))
        window.lock()
        qtbot.waitUntil(lambda: not worker.sessions, timeout=5_000)  # tokens forgotten
        with qtbot.waitSignal(window.sync_finished, timeout=60_000):
            window.lock_overlay.button.click()  # she closes the PSC window: still locked
        assert window.locked
        assert "Pro Santé Connect" in window.lock_overlay.problem.text()
        with qtbot.waitSignal(window.sync_finished, timeout=60_000):
            window.lock_overlay.button.click()
        assert not window.locked
        assert len(asked) == 3
    finally:
        stop_worker(worker, thread)

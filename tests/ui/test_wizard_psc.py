"""The first-run wizard with an operator that takes Pro Santé Connect: the choice comes
first, the sign-in window opens on "Connexion", the account is stored as ``--auth psc``
against the lab's real provider and Dovecot (oauth2 passdb)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.core.edition import Edition
from app.core.paths import Profile
from app.core.settings import Settings
from app.sandbox.psc import PscProvider, browser_sign_in
from app.sandbox.submission import Endpoints
from app.store.db import Store
from app.transport import tls
from app.ui.psc_signin import PscSignInDialog
from app.ui.wizard_page import PAGE_ADDRESS, PAGE_CONNECT, PAGE_MODE, PSC
from tests.lab.build import PSC_MARTIN, LabPki
from tests.lab.dovecot import Dovecot
from tests.ui.test_wizard import WAIT, open_wizard, operators, shot, wait_servers

pytestmark = pytest.mark.lab


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    chosen = Profile.from_dir(tmp_path / "profile")
    for directory in (chosen.data_dir, chosen.cache_dir):
        directory.mkdir(parents=True, exist_ok=True)
    return chosen


def test_psc_first_then_sign_in_then_account_stored(
    qtbot: QtBot,
    profile: Profile,
    lab_psc: PscProvider,
    dovecot_psc: Dovecot,
    lab_smtp_psc: Endpoints,
    lab_pki: LabPki,
    monkeypatch: pytest.MonkeyPatch,
    artefacts: Path,
) -> None:
    address = PSC_MARTIN.address
    edition = Edition(
        id="labo-psc",
        name="Opérateur API LPS du labo",
        domains=(address.rpartition("@")[2],),
        imap=f"imaps://localhost:{dovecot_psc.imaps_port}",
        smtp=f"smtps://localhost:{lab_smtp_psc.implicit_tls_port}",
        psc_issuer=lab_psc.issuer,
        psc_client_id="caducee",
    )
    monkeypatch.setattr(tls, "shipped_trust_anchors", lambda: [lab_pki.pki.root.certificate])

    def browser(url: str, *_args: object, **_kwargs: object) -> bool:
        redirect = browser_sign_in(url, PSC_MARTIN.national_id)
        with urllib.request.urlopen(redirect, timeout=10) as answer:  # noqa: S310 - loopback
            return answer.status == 200

    monkeypatch.setattr("webbrowser.open", browser)
    seen: list[PscSignInDialog] = []

    def sign_in() -> None:  # in the sign-in window's own event loop
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PscSignInDialog):
            QTimer.singleShot(50, sign_in)
            return
        if not dialog.browser_button.isEnabled():
            QTimer.singleShot(50, sign_in)
            return
        seen.append(dialog)
        dialog.grab().save(str(artefacts / "wizard-psc-sign-in.png"))
        dialog.browser_button.click()

    with open_wizard(qtbot, profile, edition=edition) as wizard:
        assert wizard.currentId() == PAGE_MODE  # not the card page: PSC is offered first
        assert wizard.mode() == PSC and wizard.mode_page.psc.isVisible()
        shot(wizard, artefacts, "psc-mode")
        wizard.next()
        assert wizard.currentId() == PAGE_ADDRESS
        wizard.address_page.address_box.setEditText(address)
        QTimer.singleShot(50, sign_in)
        wizard.next()
        assert wizard.currentId() == PAGE_CONNECT
        qtbot.waitUntil(lambda: wizard.connect_page.state == "done", timeout=WAIT)
        shot(wizard, artefacts, "psc-done")
        assert seen
        wizard.accept()
    store = Store.open(profile.data_dir)
    (account,) = store.accounts()
    store.close()
    assert (account.auth, account.psc_issuer, account.psc_client_id) == (
        "psc",
        lab_psc.issuer,
        "caducee",
    )


def test_no_psc_choice_without_a_provider(qtbot: QtBot, profile: Profile) -> None:
    edition = Edition(id="labo", name="Labo", domains=("lab.test",), imap="imaps://x.test")
    with open_wizard(qtbot, profile, edition=edition) as wizard:
        assert wizard.mode() != PSC
        assert not wizard.mode_page.psc.isVisible()


def test_tester_signs_in_once_and_connexion_goes_on_with_it(
    qtbot: QtBot,
    profile: Profile,
    lab_psc: PscProvider,
    dovecot_psc: Dovecot,
    lab_smtp_psc: Endpoints,
    lab_pki: LabPki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No edition: config.toml ``[psc]`` names the provider, the servers come from the
    operators' file. "Tester" signs in through the browser; "Connexion" uses that sign-in
    (in memory) instead of opening the sign-in window again."""
    address = PSC_MARTIN.address
    lab_root = tmp_path / "lab-root.pem"
    lab_root.write_bytes(lab_pki.pki.root.certificate.public_bytes(Encoding.PEM))
    Settings(psc_issuer=lab_psc.issuer, psc_client_id="caducee").save(profile.config_file)
    operators(
        profile,
        address.rpartition("@")[2],
        f"imaps://localhost:{dovecot_psc.imaps_port}",
        f"smtps://localhost:{lab_smtp_psc.implicit_tls_port}",
    )
    browsed: list[str] = []

    def browser(url: str, *_args: object, **_kwargs: object) -> bool:
        browsed.append(url)
        redirect = browser_sign_in(url, PSC_MARTIN.national_id)
        with urllib.request.urlopen(redirect, timeout=10) as answer:  # noqa: S310 - loopback
            return bool(answer.status == 200)

    monkeypatch.setattr("webbrowser.open", browser)
    dialogs: list[QWidget] = []

    def no_dialog() -> None:  # the sign-in window must not open on "Connexion"
        shown = QApplication.activeModalWidget()
        if isinstance(shown, PscSignInDialog):
            dialogs.append(shown)
            shown.reject()

    watch = QTimer()
    watch.timeout.connect(no_dialog)
    watch.start(50)
    with open_wizard(qtbot, profile) as wizard:
        assert wizard.mode() == PSC
        wizard.next()
        wizard.address_page.address_box.setEditText(address)
        wait_servers(qtbot, wizard, "found")
        servers = wizard.servers_page
        servers.trust.setText(str(lab_root))
        servers.test_button.click()
        qtbot.waitUntil(lambda: servers.report is not None, timeout=WAIT)
        assert servers.report is not None and servers.report.ok, servers.report.to_json()
        assert len(browsed) == 1
        kept = wizard.psc_keeper
        assert kept is not None and kept.active
        servers.test_button.click()  # a second test: the same sign-in again
        qtbot.waitUntil(lambda: servers.test_button.isEnabled(), timeout=WAIT)
        assert servers.report is not None and servers.report.ok, servers.report.to_json()
        assert len(browsed) == 1 and wizard.psc_keeper is kept
        wizard.next()
        qtbot.waitUntil(lambda: wizard.connect_page.state == "done", timeout=WAIT)
        handover = wizard.handover
        assert handover is not None and handover.account.auth == "psc"
        wizard.accept()
        watch.stop()
        assert not dialogs and len(browsed) == 1
        assert kept.active  # handed over with the account's session, not forgotten
        handover.session.close()
    assert not kept.active  # the session closed: tokens gone

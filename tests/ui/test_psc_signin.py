"""The Pro Santé Connect sign-in window against the lab's provider: the QR page (code, user
code in large type, countdown, "Nouveau code") read by the lab phone, the browser, a refusal
on the phone; a screenshot of the QR page."""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.psc.client import PscClient
from app.psc.config import PscConfig
from app.sandbox.psc import PscClient as Registration
from app.sandbox.psc import PscProvider, PscUser, browser_sign_in
from app.ui.psc_signin import PscSignInDialog, is_loopback
from tests.lab import phone

ALICE = PscUser("810000000001", "Alice", "MARTIN", "alice.martin@medecin.mssante.test")
APP = Registration("caducee", ("http://127.0.0.1/callback",))


@pytest.fixture
def provider() -> Iterator[PscProvider]:
    with PscProvider(users=[ALICE], clients=[APP], device_interval=1) as running:
        yield running


@pytest.fixture
def dialog(qtbot: QtBot, provider: PscProvider) -> PscSignInDialog:
    def open_url(url: str) -> bool:
        with urllib.request.urlopen(  # noqa: S310 - the loopback redirect
            browser_sign_in(url, ALICE.national_id), timeout=10
        ) as answer:
            return answer.status == 200

    shown = PscSignInDialog(
        PscClient(PscConfig(provider.issuer, "caducee")), address=ALICE.address, open_url=open_url
    )
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitUntil(shown.phone_button.isEnabled, timeout=10_000)
    return shown


def show_qr(qtbot: QtBot, dialog: PscSignInDialog) -> str:
    dialog.phone_button.click()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1 and bool(dialog.code_label.text()))
    return dialog.code_label.text()


def test_qr_page_then_phone_approves(
    qtbot: QtBot, dialog: PscSignInDialog, tmp_path: Path, artefacts: Path
) -> None:
    code = show_qr(qtbot, dialog)
    assert dialog.code_label.font().pointSize() >= 20  # large type
    assert dialog.countdown_label.text() in ("Code valable encore 2:00", "Code valable encore 1:59")
    assert not dialog.ciba_row.isVisible()  # this provider has no CIBA
    dialog.grab().save(str(artefacts / "psc-qr-page.png"))
    image = tmp_path / "screen.png"
    dialog.qr_label.pixmap().save(str(image))  # what is on the screen, not the engine's bytes
    url = phone.scan(image)
    assert code in urllib.parse.unquote(url)
    phone.approve(url, ALICE.national_id)
    qtbot.waitUntil(lambda: dialog.keeper is not None, timeout=15_000)
    assert dialog.keeper is not None and dialog.keeper.identity is not None
    assert dialog.keeper.identity.national_id == ALICE.national_id
    assert dialog.result() == PscSignInDialog.DialogCode.Accepted


def test_new_code_replaces_the_old_one(qtbot: QtBot, dialog: PscSignInDialog) -> None:
    first = show_qr(qtbot, dialog)
    dialog.new_code_button.click()
    qtbot.waitUntil(lambda: dialog.code_label.text() not in ("", first), timeout=10_000)
    assert dialog.isVisible()


def test_refusal_on_the_phone_is_said(
    qtbot: QtBot, dialog: PscSignInDialog, tmp_path: Path
) -> None:
    show_qr(qtbot, dialog)
    image = tmp_path / "screen.png"
    dialog.qr_label.pixmap().save(str(image))
    phone.refuse(phone.scan(image))
    qtbot.waitUntil(lambda: "refusée" in dialog.status.text(), timeout=15_000)
    assert "téléphone" in dialog.status.text()
    assert dialog.keeper is None and dialog.isVisible()
    assert dialog.new_code_button.isEnabled()


def test_browser_sign_in(qtbot: QtBot, dialog: PscSignInDialog) -> None:
    dialog.browser_button.click()
    qtbot.waitUntil(lambda: dialog.keeper is not None, timeout=15_000)
    assert dialog.keeper is not None and dialog.keeper.identity is not None


def test_unreachable_provider_is_said(qtbot: QtBot, provider: PscProvider) -> None:
    provider.faults.discovery_unreachable = True
    shown = PscSignInDialog(PscClient(PscConfig(provider.issuer, "caducee")))
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitUntil(lambda: "injoignable" in shown.status.text(), timeout=15_000)
    assert not shown.phone_button.isEnabled() and not shown.browser_button.isEnabled()


def test_ciba_when_the_provider_offers_it(qtbot: QtBot) -> None:
    with PscProvider(users=[ALICE], clients=[APP], device_interval=1, ciba=True) as provider:
        shown = PscSignInDialog(PscClient(PscConfig(provider.issuer, "caducee")))
        qtbot.addWidget(shown)
        shown.show()
        qtbot.waitUntil(shown.ciba_row.isVisible, timeout=10_000)
        assert not shown.ciba_button.isEnabled()  # no national id yet
        shown.national_field.setText(ALICE.national_id)
        assert shown.ciba_button.isEnabled()
        shown.ciba_button.click()
        qtbot.waitUntil(lambda: bool(provider.pushes(ALICE.national_id)), timeout=10_000)
        provider.approve_device(provider.pushes(ALICE.national_id)[0], ALICE.national_id)
        qtbot.waitUntil(lambda: shown.keeper is not None, timeout=15_000)
        assert shown.keeper is not None and shown.keeper.identity is not None
        assert shown.keeper.identity.national_id == ALICE.national_id


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8080/auth/realms/esante-wallet/device?user_code=AB", True),
        ("http://[::1]:8080/device", True),
        ("http://localhost/device", True),
        ("http://127.0.0.1.example.org/device", False),
        ("https://wallet.bas.esw.esante.gouv.fr/auth/device", False),
        ("http://10.0.0.1/device", False),
        ("not a url", False),
        ("http://[zz/device", False),
    ],
)
def test_only_a_loopback_verification_page_is_said_local(url: str, local: bool) -> None:
    assert is_loopback(url) is local

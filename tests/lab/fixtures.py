"""Session-wide pytest fixtures of the test lab (registered by tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sandbox.psc import PscProvider
from app.sandbox.submission import Endpoints
from tests.lab import build
from tests.lab.availability import require_program, unavailable
from tests.lab.build import LabAccounts, LabPki
from tests.lab.cards import VirtualCard, find_softhsm_module
from tests.lab.crlserver import CrlServer
from tests.lab.desktop_bus import NotificationService, notification_service, session_bus
from tests.lab.dovecot import Dovecot
from tests.lab.xvfb import XServer, start_xvfb


def make_lab_dir() -> Path:
    # Not pytest's tmp_path: its parents are private to the user, and Dovecot reads mail as
    # an unprivileged user (nobody) when the tests run as root.
    base = Path(tempfile.mkdtemp(prefix="caducee-lab-"))
    base.chmod(0o711)
    return base


@pytest.fixture(scope="session")
def lab_dir() -> Iterator[Path]:
    base = make_lab_dir()
    yield base
    if os.environ.get("CADUCEE_LAB_KEEP"):  # for debugging: keep configs and server logs
        print(f"\nlab kept in {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def lab_pki(lab_dir: Path) -> Iterator[LabPki]:
    directory = lab_dir / "pki"
    directory.mkdir()
    crl_server = CrlServer(directory)
    crl_server.start()
    try:
        yield build.build_pki(directory, crl_server.base_url)
    finally:
        crl_server.stop()


def _card(lab_dir: Path, lab_pki: LabPki, name: str) -> VirtualCard:
    require_program("softhsm2-util", "softhsm2")
    require_program("gcc", "gcc")  # compiles the PKCS#11 shim (tests/lab/p11shim.c)
    if find_softhsm_module() is None:
        unavailable("SoftHSM2 module not found (Debian package softhsm2)")
    return build.build_card(lab_dir, lab_pki, name)


@pytest.fixture(scope="session")
def full_card(lab_dir: Path, lab_pki: LabPki) -> VirtualCard:
    """A card able to do everything SoftHSM2 does (RSA-PSS, raw RSA: a CPS4-like card)."""
    return _card(lab_dir, lab_pki, "full")


@pytest.fixture(scope="session")
def cps3_card(lab_dir: Path, lab_pki: LabPki) -> VirtualCard:
    """A "CPS3-like" card: PKCS#1 v1.5 signatures only (no RSA-PSS, no raw RSA)."""
    return _card(lab_dir, lab_pki, "cps3")


@pytest.fixture(scope="session")
def pinpad_card(lab_dir: Path, lab_pki: LabPki) -> VirtualCard:
    """A full card in a reader with a PIN pad: ``token.open(user_pin=PROTECTED_AUTH)``."""
    return _card(lab_dir, lab_pki, "pinpad")


@pytest.fixture(scope="session")
def lab_accounts() -> LabAccounts:
    return build.lab_accounts()


def _running(dovecot: Dovecot) -> Iterator[Dovecot]:
    require_program("dovecot", "dovecot-imapd")
    try:
        dovecot.start()
    except (RuntimeError, OSError) as error:
        unavailable(f"Dovecot: {error}")
    try:
        yield dovecot
    finally:
        dovecot.stop()


@pytest.fixture(scope="session")
def dovecot_mss(lab_dir: Path, lab_pki: LabPki, lab_accounts: LabAccounts) -> Iterator[Dovecot]:
    """The MSSanté-like operator: client certificate required, SASL EXTERNAL."""
    yield from _running(build.mss_dovecot(lab_dir, lab_pki, lab_accounts))


@pytest.fixture(scope="session")
def dovecot_password(
    lab_dir: Path, lab_pki: LabPki, lab_accounts: LabAccounts
) -> Iterator[Dovecot]:
    """A generic provider with password login, certified by an unrelated (non IGC-Santé) CA."""
    yield from _running(build.password_dovecot(lab_dir, lab_pki, lab_accounts))


@pytest.fixture(scope="session")
def lab_psc() -> Iterator[PscProvider]:
    """The PSC-like OpenID provider (``build.PSC_USERS``, client ``build.PSC_CLIENT``)."""
    with build.psc_provider() as provider:
        yield provider


@pytest.fixture(scope="session")
def dovecot_psc(lab_dir: Path, lab_pki: LabPki, lab_psc: PscProvider) -> Iterator[Dovecot]:
    """The API LPS operator: XOAUTH2/OAUTHBEARER with ``lab_psc``'s tokens (introspected)."""
    yield from _running(build.psc_dovecot(lab_dir, lab_pki, lab_psc))


@pytest.fixture(scope="session")
def lab_smtp_psc(
    lab_pki: LabPki, dovecot_psc: Dovecot, lab_psc: PscProvider
) -> Iterator[Endpoints]:
    """Its submission: XOAUTH2/OAUTHBEARER, tokens checked against ``lab_psc``'s JWKS."""
    with build.psc_submission_server(lab_pki, dovecot_psc, lab_psc) as endpoints:
        yield endpoints


@pytest.fixture(scope="session")
def lab_smtp_password(
    lab_pki: LabPki, dovecot_password: Dovecot, lab_accounts: LabAccounts
) -> Iterator[Endpoints]:
    """An ordinary provider's submission: SMTP AUTH with ``dovecot_password``'s passwords."""
    with build.password_submission_server(lab_pki, dovecot_password, lab_accounts) as endpoints:
        yield endpoints


@pytest.fixture(scope="session")
def lab_smtp(
    lab_pki: LabPki, dovecot_mss: Dovecot, lab_accounts: LabAccounts
) -> Iterator[Endpoints]:
    """Submission with a required client certificate, delivering into ``dovecot_mss``."""
    with build.submission_server(lab_pki, dovecot_mss, lab_accounts) as endpoints:
        yield endpoints


@pytest.fixture(scope="session")
def x_server() -> Iterator[XServer]:
    """A real X server (Xvfb) for the window under Qt's xcb platform; stopped at the end."""
    server = start_xvfb()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def desktop_notifications(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[NotificationService]:
    """A desktop without a tray: a session bus of its own (``DBUS_SESSION_BUS_ADDRESS`` set
    for the test) with a notification service recording what it was asked to show."""
    with session_bus(tmp_path) as address, notification_service(address) as service:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield service

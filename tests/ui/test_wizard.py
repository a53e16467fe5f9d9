"""The first-run wizard against the lab: the virtual cards (reader without slot, card pulled
out, wrong PIN, locked card), the discovery of the servers, "Tester", the refusals, and the
whole way from the card to the synced inbox in the main window.

Each screen is saved as ``build/test-artefacts/wizard-*.png`` for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from keyring.backends.null import Keyring as NullKeyring
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.core.edition import Edition
from app.core.keychain import SERVICE, password_key
from app.core.paths import Profile
from app.cps.card import CardModule
from app.ops.discovery import operator_profiles
from app.sandbox.submission import Endpoints
from app.store.db import Store
from app.transport import tls
from app.transport.autoconfig import ServerSettings, SrvRecord, discover
from app.ui.main_window import MainWindow, start_worker, stop_worker
from app.ui.models import ScopeRole
from app.ui.sync_worker import Prompter, Question, SyncWorker
from app.ui.wizard import Discover, FirstRunWizard
from app.ui.wizard_connect import Handover
from app.ui.wizard_page import PAGE_ADDRESS, PAGE_CARD, PAGE_CONNECT, PAGE_MODE, PAGE_SERVERS
from tests.conftest import MemoryKeyring
from tests.lab.availability import unavailable
from tests.lab.build import P12_PASSPHRASE, LabAccounts, LabPki, lab_message
from tests.lab.cards import VirtualCard
from tests.lab.dovecot import Dovecot
from tests.lab.ports import free_ports
from tests.lab.smtp import lmtp_deliverer
from tests.ui.conftest import assert_not_blank

pytestmark = pytest.mark.lab

OPENSC = Path("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")  # no pcscd: a module, no reader
WAIT = 60_000


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    chosen = Profile.from_dir(tmp_path / "profile")
    for directory in (chosen.data_dir, chosen.cache_dir):  # not ensure(): it moves tempdir
        directory.mkdir(parents=True, exist_ok=True)
    return chosen


@pytest.fixture
def lab_root(lab_pki: LabPki, tmp_path: Path) -> Path:
    """The lab's IGC-Santé-like root, given as the trust file (the shipped one is real)."""
    path = tmp_path / "lab-root.pem"
    path.write_bytes(lab_pki.pki.root.certificate.public_bytes(Encoding.PEM))
    return path


def operators(profile: Profile, domain: str, imap: str, smtp: str) -> None:
    """An operator profile in the user's file: what discovery finds first."""
    (profile.data_dir / "operators.toml").write_text(
        f'[[operator]]\nname = "Opérateur du labo"\ndomains = ["{domain}"]\n'
        f'imap = "{imap}"\nsmtp = "{smtp}"\n',
        encoding="utf-8",
    )


class NoDns:
    def srv(self, _name: str) -> list[SrvRecord]:
        return []


def no_web(url: str, _timeout: float, _context: ssl.SSLContext | None) -> bytes:
    raise OSError(f"no web in the lab: {url}")


def lab_discovery(profile: Profile) -> Discover:
    """The real discovery over the profile's operator profiles; DNS and web answer nothing
    (the lab has neither; a real resolver could take a minute on a loaded machine)."""

    def find(address: str) -> ServerSettings | None:
        profiles = operator_profiles(profile)
        return discover(address, profiles=profiles, resolver=NoDns(), fetch=no_web)

    return find


@contextmanager
def open_wizard(qtbot: QtBot, profile: Profile, **options: object) -> Iterator[FirstRunWizard]:
    options.setdefault("discover", lab_discovery(profile))
    wizard = FirstRunWizard(profile, None, **options)  # type: ignore[arg-type]
    qtbot.addWidget(wizard)
    wizard.show()
    try:
        yield wizard
    finally:
        wizard.reject()


def shot(wizard: QApplication | FirstRunWizard | MainWindow, artefacts: Path, name: str) -> None:
    QApplication.processEvents()
    target = artefacts / f"wizard-{name}.png"
    assert not isinstance(wizard, QApplication)
    wizard.grab().save(str(target))
    assert_not_blank(target)


def to_card_page(qtbot: QtBot, wizard: FirstRunWizard, state: str) -> None:
    wizard.next()  # mode "carte CPS" is the default
    assert wizard.currentId() == PAGE_CARD
    qtbot.waitUntil(lambda: wizard.card_page.state == state, timeout=WAIT)


def type_pin(qtbot: QtBot, wizard: FirstRunWizard, pin: str) -> None:
    wizard.card_page.pin.setText(pin)
    wizard.card_page.validate.click()
    assert wizard.card_page.pin.text() == ""  # not kept in the field a moment longer


# -- the card screens ----------------------------------------------------------------------


def test_no_reader(qtbot: QtBot, profile: Profile, artefacts: Path) -> None:
    if not OPENSC.is_file():
        unavailable("OpenSC's PKCS#11 module (no reader without pcscd)")
    with open_wizard(qtbot, profile, module=str(OPENSC)) as wizard:
        shot(wizard, artefacts, "welcome")
        to_card_page(qtbot, wizard, "no-reader")
        assert "lecteur" in wizard.card_page.status.text.text()
        assert not wizard.button(wizard.WizardButton.NextButton).isEnabled()
        shot(wizard, artefacts, "no-reader")


def test_no_card_then_the_card_is_seen_when_inserted(
    qtbot: QtBot, profile: Profile, full_card: VirtualCard, artefacts: Path
) -> None:
    full_card.insert()
    with open_wizard(qtbot, profile, module=str(full_card.module)) as wizard:
        with full_card.removed():
            to_card_page(qtbot, wizard, "no-card")
            assert "Insérez votre carte" in wizard.card_page.status.text.text()
            shot(wizard, artefacts, "no-card")
        qtbot.waitUntil(lambda: wizard.card_page.state == "pin", timeout=WAIT)  # polled


def test_identity_then_wrong_pin_shows_the_tries_left(
    qtbot: QtBot, profile: Profile, cps3_card: VirtualCard, artefacts: Path
) -> None:
    cps3_card.insert()
    try:
        with open_wizard(qtbot, profile, module=str(cps3_card.module)) as wizard:
            to_card_page(qtbot, wizard, "pin")
            page = wizard.card_page
            holder = cps3_card.holder
            assert holder.surname in page.name.text()
            assert page.rpps.text() == holder.rpps
            assert page.profession.text() == holder.profession
            assert page.tries.text() == "3"
            assert cps3_card.pin_tries_used() == 0  # reading the card never logs in
            shot(wizard, artefacts, "card")

            type_pin(qtbot, wizard, "12")  # cannot be a PIN: never reaches the card
            qtbot.waitUntil(lambda: page.state == "pin-form", timeout=WAIT)
            assert cps3_card.pin_tries_used() == 0

            type_pin(qtbot, wizard, "0000")
            qtbot.waitUntil(lambda: page.state == "wrong-pin", timeout=WAIT)
            assert page.tries.text() == "2"
            assert "Il reste 2 essais" in page.status.text.text()
            assert cps3_card.pin_tries_used() == 1  # the one she typed, once
            assert wizard.keeper is None
            shot(wizard, artefacts, "wrong-pin")
    finally:
        cps3_card.reset_pin()


def test_locked_card_is_said_without_asking_the_pin(
    qtbot: QtBot, profile: Profile, cps3_card: VirtualCard, artefacts: Path
) -> None:
    cps3_card.insert()
    module = CardModule(cps3_card.module)
    try:
        for _ in range(3):
            with pytest.raises(PermissionError):  # PinIncorrectError, then PinLockedError
                module.login(module.card(), lambda _prompt: "0000")
        used = cps3_card.pin_tries_used()
        with open_wizard(qtbot, profile, module=str(cps3_card.module)) as wizard:
            to_card_page(qtbot, wizard, "locked")
            assert wizard.card_page.pin_box.isHidden()
            assert "bloquée" in wizard.card_page.status.title.text()
            assert "déblocage" in wizard.card_page.status.text.text()
            assert cps3_card.pin_tries_used() == used
            shot(wizard, artefacts, "locked")
    finally:
        cps3_card.reset_pin()


def test_pin_pad_reader_asks_nothing_on_screen(
    qtbot: QtBot, profile: Profile, pinpad_card: VirtualCard
) -> None:
    pinpad_card.insert()
    with open_wizard(qtbot, profile, module=str(pinpad_card.module)) as wizard:
        to_card_page(qtbot, wizard, "pin")
        assert not wizard.card_page.pin.isEnabled()  # typed on the reader's keypad
        assert "sur le lecteur" in wizard.card_page.status.text.text()
        wizard.card_page.validate.click()
        qtbot.waitUntil(lambda: wizard.currentId() == PAGE_ADDRESS, timeout=WAIT)
        assert wizard.keeper is not None
    assert wizard.keeper is None  # cancelled: the card is logged out


_HOOK_SCRIPT = """
import sys
from pathlib import Path
from app.core.edition import Edition
from app.core.keychain import SERVICE, password_key
from app.core.paths import Profile
from app.ui import application, wizard
opened = []
wizard.run_wizard = lambda profile, module, **options: opened.append(profile)
profile, shot = Profile.from_dir(Path(sys.argv[1])), Path(sys.argv[2])
assert application.run(profile, shot) == 0  # a screenshot: never a dialog
assert opened == [], opened
assert application.run(profile, shot, wizard=True) == 0
assert opened == [profile], opened
"""


def test_gui_opens_the_wizard_on_request(tmp_path: Path) -> None:
    """In a child process: in this one, after ``app.exec()`` had returned, the next
    wizard's queued results were never delivered (seen; cause not pinned down)."""
    done = subprocess.run(
        [sys.executable, "-c", _HOOK_SCRIPT, str(tmp_path / "profile"), str(tmp_path / "w.png")],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# -- the servers: unknown operator, refusals -----------------------------------------------


def to_servers(qtbot: QtBot, wizard: FirstRunWizard, mode: str, address: str) -> None:
    page = wizard.mode_page
    {"pkcs12": page.pkcs12, "password": page.password}[mode].setChecked(True)
    wizard.next()
    assert wizard.currentId() == PAGE_ADDRESS
    wizard.address_page.address_box.setEditText(address)


def wait_servers(qtbot: QtBot, wizard: FirstRunWizard, state: str) -> None:
    wizard.next()
    assert wizard.currentId() == PAGE_SERVERS
    page = wizard.servers_page
    qtbot.waitUntil(lambda: page.objectName() == f"servers-page-{state}", timeout=WAIT)


def test_unknown_operator_then_server_unreachable(
    qtbot: QtBot, profile: Profile, artefacts: Path
) -> None:
    with open_wizard(qtbot, profile) as wizard:
        to_servers(qtbot, wizard, "password", "camille@cabinet-inconnu.test")
        wizard.address_page.password.setText("secret-du-test")
        wait_servers(qtbot, wizard, "unknown")
        page = wizard.servers_page
        assert "Opérateur inconnu" in page.status.title.text()
        assert not wizard.button(wizard.WizardButton.NextButton).isEnabled()  # no IMAP yet
        shot(wizard, artefacts, "unknown-operator")

        (port,) = free_ports(1)
        page.imap.setText(f"imaps://127.0.0.1:{port}")
        page.test_button.click()
        qtbot.waitUntil(lambda: page.report is not None, timeout=WAIT)
        assert page.report is not None and not page.report.ok
        assert page.steps.count() >= 2  # each step of diagnose, as it ended
        wizard.next()
        assert wizard.currentId() == PAGE_CONNECT
        qtbot.waitUntil(lambda: wizard.connect_page.state == "unreachable", timeout=WAIT)
        assert "injoignable" in wizard.connect_page.status.title.text()
        shot(wizard, artefacts, "unreachable")
    store = Store.open(profile.data_dir)
    assert store.accounts() == []
    store.close()


def test_certificate_refused(
    qtbot: QtBot,
    profile: Profile,
    lab_pki: LabPki,
    dovecot_mss: Dovecot,
    lab_accounts: LabAccounts,
    lab_root: Path,
    tmp_path: Path,
    artefacts: Path,
) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = lab_pki.pki.organisation_client(
        "ORG-10B0000001-SECRETARIAT",
        "CABINET MEDICAL TEST",
        "SECRETARIAT",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=1),
    )
    p12 = tmp_path / "expire.p12"
    p12.write_bytes(expired.pkcs12(b"secret"))
    address = lab_accounts.organisation.address
    operators(
        profile,
        address.rpartition("@")[2],
        f"imaps://localhost:{dovecot_mss.imaps_port}",
        "smtps://localhost:1",
    )
    with open_wizard(qtbot, profile) as wizard:
        to_servers(qtbot, wizard, "pkcs12", address)
        wizard.address_page.pkcs12_path.setText(str(p12))
        wizard.address_page.passphrase.setText("secret")
        wait_servers(qtbot, wizard, "found")
        wizard.servers_page.smtp.clear()
        wizard.servers_page.trust.setText(str(lab_root))
        shot(wizard, artefacts, "servers-found")
        wizard.next()
        page = wizard.connect_page
        qtbot.waitUntil(lambda: page.state == "certificate-refused", timeout=WAIT)
        assert "refusé votre certificat" in page.status.text.text()
        shot(wizard, artefacts, "certificate-refused")


# -- all the way -------------------------------------------------------------------------------


def test_card_to_synced_inbox(
    qtbot: QtBot,
    profile: Profile,
    full_card: VirtualCard,
    dovecot_mss: Dovecot,
    lab_smtp: Endpoints,
    lab_accounts: LabAccounts,
    lab_root: Path,
    artefacts: Path,
) -> None:
    address = lab_accounts.martin.address
    subject = "Résultats de l'assistant"
    lmtp_deliverer(dovecot_mss.lmtp_socket)(
        "labo@lab.mssante.test",
        [address],
        lab_message("labo@lab.mssante.test", address, subject, "Bonjour.").as_bytes(),
    )
    operators(
        profile,
        address.rpartition("@")[2],
        f"imaps://localhost:{dovecot_mss.imaps_port}",
        f"smtps://localhost:{lab_smtp.implicit_tls_port}",
    )
    full_card.insert()
    looked_up: list[str] = []

    def directory(rpps: str) -> list[str]:
        looked_up.append(rpps)
        return [address]

    handover = None
    with open_wizard(
        qtbot, profile, module=str(full_card.module), lookup_addresses=directory
    ) as wizard:
        to_card_page(qtbot, wizard, "pin")
        type_pin(qtbot, wizard, full_card.pin)
        qtbot.waitUntil(lambda: wizard.currentId() == PAGE_ADDRESS, timeout=WAIT)
        qtbot.waitUntil(lambda: wizard.address_page.address() == address, timeout=WAIT)
        assert looked_up == [full_card.holder.rpps]
        shot(wizard, artefacts, "address")
        wait_servers(qtbot, wizard, "found")
        servers = wizard.servers_page
        servers.trust.setText(str(lab_root))
        servers.test_button.click()
        qtbot.waitUntil(lambda: servers.report is not None, timeout=WAIT)
        assert servers.report is not None and servers.report.ok, servers.report.to_json()
        keys = [step.key for step in servers.report.steps]
        assert {"card", "pin", "tls", "login", "ehlo"} <= set(keys)
        shot(wizard, artefacts, "test")
        wizard.next()
        qtbot.waitUntil(lambda: wizard.connect_page.state == "done", timeout=WAIT)
        shot(wizard, artefacts, "done")
        assert full_card.pin_tries_used() == 0
        handover = wizard.handover
        wizard.accept()
    assert handover is not None

    store = Store.open(profile.data_dir)
    (account,) = store.accounts()
    assert (account.address, account.auth) == (address, "card")
    assert account.imap_url == f"imaps://localhost:{dovecot_mss.imaps_port}"
    assert account.module == str(full_card.module)
    asked: list[str] = []

    def answer(question: Question) -> str | None:
        asked.append(question.text)
        return None

    prompter = Prompter(answerer=answer)
    worker = SyncWorker(profile.data_dir, profile.cache_dir, None, prompter)
    handover.give_to(worker, prompter)
    window = MainWindow(store, profile.data_dir / "ui.ini", worker)
    qtbot.addWidget(window)
    thread: QThread = start_worker(window, worker)
    try:
        window.show()
        with qtbot.waitSignal(window.sync_finished, timeout=WAIT):
            window.get_mail()
        assert asked == []  # the PIN typed in the wizard served: not asked again
        assert window.messages.rowCount() >= 1
        assert not window.error_bar.isVisible()
        shown = window.folder_view.currentIndex().data(ScopeRole)
        assert shown is not None and shown.folder == "INBOX"  # not the account's mixed list
        shot(window, artefacts, "main-window")
    finally:
        stop_worker(worker, thread)
        window.close()  # its indexer stopped, nothing repainted from the store closed below
        store.close()


def test_pkcs12_account(
    qtbot: QtBot,
    profile: Profile,
    lab_pki: LabPki,
    dovecot_mss: Dovecot,
    lab_accounts: LabAccounts,
    lab_root: Path,
    artefacts: Path,
) -> None:
    address = lab_accounts.organisation.address
    # The profile's key was kept while a keyring worked (this process remembers it): the
    # keyring then stops keeping anything, and the wizard says the secret is not kept.
    Store.open(profile.data_dir).close()
    previous = keyring.get_keyring()
    keyring.set_keyring(NullKeyring())  # a keyring that keeps nothing: she is told
    try:
        with open_wizard(qtbot, profile) as wizard:
            to_servers(qtbot, wizard, "pkcs12", address)
            wizard.address_page.pkcs12_path.setText(str(lab_pki.organisation_p12))
            wizard.address_page.passphrase.setText(P12_PASSPHRASE)
            wizard.address_page.pkcs12_remember.setChecked(True)
            shot(wizard, artefacts, "pkcs12")
            wait_servers(qtbot, wizard, "unknown")
            wizard.servers_page.imap.setText(f"imaps://localhost:{dovecot_mss.imaps_port}")
            wizard.servers_page.trust.setText(str(lab_root))
            wizard.next()
            qtbot.waitUntil(lambda: wizard.connect_page.state == "done", timeout=WAIT)
            assert wizard.handover is not None and wizard.handover.kept is False
            assert "Aucun trousseau" in wizard.connect_page.status.text.text()
            wizard.accept()
    finally:
        keyring.set_keyring(previous)
    store = Store.open(profile.data_dir)
    (account,) = store.accounts()
    store.close()
    assert account.auth == "pkcs12"
    assert account.pkcs12 == str(lab_pki.organisation_p12.resolve())


def test_password_account(
    qtbot: QtBot,
    profile: Profile,
    lab_pki: LabPki,
    dovecot_password: Dovecot,
    lab_smtp_password: Endpoints,
    lab_accounts: LabAccounts,
    tmp_path: Path,
    artefacts: Path,
    memory_keyring: MemoryKeyring,
) -> None:
    mailbox = lab_accounts.generic
    trust = tmp_path / "provider-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    with open_wizard(qtbot, profile) as wizard:
        to_servers(qtbot, wizard, "password", mailbox.address)
        wizard.address_page.username.setText(mailbox.login)
        wizard.address_page.password.setText(mailbox.password or "")
        wizard.address_page.password_remember.setChecked(True)
        shot(wizard, artefacts, "password")
        wait_servers(qtbot, wizard, "unknown")
        servers = wizard.servers_page
        servers.imap.setText(f"imaps://localhost:{dovecot_password.imaps_port}")
        servers.smtp.setText(f"smtp+starttls://localhost:{lab_smtp_password.starttls_port}")
        servers.trust.setText(str(trust))
        servers.test_button.click()
        qtbot.waitUntil(lambda: servers.report is not None, timeout=WAIT)
        assert servers.report is not None and servers.report.ok, servers.report.to_json()
        wizard.next()
        qtbot.waitUntil(lambda: wizard.connect_page.state == "done", timeout=WAIT)
        wizard.accept()
    store = Store.open(profile.data_dir)
    (account,) = store.accounts()
    store.close()
    assert (account.auth, account.username) == ("password", mailbox.login)
    assert account.smtp_url == f"smtp+starttls://localhost:{lab_smtp_password.starttls_port}"
    # kept in the keyring on request: the next start asks nothing
    secrets = {k: v for k, v in memory_keyring.values.items() if "profile-key:" not in k[1]}
    assert secrets == {(SERVICE, password_key(mailbox.address)): mailbox.password}


def test_add_an_account_from_the_main_window(
    qtbot: QtBot,
    profile: Profile,
    lab_pki: LabPki,
    dovecot_password: Dovecot,
    lab_smtp_password: Endpoints,
    lab_accounts: LabAccounts,
    tmp_path: Path,
    artefacts: Path,
) -> None:
    """ "Fichier > Ajouter un compte…" while the window runs: the wizard in its "adding"
    form, then the new account in the folder tree and synced, without a restart."""
    mailbox = lab_accounts.generic
    subject = "Compte ajouté depuis la fenêtre"
    lmtp_deliverer(dovecot_password.lmtp_socket)(
        "labo@lab.mssante.test",
        [mailbox.address],
        lab_message("labo@lab.mssante.test", mailbox.address, subject, "Bonjour.").as_bytes(),
    )
    trust = tmp_path / "provider-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    store = Store.open(profile.data_dir)
    prompter = Prompter(answerer=lambda _question: None)  # nothing may be asked again
    worker = SyncWorker(profile.data_dir, profile.cache_dir, None, prompter)
    window = MainWindow(store, profile.data_dir / "ui.ini", worker)
    qtbot.addWidget(window)
    thread: QThread = start_worker(window, worker)
    opened: list[FirstRunWizard] = []

    def add_with_the_wizard(parent: QWidget) -> Handover | None:
        wizard = FirstRunWizard(profile, None, adding=True, parent=parent)
        opened.append(wizard)
        wizard.show()
        to_servers(qtbot, wizard, "password", mailbox.address)
        wizard.address_page.username.setText(mailbox.login)
        wizard.address_page.password.setText(mailbox.password or "")
        wait_servers(qtbot, wizard, "unknown")
        wizard.servers_page.imap.setText(f"imaps://localhost:{dovecot_password.imaps_port}")
        wizard.servers_page.smtp.setText(
            f"smtp+starttls://localhost:{lab_smtp_password.starttls_port}"
        )
        wizard.servers_page.trust.setText(str(trust))
        wizard.next()
        qtbot.waitUntil(lambda: wizard.connect_page.state == "done", timeout=WAIT)
        shot(wizard, artefacts, "add-account-done")
        wizard.accept()
        return wizard.handover

    window.account_wizard = add_with_the_wizard
    try:
        window.show()
        assert window.folders.rowCount() == 0
        with qtbot.waitSignal(window.sync_finished, timeout=WAIT):
            window.add_account_action.trigger()
        (added,) = opened
        assert added.windowTitle() == "Caducée — ajouter un compte"
        assert [a.address for a in store.accounts()] == [mailbox.address]
        assert window.folders.item(0).text() == f"{mailbox.address}\nconnecté"  # its state
        assert not window.error_bar.isVisible()
        subjects = [
            window.messages.index(row, 1).data() for row in range(window.messages.rowCount())
        ]
        assert subject in subjects
        shot(window, artefacts, "main-window-account-added")
    finally:
        stop_worker(worker, thread)
        store.close()


def test_an_operator_edition_asks_only_the_card_the_pin_and_the_address(
    qtbot: QtBot,
    profile: Profile,
    full_card: VirtualCard,
    dovecot_mss: Dovecot,
    lab_smtp: Endpoints,
    lab_accounts: LabAccounts,
    lab_pki: LabPki,
    monkeypatch: pytest.MonkeyPatch,
    artefacts: Path,
) -> None:
    """Installed from the operator's site: the wizard opens on the card, the servers page
    never shows (the edition knows them), and the account is stored with them."""
    address = lab_accounts.martin.address
    edition = Edition(
        id="labo",
        name="Opérateur du labo",
        domains=(address.rpartition("@")[2],),
        imap=f"imaps://localhost:{dovecot_mss.imaps_port}",
        smtp=f"smtps://localhost:{lab_smtp.implicit_tls_port}",
    )
    # The installer adds the operator's authorities to the shipped ones: here the lab's.
    monkeypatch.setattr(tls, "shipped_trust_anchors", lambda: [lab_pki.pki.root.certificate])
    full_card.insert()
    with open_wizard(
        qtbot, profile, module=str(full_card.module), edition=edition,
        lookup_addresses=lambda _rpps: [address],
    ) as wizard:  # fmt: skip
        assert wizard.currentId() == PAGE_CARD and wizard.card_page.other_modes.isVisible()
        qtbot.waitUntil(lambda: wizard.card_page.state == "pin", timeout=WAIT)
        shot(wizard, artefacts, "edition-card")
        type_pin(qtbot, wizard, full_card.pin)
        qtbot.waitUntil(lambda: wizard.currentId() == PAGE_ADDRESS, timeout=WAIT)
        qtbot.waitUntil(lambda: wizard.address_page.address() == address, timeout=WAIT)
        wizard.next()
        assert wizard.currentId() == PAGE_CONNECT  # no servers page
        qtbot.waitUntil(lambda: wizard.connect_page.state == "done", timeout=WAIT)
        shot(wizard, artefacts, "edition-done")
        wizard.accept()
    store = Store.open(profile.data_dir)
    (account,) = store.accounts()
    store.close()
    assert account.imap_url == edition.imap and account.smtp_url == edition.smtp
    assert account.trust is None  # the shipped anchors, as an installed edition has them
    assert full_card.pin_tries_used() == 0


def test_an_edition_still_offers_the_other_sign_in_methods(
    qtbot: QtBot, profile: Profile, full_card: VirtualCard
) -> None:
    edition = Edition(id="labo", name="Labo", domains=("lab.test",), imap="imaps://x.test")
    full_card.insert()
    with open_wizard(qtbot, profile, module=str(full_card.module), edition=edition) as wizard:
        assert wizard.currentId() == PAGE_CARD
        wizard.card_page.other_modes.click()
        assert wizard.currentId() == PAGE_MODE

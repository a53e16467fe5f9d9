"""Secrets: the PIN never reaches a log; a PKCS#12 passphrase may come from the keyring."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.keychain import SERVICE, password_key, pkcs12_key
from app.cps.card import CardModule
from app.sandbox.submission import Endpoints
from app.transport import imap
from app.transport.credentials import CardCredential
from app.transport.crl import CrlCache
from app.transport.endpoints import Endpoint, Protocol, Security
from app.transport.tls import TrustPolicy
from tests.conftest import MemoryKeyring
from tests.lab.build import P12_PASSPHRASE, LabAccounts, LabPki
from tests.lab.cards import VirtualCard
from tests.lab.dovecot import Dovecot

pytestmark = pytest.mark.lab


def test_the_pin_never_reaches_the_logs(
    full_card: VirtualCard,
    dovecot_mss: Dovecot,
    lab_pki: LabPki,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    full_card.insert()
    module = CardModule(full_card.module)
    session = module.login(module.card(), lambda _prompt: full_card.pin)
    policy = TrustPolicy(anchors=[lab_pki.pki.root.certificate], crl_cache=CrlCache(tmp_path))
    endpoint = Endpoint(Protocol.IMAP, Security.IMPLICIT, "localhost", dovecot_mss.imaps_port)
    connection = imap.connect(endpoint, policy, CardCredential(lambda: session))
    connection.authenticate_external()
    connection.close()
    session.close()
    assert caplog.records  # something was logged, so the check below means something
    assert not re.search(rf"\b{full_card.pin}\b", caplog.text)


def test_pkcs12_passphrase_from_the_os_keyring(
    dovecot_mss: Dovecot,
    lab_smtp: Endpoints,
    lab_pki: LabPki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    monkeypatch.delenv("CADUCEE_PKCS12_PASSPHRASE", raising=False)
    p12 = lab_pki.organisation_p12
    args = [
        "--profile-dir",
        str(tmp_path),
        "diagnose",
        "--imap",
        f"imaps://localhost:{dovecot_mss.imaps_port}",
        "--auth",
        "pkcs12",
        "--pkcs12",
        str(p12),
        "--trust",
        str(lab_pki.files.root),
    ]
    assert main(args) == 1  # not in the keyring, no terminal: no passphrase
    memory_keyring.set_password(SERVICE, pkcs12_key(str(p12.resolve())), P12_PASSPHRASE)
    capsys.readouterr()
    assert main(args) == 0
    assert "tout fonctionne" in capsys.readouterr().out


def test_account_add_remember_keeps_the_password_for_the_next_sync(
    dovecot_password: Dovecot,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    mailbox = lab_accounts.generic
    trust = tmp_path / "public-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    profile = ["--profile-dir", str(tmp_path / "p")]
    monkeypatch.setenv("CADUCEE_PASSWORD", mailbox.password or "")
    assert main([
        *profile, "account", "add", "--address", mailbox.address, "--imap",
        f"imaps://localhost:{dovecot_password.imaps_port}", "--auth", "password",
        "--username", mailbox.login, "--trust", str(trust), "--remember",
    ]) == 0  # fmt: skip
    secrets = {k: v for k, v in memory_keyring.values.items() if "profile-key:" not in k[1]}
    assert secrets == {(SERVICE, password_key(mailbox.address)): mailbox.password}
    monkeypatch.delenv("CADUCEE_PASSWORD")
    assert main([*profile, "sync"]) == 0  # from the keyring: no terminal needed

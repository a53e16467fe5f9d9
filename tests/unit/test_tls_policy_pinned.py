"""Issue 17, item 5: no trust holes. The MSSanté TLS rules are pinned (ECO.1.1.1, ECO.1.1.3),
and an account on an MSSanté host gets them whatever its authentication."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import pytest

from app.directory import trusted
from app.ops.accounts import AccountSession, new_account
from app.sandbox.pki import TestPki
from app.transport.tls import (
    MSSANTE_MINIMUM_VERSION,
    MSSANTE_TLS12_CIPHERS,
    TrustPolicy,
)
from app.transport.trust import shipped_trust_anchors

LISTE = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListeBlanche xmlns="https://listeblanche.mssante.fr/schema">
  <Domaine><Nom>ch-exemple.fr</Nom></Domaine>
</ListeBlanche>
"""


def test_the_cipher_list_and_minimum_version_are_pinned() -> None:
    # Changing these changes conformity to Ref#2 ECO.1.1.3 / ECO.1.1.1: re-read it first.
    assert MSSANTE_TLS12_CIPHERS == (
        "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"
        "ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256"
    )
    assert MSSANTE_MINIMUM_VERSION is ssl.TLSVersion.TLSv1_2


def test_the_mssante_context_offers_exactly_the_four_suites_in_tls12(tmp_path: Path) -> None:
    context = TrustPolicy.for_mssante(tmp_path).context()
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    tls12 = {c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert tls12 == {
        "ECDHE-RSA-AES256-GCM-SHA384",  # 0xC030
        "ECDHE-RSA-AES128-GCM-SHA256",  # 0xC02F
        "ECDHE-RSA-AES256-SHA384",  # 0xC028
        "ECDHE-RSA-AES128-SHA256",  # 0xC027
    }


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("imap.mailiz.mssante.fr", True),
        ("IMAP.Medecin.MSSANTE.FR.", True),
        ("mssante.fr", True),
        ("imap.ch-exemple.fr", True),  # a listed domain's server
        ("ch-exemple.fr", True),
        ("imap.gmail.com", False),
        ("mssante.fr.example.com", False),
        ("notmssante.fr", False),
        ("127.0.0.1", False),
    ],
)
def test_mssante_hosts(host: str, expected: bool) -> None:
    assert trusted.is_mssante_host(host, trusted.parse(LISTE)) is expected


def _password_session(tmp_path: Path, host: str, trust: Path | None = None) -> AccountSession:
    account = new_account(
        "jean@exemple.fr", "password", f"imaps://{host}", f"smtps://{host}", trust=trust
    )
    return AccountSession(account, tmp_path, lambda *_: None, lambda _prompt: "x")


def test_a_password_account_on_an_mssante_host_gets_the_mssante_policy(tmp_path: Path) -> None:
    policy = _password_session(tmp_path, "imap.medecin.mssante.fr").policy()
    assert policy.mssante
    assert policy.crl_cache is not None  # the CRL check
    assert not policy.system_store
    assert list(policy.anchors) == shipped_trust_anchors()  # IGC-Santé only


def test_a_password_account_on_a_listed_domain_gets_the_mssante_policy(tmp_path: Path) -> None:
    trusted.store(LISTE, tmp_path)
    assert _password_session(tmp_path, "imap.ch-exemple.fr").policy().mssante
    assert not _password_session(tmp_path, "imap.gmail.com").policy().mssante


def test_the_host_rule_can_be_widened_for_the_lab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = "imap.medecin.mssante.test"
    assert not _password_session(tmp_path, host).policy().mssante
    monkeypatch.setattr(trusted, "MSSANTE_SUFFIXES", (".mssante.fr", ".mssante.test"))
    assert _password_session(tmp_path, host).policy().mssante


def test_a_generic_password_account_keeps_the_system_store(tmp_path: Path) -> None:
    policy = _password_session(tmp_path, "imap.gmail.com").policy()
    assert not policy.mssante
    assert policy.system_store
    assert policy.crl_cache is None


def test_trust_adds_anchors_for_mssante_hosts_and_says_it_is_for_testing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    extra = TestPki(None).root.issued
    trust = tmp_path / "trust.pem"
    trust.write_bytes(extra.cert_pem())
    with caplog.at_level(logging.WARNING, logger="app.transport.tls"):
        policy = _password_session(tmp_path, "imap.medecin.mssante.fr", trust).policy()
    assert policy.mssante
    assert policy.test_anchors
    assert list(policy.anchors) == [*shipped_trust_anchors(), extra.certificate]
    assert "for testing only" in caplog.text

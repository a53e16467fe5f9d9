"""``diagnose`` says revocation was checked only when it was: a self-signed server
certificate given with ``--trust`` has no CRL (accepted, said so); a certificate naming no
CRL is refused in plain words. Real TLS servers on loopback, no lab needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from app.core.errors import NoRevocationListError
from app.ops.diagnose import AuthMode, DiagnoseRequest, Report, diagnose
from app.sandbox.pki import Issued, TestPki, new_rsa_key
from app.transport.endpoints import Endpoint, Protocol, Security
from app.transport.tls import Revocation, TrustPolicy
from tests.lab.tlsserver import tls_server

PASSPHRASE = "phrase secrète"


def self_signed(hostname: str) -> Issued:
    key = new_rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(certificate, key)


def diagnose_against(tmp_path: Path, chain: bytes, key: bytes, trust: bytes) -> Report:
    """``diagnose --imap imaps://localhost:PORT --auth pkcs12 --trust TRUST`` against a TLS
    server presenting ``chain``."""
    files = {"chain.pem": chain, "server.key": key, "trust.pem": trust}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    client = TestPki(None).organisation_client("0012345678", "CABINET TEST", "CADUCEE")
    (tmp_path / "client.p12").write_bytes(client.pkcs12(PASSPHRASE.encode()))
    with tls_server(tmp_path / "chain.pem", tmp_path / "server.key") as port:
        return diagnose(
            DiagnoseRequest(
                imap=Endpoint(Protocol.IMAP, Security.IMPLICIT, "localhost", port),
                auth=AuthMode.PKCS12,
                cache_dir=tmp_path / "cache",
                pkcs12=tmp_path / "client.p12",
                trust=tmp_path / "trust.pem",
                ask_secret=lambda _prompt: PASSPHRASE,
                timeout=5,
            )
        )


def test_a_self_signed_server_given_with_trust_is_not_said_checked(tmp_path: Path) -> None:
    server = self_signed("localhost")
    report = diagnose_against(tmp_path, server.cert_pem(), server.key_pem(), server.cert_pem())
    [step] = [s for s in report.steps if s.key == "server_certificate"]
    assert step.ok  # trusted by name, explicitly: accepted
    assert "révocation non vérifiable (pas de liste de révocation" in step.detail
    assert "non révoqué" not in step.detail
    assert "vérifiée" not in step.detail


def test_a_certificate_naming_no_crl_is_refused_in_plain_words(tmp_path: Path) -> None:
    pki = TestPki(None)  # its certificates name no CRL distribution point
    server = pki.server(["localhost"])
    report = diagnose_against(
        tmp_path, pki.chain_pem(server), server.key_pem(), pki.root.issued.cert_pem()
    )
    [step] = [s for s in report.steps if s.key == "server_certificate"]
    assert not step.ok and isinstance(step.error, NoRevocationListError)
    assert not step.error.retryable  # waiting will not make a CRL appear
    assert "« localhost » n'est pas révoqué : il n'indique aucune liste de révocation" in (
        step.detail
    )


def test_the_policy_says_what_it_checked(tmp_path: Path) -> None:
    pki = TestPki(None)
    chain = [pki.server(["localhost"]).certificate, pki.organisations.certificate]
    alone = [self_signed("localhost").certificate]
    mssante = TrustPolicy.for_mssante(tmp_path, None)
    assert mssante.revocation([*chain, pki.root.certificate]) is Revocation.CHECKED
    assert mssante.revocation(alone) is Revocation.UNCHECKABLE
    assert mssante.check_chain(alone) is Revocation.UNCHECKABLE  # nothing to fetch or check
    generic = TrustPolicy(mssante=False)
    assert generic.check_chain([*chain, pki.root.certificate]) is Revocation.NOT_CHECKED


def test_trust_anchors_are_said_to_be_for_testing(tmp_path: Path) -> None:
    server = self_signed("localhost")
    report = diagnose_against(tmp_path, server.cert_pem(), server.key_pem(), server.cert_pem())
    [step] = [s for s in report.steps if s.key == "trust"]
    assert step.ok and "pour des tests seulement" in step.detail

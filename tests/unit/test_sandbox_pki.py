from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from app.sandbox.pki import CardHolder, CardKeyUse, TestPki


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return TestPki("http://127.0.0.1:9/crl")


def _verify(pki: TestPki, leaf: x509.Certificate, host: str = "localhost") -> None:
    verifier = (
        PolicyBuilder()
        .store(Store([pki.root.certificate]))
        .build_server_verifier(x509.DNSName(host))
    )
    verifier.verify(leaf, [pki.organisations.certificate])


def test_shape_is_root_then_two_intermediates(pki: TestPki) -> None:
    names = [
        a.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        for a in pki.authorities
    ]
    assert names == [
        "TEST AC RACINE IGC-SANTE ELEMENTAIRE",
        "TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS",
        "TEST AC IGC-SANTE FORT PERSONNES",
    ]
    for intermediate in pki.authorities[1:]:
        assert intermediate.certificate.issuer == pki.root.certificate.subject
        assert (
            intermediate.certificate.extensions.get_extension_for_class(
                x509.BasicConstraints
            ).value.path_length
            == 0
        )


def test_server_certificate_verifies_and_names_its_crl(pki: TestPki) -> None:
    issued = pki.server(["localhost", "127.0.0.1"])
    _verify(pki, issued.certificate)
    points = issued.certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    assert points.value[0].full_name[0].value == "http://127.0.0.1:9/crl/organisations.crl"


def test_expired_and_revoked(pki: TestPki) -> None:
    expired = pki.expired_server(["localhost"]).certificate
    assert expired.not_valid_after_utc < dt.datetime.now(dt.UTC)
    with pytest.raises(VerificationError, match="not valid at validation time"):
        _verify(pki, expired)
    revoked = pki.revoked_server(["localhost"]).certificate
    crl = pki.organisations.crl()
    assert crl.is_signature_valid(pki.organisations.issued.key.public_key())
    assert crl.get_revoked_certificate_by_serial_number(revoked.serial_number) is not None
    assert pki.root.crl().get_revoked_certificate_by_serial_number(revoked.serial_number) is None


def test_card_certificates_describe_the_holder_and_their_use(pki: TestPki) -> None:
    holder = CardHolder(
        rpps="10001234567", surname="MARTIN", given_name="Alice", profession="Médecin"
    )
    key = pki.server(["x"]).key.public_key()
    auth = pki.card_certificate(key, holder, CardKeyUse.AUTHENTICATION)
    sign = pki.card_certificate(key, holder, CardKeyUse.SIGNATURE)
    assert auth.issuer == pki.personnes.certificate.subject
    assert auth.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "810001234567"
    assert (
        ExtendedKeyUsageOID.CLIENT_AUTH
        in auth.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    assert sign.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment


def test_organisation_certificate_exports_as_pkcs12(pki: TestPki) -> None:
    issued = pki.organisation_client("ORG-1", "CABINET", "APPLI")
    blob = issued.pkcs12(b"secret", [pki.organisations.certificate])
    _key, certificate, extra = pkcs12.load_key_and_certificates(blob, b"secret")
    assert certificate == issued.certificate
    assert extra == [pki.organisations.certificate]
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(blob, b"wrong")


def test_revoking_a_foreign_certificate_is_an_error(pki: TestPki) -> None:
    with pytest.raises(ValueError):
        pki.personnes.revoke(pki.server(["localhost"]).certificate)

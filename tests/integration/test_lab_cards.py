"""The virtual CPS cards (SoftHSM2): identity, key pairs, mechanisms."""

from __future__ import annotations

import os
import subprocess

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pkcs11 import Attribute, Mechanism, ObjectClass

from app.sandbox.pki import CardKeyUse
from tests.lab.availability import require_program
from tests.lab.build import LabPki
from tests.lab.cards import VirtualCard

pytestmark = pytest.mark.lab

PSS_AND_RAW = {Mechanism.RSA_PKCS_PSS, Mechanism.SHA256_RSA_PKCS_PSS, Mechanism.RSA_X_509}


@pytest.fixture(params=["full_card", "cps3_card"])
def card(request: pytest.FixtureRequest) -> VirtualCard:
    value: VirtualCard = request.getfixturevalue(request.param)
    return value


def _attribute(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    value = certificate.subject.get_attributes_for_oid(oid)[0].value
    assert isinstance(value, str)
    return value


def test_card_holds_two_non_extractable_key_pairs_with_their_certificates(
    card: VirtualCard,
) -> None:
    with card.session() as session:
        private_keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
        certificates = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}))
        assert len(private_keys) == 2
        assert len(certificates) == 2
        for key in private_keys:
            assert key[Attribute.SENSITIVE] and not key[Attribute.EXTRACTABLE]
            assert key[Attribute.NEVER_EXTRACTABLE]
            with pytest.raises(pkcs11.exceptions.AttributeSensitive):
                key[Attribute.PRIVATE_EXPONENT]
        on_card = {
            bytes(c[Attribute.ID]): x509.load_der_x509_certificate(c[Attribute.VALUE])
            for c in certificates
        }
    for use, slot in card.keys.items():
        assert on_card[slot.key_id] == card.certificates[use]


def test_certificates_carry_the_holder_identity_and_their_purpose(
    card: VirtualCard, lab_pki: LabPki
) -> None:
    holder = card.holder
    for certificate in card.certificates.values():
        assert _attribute(certificate, NameOID.SERIAL_NUMBER) == "8" + holder.rpps
        assert _attribute(certificate, NameOID.SURNAME) == holder.surname
        assert _attribute(certificate, NameOID.GIVEN_NAME) == holder.given_name
        assert _attribute(certificate, NameOID.TITLE) == holder.profession
        assert certificate.issuer == lab_pki.pki.personnes.certificate.subject
    auth_eku = card.auth_certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert ExtendedKeyUsageOID.CLIENT_AUTH in auth_eku.value
    sign_usage = card.sign_certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert sign_usage.content_commitment and not sign_usage.digital_signature
    with pytest.raises(x509.ExtensionNotFound):
        card.sign_certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)


def test_cps3_like_card_only_offers_pkcs1_v15(
    full_card: VirtualCard, cps3_card: VirtualCard
) -> None:
    full = set(full_card.token().slot.get_mechanisms())
    cps3 = set(cps3_card.token().slot.get_mechanisms())
    assert full >= PSS_AND_RAW
    assert not PSS_AND_RAW & cps3
    assert Mechanism.RSA_PKCS in cps3


def test_authentication_key_signs_pkcs1_v15_and_cps3_refuses_pss(card: VirtualCard) -> None:
    digest_info_input = b"TLS 1.2 CertificateVerify stand-in"
    slot = card.keys[CardKeyUse.AUTHENTICATION]
    with card.session() as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=slot.key_id)
        signature = key.sign(digest_info_input, mechanism=Mechanism.SHA256_RSA_PKCS)
        card.auth_certificate.public_key().verify(
            signature, digest_info_input, padding.PKCS1v15(), hashes.SHA256()
        )
        if card.pkcs1_only:
            with pytest.raises(pkcs11.exceptions.MechanismInvalid):
                key.sign(
                    b"\x00" * 32,
                    mechanism=Mechanism.RSA_PKCS_PSS,
                    mechanism_param=(Mechanism.SHA256, pkcs11.MGF.SHA256, 32),
                )


def test_card_is_usable_from_another_process_with_its_environment(card: VirtualCard) -> None:
    tool = require_program("pkcs11-tool", "opensc")
    listing = subprocess.run(
        [tool, "--module", str(card.module), "--list-token-slots"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **card.env},
        timeout=30,
    )
    assert card.token_label in listing.stdout

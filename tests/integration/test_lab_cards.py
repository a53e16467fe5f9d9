"""The virtual CPS cards (SoftHSM2 behind the lab's PKCS#11 shim): identity, key pairs,
mechanisms, PIN locking, PIN pad, removal."""

from __future__ import annotations

import ctypes
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pkcs11 import Attribute, Mechanism, ObjectClass, SlotFlag, TokenFlag

from app.sandbox.pki import CardKeyUse
from tests.lab.availability import require_program
from tests.lab.build import LabPki
from tests.lab.cards import VirtualCard

pytestmark = pytest.mark.lab

PSS_AND_RAW = {Mechanism.RSA_PKCS_PSS, Mechanism.SHA256_RSA_PKCS_PSS, Mechanism.RSA_X_509}
PIN_FLAGS = TokenFlag.USER_PIN_COUNT_LOW | TokenFlag.USER_PIN_FINAL_TRY | TokenFlag.USER_PIN_LOCKED
WRONG_PIN = "0000"
TO_SIGN = b"TLS 1.2 CertificateVerify stand-in"


@pytest.fixture(params=["full_card", "cps3_card", "pinpad_card"])
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


@contextmanager
def left_usable(card: VirtualCard) -> Iterator[VirtualCard]:
    """Whatever the test does, the shared card is back in its reader and unblocked after it."""
    try:
        yield card
    finally:
        card.reinsert()
        if card.pin_tries_used():
            card.reset_pin()


def _pin_flags(card: VirtualCard) -> TokenFlag:
    return card.token().flags & PIN_FLAGS  # a fresh C_GetTokenInfo


def _log_in(card: VirtualCard, pin: object) -> None:
    with card.token().open(user_pin=pin):
        pass


def _pkcs11_tool(card: VirtualCard, *args: str) -> subprocess.CompletedProcess[str]:
    tool = require_program("pkcs11-tool", "opensc")
    return subprocess.run(
        [tool, "--module", str(card.module), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **card.env},
        timeout=30,
    )


def _auth_key(session: pkcs11.Session, card: VirtualCard) -> pkcs11.PrivateKey:
    key_id = card.keys[CardKeyUse.AUTHENTICATION].key_id
    return session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)


def test_the_module_is_the_shim_with_the_v2_entry_point_only(card: VirtualCard) -> None:
    assert card.module != card.softhsm_module
    shim = ctypes.CDLL(str(card.module))
    assert hasattr(shim, "C_GetFunctionList")
    assert not hasattr(shim, "C_GetInterface")
    assert not hasattr(shim, "C_Login")


def test_three_wrong_pins_lock_the_card_until_the_so_unblocks_it(full_card: VirtualCard) -> None:
    with left_usable(full_card) as card:
        assert _pin_flags(card) == 0
        with pytest.raises(pkcs11.exceptions.PinIncorrect):
            _log_in(card, WRONG_PIN)
        assert _pin_flags(card) == TokenFlag.USER_PIN_COUNT_LOW
        with pytest.raises(pkcs11.exceptions.PinIncorrect):
            _log_in(card, WRONG_PIN)
        assert _pin_flags(card) == TokenFlag.USER_PIN_COUNT_LOW | TokenFlag.USER_PIN_FINAL_TRY
        with pytest.raises(pkcs11.exceptions.PinLocked):
            _log_in(card, WRONG_PIN)
        assert _pin_flags(card) == TokenFlag.USER_PIN_LOCKED
        assert card.pin_tries_used() == 3
        with pytest.raises(pkcs11.exceptions.PinLocked):
            _log_in(card, card.pin)  # even the right PIN
        assert card.pin_tries_used() == 3

        card.reset_pin()
        assert card.pin_tries_used() == 0
        assert _pin_flags(card) == 0
        with card.session() as session:
            _auth_key(session, card).sign(TO_SIGN, mechanism=Mechanism.SHA256_RSA_PKCS)


def test_a_right_pin_resets_the_try_counter(full_card: VirtualCard) -> None:
    with left_usable(full_card) as card:
        with pytest.raises(pkcs11.exceptions.PinIncorrect):
            _log_in(card, WRONG_PIN)
        _log_in(card, card.pin)
        assert card.pin_tries_used() == 0
        assert _pin_flags(card) == 0
        for _ in range(2):  # two more wrong PINs are not three
            with pytest.raises(pkcs11.exceptions.PinIncorrect):
                _log_in(card, WRONG_PIN)
        assert TokenFlag.USER_PIN_FINAL_TRY in _pin_flags(card)
        _log_in(card, card.pin)
        assert _pin_flags(card) == 0


def test_the_try_counter_belongs_to_the_card_not_to_the_process(full_card: VirtualCard) -> None:
    with left_usable(full_card) as card:
        label = ("--token-label", card.token_label)
        refused = _pkcs11_tool(card, *label, "--login", "--pin", WRONG_PIN, "--list-objects")
        assert refused.returncode != 0
        assert "CKR_PIN_INCORRECT" in refused.stdout + refused.stderr
        assert _pin_flags(card) == TokenFlag.USER_PIN_COUNT_LOW
        with pytest.raises(pkcs11.exceptions.PinIncorrect):
            _log_in(card, WRONG_PIN)
        with pytest.raises(pkcs11.exceptions.PinLocked):
            _log_in(card, WRONG_PIN)

        locked = _pkcs11_tool(card, *label, "--login", "--pin", card.pin, "--list-objects")
        assert locked.returncode != 0
        assert "CKR_PIN_LOCKED" in locked.stdout + locked.stderr
        assert "user PIN locked" in _pkcs11_tool(card, "--list-token-slots").stdout


def test_pin_pad_card_logs_in_on_the_readers_keypad(
    pinpad_card: VirtualCard, full_card: VirtualCard
) -> None:
    assert pinpad_card.pin_pad and not full_card.pin_pad
    token = pinpad_card.token()
    assert TokenFlag.PROTECTED_AUTHENTICATION_PATH in token.flags
    with token.open(user_pin=pkcs11.PROTECTED_AUTH) as session:
        signature = _auth_key(session, pinpad_card).sign(
            TO_SIGN, mechanism=Mechanism.SHA256_RSA_PKCS
        )
    pinpad_card.auth_certificate.public_key().verify(
        signature, TO_SIGN, padding.PKCS1v15(), hashes.SHA256()
    )
    # A card reader without a keypad: python-pkcs11 refuses before calling C_Login.
    assert TokenFlag.PROTECTED_AUTHENTICATION_PATH not in full_card.token().flags
    with pytest.raises(pkcs11.exceptions.ArgumentsBad):
        _log_in(full_card, pkcs11.PROTECTED_AUTH)


def test_pin_pad_card_locks_too(pinpad_card: VirtualCard) -> None:
    with left_usable(pinpad_card) as card:
        for _ in range(2):
            with pytest.raises(pkcs11.exceptions.PinIncorrect):
                _log_in(card, WRONG_PIN)
        with pytest.raises(pkcs11.exceptions.PinLocked):
            _log_in(card, WRONG_PIN)
        with pytest.raises(pkcs11.exceptions.PinLocked):
            _log_in(card, pkcs11.PROTECTED_AUTH)
        card.reset_pin()
        _log_in(card, pkcs11.PROTECTED_AUTH)


def test_a_removed_card_is_gone_and_its_sessions_with_it(cps3_card: VirtualCard) -> None:
    with left_usable(cps3_card) as card:
        lib = card.insert()
        token = card.token()
        session = token.open(user_pin=card.pin)
        key = _auth_key(session, card)
        key.sign(TO_SIGN, mechanism=Mechanism.SHA256_RSA_PKCS)

        card.remove()
        assert not card.present
        assert lib.get_slots(token_present=True) == []
        assert all(SlotFlag.TOKEN_PRESENT not in slot.flags for slot in lib.get_slots())
        with pytest.raises(pkcs11.exceptions.NoSuchToken):
            card.token()
        with pytest.raises(pkcs11.exceptions.TokenNotPresent):
            token.open(user_pin=card.pin)
        with pytest.raises(
            (pkcs11.exceptions.DeviceRemoved, pkcs11.exceptions.SessionHandleInvalid)
        ):
            key.sign(TO_SIGN, mechanism=Mechanism.SHA256_RSA_PKCS)

        card.reinsert()
        assert card.present
        with pytest.raises(pkcs11.exceptions.SessionHandleInvalid):
            key.sign(TO_SIGN, mechanism=Mechanism.SHA256_RSA_PKCS)
        with pytest.raises(pkcs11.exceptions.SessionHandleInvalid):
            session.close()
        with card.session() as new_session:
            _auth_key(new_session, card).sign(TO_SIGN, mechanism=Mechanism.SHA256_RSA_PKCS)


def test_sessions_do_not_survive_a_removal_nobody_watched(cps3_card: VirtualCard) -> None:
    with left_usable(cps3_card) as card:
        session = card.token().open(user_pin=card.pin)
        key = _auth_key(session, card)
        with card.removed():
            pass  # pulled out and put back without any PKCS#11 call in between
        with pytest.raises(pkcs11.exceptions.SessionHandleInvalid):
            key.sign(TO_SIGN, mechanism=Mechanism.SHA256_RSA_PKCS)
        with card.session() as new_session:
            _auth_key(new_session, card).sign(TO_SIGN, mechanism=Mechanism.SHA256_RSA_PKCS)

"""The CPS card through PKCS#11: what is in the reader, who the card says she is, the PIN,
and the logged-in session whose authentication key signs TLS handshakes.

Rules (the CPS PIN locks after 3 wrong tries):

- reading the card (slots, certificates, PIN status) never logs in;
- ``CardModule.login`` asks the PIN once through a ``PinProvider`` and calls C_Login once;
  it never retries by itself; a PIN that is not 4 to 8 digits is refused before reaching
  the card; a locked card is reported without asking for the PIN;
- the PIN string is not kept: not logged, not stored, dropped after C_Login;
- the authentication key is the one whose certificate's key usage says so
  (``app.cps.identity``), never chosen by label, id or position;
- one PKCS#11 operation at a time per module (a lock), from any thread;
- once the card is seen removed, the session is dead: every use raises
  ``CardRemovedError`` ("Carte CPS retirée") until a new ``login`` after re-insertion.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from pkcs11 import Attribute, Mechanism, ObjectClass, SlotFlag, TokenFlag
from pkcs11 import exceptions as p11

from app.core.errors import (
    CardAbsentError,
    CardError,
    CardLockedError,
    CardModuleLoadError,
    CardOperationError,
    CardRemovedError,
    NoAuthenticationCertificateError,
    NoReaderError,
    PinCancelledError,
    PinIncorrectError,
    PinLengthError,
    PinLockedError,
)
from app.cps.identity import Holder, parse_holder, pick_authentication_certificate

log = logging.getLogger(__name__)

# What a card says when it is gone, or its session with it.
_REMOVED = (
    p11.DeviceRemoved,
    p11.TokenNotPresent,
    p11.SessionHandleInvalid,
    p11.SessionClosed,
    p11.ObjectHandleInvalid,
    p11.KeyHandleInvalid,
    p11.UserNotLoggedIn,
    p11.TokenNotRecognised,
    p11.SlotIDInvalid,
)
CPS_PIN_TRIES = 3
_PIN_FORM = re.compile(r"[0-9]{4,8}")
_PADDING_PKCS1 = 1
_PADDING_NONE = 3


@dataclass(frozen=True)
class PinStatus:
    """The PIN flags the token reports (PKCS#11 CKF_USER_PIN_*)."""

    count_low: bool = False
    final_try: bool = False
    locked: bool = False
    pin_pad: bool = False

    @classmethod
    def from_flags(cls, flags: int) -> PinStatus:
        return cls(
            count_low=bool(flags & TokenFlag.USER_PIN_COUNT_LOW),
            final_try=bool(flags & TokenFlag.USER_PIN_FINAL_TRY),
            locked=bool(flags & TokenFlag.USER_PIN_LOCKED),
            pin_pad=bool(flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH),
        )

    @property
    def tries_left(self) -> int | None:
        """Tries left for a CPS (3 tries): exact from the flags; None when unknown."""
        if self.locked:
            return 0
        if self.final_try:
            return 1
        if self.count_low:
            return CPS_PIN_TRIES - 1
        return CPS_PIN_TRIES

    def describe(self) -> str:
        if self.locked:
            return "carte bloquée"
        if self.final_try:
            return "dernier essai avant blocage"
        if self.count_low:
            return f"{self.tries_left} essais restants (un code erroné a été saisi)"
        return "aucun code erroné"


@dataclass(frozen=True)
class SlotView:
    slot_id: int
    description: str
    token_present: bool
    token_label: str | None = None
    token_serial: str | None = None


@dataclass(frozen=True)
class CardInfo:
    """What can be read from a card without its PIN."""

    slot: SlotView
    token_label: str
    serial: str
    manufacturer: str
    model: str
    pin: PinStatus
    mechanisms: frozenset[str]
    certificates: tuple[x509.Certificate, ...]
    auth_certificate: x509.Certificate | None
    holder: Holder | None

    @property
    def pkcs1_only(self) -> bool:
        """True for a CPS3-like card: no RSA-PSS and no raw RSA."""
        return not ({"RSA_X_509", "RSA_PKCS_PSS"} & self.mechanisms)

    @property
    def tls13_client_auth(self) -> bool:
        """TLS 1.3 needs RSA-PSS, which the TLS adapter builds on raw RSA (CKM_RSA_X_509)."""
        return "RSA_X_509" in self.mechanisms

    def to_json(self) -> dict[str, Any]:
        return {
            "slot": {"id": self.slot.slot_id, "reader": self.slot.description},
            "token_label": self.token_label,
            "serial": self.serial,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "pin": {
                "locked": self.pin.locked,
                "final_try": self.pin.final_try,
                "count_low": self.pin.count_low,
                "tries_left": self.pin.tries_left,
                "pin_pad": self.pin.pin_pad,
            },
            "pkcs1_only": self.pkcs1_only,
            "tls13_client_auth": self.tls13_client_auth,
            "holder": self.holder.to_json() if self.holder else None,
        }


@dataclass(frozen=True)
class PinPrompt:
    """What the UI or the CLI shows when it asks for the PIN."""

    token_label: str
    holder_name: str | None
    status: PinStatus

    @property
    def pin_pad(self) -> bool:
        return self.status.pin_pad

    def message(self) -> str:
        who = f" de {self.holder_name}" if self.holder_name else ""
        if self.pin_pad:
            text = f"Saisissez le code de la carte CPS{who} sur le clavier du lecteur."
        else:
            text = f"Code de la carte CPS{who} :"
        if self.status.final_try:
            text = "Attention : dernier essai avant blocage de la carte. " + text
        elif self.status.count_low:
            text = (
                f"Attention : un code erroné a déjà été saisi, il reste "
                f"{self.status.tries_left} essais. " + text
            )
        return text


PinProvider = Callable[[PinPrompt], str | None]
"""Returns the PIN, "" to go on with a PIN-pad reader, or None when the user cancels."""


def _label(text: str) -> str:
    return text.strip()


def _is_removal(error: BaseException) -> bool:
    return isinstance(error, _REMOVED)


class CardModule:
    """One loaded PKCS#11 module (Cryptolib CPS) and the cards it sees."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lib: Any = None  # pkcs11's library object (untyped C extension class)
        self.lock = threading.RLock()

    def lib(self) -> Any:
        with self.lock:
            if self._lib is None:
                try:
                    self._lib = pkcs11.lib(str(self.path))
                except (p11.PKCS11Error, OSError, SystemError, UnicodeError) as error:
                    raise CardModuleLoadError(f"cannot load {self.path}: {error}") from error
            return self._lib

    @contextmanager
    def _card_calls(self) -> Iterator[None]:
        """Serialise PKCS#11 calls and translate card errors."""
        with self.lock:
            try:
                yield
            except CardError:
                raise
            except p11.PKCS11Error as error:
                if _is_removal(error):
                    raise CardRemovedError(type(error).__name__) from error
                raise CardOperationError(type(error).__name__) from error

    def slots(self) -> list[SlotView]:
        with self._card_calls():
            views = []
            for slot in self.lib().get_slots(token_present=False):
                present = bool(slot.flags & SlotFlag.TOKEN_PRESENT)
                label = serial = None
                if present:
                    try:
                        token = slot.get_token()
                        label, serial = _label(token.label), _serial(token)
                    except p11.PKCS11Error:
                        present = False
                views.append(
                    SlotView(slot.slot_id, _label(slot.slot_description), present, label, serial)
                )
            return views

    def cards(self) -> list[CardInfo]:
        """Cards present that hold an authentication certificate (CPS), first the best."""
        with self._card_calls():
            found = []
            for slot in self.lib().get_slots(token_present=True):
                try:
                    info = self._read(slot)
                except p11.PKCS11Error as error:  # an unreadable token: skip, say why in logs
                    log.info("slot %s unreadable: %s", slot.slot_id, type(error).__name__)
                    continue
                if info.auth_certificate is not None:
                    found.append(info)
            return found

    def card(self, serial: str | None = None) -> CardInfo:
        """The card to use (``serial`` picks one when several are inserted)."""
        cards = self.cards()
        if serial is not None:
            cards = [c for c in cards if c.serial == serial]
        if cards:
            return cards[0]
        slots = self.slots()
        if not slots:
            raise NoReaderError("no slot")
        if serial is None and any(s.token_present for s in slots):
            raise NoAuthenticationCertificateError("token without authentication certificate")
        raise CardAbsentError("no token present")

    def _read(self, slot: pkcs11.Slot) -> CardInfo:
        token = slot.get_token()
        mechanisms = frozenset(m.name for m in slot.get_mechanisms() if isinstance(m, Mechanism))
        certificates: list[x509.Certificate] = []
        with token.open() as session:  # public objects: no login
            for handle in list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})):
                try:
                    certificates.append(x509.load_der_x509_certificate(handle[Attribute.VALUE]))
                except ValueError:
                    continue  # not an X.509 certificate we understand
        auth = pick_authentication_certificate(certificates)
        return CardInfo(
            slot=SlotView(
                slot.slot_id,
                _label(slot.slot_description),
                True,
                _label(token.label),
                _serial(token),
            ),
            token_label=_label(token.label),
            serial=_serial(token),
            manufacturer=_label(token.manufacturer_id),
            model=_label(token.model),
            pin=PinStatus.from_flags(token.flags),
            mechanisms=mechanisms,
            certificates=tuple(certificates),
            auth_certificate=auth,
            holder=parse_holder(auth) if auth is not None else None,
        )

    def pin_status(self, card: CardInfo) -> PinStatus:
        with self._card_calls():
            return PinStatus.from_flags(self._token(card).flags)

    def _token(self, card: CardInfo) -> pkcs11.Token:
        for slot in self.lib().get_slots(token_present=True):
            token: pkcs11.Token = slot.get_token()
            if _serial(token) == card.serial and _label(token.label) == card.token_label:
                return token
        raise CardRemovedError("card no longer present")

    def presence(self, card: CardInfo) -> bool | None:
        """Is ``card`` in a reader? None when the module could not tell (busy, error).

        Cheap (slot list and token info, no object read), for a watcher polling it.
        """
        try:
            with self._card_calls():
                self._token(card)
        except CardRemovedError:
            return False
        except CardError:
            return None
        return True

    def login(self, card: CardInfo, ask_pin: PinProvider) -> CardSession:
        """Ask the PIN once and log in once. Never retries: a wrong PIN raises."""
        certificate = card.auth_certificate
        if certificate is None:
            raise NoAuthenticationCertificateError("no authentication certificate")
        status = self.pin_status(card)
        if status.locked:
            raise PinLockedError("token reports the PIN locked")
        prompt = PinPrompt(
            card.token_label, card.holder.display_name if card.holder else None, status
        )
        answer = ask_pin(prompt)
        if answer is None:
            raise PinCancelledError("PIN entry cancelled")
        if status.pin_pad and not answer:
            pin: object = pkcs11.PROTECTED_AUTH
        elif _PIN_FORM.fullmatch(answer):  # ASCII digits: "²" or "١" are digits too
            pin = answer
        else:
            raise PinLengthError("PIN refused before reaching the card (not 4-8 digits)")
        del answer
        with self._card_calls():
            token = self._token(card)
            try:
                session = token.open(user_pin=pin)
            except p11.PinIncorrect as error:
                after = PinStatus.from_flags(self._token(card).flags)
                if after.locked:
                    raise PinLockedError("PIN locked after a wrong PIN") from error
                raise PinIncorrectError(after.tries_left, after.final_try) from error
            except p11.PinLocked as error:
                raise PinLockedError("PIN locked") from error
            except p11.FunctionCancelled as error:
                raise PinCancelledError("cancelled on the PIN pad") from error
            except (p11.PinLenRange, p11.PinInvalid) as error:
                raise PinLengthError(type(error).__name__) from error
            finally:
                del pin
            try:
                key = _authentication_key(session, certificate)
            except BaseException:
                session.close()
                raise
        log.info("card session opened (token %s)", card.token_label)
        return CardSession(self, card, certificate, session, key)


def _serial(token: pkcs11.Token) -> str:
    raw = token.serial
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
    return text.strip()


def _authentication_key(session: pkcs11.Session, certificate: x509.Certificate) -> Any:
    """The private key of ``certificate``: by the certificate's CKA_ID, else by modulus."""
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise NoAuthenticationCertificateError("the authentication key is not RSA")
    public = public_key.public_numbers()
    modulus = public.n.to_bytes((public.n.bit_length() + 7) // 8, "big")
    # One search at a time per session (PKCS#11): each list is read fully before the next.
    for handle in list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})):
        if handle[Attribute.VALUE] == certificate.public_bytes(Encoding.DER):
            key_id = handle[Attribute.ID]
            keys = list(
                session.get_objects(
                    {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: key_id}
                )
            )
            if len(keys) == 1 and _modulus(keys[0]) in (modulus, None):
                return keys[0]
    for key in list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})):
        if _modulus(key) == modulus:
            return key
    raise NoAuthenticationCertificateError("no private key matches the authentication cert")


def _modulus(key: Any) -> bytes | None:
    try:
        value = bytes(key[Attribute.MODULUS])
    except p11.PKCS11Error:
        return None
    return value.lstrip(b"\x00")


@dataclass
class CardSession:
    """A logged-in card: signs with the authentication key, one operation at a time."""

    module: CardModule
    card: CardInfo
    certificate: x509.Certificate  # the authentication certificate
    _session: pkcs11.Session
    _key: Any
    _removed: bool = False  # the card left the reader: "Carte CPS retirée"
    _closed: bool = False  # C_CloseSession was attempted (lock, logout, removal)
    signatures: int = 0

    @property
    def alive(self) -> bool:
        return not (self._removed or self._closed)

    @property
    def removed(self) -> bool:
        return self._removed

    @property
    def can_sign_pss(self) -> bool:
        return self.card.tls13_client_auth

    def mark_removed(self) -> None:
        """The card is gone: fail every use with "Carte CPS retirée", release the session."""
        self._removed = True
        self.close()

    def sign_raw(self, data: bytes, padding: int) -> bytes:
        """The RSA private operation OpenSSL asks for during a TLS handshake."""
        if padding == _PADDING_PKCS1:
            mechanism = Mechanism.RSA_PKCS  # data is a DigestInfo
        elif padding == _PADDING_NONE and self.can_sign_pss:
            mechanism = Mechanism.RSA_X_509  # data is a block already PSS-encoded by OpenSSL
        else:
            raise CardOperationError(f"unsupported RSA padding {padding} for this card")
        with self.module.lock:  # the state is checked under the lock that close() takes
            if self._removed:
                raise CardRemovedError("card removed")
            if self._closed:
                raise CardLockedError("card session closed")
            try:
                signature: bytes = self._key.sign(data, mechanism=mechanism)
            except p11.PKCS11Error as error:
                if _is_removal(error):
                    self._removed = True
                    raise CardRemovedError(type(error).__name__) from error
                raise CardOperationError(type(error).__name__) from error
            self.signatures += 1
            return signature

    def close(self) -> None:
        """Log out and close, once (closing the last session logs the card out)."""
        with self.module.lock:
            if not self._closed:
                self._closed = True
                with suppress(p11.PKCS11Error):
                    self._session.close()

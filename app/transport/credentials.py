"""Client credentials for mutual TLS: the CPS card, or a PKCS#12 software certificate."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from app.core.errors import CaduceeError, CardError, CardOperationError, Pkcs12Error
from app.transport import openssl

if TYPE_CHECKING:  # a password or PKCS#12 account does not load the card library
    from app.cps.card import CardSession

# A card that only signs PKCS#1 v1.5 (CPS3) cannot do TLS 1.3 client authentication.
PKCS1_SIGNATURE_ALGORITHMS = "RSA+SHA256:RSA+SHA384:RSA+SHA512"


class ClientCredential(Protocol):
    """What identifies the client during the TLS handshake."""

    kind: str  # "carte" or "pkcs12", shown to the user

    @property
    def certificate(self) -> x509.Certificate: ...

    def install(self, context: ssl.SSLContext) -> None:
        """Put the certificate and the key on ``context``."""

    def take_handshake_error(self) -> CaduceeError | None:
        """The card or key error hidden behind the last failed handshake of this thread."""


@dataclass
class CardCredential:
    """The card's authentication key, through the current logged-in card session.

    ``session`` returns the current session; after a removal it raises ``CardRemovedError``
    until the card is back and unlocked, then returns the new session, so connections made
    after re-insertion work without rebuilding the accounts.
    """

    session: Callable[[], CardSession]
    kind: str = "carte"
    _errors: threading.local = field(default_factory=threading.local)

    @property
    def certificate(self) -> x509.Certificate:
        return self.session().certificate

    def install(self, context: ssl.SSLContext) -> None:
        card = self.session()
        try:
            self._install(context, card)
        except (ssl.SSLError, openssl.OpenSslUnavailable) as error:
            raise CardOperationError(
                f"cannot use the card key with TLS: {error}",
                user_message="La clé de la carte CPS n'a pas pu être utilisée pour la connexion "
                "sécurisée. Contactez le support (diagnostic : caducee diagnose).",
            ) from error

    def _install(self, context: ssl.SSLContext, card: CardSession) -> None:
        certificate = card.certificate
        openssl.use_certificate_der(context, certificate.public_bytes(serialization.Encoding.DER))
        public = certificate.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise CardError("the card's authentication key is not RSA")
        numbers = public.public_numbers()

        def sign(data: bytes, padding: int) -> bytes:
            try:
                return card.sign_raw(data, padding)
            except CaduceeError as error:
                self._errors.last = error
                raise

        openssl.attach_external_rsa_key(context, _unsigned(numbers.n), _unsigned(numbers.e), sign)
        if not card.can_sign_pss:
            context.maximum_version = ssl.TLSVersion.TLSv1_2
            openssl.restrict_client_signature_algorithms(context, PKCS1_SIGNATURE_ALGORITHMS)

    def take_handshake_error(self) -> CaduceeError | None:
        error: CaduceeError | None = getattr(self._errors, "last", None)
        self._errors.last = None
        return error


@dataclass
class Pkcs12Credential:
    """A software certificate (organisation / application mailbox), kept in memory only."""

    certificate: x509.Certificate
    _key_der: bytes = field(repr=False)
    chain: tuple[x509.Certificate, ...] = ()
    kind: str = "pkcs12"

    @classmethod
    def load(cls, path: Path, passphrase: str | None) -> Pkcs12Credential:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise Pkcs12Error(
                f"cannot read {path}: {error.strerror}",
                user_message=f"Le fichier de certificat {path} est illisible ({error.strerror}).",
            ) from error
        return cls.from_bytes(data, passphrase)

    @classmethod
    def from_bytes(cls, data: bytes, passphrase: str | None) -> Pkcs12Credential:
        try:
            key, certificate, chain = pkcs12.load_key_and_certificates(
                data, passphrase.encode() if passphrase else None
            )
        except (ValueError, TypeError) as error:
            raise Pkcs12Error("PKCS#12 unreadable or wrong passphrase") from error
        if key is None or certificate is None:
            raise Pkcs12Error(
                "PKCS#12 without key or certificate",
                user_message="Le fichier .p12 ne contient pas de certificat avec sa clé privée.",
            )
        key_der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(certificate, key_der, tuple(chain))

    def install(self, context: ssl.SSLContext) -> None:
        try:
            self._install(context)
        except (ssl.SSLError, openssl.OpenSslUnavailable) as error:
            raise Pkcs12Error(
                f"OpenSSL refused the software certificate: {error}",
                user_message="Le certificat logiciel a été refusé par la bibliothèque TLS (clé "
                "trop faible ou certificat invalide). Demandez un certificat conforme.",
            ) from error

    def _install(self, context: ssl.SSLContext) -> None:
        openssl.use_certificate_der(
            context, self.certificate.public_bytes(serialization.Encoding.DER)
        )
        for intermediate in self.chain:
            if intermediate.subject != intermediate.issuer:  # roots are not sent
                openssl.add_chain_certificate_der(
                    context, intermediate.public_bytes(serialization.Encoding.DER)
                )
        openssl.use_private_key_der(context, self._key_der)

    def take_handshake_error(self) -> CaduceeError | None:
        return None


def _unsigned(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")

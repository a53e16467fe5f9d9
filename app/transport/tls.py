"""TLS for MSSanté accounts: the client context, the revocation check, and errors in French.

MSSanté client rules (Référentiel #2, ECO.1.1.x; shared/mssante-notes.md §2.2):

- TLS 1.2 or newer; in TLS 1.2 only the four ECDHE-RSA suites below;
- the server certificate must chain to IGC-Santé (the anchors shipped in
  ``app/resources/trust``; ``--trust`` adds anchors to them, for testing only, and the log
  says so: ECO.1.1.10 allows IGC-Santé alone), be for the host name, not
  expired, and not revoked (CRL, the last valid one cached: ``app.transport.crl``); a
  server certificate that is itself one of the ``--trust`` anchors (self-signed) has no CRL
  to be checked against: it is accepted, and reported as not checkable (``Revocation``);
- the client certificate is the card's authentication certificate or a PKCS#12 one.

Which accounts are MSSanté is decided by their hosts, not by their authentication
(``app.ops.accounts.trust_policy``): a password account on an MSSanté host gets this policy.
Generic (non-MSSanté) mailboxes use the system's trust store and default ciphers instead.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.core.errors import (
    CaduceeError,
    CertificateExpiredError,
    CertificateRevokedError,
    CertificateUntrustedError,
    ClientCertificateRefusedError,
    ConnectionTimeoutError,
    HostnameMismatchError,
    ProtocolTooOldError,
    ServerUnreachableError,
    TlsError,
    TrustFileError,
)
from app.transport import openssl
from app.transport.credentials import ClientCredential
from app.transport.crl import CrlCache
from app.transport.trust import load_trust_file, shipped_trust_anchors

log = logging.getLogger(__name__)

# ECO.1.1.1 and ECO.1.1.3: pinned by tests/unit/test_tls_policy_pinned.py. Changing them
# changes conformity: re-read Ref#2 first.
MSSANTE_MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2
MSSANTE_TLS12_CIPHERS = ":".join(
    [
        "ECDHE-RSA-AES256-GCM-SHA384",  # 0xC030
        "ECDHE-RSA-AES128-GCM-SHA256",  # 0xC02F
        "ECDHE-RSA-AES256-SHA384",  # 0xC028
        "ECDHE-RSA-AES128-SHA256",  # 0xC027
    ]
)

# OpenSSL X509_V_ERR_* codes seen in SSLCertVerificationError.verify_code
_X509_CERT_NOT_YET_VALID = 9
_X509_CERT_HAS_EXPIRED = 10
_X509_CERT_REVOKED = 23
_X509_HOSTNAME_MISMATCH = 62

_CLIENT_CERTIFICATE_ALERTS = (
    "ALERT_BAD_CERTIFICATE",
    "ALERT_CERTIFICATE_REQUIRED",
    "ALERT_UNKNOWN_CA",
    "ALERT_CERTIFICATE_EXPIRED",
    "ALERT_CERTIFICATE_REVOKED",
    "ALERT_CERTIFICATE_UNKNOWN",
    "ALERT_UNSUPPORTED_CERTIFICATE",
    "ALERT_ACCESS_DENIED",
)
_OLD_PROTOCOL = ("UNSUPPORTED_PROTOCOL", "NO_PROTOCOLS_AVAILABLE", "ALERT_PROTOCOL_VERSION")


class Revocation(Enum):
    """How far the revocation of a server's chain was checked."""

    CHECKED = "checked"  # every certificate below the trust anchor, against its CRL
    # The server's certificate is itself a trust anchor (a self-signed certificate given
    # with --trust, e.g. by support on a test server): no CRL can cover it. Accepted, since
    # it was trusted by name, and said as such (``caducee diagnose``).
    UNCHECKABLE = "uncheckable"
    NOT_CHECKED = "not_checked"  # a generic (non-MSSanté) mailbox: no CRL check


@dataclass
class TrustPolicy:
    """How a server is trusted."""

    anchors: Sequence[x509.Certificate] = ()
    crl_cache: CrlCache | None = None
    mssante: bool = True
    system_store: bool = False  # generic providers: the operating system's trust store
    maximum_version: ssl.TLSVersion | None = None  # e.g. TLS 1.2 to rule out a TLS 1.3 issue
    test_anchors: bool = False  # MSSanté: anchors added with --trust (testing only)
    _cadata: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self._cadata = "".join(
            c.public_bytes(serialization.Encoding.PEM).decode() for c in self.anchors
        )

    @classmethod
    def for_mssante(cls, cache_dir: Path, trust_file: Path | None = None) -> TrustPolicy:
        """IGC-Santé only, CRLs checked and cached; ``trust_file`` adds anchors (testing)."""
        anchors = list(shipped_trust_anchors())
        if trust_file:
            anchors += _anchors(trust_file)
            log.warning(
                "trust file %s added to the IGC-Santé anchors of an MSSanté host: for testing "
                "only, not conformant (ECO.1.1.10: IGC-Santé must be the only CA)",
                trust_file,
            )
        return cls(
            anchors=anchors,
            crl_cache=CrlCache(cache_dir),
            mssante=True,
            test_anchors=trust_file is not None,
        )

    @classmethod
    def for_generic(cls, trust_file: Path | None = None) -> TrustPolicy:
        """A non-MSSanté mailbox: the system store (or ``trust_file``), default ciphers."""
        if trust_file:
            return cls(anchors=_anchors(trust_file), mssante=False)
        return cls(mssante=False, system_store=True)

    def context(self, credential: ClientCredential | None = None) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # hostname checked, cert required
        context.minimum_version = MSSANTE_MINIMUM_VERSION  # generic mailboxes too
        if self.maximum_version is not None:
            context.maximum_version = self.maximum_version
        context.options |= ssl.OP_NO_RENEGOTIATION
        if self.mssante:
            # TLS 1.3 suites are not affected. The security level is restated: replacing the
            # cipher string drops Python's own "@SECLEVEL=2" on builds whose default is 1.
            context.set_ciphers(MSSANTE_TLS12_CIPHERS + ":@SECLEVEL=2")
        if self.system_store:
            context.load_default_certs()
        if self._cadata:
            context.load_verify_locations(cadata=self._cadata)
        if credential is not None:
            credential.install(context)  # raises CaduceeError subclasses only
        return context

    def check_revocation(self, connection: ssl.SSLSocket | ssl.SSLObject) -> list[x509.Certificate]:
        """The verified server chain (leaf first), after checking it against the CRLs."""
        chain = self.server_chain(connection)
        self.check_chain(chain)
        return chain

    @staticmethod
    def server_chain(connection: ssl.SSLSocket | ssl.SSLObject) -> list[x509.Certificate]:
        """The verified chain of an established connection, leaf first (in its own thread)."""
        try:
            return [x509.load_der_x509_certificate(d) for d in openssl.verified_chain(connection)]
        except openssl.OpenSslUnavailable as error:
            raise TlsError(f"cannot read the server chain: {error}") from error

    def check_chain(self, chain: list[x509.Certificate]) -> Revocation:
        """Check the chain against the CRLs (MSSanté policies); say what was checked."""
        if self.crl_cache is not None:
            self.crl_cache.check_chain(chain)
        found = self.revocation(chain)
        if found is Revocation.UNCHECKABLE:
            log.warning("server certificate is itself a trust anchor: revocation not checkable")
        return found

    def revocation(self, chain: Sequence[x509.Certificate]) -> Revocation:
        """What ``check_chain`` checks (did) for ``chain``, without checking it again."""
        if self.crl_cache is None:
            return Revocation.NOT_CHECKED
        if len(chain) < 2:  # no certificate below a trust anchor: no CRL covers it
            return Revocation.UNCHECKABLE
        return Revocation.CHECKED


def _anchors(trust_file: Path) -> list[x509.Certificate]:
    try:
        return load_trust_file(trust_file)
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else "aucun certificat trouvé"
        raise TrustFileError(
            f"trust file {trust_file}: {error}",
            user_message=f"Le fichier d'autorités de confiance {trust_file} est inutilisable "
            f"({reason}).",
        ) from error


def classify(error: BaseException, credential: ClientCredential | None = None) -> CaduceeError:
    """The user-facing error behind a failed connection."""
    if credential is not None and (hidden := credential.take_handshake_error()) is not None:
        return hidden  # e.g. the card was removed while OpenSSL asked it to sign
    result = _classify(error)
    if credential is not None and isinstance(result, ClientCertificateRefusedError | TlsError):
        # In TLS 1.3 a server refuses our certificate after our side of the handshake: the
        # client often sees only a closed connection. An invalid certificate explains it.
        try:
            certificate = credential.certificate
        except CaduceeError:  # e.g. the card session is gone meanwhile: keep the TLS error
            return result
        now = datetime.now(UTC)
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            expiry = certificate.not_valid_after_utc.strftime("%d/%m/%Y")
            return ClientCertificateRefusedError(
                f"{result.detail} (client certificate valid until {expiry})",
                user_message="Le serveur a refusé votre certificat : il n'est plus valide "
                f"(date de fin : {expiry}). Renouvelez votre carte CPS ou votre certificat.",
            )
    return result


def _classify(error: BaseException) -> CaduceeError:
    if isinstance(error, CaduceeError):
        return error
    detail = f"{type(error).__name__}: {error}"
    if isinstance(error, ssl.SSLCertVerificationError):
        code = error.verify_code
        if code == _X509_CERT_HAS_EXPIRED:
            return CertificateExpiredError(detail)
        if code == _X509_CERT_NOT_YET_VALID:
            return CertificateExpiredError(
                detail,
                user_message="Certificat refusé : le certificat du serveur n'est pas "
                "encore valide (vérifiez la date et l'heure de cet ordinateur).",
            )
        if code == _X509_HOSTNAME_MISMATCH:
            return HostnameMismatchError(detail)
        if code == _X509_CERT_REVOKED:
            return CertificateRevokedError(detail)
        return CertificateUntrustedError(detail)
    if isinstance(error, ssl.SSLError):
        reason = f"{error.reason or ''} {error}".upper()
        if any(marker in reason for marker in _OLD_PROTOCOL):
            return ProtocolTooOldError(detail)
        if any(marker in reason for marker in _CLIENT_CERTIFICATE_ALERTS):
            return ClientCertificateRefusedError(detail)
        if "WRONG_VERSION_NUMBER" in reason or "HTTP_REQUEST" in reason:
            return TlsError(
                detail,
                user_message="Le serveur n'a pas répondu en TLS sur ce "
                "port : vérifiez le type de connexion (TLS direct ou STARTTLS) "
                "et le port.",
            )
        if "NO_SHARED_CIPHER" in reason or "HANDSHAKE_FAILURE" in reason:
            return TlsError(
                detail,
                user_message="Le serveur et Caducée n'ont aucun "
                "chiffrement autorisé en commun (règles MSSanté). Contactez votre "
                "opérateur.",
            )
        if isinstance(error, ssl.SSLEOFError) or "EOF" in reason:
            return TlsError(
                detail,
                user_message="Le serveur a interrompu la connexion "
                "sécurisée (certificat client refusé ?).",
            )
        return TlsError(detail)
    if isinstance(error, TimeoutError):  # socket.timeout is TimeoutError
        return ConnectionTimeoutError(detail)
    if isinstance(error, (socket.gaierror, ConnectionRefusedError)):
        return ServerUnreachableError(detail)
    if isinstance(error, ConnectionError | EOFError):
        return TlsError(detail, user_message="Le serveur a fermé la connexion.")
    if isinstance(error, OSError):
        return ServerUnreachableError(detail)
    raise error  # not a connection problem: a bug, let it surface


@contextmanager
def translated(credential: ClientCredential | None = None) -> Iterator[None]:
    """Turn socket, TLS and card errors raised inside into ``CaduceeError`` subclasses."""
    if credential is not None:
        credential.take_handshake_error()  # forget an error of an earlier attempt
    try:
        yield
    except CaduceeError:
        raise
    except (OSError, EOFError) as error:
        raise classify(error, credential) from error

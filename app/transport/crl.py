"""Certificate revocation lists (CRLs): download, check, and a cache that outlives failures.

Référentiel #2 ECO.1.1.6: the client checks that the operator's server certificate is not
revoked; ECO.1.1.7: when it checks by CRL, it keeps the last non-expired CRL so that a failed
download does not break the connection. Hence ``CrlCache``:

- the URLs come from the certificate's CRL distribution points (HTTP and HTTPS only; the
  LDAP copies IGC-Santé also lists are ignored);
- a downloaded CRL is accepted only if it parses (DER or PEM), names the issuer, is signed by
  the issuer's key, is not expired and was not issued in the future (small clock skew
  allowed); it is then written to ``cache_dir`` (one file per issuing authority, named after
  a hash of the issuer's subject and public key) unless the file holds a newer CRL;
- when every download fails, the cached CRL is used as long as it has not expired; with no
  valid CRL at all the status is unknown and the connection must be refused
  (``RevocationUnknownError``, retryable);
- a CRL stays in memory for at most ``MEMORY_TTL`` (or until its ``nextUpdate`` if sooner)
  before the next download; after a failed download that fell back on the cache, the next
  attempt waits ``FAILURE_RETRY`` so that every connection does not pay the timeout again.

Only complete CRLs issued directly by the certificate's issuer are supported (no delta CRLs,
no indirect CRLs, no CRLs partitioned by reason); IGC-Santé publishes complete CRLs. A CRL
partitioned by distribution point is used only for the certificates it covers.

Plain Python: no Qt, no event loop. Downloads block; call from a worker thread.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import logging
import os
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from app.core.errors import (
    CertificateRevokedError,
    CertificateUntrustedError,
    NoRevocationListError,
    RevocationUnknownError,
)
from app.transport.download import read_bounded, restricted_opener

log = logging.getLogger(__name__)

Fetch = Callable[[str, float], bytes]
"""``(url, timeout in seconds) -> body``; raises ``OSError``, ``ValueError`` or
``http.client.HTTPException`` on failure (anything else is a bug and propagates)."""

Clock = Callable[[], datetime]

DEFAULT_TIMEOUT = 10.0  # seconds, per network operation
MAX_CRL_BYTES = 20 * 1024 * 1024
MEMORY_TTL = timedelta(hours=1)
FAILURE_RETRY = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=5)
MAX_URLS = 4  # distribution points tried per certificate, in the certificate's order

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_DOWNLOAD_TIME_FACTOR = 6  # a whole download may take this many timeouts (slow-drip servers)
_FETCH_ERRORS = (OSError, ValueError, http.client.HTTPException)
_PARSE_ERRORS = (ValueError, TypeError, UnsupportedAlgorithm)
# IGC-Santé signs with RSA. DSA is not accepted: deprecated by cryptography (merely naming
# its key class warns on every command) and by CA practice.
_CRL_SIGNING_KEYS = (
    rsa.RSAPublicKey,
    ec.EllipticCurvePublicKey,
    ed25519.Ed25519PublicKey,
    ed448.Ed448PublicKey,
)


# -- download ---------------------------------------------------------------------------------


def _opener() -> urllib.request.OpenerDirector:
    return restricted_opener(allow_http=True)  # CRLs are published over plain http


def http_get(
    url: str, timeout: float = DEFAULT_TIMEOUT, *, max_bytes: int = MAX_CRL_BYTES
) -> bytes:
    """GET an http(s) URL and return the body; the default ``Fetch`` of ``CrlCache``.

    Refuses other schemes (``ValueError``), redirects to other schemes, non-2xx answers
    (``urllib.error.HTTPError``), bodies over ``max_bytes`` (``ValueError``) and downloads
    that take more than ``_DOWNLOAD_TIME_FACTOR`` timeouts in all (``TimeoutError``).
    """
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in _ALLOWED_SCHEMES:
        raise ValueError(f"refused CRL URL scheme {scheme or '(none)'!r}: only http and https")
    request = urllib.request.Request(  # noqa: S310 - scheme checked just above
        url, headers={"User-Agent": "Caducee-CRL/1", "Accept": "*/*"}
    )
    with _opener().open(request, timeout=timeout) as response:
        return read_bounded(
            response, max_bytes=max_bytes, seconds=timeout * _DOWNLOAD_TIME_FACTOR, what="CRL"
        )


# -- parsing and checks -----------------------------------------------------------------------


def parse_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from DER or PEM bytes; ``ValueError`` on anything else."""
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(stripped)
    return x509.load_der_x509_crl(data)


def _http_url(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme.lower() in _ALLOWED_SCHEMES


def _distribution_uris(certificate: x509.Certificate) -> list[str] | None:
    """Every URI of the certificate's own-issuer CRL distribution points; None without any
    CRL distribution point extension."""
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return None
    uris: list[str] = []
    for point in points.value:
        if point.crl_issuer or not point.full_name:
            continue  # indirect CRL or relative name: not supported
        for name in point.full_name:
            if isinstance(name, x509.UniformResourceIdentifier) and name.value not in uris:
                uris.append(name.value)
    return uris


def crl_urls(certificate: x509.Certificate) -> list[str]:
    """The http(s) CRL URLs of a certificate, in its order, without duplicates."""
    try:
        uris = _distribution_uris(certificate)
    except ValueError:  # malformed extensions
        return []
    return [uri for uri in uris or [] if _http_url(uri)]


def _crl_number(crl: x509.CertificateRevocationList) -> int | None:
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return None


def _is_older(crl: x509.CertificateRevocationList, other: x509.CertificateRevocationList) -> bool:
    """Whether ``crl`` was issued before ``other`` (CRL number first, then lastUpdate)."""
    number, other_number = _crl_number(crl), _crl_number(other)
    if number is not None and other_number is not None and number != other_number:
        return number < other_number
    return crl.last_update_utc < other.last_update_utc


def _problem_static(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> str | None:
    """Why ``crl`` is not a complete CRL signed by ``issuer`` (None when it is)."""
    try:
        if crl.issuer != issuer.subject:
            return f"issued by {crl.issuer.rfc4514_string()}, not by the certificate's issuer"
        try:
            usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            pass
        else:
            if not usage.crl_sign:
                return "the issuer's key usage does not allow signing CRLs"
        key = issuer.public_key()
        if not isinstance(key, _CRL_SIGNING_KEYS) or not crl.is_signature_valid(key):
            return "bad signature"
        if crl.next_update_utc is None:
            return "no nextUpdate"
        extensions = crl.extensions
        try:
            extensions.get_extension_for_class(x509.DeltaCRLIndicator)
        except x509.ExtensionNotFound:
            pass
        else:
            return "delta CRL (not supported)"
        try:
            scope = extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
        except x509.ExtensionNotFound:
            return None
        if scope.indirect_crl or scope.only_some_reasons or scope.only_contains_attribute_certs:
            return "partial or indirect CRL (not supported)"
        return None
    except _PARSE_ERRORS as error:
        return f"unreadable ({type(error).__name__})"


def _problem_time(crl: x509.CertificateRevocationList, now: datetime) -> str | None:
    next_update = crl.next_update_utc
    if next_update is None:
        return "no nextUpdate"
    if now >= next_update:
        return f"expired on {next_update.isoformat()}"
    if crl.last_update_utc > now + CLOCK_SKEW:
        return f"issued in the future ({crl.last_update_utc.isoformat()})"
    return None


def _problem_scope(
    crl: x509.CertificateRevocationList, certificate: x509.Certificate, uris: Sequence[str]
) -> str | None:
    """Why ``crl`` does not cover ``certificate`` (issuing distribution point), or None."""
    try:
        scope = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return None
    except _PARSE_ERRORS as error:
        return f"unreadable ({type(error).__name__})"
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    except _PARSE_ERRORS as error:
        return f"unreadable certificate extensions ({type(error).__name__})"
    if scope.only_contains_user_certs and is_ca:
        return "covers end-entity certificates only"
    if scope.only_contains_ca_certs and not is_ca:
        return "covers CA certificates only"
    if scope.full_name:
        names = {n.value for n in scope.full_name if isinstance(n, x509.UniformResourceIdentifier)}
        if not names.intersection(uris):
            return "covers another distribution point"
    return None


def _redact(url: str) -> str:
    """The URL without any user:password part (for messages and logs)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "(malformed URL)"
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def _describe(error: BaseException) -> str:
    if isinstance(error, urllib.error.HTTPError):
        redirect = 300 <= error.code < 400
        text = f"redirect refused, HTTP {error.code}" if redirect else f"HTTP {error.code}"
    elif isinstance(error, urllib.error.URLError):
        text = str(error.reason)
    elif isinstance(error, TimeoutError):
        text = "timed out"
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:200]


def _issuer_key(issuer: x509.Certificate) -> str:
    """Cache key of an authority: its name and its key (a renewed key gets a new file)."""
    spki = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(issuer.subject.public_bytes() + spki).hexdigest()


def _common_name(certificate: x509.Certificate) -> str:
    """How a certificate is named to the user: its common name, else its whole subject."""
    try:
        values = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    except ValueError:
        values = []
    return str(values[0].value) if values else _short_name(certificate.subject)


def _short_name(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except ValueError:
        return "(unreadable name)"


# -- the cache --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    crl: x509.CertificateRevocationList
    refresh_after: datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CrlCache:
    """CRLs by issuing authority: in memory, on disk below ``cache_dir``, downloaded on need.

    Thread-safe; concurrent checks for the same authority share one download.
    """

    def __init__(
        self,
        cache_dir: Path,
        fetch: Fetch | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        now: Clock | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self._fetch: Fetch = fetch or http_get
        self._timeout = timeout
        self._clock: Clock = now or _utc_now
        self._memory: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._issuer_locks: dict[str, threading.Lock] = {}

    # -- public API -------------------------------------------------------------------------

    def check_chain(self, chain: Sequence[x509.Certificate]) -> int:
        """Check every certificate of ``chain`` but the root against its issuer's CRL, and
        return how many were checked (0 for a lone self-signed certificate: nothing to do).

        ``chain`` is leaf first, then the intermediates, then the self-signed root (which no
        CRL covers). Raises like ``check_not_revoked``, and ``ValueError`` for an empty chain
        or one that does not end with a self-issued certificate.
        """
        certificates = list(chain)
        if not certificates:
            raise ValueError("empty certificate chain")
        if certificates[-1].subject != certificates[-1].issuer:
            raise ValueError("the chain must end with its self-signed root")
        for certificate, issuer in itertools.pairwise(certificates):
            self.check_not_revoked(certificate, issuer)
        return len(certificates) - 1

    def check_not_revoked(self, certificate: x509.Certificate, issuer: x509.Certificate) -> None:
        """Raise unless ``issuer``'s current CRL shows ``certificate`` as not revoked.

        ``CertificateRevokedError`` when it is listed; ``RevocationUnknownError`` when no
        valid CRL can be had, and its ``NoRevocationListError`` (not retryable) for a
        certificate without a CRL distribution point, or only non-http ones and no CRL
        cached: every MSSanté (IGC-Santé) certificate has one, so its absence means the
        status cannot be checked, which is refused like an unreachable CRL.
        ``CertificateUntrustedError``
        when ``issuer`` did not issue ``certificate``.
        """
        crl = self.crl_for(certificate, issuer)
        serial = certificate.serial_number
        try:
            entry = crl.get_revoked_certificate_by_serial_number(serial)
        except _PARSE_ERRORS as error:
            raise RevocationUnknownError(
                f"CRL of {_short_name(issuer.subject)} has unreadable entries "
                f"({type(error).__name__})"
            ) from error
        if entry is None:
            return
        reason = ""
        try:
            flag = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
            reason = f", reason {flag.value}"
        except (x509.ExtensionNotFound, *_PARSE_ERRORS):
            pass
        raise CertificateRevokedError(
            f"certificate serial {serial:X} issued by {_short_name(issuer.subject)} was revoked "
            f"on {entry.revocation_date_utc.isoformat()}{reason}"
        )

    def crl_for(
        self, certificate: x509.Certificate, issuer: x509.Certificate
    ) -> x509.CertificateRevocationList:
        """A valid CRL of ``issuer`` covering ``certificate``: from memory, the network, or
        (ECO.1.1.7) the last valid one kept on disk. Raises ``RevocationUnknownError`` when
        there is none, ``CertificateUntrustedError`` when ``issuer`` did not sign
        ``certificate``."""
        self._require_issued_by(certificate, issuer)
        issuer_name = _short_name(issuer.subject)
        try:
            uris = _distribution_uris(certificate)
        except ValueError as error:
            raise RevocationUnknownError(
                f"certificate serial {certificate.serial_number:X}: unreadable extensions"
            ) from error
        if uris is None:
            raise NoRevocationListError(
                f"certificate serial {certificate.serial_number:X} issued by {issuer_name} "
                "has no CRL distribution point",
                user_message=f"Impossible de vérifier que le certificat « "
                f"{_common_name(certificate)} » n'est pas révoqué : il n'indique aucune "
                "liste de révocation (les certificats MSSanté en indiquent toujours une). "
                "Connexion refusée.",
            )
        urls = [uri for uri in uris if _http_url(uri)][:MAX_URLS]
        key = _issuer_key(issuer)
        with self._issuer_lock(key):
            now = self._now()
            remembered = self._memory.get(key)
            if (
                remembered is not None
                and now < remembered.refresh_after
                and self._usable(remembered.crl, certificate, uris, now) is None
            ):
                return remembered.crl

            failures: list[str] = []
            if not urls:
                failures.append("no http(s) CRL distribution point")
            downloaded = self._download(urls, certificate, issuer, uris, now, failures)
            on_disk = self._read_disk(key, issuer)
            if downloaded is not None and (
                on_disk is None
                or _problem_time(on_disk, now) is not None
                or not _is_older(downloaded, on_disk)
            ):
                self._write_disk(key, downloaded)

            candidates = [
                crl
                for crl in (
                    downloaded,
                    on_disk,
                    remembered.crl if remembered is not None else None,
                )
                if crl is not None and self._usable(crl, certificate, uris, now) is None
            ]
            if not candidates:
                with self._lock:
                    self._memory.pop(key, None)
                if on_disk is None:
                    failures.append("no cached CRL")
                else:
                    problem = self._usable(on_disk, certificate, uris, now)
                    failures.append(f"cached CRL unusable ({problem})")
                detail = f"no valid CRL for {issuer_name}: " + "; ".join(failures)
                if not urls and on_disk is None:  # nothing was ever there to download
                    raise NoRevocationListError(
                        detail,
                        user_message=f"Impossible de vérifier que le certificat « "
                        f"{_common_name(certificate)} » n'est pas révoqué : il n'indique "
                        "aucune liste de révocation téléchargeable (http). Connexion refusée.",
                    )
                raise RevocationUnknownError(detail)
            best = candidates[0]
            for crl in candidates[1:]:
                if _is_older(best, crl):
                    best = crl
            valid_until = best.next_update_utc or now  # never None here: checked by _usable
            wait = MEMORY_TTL if downloaded is not None else FAILURE_RETRY
            if downloaded is None:
                log.warning(
                    "CRL download failed for %s, using the cached CRL valid until %s: %s",
                    issuer_name,
                    valid_until.isoformat(),
                    "; ".join(failures),
                )
            with self._lock:
                self._memory[key] = _Entry(best, min(now + wait, valid_until))
            return best

    # -- internals --------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        return now if now.tzinfo is not None else now.replace(tzinfo=UTC)

    def _issuer_lock(self, key: str) -> threading.Lock:
        with self._lock:
            return self._issuer_locks.setdefault(key, threading.Lock())

    @staticmethod
    def _require_issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> None:
        try:
            certificate.verify_directly_issued_by(issuer)
        except (InvalidSignature, *_PARSE_ERRORS) as error:
            raise CertificateUntrustedError(
                f"certificate serial {certificate.serial_number:X} was not issued by "
                f"{_short_name(issuer.subject)} ({type(error).__name__})"
            ) from error

    @staticmethod
    def _usable(
        crl: x509.CertificateRevocationList,
        certificate: x509.Certificate,
        uris: Sequence[str],
        now: datetime,
    ) -> str | None:
        return _problem_time(crl, now) or _problem_scope(crl, certificate, uris)

    def _download(
        self,
        urls: Sequence[str],
        certificate: x509.Certificate,
        issuer: x509.Certificate,
        uris: Sequence[str],
        now: datetime,
        failures: list[str],
    ) -> x509.CertificateRevocationList | None:
        """The first valid CRL among ``urls``; what went wrong is appended to ``failures``."""
        for url in urls:
            shown = _redact(url)
            try:
                data = self._fetch(url, self._timeout)
            except _FETCH_ERRORS as error:
                failures.append(f"{shown}: download failed ({_describe(error)})")
                continue
            try:
                crl = parse_crl(data)
            except _PARSE_ERRORS:
                failures.append(f"{shown}: not a CRL ({len(data)} bytes)")
                continue
            problem = (
                _problem_static(crl, issuer)
                or _problem_time(crl, now)
                or _problem_scope(crl, certificate, uris)
            )
            if problem is not None:
                failures.append(f"{shown}: invalid CRL ({problem})")
                continue
            log.info("downloaded the CRL of %s from %s", _short_name(issuer.subject), shown)
            return crl
        return None

    def _path(self, key: str) -> Path:
        return self.cache_dir / f"{key}.crl"

    def _read_disk(
        self, key: str, issuer: x509.Certificate
    ) -> x509.CertificateRevocationList | None:
        """The cached CRL of ``issuer`` if it is one (whatever its dates), else None."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            log.warning("cannot read the cached CRL %s: %s", path, error)
            return None
        try:
            crl = parse_crl(data)
        except _PARSE_ERRORS:
            log.warning("ignoring the unreadable cached CRL %s", path)
            return None
        problem = _problem_static(crl, issuer)
        if problem is not None:
            log.warning("ignoring the cached CRL %s: %s", path, problem)
            return None
        return crl

    def _write_disk(self, key: str, crl: x509.CertificateRevocationList) -> None:
        """Atomically replace the cached CRL; a failure is logged, never raised."""
        target = self._path(key)
        try:
            self.cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=self.cache_dir, prefix=f".{key}.", suffix=".tmp"
            )
            temporary_path = Path(temporary)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(crl.public_bytes(serialization.Encoding.DER))
                    stream.flush()
                    os.fsync(stream.fileno())
                temporary_path.replace(target)
            except BaseException:
                temporary_path.unlink(missing_ok=True)
                raise
        except OSError as error:
            log.warning("cannot write the CRL cache %s: %s", target, error)

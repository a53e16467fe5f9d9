"""Trust anchors: the IGC-Santé certificates shipped with the application, and trust files.

MSSanté servers chain to IGC-Santé, which the operating systems' default bundles do not
contain (Référentiel #2 ECO.1.1.4 / ECO.1.1.10). The production anchors live in
``app/resources/trust/`` (see the README there for their provenance and the checks to run
before each release); ``load_trust_file`` reads anchors given explicitly (the lab, a test
platform, a future IGC-Santé range).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

_TRUST_PACKAGE = "app.resources.trust"
_PEM_MARKER = b"-----BEGIN"


def shipped_trust_anchors() -> list[x509.Certificate]:
    """The production IGC-Santé certificates shipped in the package, sorted by file name.

    Root and intermediates alike: callers that need only self-signed roots filter on
    ``subject == issuer``.
    """
    anchors: list[x509.Certificate] = []
    entries = sorted(resources.files(_TRUST_PACKAGE).iterdir(), key=lambda entry: entry.name)
    for entry in entries:
        if entry.name.endswith(".pem") and entry.is_file():
            anchors.extend(_parse_certificates(entry.read_bytes(), entry.name))
    if not anchors:
        raise RuntimeError(f"no trust anchor found in package data {_TRUST_PACKAGE}")
    return anchors


def load_trust_file(path: Path) -> list[x509.Certificate]:
    """Every certificate of a PEM file (one or many), or of a single DER certificate.

    Raises ``OSError`` when the file cannot be read and ``ValueError`` when it holds no
    certificate.
    """
    return _parse_certificates(path.read_bytes(), str(path))


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as colon-separated uppercase hex (``2D:9E:22:...``)."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _parse_certificates(data: bytes, origin: str) -> list[x509.Certificate]:
    if _PEM_MARKER in data:
        try:
            return x509.load_pem_x509_certificates(data)
        except ValueError as error:
            raise ValueError(f"{origin}: no readable PEM certificate ({error})") from error
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError as error:
        raise ValueError(
            f"{origin}: no certificate found (expected PEM certificates or one DER certificate)"
        ) from error

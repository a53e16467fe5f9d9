"""The lab PKI as a TLS client sees it: chain, expiry, revocation through published CRLs."""

from __future__ import annotations

import socket
import ssl
import urllib.request
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID

from tests.lab.build import LabPki
from tests.lab.tlsserver import tls_server

pytestmark = pytest.mark.lab


def _crl_urls(certificate: x509.Certificate) -> list[str]:
    points = certificate.extensions.get_extension_for_oid(
        ExtensionOID.CRL_DISTRIBUTION_POINTS
    ).value
    return [name.value for point in points for name in point.full_name or []]


def _client_with_published_crls(lab_pki: LabPki, tmp_path: Path) -> ssl.SSLContext:
    """Trust the lab root only, and load every CRL from its distribution point."""
    context = lab_pki.client_context()
    urls = {
        url for authority in lab_pki.pki.authorities[1:] for url in _crl_urls(authority.certificate)
    }
    urls |= set(_crl_urls(lab_pki.server.certificate))
    for url in sorted(urls):
        assert url.startswith(lab_pki.crl_base_url)
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            crl = x509.load_der_x509_crl(response.read())
        crl_file = tmp_path / f"{len(list(tmp_path.iterdir()))}.crl.pem"
        crl_file.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
        context.load_verify_locations(cafile=str(crl_file))  # OpenSSL takes CRLs from files
    context.verify_flags |= ssl.VERIFY_CRL_CHECK_CHAIN
    return context


def _handshake(context: ssl.SSLContext, port: int, hostname: str = "localhost") -> str:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=hostname) as tls,
    ):
        return tls.version() or ""


def _serve(lab_pki: LabPki, name: str) -> AbstractContextManager[int]:
    return tls_server(*lab_pki.write_issued(name, getattr(lab_pki, name)))


def test_valid_server_certificate_is_accepted_with_crl_checks(
    lab_pki: LabPki, tmp_path: Path
) -> None:
    context = _client_with_published_crls(lab_pki, tmp_path)
    with _serve(lab_pki, "server") as port:
        assert _handshake(context, port) in {"TLSv1.2", "TLSv1.3"}
        assert _handshake(context, port, "127.0.0.1")


def test_revoked_server_certificate_is_refused(lab_pki: LabPki, tmp_path: Path) -> None:
    context = _client_with_published_crls(lab_pki, tmp_path)
    with _serve(lab_pki, "revoked_server") as port:
        with pytest.raises(ssl.SSLCertVerificationError, match="revoked"):
            _handshake(context, port)
        # without the CRLs the same certificate passes: the CRL is what catches it
        assert _handshake(lab_pki.client_context(), port)


def test_expired_server_certificate_is_refused(lab_pki: LabPki) -> None:
    with _serve(lab_pki, "expired_server") as port:
        with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
            _handshake(lab_pki.client_context(), port)


def test_wrong_host_name_is_refused(lab_pki: LabPki) -> None:
    with _serve(lab_pki, "server") as port:
        with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
            _handshake(lab_pki.client_context(), port, "imap.autre-operateur.test")


def test_server_of_another_authority_is_refused(lab_pki: LabPki) -> None:
    other = lab_pki.public_ca.server(["localhost"])
    with tls_server(*lab_pki.write_issued("other-server", other, lab_pki.public_ca)) as port:
        with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
            _handshake(lab_pki.client_context(), port)

"""Connection failures become errors with a class and a French message."""

from __future__ import annotations

import socket
import ssl

import pytest

from app.core import errors
from app.transport.tls import classify


def _verify_error(code: int) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_code = code
    return error


def _ssl_error(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] {reason.lower()}")
    error.reason = reason
    return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_verify_error(10), errors.CertificateExpiredError),
        (_verify_error(9), errors.CertificateExpiredError),
        (_verify_error(62), errors.HostnameMismatchError),
        (_verify_error(23), errors.CertificateRevokedError),
        (_verify_error(20), errors.CertificateUntrustedError),
        (_ssl_error("UNSUPPORTED_PROTOCOL"), errors.ProtocolTooOldError),
        (_ssl_error("TLSV1_ALERT_PROTOCOL_VERSION"), errors.ProtocolTooOldError),
        (_ssl_error("TLSV13_ALERT_CERTIFICATE_REQUIRED"), errors.ClientCertificateRefusedError),
        (_ssl_error("SSLV3_ALERT_BAD_CERTIFICATE"), errors.ClientCertificateRefusedError),
        (_ssl_error("WRONG_VERSION_NUMBER"), errors.TlsError),
        (TimeoutError("timed out"), errors.ConnectionTimeoutError),
        (ConnectionRefusedError(111, "refused"), errors.ServerUnreachableError),
        (socket.gaierror(-2, "Name or service not known"), errors.ServerUnreachableError),
    ],
)
def test_classification(error: BaseException, expected: type[errors.CaduceeError]) -> None:
    result = classify(error)
    assert type(result) is expected
    assert result.user_message and result.user_message[0].isupper()
    assert isinstance(result, ConnectionError)  # every transport error is a ConnectionError


def test_wrong_port_kind_is_explained() -> None:
    assert "STARTTLS" in classify(_ssl_error("WRONG_VERSION_NUMBER")).user_message


def test_programming_errors_are_not_disguised() -> None:
    with pytest.raises(ZeroDivisionError):
        classify(ZeroDivisionError())

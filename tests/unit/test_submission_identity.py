from __future__ import annotations

import ssl

import pytest

from app.sandbox.submission import SubmissionServer, certificate_identity


def test_identity_prefers_serial_number_then_common_name() -> None:
    subject = (
        (("countryName", "FR"),),
        (("serialNumber", "810001234567"),),
        (("commonName", "810001234567/Alice MARTIN"),),
    )
    assert certificate_identity({"subject": subject}) == "810001234567"
    assert certificate_identity({"subject": ((("commonName", "appli"),),)}) == "appli"
    assert certificate_identity({}) is None
    assert certificate_identity(None) is None


def test_server_refuses_a_context_that_does_not_require_client_certificates() -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with pytest.raises(ValueError, match="client certificate"):
        SubmissionServer(context, lambda _i, _s: True, lambda _f, _r, _m: None)

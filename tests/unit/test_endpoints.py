from __future__ import annotations

import pytest

from app.transport.endpoints import Endpoint, EndpointError, Protocol, Security


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("imaps://imap.mssante.test", (Protocol.IMAP, Security.IMPLICIT, "imap.mssante.test", 993)),
        ("imap+starttls://h:1143", (Protocol.IMAP, Security.STARTTLS, "h", 1143)),
        ("smtps://h", (Protocol.SMTP, Security.IMPLICIT, "h", 465)),
        ("SMTP+STARTTLS://h", (Protocol.SMTP, Security.STARTTLS, "h", 587)),
        ("imaps://[::1]:10993", (Protocol.IMAP, Security.IMPLICIT, "::1", 10993)),
    ],
)
def test_url_forms(url: str, expected: tuple[object, ...]) -> None:
    endpoint = Endpoint.parse(url)
    assert (endpoint.protocol, endpoint.security, endpoint.host, endpoint.port) == expected
    assert Endpoint.parse(endpoint.url()) == endpoint


@pytest.mark.parametrize(
    "url",
    [
        "http://h",
        "imap://h",
        "imaps://",
        "imaps://h:99999",
        "imaps://h/INBOX",
        "imaps://h?x=1",
        "",
        "h:993",
    ],
)
def test_bad_urls_get_a_french_message(url: str) -> None:
    with pytest.raises(EndpointError) as bad:
        Endpoint.parse(url)
    assert "serveur" in str(bad.value) or "Port" in str(bad.value)

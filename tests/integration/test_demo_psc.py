"""The demo's sandbox operator speaks the API LPS: its PSC-like provider signs in the demo
identity (card page or QR code + e-CPS page), and its pymap IMAP and submission server take
the tokens by XOAUTH2/OAUTHBEARER — raw protocol clients here, no app code."""

from __future__ import annotations

import base64
import imaplib
import json
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.sandbox.bearer import CHALLENGE_401
from app.sandbox.operator import DEMO_ADDRESS, OperatorEndpoints, SandboxOperator
from app.sandbox.psc import PscProvider, phone_answer
from tests.lab.oidc import Client, call


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxOperator]:
    operator = SandboxOperator(tmp_path_factory.mktemp("demo") / "demo")
    with operator:
        yield operator


def endpoints(demo: SandboxOperator) -> OperatorEndpoints:
    assert demo.endpoints is not None
    return demo.endpoints


def provider(demo: SandboxOperator) -> PscProvider:
    found = demo._psc
    assert found is not None
    return found


def tls(demo: SandboxOperator) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(demo.files.trust))
    context.check_hostname = False  # the demo certificate names localhost and 127.0.0.1
    return context


def port(url: str) -> int:
    found = urlsplit(url).port
    assert found is not None
    return found


def xoauth2(token: str) -> bytes:
    return f"user={DEMO_ADDRESS}\x01auth=Bearer {token}\x01\x01".encode()


def test_the_demo_tells_a_client_how_to_sign_in(demo: SandboxOperator) -> None:
    settings = json.loads(demo.files.psc.read_text())
    points = endpoints(demo)
    assert settings["issuer"] == points.psc_issuer
    assert settings["issuer"].endswith("/auth/realms/esante-wallet")
    assert settings["client_id"] == points.psc_client_id == "caducee"
    assert settings["national_id"] == demo.holder.id_nat
    assert settings["imap_url"] == points.psc_imap_url
    assert settings["ecps_page"] == f"{points.psc_issuer}/device"
    assert demo.files.psc.stat().st_mode & 0o077 == 0


def test_sign_in_by_qr_code_then_read_and_send(demo: SandboxOperator) -> None:
    client = Client(provider(demo))
    started = client.device()
    assert "approuvée" in phone_answer(started["verification_uri_complete"], demo.holder.id_nat)
    status, tokens = client.poll(started["device_code"])
    assert status == 200, tokens
    token = tokens["access_token"]
    points = endpoints(demo)
    with imaplib.IMAP4_SSL(
        "127.0.0.1", port(points.psc_imap_url), ssl_context=tls(demo), timeout=10
    ) as imap:
        assert "AUTH=XOAUTH2" in imap.capabilities
        assert "AUTH=OAUTHBEARER" in imap.capabilities
        assert imap.authenticate("XOAUTH2", lambda _c: xoauth2(token))[0] == "OK"
        status, count = imap.select("INBOX")
        assert status == "OK"
        assert int(count[0] or 0) > 0  # the sample mail
    message = EmailMessage()
    message["From"] = message["To"] = DEMO_ADDRESS
    message["Subject"] = "Essai PSC"
    message.set_content("Bonjour.")
    with smtplib.SMTP_SSL(
        "127.0.0.1", port(points.psc_smtp_url), context=tls(demo), timeout=10
    ) as smtp:
        smtp.ehlo("poste.demo")
        code, _ = smtp.docmd("AUTH", "XOAUTH2 " + base64.b64encode(xoauth2(token)).decode())
        assert code == 235
        assert smtp.send_message(message) == {}


def test_a_refused_token_gets_the_challenge_then_no(demo: SandboxOperator) -> None:
    psc = provider(demo)
    client = Client(psc)
    psc.faults.next_expired = True
    expired = client.sign_in(demo.holder.id_nat)["access_token"]
    challenges: list[bytes] = []

    def answer(challenge: bytes) -> bytes:
        challenges.append(challenge)
        return xoauth2(expired) if len(challenges) == 1 else b""

    points = endpoints(demo)
    with imaplib.IMAP4_SSL(
        "127.0.0.1", port(points.psc_imap_url), ssl_context=tls(demo), timeout=10
    ) as imap:
        with pytest.raises(imaplib.IMAP4.error):
            imap.authenticate("XOAUTH2", answer)
        assert json.loads(challenges[-1]) == CHALLENGE_401
    revoked = client.sign_in(demo.holder.id_nat)["access_token"]
    psc.revoke_refresh_tokens(demo.holder.id_nat)  # the session ended: introspection says no
    with smtplib.SMTP_SSL(
        "127.0.0.1", port(points.psc_smtp_url), context=tls(demo), timeout=10
    ) as smtp:
        smtp.ehlo("poste.demo")
        code, _ = smtp.docmd("AUTH", "XOAUTH2 " + base64.b64encode(xoauth2(revoked)).decode())
        assert code == 334
        assert smtp.docmd("")[0] == 535


def test_the_card_listeners_still_require_a_certificate(demo: SandboxOperator) -> None:
    points = endpoints(demo)
    with pytest.raises((ssl.SSLError, ConnectionError, imaplib.IMAP4.abort, OSError)):
        with imaplib.IMAP4_SSL(
            "127.0.0.1", port(points.imap_url), ssl_context=tls(demo), timeout=10
        ) as imap:
            imap.noop()


def test_the_demo_keeps_no_secret_in_its_settings(demo: SandboxOperator, tmp_path: Path) -> None:
    text = demo.files.psc.read_text()
    secret = provider(demo).introspection_credentials[1]
    assert secret not in text


def test_ciba_on_the_demo(demo: SandboxOperator) -> None:
    psc = provider(demo)
    client = Client(psc)
    url = client.endpoint("backchannel_authentication_endpoint")
    form = {"client_id": "caducee", "scope": "openid scope_all", "login_hint": demo.holder.id_nat}
    status, started = call(url, form)
    assert status == 200, started
    phone = f"{psc.issuer}/device?national_id={demo.holder.id_nat}"
    assert "approuvée" in phone_answer(phone, demo.holder.id_nat)
    grant = {"grant_type": "urn:openid:params:grant-type:ciba", "client_id": "caducee"}
    status, tokens = call(
        client.endpoint("token_endpoint"), grant | {"auth_req_id": started["auth_req_id"]}
    )
    assert status == 200, tokens
    assert psc.accepts(DEMO_ADDRESS, tokens["access_token"])

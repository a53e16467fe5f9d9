"""The lab's API LPS operator takes PSC tokens: real Dovecot (oauth2 passdb, introspection)
for IMAP, the lab submission server (JWKS) for SMTP; raw protocol clients, no app code."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import json
import smtplib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sandbox.bearer import CHALLENGE_401, CHALLENGE_INVALID_TOKEN
from app.sandbox.psc import PscProvider, SteppingClock
from app.sandbox.submission import Endpoints
from tests.lab import build
from tests.lab.build import PSC_CLIENT, PSC_DUPONT, PSC_MARTIN, LabPki, lab_message
from tests.lab.dovecot import Dovecot
from tests.lab.fixtures import _running
from tests.lab.oidc import Client

pytestmark = pytest.mark.lab


def xoauth2(user: str, token: str) -> bytes:
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def oauthbearer(user: str, token: str) -> bytes:
    return f"n,a={user},\x01auth=Bearer {token}\x01\x01".encode()


def token_for(provider: PscProvider, national_id: str) -> str:
    return str(Client(provider).sign_in(national_id)["access_token"])


class Exchange:
    """imaplib's SASL callback: what the server said, what we answered."""

    def __init__(self, first: bytes, abort: bytes) -> None:
        self.first, self.abort = first, abort
        self.challenges: list[bytes] = []

    def __call__(self, challenge: bytes) -> bytes:
        self.challenges.append(challenge)
        return self.first if len(self.challenges) == 1 else self.abort


@pytest.fixture
def imap(lab_pki: LabPki, dovecot_psc: Dovecot) -> Iterator[imaplib.IMAP4_SSL]:
    connection = imaplib.IMAP4_SSL(
        "127.0.0.1", dovecot_psc.imaps_port, ssl_context=lab_pki.client_context(), timeout=10
    )
    yield connection
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        connection.logout()


# -- IMAP: Dovecot -----------------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_dovecot_accepts_a_valid_token(
    lab_psc: PscProvider, imap: imaplib.IMAP4_SSL, mechanism: str
) -> None:
    assert mechanism in imap.capabilities or f"AUTH={mechanism}" in imap.capabilities
    token = token_for(lab_psc, PSC_MARTIN.national_id)
    build = xoauth2 if mechanism == "XOAUTH2" else oauthbearer
    status, _ = imap.authenticate(mechanism, Exchange(build(PSC_MARTIN.address, token), b""))
    assert status == "OK"
    assert imap.select("INBOX")[0] == "OK"


def test_dovecot_accepts_an_initial_response(lab_psc: PscProvider, imap: imaplib.IMAP4_SSL) -> None:
    token = token_for(lab_psc, PSC_MARTIN.national_id)
    initial = base64.b64encode(xoauth2(PSC_MARTIN.address, token)).decode()
    assert "SASL-IR" in imap.capabilities
    status, _ = imap._simple_command("AUTHENTICATE", "XOAUTH2", initial)
    assert status == "OK"


def _refused(
    imap: imaplib.IMAP4_SSL, user: str, token: str, mechanism: str = "XOAUTH2"
) -> list[bytes]:
    build = xoauth2 if mechanism == "XOAUTH2" else oauthbearer
    exchange = Exchange(build(user, token), b"" if mechanism == "XOAUTH2" else b"\x01")
    started = time.monotonic()
    with pytest.raises(imaplib.IMAP4.error):
        imap.authenticate(mechanism, exchange)
    assert time.monotonic() - started < 5  # no failure delay, no anvil back-off in the lab
    return exchange.challenges


@pytest.mark.parametrize("fault", ["next_wrong_key", "next_expired", "next_audience"])
@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_dovecot_refuses_bad_tokens_with_the_401_challenge(
    lab_psc: PscProvider, imap: imaplib.IMAP4_SSL, fault: str, mechanism: str
) -> None:
    setattr(lab_psc.faults, fault, "autre-logiciel" if fault == "next_audience" else True)
    token = token_for(lab_psc, PSC_MARTIN.national_id)
    challenges = _refused(imap, PSC_MARTIN.address, token, mechanism)
    if mechanism == "XOAUTH2":
        assert json.loads(challenges[-1]) == CHALLENGE_401
    else:  # Dovecot 2.3: RFC 7628's status, and nothing else
        assert json.loads(challenges[-1])["status"] == "invalid_token"


def test_dovecot_refuses_a_token_for_another_mailbox_or_a_revoked_one(
    lab_psc: PscProvider, imap: imaplib.IMAP4_SSL, dovecot_psc: Dovecot
) -> None:
    dupont = token_for(lab_psc, PSC_DUPONT.national_id)
    assert json.loads(_refused(imap, PSC_MARTIN.address, dupont)[-1]) == CHALLENGE_401
    _refused(imap, PSC_MARTIN.address, "pas-un-jeton")
    lab_psc.revoke_refresh_tokens(PSC_DUPONT.national_id)
    _refused(imap, PSC_DUPONT.address, dupont)


# -- SMTP: the submission server -----------------------------------------------------------------


def _smtp(lab_pki: LabPki, endpoints: Endpoints) -> smtplib.SMTP_SSL:
    smtp = smtplib.SMTP_SSL(
        endpoints.host, endpoints.implicit_tls_port, context=lab_pki.client_context(), timeout=10
    )
    smtp.ehlo("poste.lab")
    return smtp


def test_submission_offers_tokens_only_and_only_over_tls(
    lab_pki: LabPki, lab_smtp_psc: Endpoints
) -> None:
    with _smtp(lab_pki, lab_smtp_psc) as smtp:
        assert set(smtp.esmtp_features["auth"].split()) == {"XOAUTH2", "OAUTHBEARER"}
    with smtplib.SMTP(lab_smtp_psc.host, lab_smtp_psc.starttls_port, timeout=10) as plain:
        plain.ehlo("poste.lab")
        assert "auth" not in plain.esmtp_features
        code, _ = plain.docmd("AUTH", "XOAUTH2 " + base64.b64encode(b"x").decode())
        assert code in (530, 538)  # STARTTLS first: no token in clear
        plain.starttls(context=lab_pki.client_context())
        plain.ehlo("poste.lab")
        assert "XOAUTH2" in plain.esmtp_features["auth"]


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
@pytest.mark.parametrize("initial_response", [True, False])
def test_submission_sends_with_a_valid_token_into_dovecot(
    lab_psc: PscProvider,
    lab_pki: LabPki,
    lab_smtp_psc: Endpoints,
    imap: imaplib.IMAP4_SSL,
    mechanism: str,
    initial_response: bool,
) -> None:
    token = token_for(lab_psc, PSC_MARTIN.national_id)
    build = xoauth2 if mechanism == "XOAUTH2" else oauthbearer
    message = base64.b64encode(build(PSC_MARTIN.address, token)).decode()
    subject = f"Jeton {mechanism} {initial_response} {time.monotonic_ns()}"
    with _smtp(lab_pki, lab_smtp_psc) as smtp:
        if initial_response:
            code, _ = smtp.docmd("AUTH", f"{mechanism} {message}")
        else:
            assert smtp.docmd("AUTH", mechanism)[0] == 334
            code, _ = smtp.docmd(message)
        assert code == 235
        refused = smtp.send_message(
            lab_message(PSC_MARTIN.address, PSC_DUPONT.address, subject, "Bonjour.")
        )
        assert refused == {}
        with pytest.raises(smtplib.SMTPSenderRefused):  # only as the token's mailbox
            smtp.send_message(lab_message(PSC_DUPONT.address, PSC_MARTIN.address, "x", "y"))
    dupont = token_for(lab_psc, PSC_DUPONT.national_id)
    imap.authenticate("XOAUTH2", Exchange(xoauth2(PSC_DUPONT.address, dupont), b""))
    imap.select("INBOX")
    status, found = imap.search(None, "SUBJECT", f'"{subject}"')
    assert status == "OK"
    assert found[0].split()


@pytest.mark.parametrize("fault", ["next_wrong_key", "next_expired", "next_audience"])
@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_submission_refuses_bad_tokens_like_the_operators(
    lab_psc: PscProvider, lab_pki: LabPki, lab_smtp_psc: Endpoints, fault: str, mechanism: str
) -> None:
    setattr(lab_psc.faults, fault, "autre-logiciel" if fault == "next_audience" else True)
    token = token_for(lab_psc, PSC_MARTIN.national_id)
    build = xoauth2 if mechanism == "XOAUTH2" else oauthbearer
    message = base64.b64encode(build(PSC_MARTIN.address, token)).decode()
    with _smtp(lab_pki, lab_smtp_psc) as smtp:
        code, challenge = smtp.docmd("AUTH", f"{mechanism} {message}")
        assert code == 334
        expected = CHALLENGE_401 if mechanism == "XOAUTH2" else CHALLENGE_INVALID_TOKEN
        assert json.loads(base64.b64decode(challenge)) == expected
        code, _ = smtp.docmd("" if mechanism == "XOAUTH2" else "AQ==")
        assert code == 535
        with pytest.raises(smtplib.SMTPSenderRefused):  # still not signed in
            smtp.send_message(lab_message(PSC_MARTIN.address, PSC_DUPONT.address, "x", "y"))


def test_submission_refuses_a_token_for_another_mailbox(
    lab_psc: PscProvider, lab_pki: LabPki, lab_smtp_psc: Endpoints
) -> None:
    dupont = token_for(lab_psc, PSC_DUPONT.national_id)
    message = base64.b64encode(xoauth2(PSC_MARTIN.address, dupont)).decode()
    with _smtp(lab_pki, lab_smtp_psc) as smtp:
        assert smtp.docmd("AUTH", f"XOAUTH2 {message}")[0] == 334
        assert smtp.docmd("")[0] == 535


def test_dovecot_judges_expiry_by_the_providers_clock(lab_dir: Path, lab_pki: LabPki) -> None:
    """A test's own provider and Dovecot: time moves by the provider's clock only."""
    clock = SteppingClock()
    with PscProvider(users=[PSC_MARTIN], clients=[PSC_CLIENT], now=clock) as provider:
        dovecot = build.psc_dovecot(lab_dir, lab_pki, provider, name="dovecot-psc-clock")
        running = _running(dovecot)
        next(running)
        try:
            tokens = Client(provider).sign_in(PSC_MARTIN.national_id)

            def login(token: str) -> imaplib.IMAP4_SSL:
                connection = imaplib.IMAP4_SSL(
                    "127.0.0.1", dovecot.imaps_port, ssl_context=lab_pki.client_context()
                )
                exchange = Exchange(xoauth2(PSC_MARTIN.address, token), b"")
                connection.authenticate("XOAUTH2", exchange)
                return connection

            login(tokens["access_token"]).logout()
            clock.advance(310)  # PSC's 300 s (and the 5 s of leeway) are over
            with pytest.raises(imaplib.IMAP4.error):
                login(tokens["access_token"])
            status, fresh = Client(provider).refresh(tokens["refresh_token"])
            assert status == 200, fresh
            login(fresh["access_token"]).logout()
        finally:
            next(running, None)

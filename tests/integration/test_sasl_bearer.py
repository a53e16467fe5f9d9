"""SASL XOAUTH2 / OAUTHBEARER edge cases against a scripted server (tests/lab/fakesasl.py):
what goes over the wire, the JSON challenge answered, a refusal that hangs up, one retry
with a fresh token and no more, never a token without TLS."""

from __future__ import annotations

import base64
import ssl

import pytest

from app.core.errors import AuthenticationError, TlsError
from app.transport import imap, sasl, smtp
from app.transport.endpoints import Endpoint, Protocol, Security
from app.transport.tls import TrustPolicy
from tests.lab.build import LOOPBACK_NAMES, LabPki
from tests.lab.fakesasl import FakeSaslServer

pytestmark = pytest.mark.lab

USER = "alice.martin@medecin.mssante.test"


class Tokens:
    """A BearerSource handing out tok-1, then tok-2... on renew."""

    def __init__(self) -> None:
        self.number = 1
        self.renewed = 0

    def access_token(self) -> str:
        return f"tok-{self.number}"

    def renew(self) -> str:
        self.number += 1
        self.renewed += 1
        return self.access_token()


@pytest.fixture(scope="module")
def server_context(lab_pki: LabPki) -> ssl.SSLContext:
    issued = lab_pki.public_ca.server(LOOPBACK_NAMES, operator="FAKE SASL TEST")
    chain, key = lab_pki.write_issued("fake-sasl", issued, lab_pki.public_ca)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(chain), str(key))
    return context


@pytest.fixture(scope="module")
def policy(lab_pki: LabPki) -> TrustPolicy:
    return TrustPolicy(anchors=[lab_pki.public_ca.root.certificate], mssante=False)


def imap_connect(server: FakeSaslServer, policy: TrustPolicy) -> imap.ImapConnection:
    endpoint = Endpoint(Protocol.IMAP, Security.IMPLICIT, "localhost", server.port)
    return imap.connect(endpoint, policy, timeout=10)


# -- IMAP ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sasl_ir", [True, False], ids=["initial-response", "no-initial-response"])
def test_imap_xoauth2(server_context: ssl.SSLContext, policy: TrustPolicy, sasl_ir: bool) -> None:
    with FakeSaslServer("imap", server_context, lambda t: t == "good", sasl_ir=sasl_ir) as server:
        with imap_connect(server, policy) as connection:
            assert connection.authenticate_bearer(USER, "good") == "XOAUTH2"
        line = next(r for r in server.received if "AUTHENTICATE" in r.upper())
        assert (len(line.split()) == 4) is sasl_ir  # tag AUTHENTICATE XOAUTH2 <response>
    assert server.responses == [f"user={USER}\x01auth=Bearer good\x01\x01".encode()]


def test_imap_oauthbearer_when_only_it_is_offered(
    server_context: ssl.SSLContext, policy: TrustPolicy
) -> None:
    with FakeSaslServer(
        "imap", server_context, lambda t: t == "good", mechanisms=("OAUTHBEARER",)
    ) as server:
        with imap_connect(server, policy) as connection:
            assert connection.authenticate_bearer(USER, "good") == "OAUTHBEARER"
        port = server.port
    assert server.responses == [
        f"n,a={USER},\x01host=localhost\x01port={port}\x01auth=Bearer good\x01\x01".encode()
    ]


@pytest.mark.parametrize(("mechanism", "answer"), [("XOAUTH2", ""), ("OAUTHBEARER", "AQ==")])
def test_imap_refusal_answers_the_challenge_and_reads_it(
    server_context: ssl.SSLContext, policy: TrustPolicy, mechanism: str, answer: str
) -> None:
    with FakeSaslServer(
        "imap", server_context, lambda _t: False, mechanisms=(mechanism,)
    ) as server:
        with imap_connect(server, policy) as connection:
            with pytest.raises(sasl.BearerRefusedError) as caught:
                connection.authenticate_bearer(USER, "stale")
    assert caught.value.challenge == {"status": "401", "schemes": "bearer", "scope": "mail"}
    start = next(i for i, line in enumerate(server.received) if "AUTHENTICATE" in line.upper())
    assert server.received[start + 1] == answer  # the answer to the challenge
    assert "Pro Santé Connect" in caught.value.user_message


@pytest.mark.parametrize(
    "challenge",
    [b"not json", b"[1, 2]", b"{" * 5000, b'{"status": ' + b"9" * 10000 + b"}", b"\xff\xfe"],
    ids=["text", "list", "deep", "huge", "binary"],
)
def test_hostile_challenges_are_a_plain_refusal(
    server_context: ssl.SSLContext, policy: TrustPolicy, challenge: bytes
) -> None:
    with FakeSaslServer("imap", server_context, lambda _t: False, challenge=challenge) as server:
        with imap_connect(server, policy) as connection:
            with pytest.raises(sasl.BearerRefusedError):
                connection.authenticate_bearer(USER, "stale")
    with FakeSaslServer("smtp", server_context, lambda _t: False, challenge=challenge) as server:
        endpoint = Endpoint(Protocol.SMTP, Security.IMPLICIT, "localhost", server.port)
        with pytest.raises(sasl.BearerRefusedError):
            smtp.probe(endpoint, policy, timeout=10, bearer=(smtp.BearerLogin(USER, Tokens()), "x"))


def test_imap_refusal_that_hangs_up(server_context: ssl.SSLContext, policy: TrustPolicy) -> None:
    with FakeSaslServer(
        "imap", server_context, lambda _t: False, hang_up_after_challenge=True
    ) as server:
        with imap_connect(server, policy) as connection:
            with pytest.raises(sasl.BearerRefusedError):
                connection.authenticate_bearer(USER, "stale")


def test_no_bearer_mechanism(server_context: ssl.SSLContext, policy: TrustPolicy) -> None:
    with FakeSaslServer("imap", server_context, lambda _t: True, mechanisms=("PLAIN",)) as server:
        with imap_connect(server, policy) as connection:
            with pytest.raises(sasl.NoBearerMechanismError) as caught:
                connection.authenticate_bearer(USER, "good")
    assert "XOAUTH2" in caught.value.user_message
    assert server.responses == []


def test_never_a_token_without_tls(policy: TrustPolicy) -> None:
    with FakeSaslServer("imap", None, lambda _t: True) as server:  # no STARTTLS offered
        endpoint = Endpoint(Protocol.IMAP, Security.STARTTLS, "localhost", server.port)
        with pytest.raises(TlsError):
            imap.connect(endpoint, policy, timeout=10)
    assert not any("AUTHENTICATE" in line.upper() for line in server.received)


# -- SMTP ---------------------------------------------------------------------------------


def send(server: FakeSaslServer, policy: TrustPolicy, login: smtp.BearerLogin) -> smtp.Submission:
    endpoint = Endpoint(Protocol.SMTP, Security.IMPLICIT, "localhost", server.port)
    return smtp.submit(
        endpoint, policy, None, USER, ["bob@lab.test"], b"Subject: x\r\n\r\nbody\r\n",
        bearer=login, timeout=10,
    )  # fmt: skip


@pytest.mark.parametrize("hang_up", [False, True], ids=["535", "hang-up"])
@pytest.mark.parametrize("initial_response", [True, False], ids=["ir", "no-ir"])
def test_smtp_refused_token_is_renewed_once(
    server_context: ssl.SSLContext, policy: TrustPolicy, hang_up: bool, initial_response: bool
) -> None:
    tokens = Tokens()
    with FakeSaslServer(
        "smtp", server_context, lambda t: t == "tok-2", hang_up_after_challenge=hang_up
    ) as server:
        result = send(server, policy, smtp.BearerLogin(USER, tokens, initial_response))
    assert result.accepted == ("bob@lab.test",)
    assert tokens.renewed == 1
    assert server.logins == [("XOAUTH2", False), ("XOAUTH2", True)]
    auth_lines = [line for line in server.received if line.upper().startswith("AUTH")]
    assert all((len(line.split()) == 3) is initial_response for line in auth_lines)


def test_smtp_second_refusal_is_final(server_context: ssl.SSLContext, policy: TrustPolicy) -> None:
    tokens = Tokens()
    with FakeSaslServer("smtp", server_context, lambda _t: False) as server:
        with pytest.raises(sasl.BearerRefusedError) as caught:
            send(server, policy, smtp.BearerLogin(USER, tokens))
    assert tokens.renewed == 1
    assert len(server.logins) == 2  # never a third try, never a password
    assert not any(line.upper().startswith("MAIL") for line in server.received)
    assert caught.value.challenge["scope"] == "mail"


def test_smtp_oauthbearer_abort_reply(server_context: ssl.SSLContext, policy: TrustPolicy) -> None:
    with FakeSaslServer(
        "smtp", server_context, lambda _t: False, mechanisms=("OAUTHBEARER",)
    ) as server:
        with pytest.raises(sasl.BearerRefusedError):
            send(server, policy, smtp.BearerLogin(USER, Tokens()))
    start = next(i for i, line in enumerate(server.received) if line.upper().startswith("AUTH"))
    assert base64.b64decode(server.received[start + 1]) == b"\x01"


@pytest.mark.parametrize("sasl_ir", [True, False], ids=["initial-response", "no-initial-response"])
def test_imap_plain_and_external_in_one_round_trip_with_sasl_ir(
    server_context: ssl.SSLContext,
    policy: TrustPolicy,
    sasl_ir: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PLAIN (password) and EXTERNAL (the card's certificate) send their response with the
    command when the server offers SASL-IR: one round trip to her operator, not two. The
    command line then holds the password: never in the debug log (imapclient redacts it)."""
    with FakeSaslServer(
        "imap", server_context, lambda p: p in ("bön mot", "(certificate)"), sasl_ir=sasl_ir,
        mechanisms=("PLAIN", "EXTERNAL"),
    ) as server:  # fmt: skip
        with caplog.at_level("DEBUG", logger="imapclient"), imap_connect(server, policy) as c:
            c.authenticate_password(USER, "bön mot")
        with imap_connect(server, policy) as connection:
            connection.authenticate_external()
        with imap_connect(server, policy) as connection, pytest.raises(AuthenticationError):
            connection.authenticate_password(USER, "faux")
    authenticate = [r for r in server.received if "AUTHENTICATE" in r.upper()]
    assert [len(line.split()) == 4 for line in authenticate] == [sasl_ir] * 3
    assert [m for m, accepted in server.logins] == ["PLAIN", "EXTERNAL", "PLAIN"]
    assert [accepted for m, accepted in server.logins] == [True, True, False]
    secret = base64.b64encode(f"\0{USER}\0bön mot".encode()).decode()
    assert secret not in caplog.text and "bön mot" not in caplog.text

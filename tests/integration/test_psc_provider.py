"""The lab's PSC-like OpenID provider is a real one: it refuses what PSC would refuse.

Everything goes over HTTP to the running provider; time moves with its injected clock only
(never real waits), and tokens are checked against that same clock.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from app.sandbox.bearer import TokenRejected, verify_jwt
from app.sandbox.psc import PscClient, PscProvider, PscUser, SteppingClock, browser_sign_in
from tests.lab.oidc import Client, basic, call, pkce, query_of

ALICE = PscUser("810000000001", "Alice", "MARTIN", "alice.martin@medecin.mssante.test")
BOB = PscUser("810000000002", "Bernard", "DURAND", "bernard.durand@medecin.mssante.test")
APP = PscClient("caducee", ("http://127.0.0.1/callback", "https://app.example/cb"))


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def provider(clock: SteppingClock) -> Iterator[PscProvider]:
    with PscProvider(users=[ALICE, BOB], clients=[APP], now=clock) as running:
        yield running


@pytest.fixture
def client(provider: PscProvider) -> Client:
    return Client(provider)


def check(provider: PscProvider, token: str, clock: SteppingClock) -> dict[str, object]:
    """What a resource server does with the JWKS it fetched from the provider."""
    status, jwks = call(Client(provider).endpoint("jwks_uri"))
    assert status == 200
    return verify_jwt(token, jwks, issuer=provider.issuer, audiences=["caducee"], now=clock)


# -- discovery ----------------------------------------------------------------------------------


def test_discovery_has_the_psc_shape(provider: PscProvider, client: Client) -> None:
    metadata = client.metadata
    assert provider.issuer.endswith("/auth/realms/esante-wallet")
    assert metadata["issuer"] == provider.issuer
    base = f"{provider.issuer}/protocol/openid-connect"
    assert metadata["authorization_endpoint"] == f"{base}/auth"
    assert metadata["token_endpoint"] == f"{base}/token"
    assert metadata["jwks_uri"] == f"{base}/certs"
    assert metadata["introspection_endpoint"] == f"{base}/token/introspect"
    assert metadata["device_authorization_endpoint"] == f"{base}/auth/device"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "backchannel_authentication_endpoint" not in metadata  # no CIBA offered
    assert {"openid", "scope_all"} <= set(metadata["scopes_supported"])
    status, jwks = call(metadata["jwks_uri"])
    assert status == 200
    assert [k["kty"] for k in jwks["keys"]] == ["RSA"]
    assert "d" not in jwks["keys"][0]  # never the private key


def test_discovery_faults(provider: PscProvider, client: Client) -> None:
    provider.faults.discovery_issuer = "http://127.0.0.1:1/auth/realms/autre"
    assert client.metadata["issuer"] == "http://127.0.0.1:1/auth/realms/autre"
    provider.faults.discovery_unreachable = True
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        call(provider.discovery_url)


# -- code + PKCE ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["cps", "ecps"])
def test_code_flow_gives_psc_shaped_tokens(
    provider: PscProvider, client: Client, clock: SteppingClock, method: str
) -> None:
    verifier, challenge = pkce()
    location = browser_sign_in(
        client.authorize_url(challenge, nonce="n-1"), ALICE.national_id, method
    )
    answer = query_of(location)
    assert location.startswith("http://127.0.0.1:49152/callback?")
    assert answer["state"] == "etat-42"
    status, tokens = client.exchange(answer["code"], verifier)
    assert status == 200, tokens
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["expires_in"] == 300
    claims = check(provider, tokens["access_token"], clock)
    assert claims["sub"] == ALICE.national_id
    assert claims["SubjectNameID"] == ALICE.national_id
    assert (claims["given_name"], claims["family_name"]) == ("Alice", "MARTIN")
    assert claims["email"] == ALICE.address
    assert claims["aud"] == claims["azp"] == "caducee"
    assert claims["exp"] - claims["iat"] == 300
    assert (
        jwt.decode(tokens["access_token"], KeySet(list(_keys(provider)))).header["typ"] == "at+jwt"
    )
    id_claims = verify_jwt(
        tokens["id_token"], provider.jwks, issuer=provider.issuer, audiences=["caducee"], now=clock
    )
    assert id_claims["nonce"] == "n-1"
    assert id_claims["sub"] == ALICE.national_id


def _keys(provider: PscProvider) -> KeySet:
    return KeySet.import_key_set(provider.jwks)  # type: ignore[arg-type]


def test_a_wrong_verifier_is_refused(client: Client) -> None:
    _verifier, challenge = pkce()
    location = browser_sign_in(client.authorize_url(challenge), ALICE.national_id)
    other, _ = pkce()
    status, body = client.exchange(query_of(location)["code"], other)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_a_missing_verifier_is_refused(client: Client) -> None:
    _verifier, challenge = pkce()
    location = browser_sign_in(client.authorize_url(challenge), ALICE.national_id)
    status, body = client.exchange(query_of(location)["code"], "")
    assert (status, body["error"]) == (400, "invalid_request")


@pytest.mark.parametrize(
    "pkce_params",
    [
        {},  # no PKCE at all
        {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
        {"code_challenge": "x" * 43},  # no method: plain
    ],
)
def test_pkce_s256_is_required_at_the_authorization(
    client: Client, pkce_params: dict[str, str]
) -> None:
    url = client.authorize_url(None, **pkce_params)
    location = browser_sign_in(url, ALICE.national_id)
    answer = query_of(location)
    assert answer["error"] == "invalid_request"
    assert answer["state"] == "etat-42"
    assert "code" not in answer


def test_an_unregistered_redirect_gets_a_page_not_a_redirect(client: Client) -> None:
    _verifier, challenge = pkce()
    for redirect in (
        "http://127.0.0.1:49152/autre",  # another path
        "http://localhost:49152/callback",  # not the registered loopback address
        "https://app.example/cb/x",  # exact match for non-loopback
        "https://app.example:8443/cb",  # no port freedom outside loopback
    ):
        url = client.authorize_url(challenge, redirect_uri=redirect)
        with pytest.raises(ValueError, match="not supported"):
            browser_sign_in(url, ALICE.national_id)


def test_loopback_redirect_any_port_but_the_same_at_the_token(client: Client) -> None:
    verifier, challenge = pkce()
    client.redirect_uri = "http://127.0.0.1:61000/callback"
    location = browser_sign_in(client.authorize_url(challenge), ALICE.national_id)
    assert location.startswith("http://127.0.0.1:61000/callback?code=")
    code = query_of(location)["code"]
    status, body = client.exchange(code, verifier, redirect_uri="http://127.0.0.1:61001/callback")
    assert (status, body["error"]) == (400, "invalid_grant")


def test_a_code_serves_once_and_expires(client: Client, clock: SteppingClock) -> None:
    verifier, challenge = pkce()
    code = query_of(browser_sign_in(client.authorize_url(challenge), ALICE.national_id))["code"]
    assert client.exchange(code, verifier)[0] == 200
    status, body = client.exchange(code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")
    code = query_of(browser_sign_in(client.authorize_url(challenge), ALICE.national_id))["code"]
    clock.advance(61)
    status, body = client.exchange(code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_refusing_on_the_page_or_the_phone(client: Client) -> None:
    _verifier, challenge = pkce()
    url = client.authorize_url(challenge)
    for method in ("cps", "ecps"):
        answer = query_of(browser_sign_in(url, ALICE.national_id, method, approve=False))
        assert answer["error"] == "access_denied"
        assert answer["state"] == "etat-42"


def test_an_unknown_national_id_stays_on_the_page(client: Client) -> None:
    _verifier, challenge = pkce()
    with pytest.raises(ValueError, match="Identifiant national inconnu"):
        browser_sign_in(client.authorize_url(challenge), "899999999999")


def test_the_ecps_push_goes_to_that_person_only(provider: PscProvider, client: Client) -> None:
    _verifier, challenge = pkce()
    with pytest.raises(ValueError, match="ne vous est pas adressée"):
        _ecps_approved_by(provider, client.authorize_url(challenge), ALICE, BOB)


def _ecps_approved_by(provider: PscProvider, url: str, asked: PscUser, phone: PscUser) -> None:
    from app.sandbox import psc_browser as psc

    _s, _l, page = psc._http(url)
    form = {"tx": psc._field(page, "tx"), "method": "ecps", "action": "approve"}
    _s, _l, page = psc._http(psc._form_action(page), form | {"national_id": asked.national_id})
    code = page.split('class="code">')[1].split("<")[0]
    provider.approve_device(code, phone.national_id)


# -- refresh --------------------------------------------------------------------------------------


def test_refresh_rotates_and_a_replay_ends_the_session(
    provider: PscProvider, client: Client, clock: SteppingClock
) -> None:
    first = client.sign_in(ALICE.national_id)
    clock.advance(290)
    status, second = client.refresh(first["refresh_token"])
    assert status == 200, second
    assert second["refresh_token"] != first["refresh_token"]
    assert check(provider, second["access_token"], clock)["sub"] == ALICE.national_id
    status, body = client.refresh(first["refresh_token"])  # replayed: stolen?
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = client.refresh(second["refresh_token"])  # so the whole session ends
    assert (status, body["error"]) == (400, "invalid_grant")
    assert client.introspect(second["access_token"]) == {"active": False}


def test_revoked_refresh_tokens(provider: PscProvider, client: Client) -> None:
    tokens = client.sign_in(ALICE.national_id)
    other = client.sign_in(BOB.national_id)
    status, _ = call(
        client.endpoint("revocation_endpoint"),
        {"token": tokens["refresh_token"], "client_id": "caducee"},
    )
    assert status == 200
    assert client.refresh(tokens["refresh_token"])[1]["error"] == "invalid_grant"
    assert client.refresh(other["refresh_token"])[0] == 200
    again = client.sign_in(ALICE.national_id)
    provider.revoke_refresh_tokens(ALICE.national_id)
    assert client.refresh(again["refresh_token"])[1]["error"] == "invalid_grant"
    assert client.introspect(again["access_token"])["active"] is False


def test_refresh_tokens_expire(client: Client, clock: SteppingClock) -> None:
    tokens = client.sign_in(ALICE.national_id)
    clock.advance(1801)
    assert client.refresh(tokens["refresh_token"])[1]["error"] == "invalid_grant"


# -- device grant ---------------------------------------------------------------------------------


def test_device_grant_pending_slow_down_then_tokens(
    provider: PscProvider, client: Client, clock: SteppingClock
) -> None:
    started = client.device()
    assert started["expires_in"] == 120
    assert started["verification_uri"] == f"{provider.issuer}/device"
    assert started["user_code"] in started["verification_uri_complete"]
    status, body = client.poll(started["device_code"])
    assert (status, body["error"]) == (400, "authorization_pending")
    status, body = client.poll(started["device_code"])  # too fast
    assert (status, body["error"]) == (400, "slow_down")
    clock.advance(started["interval"] + 5)
    assert client.poll(started["device_code"])[1]["error"] == "authorization_pending"
    provider.approve_device(started["user_code"], ALICE.national_id)
    status, tokens = client.poll(started["device_code"])
    assert status == 200, tokens
    assert check(provider, tokens["access_token"], clock)["sub"] == ALICE.national_id
    status, body = client.poll(started["device_code"])  # a device code serves once
    assert status == 400


def test_device_grant_refused_and_expired(
    provider: PscProvider, client: Client, clock: SteppingClock
) -> None:
    refused = client.device()
    provider.refuse_device(refused["user_code"])
    assert client.poll(refused["device_code"])[1]["error"] == "access_denied"
    late = client.device()
    clock.advance(121)
    assert client.poll(late["device_code"])[1]["error"] == "expired_token"
    with pytest.raises(ValueError, match="expiré"):
        provider.approve_device(late["user_code"], ALICE.national_id)


def test_the_ecps_page_approves_a_device_code(provider: PscProvider, client: Client) -> None:
    started = client.device()
    status, page = call(started["verification_uri_complete"])
    assert status == 200
    assert "e-CPS de démonstration" in page
    assert started["user_code"] in page
    decision = {"user_code": started["user_code"], "national_id": "8000", "action": "approve"}
    status, page = call(started["verification_uri"], decision)
    assert status == 400
    assert "Identifiant national inconnu" in page
    status, page = call(started["verification_uri"], decision | {"national_id": BOB.national_id})
    assert (status, "approuvée" in page) == (200, True)
    status, tokens = client.poll(started["device_code"])
    assert status == 200
    assert client.introspect(tokens["access_token"])["sub"] == BOB.national_id


# -- introspection, userinfo, logout, faults -----------------------------------------------------


def test_introspection(provider: PscProvider, client: Client, clock: SteppingClock) -> None:
    tokens = client.sign_in(ALICE.national_id)
    answer = client.introspect(tokens["access_token"])
    assert answer["active"] is True
    assert answer["sub"] == ALICE.national_id
    assert answer["email"] == ALICE.address
    assert answer["iss"] == provider.issuer
    assert client.introspect("pas-un-jeton") == {"active": False}
    # only a confidential client may introspect
    url = client.endpoint("introspection_endpoint")
    assert call(url, {"token": tokens["access_token"]})[0] == 401
    assert call(url, {"token": tokens["access_token"]}, basic("serveurs-messagerie", "x"))[0] == 401
    status, _ = call(
        client.endpoint("revocation_endpoint"),
        {"token": tokens["access_token"], "client_id": "caducee"},
    )
    assert status == 200
    assert client.introspect(tokens["access_token"]) == {"active": False}
    fresh = client.refresh(tokens["refresh_token"])[1]
    clock.advance(306)
    assert client.introspect(fresh["access_token"]) == {"active": False}


@pytest.mark.parametrize(
    ("fault", "value", "reason"),
    [
        ("next_wrong_key", True, "signature"),
        ("next_audience", "autre-logiciel", "audience"),
        ("next_expired", True, "expired"),
    ],
)
def test_token_faults_are_refused_by_resource_servers(
    provider: PscProvider,
    client: Client,
    clock: SteppingClock,
    fault: str,
    value: object,
    reason: str,
) -> None:
    setattr(provider.faults, fault, value)
    bad = client.sign_in(ALICE.national_id)["access_token"]
    with pytest.raises(TokenRejected, match=reason):
        check(provider, bad, clock)
    good = client.sign_in(ALICE.national_id)["access_token"]  # the fault served once
    assert check(provider, good, clock)["sub"] == ALICE.national_id
    assert client.introspect(bad) == {"active": False}


def test_userinfo_and_logout(client: Client) -> None:
    tokens = client.sign_in(ALICE.national_id)
    url = client.endpoint("userinfo_endpoint")
    status, info = call(url, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert status == 200
    assert info["sub"] == ALICE.national_id
    assert call(url, headers={"Authorization": "Bearer nope"})[0] == 401
    logout = client.endpoint("end_session_endpoint")
    status, _ = call(logout, {"refresh_token": tokens["refresh_token"], "client_id": "caducee"})
    assert status == 204
    assert client.refresh(tokens["refresh_token"])[1]["error"] == "invalid_grant"
    assert call(url, headers={"Authorization": f"Bearer {tokens['access_token']}"})[0] == 401


def test_tokens_never_reach_the_log(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    tokens = client.sign_in(ALICE.national_id)
    refreshed = client.refresh(tokens["refresh_token"])[1]
    for secret in (tokens["access_token"], tokens["refresh_token"], refreshed["access_token"]):
        assert secret not in caplog.text
        assert secret[-20:] not in caplog.text

"""OpenID CIBA (poll mode) on the lab provider, when it is offered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.sandbox.bearer import verify_jwt
from app.sandbox.psc import PscClient, PscProvider, PscUser, SteppingClock, phone_answer
from tests.lab.oidc import Client, call

ALICE = PscUser("810000000001", "Alice", "MARTIN", "alice.martin@medecin.mssante.test")
BOB = PscUser("810000000002", "Bernard", "DURAND", "bernard.durand@medecin.mssante.test")
APP = PscClient("caducee", ("http://127.0.0.1/callback",))
CIBA = "urn:openid:params:grant-type:ciba"


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def provider(clock: SteppingClock) -> Iterator[PscProvider]:
    with PscProvider(users=[ALICE, BOB], clients=[APP], now=clock, ciba=True) as running:
        yield running


def start(client: Client, **form: str) -> tuple[int, Any]:
    return call(
        client.endpoint("backchannel_authentication_endpoint"),
        {"client_id": "caducee", "scope": "openid scope_all"} | form,
    )


def poll(client: Client, auth_req_id: str) -> tuple[int, Any]:
    form = {"grant_type": CIBA, "auth_req_id": auth_req_id, "client_id": "caducee"}
    return call(client.endpoint("token_endpoint"), form)


def test_ciba_is_offered_only_when_enabled(provider: PscProvider) -> None:
    metadata = Client(provider).metadata
    assert metadata["backchannel_token_delivery_modes_supported"] == ["poll"]
    assert CIBA in metadata["grant_types_supported"]
    with PscProvider(users=[ALICE], clients=[APP]) as plain:
        assert "backchannel_authentication_endpoint" not in Client(plain).metadata
        url = f"{plain.issuer}/protocol/openid-connect/ext/ciba/auth"
        assert call(url, {"client_id": "caducee", "login_hint": ALICE.national_id})[0] == 404


def test_ciba_pending_then_approved_on_the_phone(
    provider: PscProvider, clock: SteppingClock
) -> None:
    client = Client(provider)
    status, started = start(client, login_hint=ALICE.national_id, binding_message="Caducée 42")
    assert status == 200, started
    assert started["expires_in"] == 120
    assert poll(client, started["auth_req_id"])[1]["error"] == "authorization_pending"
    assert poll(client, started["auth_req_id"])[1]["error"] == "slow_down"
    assert provider.pushes(BOB.national_id) == []
    phone = f"{provider.issuer}/device?national_id={ALICE.national_id}"
    status, page = call(phone)
    assert "Caducée 42" in page  # the binding message, shown on the phone
    with pytest.raises(ValueError, match="pas adressée"):  # Bob's phone cannot answer it
        provider.approve_device(provider.pushes(ALICE.national_id)[0], BOB.national_id)
    assert "approuvée" in phone_answer(phone, ALICE.national_id)
    clock.advance(10)
    status, tokens = poll(client, started["auth_req_id"])
    assert status == 200, tokens
    for token in (tokens["access_token"], tokens["id_token"]):
        claims = verify_jwt(
            token, provider.jwks, issuer=provider.issuer, audiences=["caducee"], now=clock
        )
        assert claims["sub"] == ALICE.national_id
    assert poll(client, started["auth_req_id"])[1]["error"] == "invalid_grant"  # once only


def test_ciba_refused_expired_and_bad_requests(provider: PscProvider, clock: SteppingClock) -> None:
    client = Client(provider)
    refused = start(client, login_hint=ALICE.national_id)[1]
    phone = f"{provider.issuer}/device?national_id={ALICE.national_id}"
    assert "refusée" in phone_answer(phone, ALICE.national_id, approve=False)
    assert poll(client, refused["auth_req_id"])[1]["error"] == "access_denied"
    late = start(client, login_hint=ALICE.national_id, requested_expiry="60")[1]
    assert late["expires_in"] == 60
    clock.advance(61)
    assert poll(client, late["auth_req_id"])[1]["error"] == "expired_token"
    assert start(client, login_hint="899999999999")[1]["error"] == "unknown_user_id"
    assert start(client)[1]["error"] == "invalid_request"  # no hint
    assert start(client, login_hint_token="x")[1]["error"] == "invalid_request"
    assert start(client, login_hint=ALICE.national_id, scope="scope_all")[1]["error"] == (
        "invalid_scope"
    )
    long = "x" * 65
    assert start(client, login_hint=ALICE.national_id, binding_message=long)[1]["error"] == (
        "invalid_binding_message"
    )
    assert start(client, login_hint=ALICE.national_id, client_id="inconnu")[0] in (400, 401)
    device = client.device()  # a device code is no auth_req_id, and the reverse
    assert poll(client, device["device_code"])[1]["error"] == "invalid_grant"
    fresh = start(client, login_hint=ALICE.national_id)[1]
    assert client.poll(fresh["auth_req_id"])[0] == 400

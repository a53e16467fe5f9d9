"""ID token checks (app/psc/tokens.py) against hostile tokens: each must be refused with a
French message, never accepted, never crash. Keys made here; times relative to a fixed
clock (no test depends on today's date)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from app.psc.errors import PscProviderError, PscTokenInvalidError
from app.psc.tokens import IdTokenChecker, Tokens, parse_token_response

ISSUER = "https://auth.example.test/auth/realms/esante-wallet"
CLIENT = "caducee"
NOW = 2_000_000_000.0
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
OTHER = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})


def jwks(*keys: RSAKey) -> dict[str, Any]:
    return KeySet(list(keys)).as_dict(private=False)


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "810000000001",
        "exp": int(NOW) + 300,
        "iat": int(NOW),
        "nonce": "n-1",
        "given_name": "Alice",
        "family_name": "MARTIN",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict[str, Any], key: Any = KEY, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": "k1"}, payload, key)


def checker(fetches: list[int] | None = None, keys: dict[str, Any] | None = None) -> IdTokenChecker:
    def fetch() -> dict[str, Any]:
        if fetches is not None:
            fetches.append(1)
        return keys or jwks(KEY)

    return IdTokenChecker(ISSUER, CLIENT, fetch, lambda: NOW)


def test_a_good_id_token() -> None:
    found = checker().check(signed(claims()), "n-1")
    assert found["sub"] == "810000000001"


def _part(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def hs256_with_public_key(payload: dict[str, Any]) -> str:
    """The classic confusion attack: HMAC keyed with the provider's public key."""
    head = f"{_part({'alg': 'HS256', 'kid': 'k1'})}.{_part(payload)}"
    mac = hmac.new(KEY.as_pem(private=False), head.encode(), hashlib.sha256).digest()
    return f"{head}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def unsigned(payload: dict[str, Any]) -> str:
    return f"{_part({'alg': 'none'})}.{_part(payload)}."


HOSTILE = {
    "bad-signature": lambda: signed(claims(), OTHER),
    "wrong-audience": lambda: signed(claims(aud="someone-else")),
    "wrong-issuer": lambda: signed(claims(iss="https://evil.test/auth/realms/esante-wallet")),
    "expired": lambda: signed(claims(exp=int(NOW) - 3600)),
    "no-exp": lambda: signed(claims(exp=None)),
    "wrong-nonce": lambda: signed(claims(nonce="replayed")),
    "no-nonce": lambda: signed(claims(nonce=None)),
    "alg-none": lambda: unsigned(claims()),
    "hs256-with-public-key": lambda: hs256_with_public_key(claims()),
    "garbage": lambda: "not.a.jwt",
    "empty": lambda: "",
    "huge": lambda: "a" * 200_000,
    "several-audiences-not-ours": lambda: signed(claims(aud=[CLIENT, "other"], azp="other")),
    "not-a-string": lambda: 12,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_id_tokens_are_refused(name: str) -> None:
    token = HOSTILE[name]()
    with pytest.raises(PscTokenInvalidError) as caught:
        checker().check(token, "n-1")
    assert "Pro Santé Connect" in caught.value.user_message


def test_expired_says_to_check_the_clock() -> None:
    with pytest.raises(PscTokenInvalidError) as caught:
        checker().check(signed(claims(exp=int(NOW) - 3600)), "n-1")
    assert "expiré" in caught.value.user_message


def test_rotated_key_is_fetched_again_once() -> None:
    fetches: list[int] = []
    keys = [jwks(OTHER), jwks(KEY)]

    def fetch() -> dict[str, Any]:
        fetches.append(1)
        return keys[min(len(fetches) - 1, 1)]

    rotated = RSAKey.generate_key(2048, parameters={"kid": "k2", "use": "sig", "alg": "RS256"})
    keys[1] = jwks(KEY, rotated)
    check = IdTokenChecker(ISSUER, CLIENT, fetch, lambda: NOW)
    token = jwt.encode({"alg": "RS256", "kid": "k2"}, claims(), rotated)
    assert check.check(token, "n-1")["sub"] == "810000000001"
    assert len(fetches) == 2


def test_unusable_jwks() -> None:
    check = IdTokenChecker(ISSUER, CLIENT, lambda: {"keys": [{"kty": "zz"}]}, lambda: NOW)
    with pytest.raises((PscProviderError, PscTokenInvalidError)):
        check.check(signed(claims()), "n-1")


def response(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": "eyJ.access.token",
        "token_type": "Bearer",
        "expires_in": 300,
        "refresh_token": "r-1",
        "id_token": signed(claims()),
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_token_response() -> None:
    tokens = parse_token_response(response(), checker(), "n-1", NOW, require_id_token=True)
    assert tokens.expires_at == NOW + 300
    assert tokens.identity is not None and tokens.identity.name == "Alice MARTIN"
    assert "eyJ" not in repr(tokens) and "r-1" not in repr(tokens)


@pytest.mark.parametrize(
    "changes",
    [
        {"access_token": None},
        {"access_token": ""},
        {"access_token": 42},
        {"access_token": "a b"},
        {"access_token": "a\r\nb"},
        {"access_token": "x" * 100_000},
        {"token_type": "mac"},
        {"refresh_token": "bad\x01"},
    ],
)
def test_hostile_token_responses(changes: dict[str, Any]) -> None:
    with pytest.raises(PscProviderError):
        parse_token_response(response(**changes), checker(), "n-1", NOW)


def test_code_flow_needs_an_id_token() -> None:
    with pytest.raises(PscTokenInvalidError):
        parse_token_response(response(id_token=None), checker(), "n-1", NOW, require_id_token=True)


def test_odd_lifetimes_are_bounded() -> None:
    huge = parse_token_response(response(expires_in=10**12), checker(), "n-1", NOW)
    assert huge.expires_at == NOW + 24 * 3600
    missing = parse_token_response(response(expires_in="soon"), checker(), "n-1", NOW)
    assert missing.expires_at == NOW + 300


def test_refresh_keeps_refresh_token_and_refuses_another_person() -> None:
    first = parse_token_response(response(), checker(), "n-1", NOW)
    again = parse_token_response(
        response(refresh_token=None, id_token=None), checker(), None, NOW, previous=first
    )
    assert again.refresh_token == "r-1" and again.identity == first.identity
    other = signed(claims(sub="810000000009", nonce=None))
    with pytest.raises(PscTokenInvalidError):
        parse_token_response(response(id_token=other), checker(), None, NOW, previous=first)
    assert isinstance(first, Tokens)

"""A bare OpenID client for tests of the lab provider (not the application's client):
PKCE pairs, authorization URLs, token requests, each answer as (status, JSON)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from app.sandbox.psc import PscProvider

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def pkce() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def call(
    url: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 - lab URLs
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, body.decode(errors="replace")


def basic(client_id: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@dataclass
class Client:
    provider: PscProvider
    client_id: str = "caducee"
    redirect_uri: str = "http://127.0.0.1:49152/callback"

    @property
    def metadata(self) -> dict[str, Any]:
        status, body = call(self.provider.discovery_url)
        assert status == 200, body
        return body  # type: ignore[no-any-return]

    def endpoint(self, name: str) -> str:
        return self.metadata[name]  # type: ignore[no-any-return]

    def authorize_url(self, challenge: str | None, **extra: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid scope_all",
            "state": "etat-42",
        }
        if challenge is not None:
            query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
        query |= extra
        query = {k: v for k, v in query.items() if v != ""}
        return f"{self.endpoint('authorization_endpoint')}?{urllib.parse.urlencode(query)}"

    def exchange(self, code: str, verifier: str, **extra: str) -> tuple[int, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            "code_verifier": verifier,
        }
        return call(self.endpoint("token_endpoint"), form | extra)

    def refresh(self, refresh_token: str) -> tuple[int, Any]:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.client_id,
        }
        return call(self.endpoint("token_endpoint"), form)

    def device(self) -> dict[str, Any]:
        form = {"client_id": self.client_id, "scope": "openid scope_all"}
        status, body = call(self.endpoint("device_authorization_endpoint"), form)
        assert status == 200, body
        return body  # type: ignore[no-any-return]

    def poll(self, device_code: str) -> tuple[int, Any]:
        form = {"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": self.client_id}
        return call(self.endpoint("token_endpoint"), form)

    def introspect(self, token: str) -> dict[str, Any]:
        headers = basic(*self.provider.introspection_credentials)
        status, body = call(self.endpoint("introspection_endpoint"), {"token": token}, headers)
        assert status == 200, body
        return body  # type: ignore[no-any-return]

    def sign_in(self, national_id: str, method: str = "cps") -> dict[str, Any]:
        """The whole code flow; the token response."""
        from app.sandbox.psc import browser_sign_in

        verifier, challenge = pkce()
        location = browser_sign_in(self.authorize_url(challenge), national_id, method)
        code = query_of(location)["code"]
        status, tokens = self.exchange(code, verifier)
        assert status == 200, tokens
        return tokens  # type: ignore[no-any-return]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).items()}

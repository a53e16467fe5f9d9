"""The token endpoint's answer and the ID token's checks (OpenID Connect Core §3.1.3.7).

The ID token is a JWS checked with joserfc: RS256 only, key from the provider's JWKS
(fetched again once when the key id is unknown: keys rotate), ``iss`` equal to the issuer,
``aud`` holding our client id, ``exp`` in the future, ``nonce`` the one we sent. The access
token is for the mail servers: opaque to us, never written anywhere (ECO.1.2.5); what we
show of the session (national id, name, expiry) comes from the ID token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import ClaimsOption

from app.psc.errors import PscProviderError, PscTokenInvalidError

LEEWAY = 60  # seconds of clock skew allowed between this PC and the provider
MAX_TOKEN = 64 * 1024


@dataclass(frozen=True)
class Identity:
    """What the session shows: never the token itself."""

    national_id: str
    given_name: str = ""
    family_name: str = ""

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Identity:
        def text(key: str) -> str:
            value = claims.get(key)
            return value[:200] if isinstance(value, str) else ""

        national = text("SubjectNameID") or text("preferred_username") or text("sub")
        return cls(national, text("given_name"), text("family_name"))


@dataclass(frozen=True)
class Tokens:
    access_token: str = field(repr=False)
    expires_at: float
    refresh_token: str | None = field(default=None, repr=False)
    identity: Identity | None = None
    scope: str = ""
    lifetime: float = 300.0  # expires_in as given: how early a refresh is worth it


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TOKEN:
        raise PscProviderError(f"token response: {what} missing or invalid")
    if not value.isascii() or any(c in value for c in "\r\n\x00\x01 "):
        raise PscProviderError(f"token response: {what} holds forbidden characters")
    return value


class IdTokenChecker:
    """Checks ID tokens of one provider and client; holds the provider's JWKS."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        fetch_jwks: Callable[[], dict[str, Any]],
        now: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self._fetch = fetch_jwks
        self._now = now
        self._keys: KeySet | None = None

    def _key_set(self, refresh: bool) -> KeySet:
        if self._keys is None or refresh:
            document = self._fetch()
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as error:
                raise PscProviderError(f"JWKS unusable: {error}") from error
        return self._keys

    def check(self, id_token: object, nonce: str | None) -> dict[str, Any]:
        """The ID token's claims once every check passed; PscTokenInvalidError else."""
        if not isinstance(id_token, str) or len(id_token) > MAX_TOKEN:
            raise PscTokenInvalidError("id_token missing or too long")
        try:
            token = self._decode(id_token)
        except (JoseError, ValueError, TypeError) as error:
            raise PscTokenInvalidError(f"id_token: {type(error).__name__}: {error}") from error
        claims: dict[str, Any] = dict(token.claims)
        options: dict[str, ClaimsOption] = {
            "iss": {"essential": True, "value": self.issuer},
            "aud": {"essential": True, "value": self.client_id},
            "exp": {"essential": True},
            "sub": {"essential": True},
        }
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
        registry = jwt.JWTClaimsRegistry(now=lambda: int(self._now()), leeway=LEEWAY, **options)
        try:
            registry.validate(claims)
        except ExpiredTokenError as error:
            raise PscTokenInvalidError(
                "id_token expired",
                user_message="Le jeton reçu de Pro Santé Connect a expiré (vérifiez aussi "
                "l'heure de cet ordinateur) : connexion refusée.",
            ) from error
        except (JoseError, ValueError, TypeError) as error:
            raise PscTokenInvalidError(f"id_token claims: {error}") from error
        azp = claims.get("azp")
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and azp != self.client_id:
            raise PscTokenInvalidError("id_token: several audiences and azp is not ours")
        return claims

    def _decode(self, value: str) -> jwt.Token:
        try:
            return jwt.decode(value, self._key_set(refresh=False), algorithms=["RS256"])
        except (JoseError, ValueError) as error:
            if "kid" not in str(error).lower() and "key" not in str(error).lower():
                raise
        # an unknown key id: the provider may have rotated its keys, read them again once
        return jwt.decode(value, self._key_set(refresh=True), algorithms=["RS256"])


def parse_token_response(
    body: dict[str, Any],
    checker: IdTokenChecker,
    nonce: str | None,
    now: float,
    *,
    previous: Tokens | None = None,
    require_id_token: bool = False,
) -> Tokens:
    """Tokens from a successful token response (code, device, CIBA or refresh grant). The
    code flow requires an ID token (its nonce binds the answer to our request); the other
    grants check one when the provider gives it."""
    access = _text(body.get("access_token"), "access_token")
    kind = body.get("token_type")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise PscProviderError(f"token response: token_type {str(kind)[:40]!r}")
    expires_in = body.get("expires_in")
    if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
        expires_in = 300  # PSC's own lifetime (4-5 min) when the answer does not say
    expires_in = max(0.0, min(float(expires_in), 24 * 3600.0))
    refresh = body.get("refresh_token")
    refresh_token = _text(refresh, "refresh_token") if refresh is not None else None
    identity = previous.identity if previous else None
    if body.get("id_token") is not None or require_id_token:
        identity = Identity.from_claims(checker.check(body.get("id_token"), nonce))
        before = previous.identity if previous is not None else None
        if before is not None and identity.national_id != before.national_id:
            raise PscTokenInvalidError("refreshed id_token names another person")
    scope = body.get("scope")
    return Tokens(
        access,
        now + expires_in,
        refresh_token or (previous.refresh_token if previous else None),
        identity,
        scope[:1000] if isinstance(scope, str) else "",
        expires_in,
    )

"""Bearer tokens on the server side of the sandbox: JWT checks and the SASL payloads.

Shared by the lab's OpenID provider (``app.sandbox.psc``: introspection, userinfo) and by the
mail servers that accept its tokens (submission over SMTP, pymap over IMAP):

- ``verify_jwt``: an RS256 JWT access token checked against a JWKS the way a resource
  server does it (RFC 9068): signature by a key of the set (``kid``), issuer, audience,
  expiry and not-before, all against an injected clock, so that a test moving the clock
  moves it for the issuer and the checker alike;
- ``parse_xoauth2`` / ``parse_oauthbearer``: the client's first SASL message for XOAUTH2
  (Google's format, what MSSanté operators use) and OAUTHBEARER (RFC 7628);
- ``CHALLENGE_401``: the JSON error challenge operators send before refusing a token.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

Clock = Callable[[], float]
"""Seconds since the epoch (``time.time`` by default)."""

CHALLENGE_401 = {"status": "401", "schemes": "bearer", "scope": "mail"}
"""What Dovecot and the MSSanté operators answer (base64 in a SASL challenge) to a refused
XOAUTH2 token, before the final refusal."""
CHALLENGE_INVALID_TOKEN = {"status": "invalid_token", "schemes": "bearer", "scope": "mail"}
"""The same for OAUTHBEARER, in RFC 7628's form (Dovecot 2.3 sends only the ``status``)."""

_LEEWAY = 5  # seconds of clock difference tolerated on exp/nbf/iat


class TokenRejected(Exception):
    """The token is not acceptable; ``reason`` says why (English, for logs and tests)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify_jwt(
    token: str,
    jwks: Mapping[str, Any] | KeySet,
    *,
    issuer: str,
    audiences: Collection[str] | None,
    now: Clock,
) -> dict[str, Any]:
    """The claims of ``token`` once signature, issuer, audience and lifetime are checked.

    ``audiences``: the ``aud`` values accepted (any one of them suffices); None accepts any
    audience (introspection by the issuer itself). Raises ``TokenRejected``.
    """
    keys = jwks if isinstance(jwks, KeySet) else KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
    try:
        decoded = jwt.decode(token, keys, algorithms=["RS256"])
    except (JoseError, ValueError) as error:
        raise TokenRejected(f"bad token or signature ({type(error).__name__})") from error
    claims: dict[str, Any] = dict(decoded.claims)
    if claims.get("iss") != issuer:
        raise TokenRejected("wrong issuer")
    if audiences is not None:
        aud = claims.get("aud")
        given = {aud} if isinstance(aud, str) else set(aud) if isinstance(aud, list) else set()
        if not given & set(audiences):
            raise TokenRejected("wrong audience")
    moment = now()
    exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat"))
    if not isinstance(exp, int | float) or exp + _LEEWAY <= moment:
        raise TokenRejected("expired")
    if isinstance(nbf, int | float) and nbf - _LEEWAY > moment:
        raise TokenRejected("not yet valid")
    if not isinstance(claims.get("sub"), str):
        raise TokenRejected("no subject")
    return claims


@dataclass(frozen=True)
class BearerLogin:
    """What a SASL bearer message carries: the mailbox asked for and the token."""

    user: str
    token: str


def decode_base64(data: bytes | str) -> bytes:
    """A SASL message as sent (base64); ValueError if it is not base64."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else data
    try:
        return base64.b64decode(raw, validate=True)
    except binascii.Error as error:
        raise ValueError("not base64") from error


def _text(message: bytes) -> str:
    try:
        return message.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError("not UTF-8") from error


def _bearer(value: str) -> str:
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ValueError("no bearer token")
    return token.strip()


def parse_xoauth2(message: bytes) -> BearerLogin:
    """``user=USER ^A auth=Bearer TOKEN ^A^A`` (decoded); ValueError if not."""
    fields = dict(part.split("=", 1) for part in _text(message).split("\x01") if "=" in part)
    if "user" not in fields or "auth" not in fields:
        raise ValueError("XOAUTH2 message without user or auth")
    return BearerLogin(fields["user"], _bearer(fields["auth"]))


def parse_oauthbearer(message: bytes) -> BearerLogin:
    """RFC 7628 (decoded): ``gs2-header ^A key=value ^A ... ^A^A``; the user is
    the ``a=`` authorisation identity of the GS2 header (required here: it names the
    mailbox)."""
    header, sep, rest = _text(message).partition("\x01")
    if not sep or not header.startswith(("n,", "y,")):
        raise ValueError("OAUTHBEARER message without GS2 header")
    user = ""
    for part in header.split(",")[1:]:
        if part.startswith("a="):
            user = part[2:].replace("=2C", ",").replace("=3D", "=")
    fields = dict(part.split("=", 1) for part in rest.split("\x01") if "=" in part)
    if not user or "auth" not in fields:
        raise ValueError("OAUTHBEARER message without user or auth")
    return BearerLogin(user, _bearer(fields["auth"]))


def error_challenge(mechanism: str) -> bytes:
    """The JSON error challenge of ``mechanism`` (before base64)."""
    body = CHALLENGE_401 if mechanism.upper() == "XOAUTH2" else CHALLENGE_INVALID_TOKEN
    return json.dumps(body, separators=(",", ":")).encode()


TokenCheck = Callable[[str, str], bool]
"""(mailbox the client asks for, bearer token) -> may it open that mailbox?"""


def jwks_checker(issuer: str, jwks_url: str, audiences: Collection[str], now: Clock) -> TokenCheck:
    """Local JWT validation, as a resource server without introspection does it: the
    provider's JWKS (fetched once, again when a token names an unknown key), then
    ``verify_jwt``; the token's ``email`` claim must be the mailbox asked for. A revoked but
    unexpired token still passes (what local validation cannot know)."""
    cache: dict[str, KeySet] = {}

    def keys(refresh: bool) -> KeySet:
        if refresh or "keys" not in cache:
            with urllib.request.urlopen(jwks_url, timeout=10) as response:  # noqa: S310
                cache["keys"] = KeySet.import_key_set(json.load(response))
        return cache["keys"]

    def check(user: str, token: str) -> bool:
        try:
            try:
                claims = verify_jwt(token, keys(False), issuer=issuer, audiences=audiences, now=now)
            except TokenRejected as first:
                if "signature" not in first.reason:
                    raise
                claims = verify_jwt(token, keys(True), issuer=issuer, audiences=audiences, now=now)
        except TokenRejected as error:
            log.info("bearer token refused: %s", error.reason)
            return False
        except OSError as error:
            log.warning("bearer token not checked: JWKS unavailable (%s)", error)
            return False
        return str(claims.get("email", "")).lower() == user.lower()

    return check

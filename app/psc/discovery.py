"""The provider's metadata, read from ``<issuer>/.well-known/openid-configuration``
(OpenID Connect Discovery 1.0): its ``issuer`` must be exactly the one asked for (§4.3),
else a look-alike could hand out tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.psc.errors import PscIssuerMismatchError, PscProviderError
from app.psc.http import Http, check_url

WELL_KNOWN = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    device_authorization_endpoint: str | None = None
    backchannel_authentication_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    end_session_endpoint: str | None = None
    code_challenge_methods: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ()
    ciba_modes: tuple[str, ...] = ()

    @property
    def offers_ciba(self) -> bool:
        return self.backchannel_authentication_endpoint is not None and (
            not self.ciba_modes or "poll" in self.ciba_modes
        )

    @property
    def offers_device(self) -> bool:
        return self.device_authorization_endpoint is not None


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + WELL_KNOWN


def _endpoint(document: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = document.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise PscProviderError(f"discovery: {key} missing or not a string")
    return check_url(value, key)


def _strings(document: dict[str, Any], key: str) -> tuple[str, ...]:
    value = document.get(key)
    if isinstance(value, list):
        return tuple(v for v in value[:64] if isinstance(v, str))
    return ()


def parse(document: dict[str, Any], issuer: str) -> ProviderMetadata:
    found = document.get("issuer")
    if found != issuer:
        raise PscIssuerMismatchError(
            f"discovery names issuer {str(found)[:200]!r}, expected {issuer!r}"
        )
    metadata = ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=_endpoint(document, "authorization_endpoint") or "",
        token_endpoint=_endpoint(document, "token_endpoint") or "",
        jwks_uri=_endpoint(document, "jwks_uri") or "",
        device_authorization_endpoint=_endpoint(
            document, "device_authorization_endpoint", required=False
        ),
        backchannel_authentication_endpoint=_endpoint(
            document, "backchannel_authentication_endpoint", required=False
        ),
        userinfo_endpoint=_endpoint(document, "userinfo_endpoint", required=False),
        end_session_endpoint=_endpoint(document, "end_session_endpoint", required=False),
        code_challenge_methods=_strings(document, "code_challenge_methods_supported"),
        grant_types=_strings(document, "grant_types_supported"),
        ciba_modes=_strings(document, "backchannel_token_delivery_modes_supported"),
    )
    if metadata.code_challenge_methods and "S256" not in metadata.code_challenge_methods:
        raise PscProviderError(
            "provider without PKCE S256",
            user_message="Ce fournisseur Pro Santé Connect ne propose pas PKCE (S256) : "
            "connexion refusée.",
        )
    return metadata


def discover(issuer: str, http: Http) -> ProviderMetadata:
    """The metadata of ``issuer`` (raises PscUnreachableError, PscProviderError,
    PscIssuerMismatchError)."""
    check_url(issuer, "issuer")
    return parse(http.get_json(discovery_url(issuer)), issuer)

"""``PscClient``: sign in to Pro Santé Connect three ways, and refresh.

- ``sign_in_browser``: authorization code + PKCE (S256) in the system browser, the
  redirect taken on 127.0.0.1 (RFC 8252); ``state`` and ``nonce`` checked.
- ``start_device`` / ``wait_device``: the device authorization grant (RFC 8628), its
  ``verification_uri_complete`` shown as a QR code the e-CPS app flashes; polling at the
  provider's interval (``slow_down`` adds 5 s), at most until the code expires.
- ``start_ciba`` / ``wait_ciba``: OpenID CIBA in poll mode, the login hint being the
  national id; only when discovery offers a backchannel endpoint.

A public client (ANS registers desktop software so): no secret, PKCE. Nothing here writes
a file or logs a token.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import threading
import time
import urllib.parse
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from app.psc.config import PscConfig
from app.psc.discovery import ProviderMetadata, discover
from app.psc.errors import (
    PscCancelledError,
    PscCibaUnavailableError,
    PscCodeExpiredError,
    PscDeniedError,
    PscProviderError,
    PscSessionEndedError,
    PscStateMismatchError,
    PscTokenInvalidError,
)
from app.psc.http import Http, check_url
from app.psc.loopback import DEFAULT_PATH, LoopbackReceiver
from app.psc.tokens import Identity, IdTokenChecker, Tokens, parse_token_response

log = logging.getLogger(__name__)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CIBA_GRANT = "urn:openid:params:grant-type:ciba"
BROWSER_TIMEOUT = 300.0  # seconds for her to sign in on the browser page
MAX_CODE_SECONDS = 600.0  # a provider asking more for a device or CIBA request is capped
DEFAULT_INTERVAL = 5.0
MAX_USER_CODE = 64

Opener = Callable[[str], object]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier (43+ characters, RFC 7636 §4.1) and its S256 challenge."""
    verifier = _b64url(secrets.token_bytes(48))
    return verifier, _b64url(hashlib.sha256(verifier.encode()).digest())


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    redirect_uri: str
    state: str = field(repr=False)
    nonce: str = field(repr=False)
    verifier: str = field(repr=False)


@dataclass(frozen=True)
class DeviceAuthorization:
    """What the QR page shows: ``qr_url`` (the complete URI), ``user_code``, the expiry."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float
    interval: float
    started: float  # time.monotonic() when it was asked

    @property
    def qr_url(self) -> str:
        return self.verification_uri_complete or self.verification_uri

    def remaining(self, monotonic: Callable[[], float] = time.monotonic) -> float:
        return max(0.0, self.started + self.expires_in - monotonic())


@dataclass(frozen=True)
class BackchannelRequest:
    auth_req_id: str = field(repr=False)
    expires_in: float
    interval: float
    started: float


@dataclass
class PscClient:
    config: PscConfig
    http: Http = field(default_factory=Http)
    now: Callable[[], float] = time.time  # the clock tokens' expiries are read with
    _metadata: ProviderMetadata | None = field(default=None, repr=False)
    _checker: IdTokenChecker | None = field(default=None, repr=False)

    # -- discovery -------------------------------------------------------------------------

    def metadata(self) -> ProviderMetadata:
        if self._metadata is None:
            self._metadata = discover(self.config.issuer, self.http)
        return self._metadata

    def checker(self) -> IdTokenChecker:
        if self._checker is None:
            jwks_uri = self.metadata().jwks_uri
            self._checker = IdTokenChecker(
                self.config.issuer,
                self.config.client_id,
                lambda: self.http.get_json(jwks_uri),
                self.now,
            )
        return self._checker

    # -- authorization code + PKCE in the browser -------------------------------------------

    def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": redirect_uri,
                "scope": self.config.scope,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                **({"acr_values": self.config.acr_values} if self.config.acr_values else {}),
            }
        )
        endpoint = self.metadata().authorization_endpoint
        separator = "&" if urllib.parse.urlsplit(endpoint).query else "?"
        url = endpoint + separator + query
        return AuthorizationRequest(url, redirect_uri, state, nonce, verifier)

    def sign_in_browser(
        self,
        open_url: Opener | None = None,
        *,
        timeout: float = BROWSER_TIMEOUT,
        cancel: threading.Event | None = None,
        path: str = DEFAULT_PATH,
    ) -> Tokens:
        """Open the provider's page in the system browser (``open_url``, default
        ``webbrowser.open`` as it is at the call); the tokens once she signed in."""
        self.metadata()  # unreachable or wrong issuer: said before a browser opens
        receiver = LoopbackReceiver(path)
        try:
            request = self.authorization_request(receiver.redirect_uri)
            (open_url or webbrowser.open)(request.url)
            redirect = receiver.wait(timeout, cancel)
        finally:
            receiver.close()
        if redirect is None:
            if cancel is not None and cancel.is_set():
                raise PscCancelledError("browser sign-in cancelled")
            raise PscCodeExpiredError(
                "no redirect in time",
                user_message="Aucune réponse de Pro Santé Connect dans le navigateur "
                f"après {timeout / 60:.0f} minutes : connexion abandonnée. Réessayez.",
            )
        params = redirect.params
        if params.get("state") != request.state:
            raise PscStateMismatchError("state mismatch on the redirect")
        if "error" in params:
            raise _authorization_error(params.get("error", ""))
        issuer = params.get("iss")
        if issuer is not None and issuer != self.config.issuer:  # RFC 9207
            raise PscStateMismatchError("iss on the redirect is not the issuer")
        code = params.get("code")
        if not code:
            raise PscProviderError("redirect without code")
        status, body = self.http.post_form(
            self.metadata().token_endpoint,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": request.redirect_uri,
                "client_id": self.config.client_id,
                "code_verifier": request.verifier,
            },
        )
        if status != 200:
            error = body.get("error")
            if error == "invalid_grant":  # a wrong verifier, a code used or swapped
                raise PscStateMismatchError(f"token endpoint: invalid_grant ({status})")
            raise _token_error(status, body)
        return parse_token_response(
            body, self.checker(), request.nonce, self.now(), require_id_token=True
        )

    # -- device authorization grant (QR code) ------------------------------------------------

    def start_device(self) -> DeviceAuthorization:
        endpoint = self.metadata().device_authorization_endpoint
        if endpoint is None:
            raise PscProviderError(
                "no device_authorization_endpoint",
                user_message="Ce fournisseur Pro Santé Connect ne propose pas la connexion "
                "par code QR : utilisez le navigateur.",
            )
        status, body = self.http.post_form(
            endpoint, {"client_id": self.config.client_id, "scope": self.config.scope}
        )
        if status != 200:
            raise _token_error(status, body)
        device_code, user_code = body.get("device_code"), body.get("user_code")
        uri, complete = body.get("verification_uri"), body.get("verification_uri_complete")
        if not isinstance(device_code, str) or not device_code or len(device_code) > 4096:
            raise PscProviderError("device answer without device_code")
        if not isinstance(user_code, str) or not 0 < len(user_code) <= MAX_USER_CODE:
            raise PscProviderError("device answer without a usable user_code")
        if not isinstance(uri, str):
            raise PscProviderError("device answer without verification_uri")
        check_url(uri, "verification_uri")
        if complete is not None:
            if not isinstance(complete, str):
                raise PscProviderError("verification_uri_complete is not a string")
            check_url(complete, "verification_uri_complete")
        return DeviceAuthorization(
            device_code,
            user_code,
            uri,
            complete,
            _seconds(body.get("expires_in"), 120.0, MAX_CODE_SECONDS),
            _seconds(body.get("interval"), DEFAULT_INTERVAL, 60.0),
            time.monotonic(),
        )

    def wait_device(
        self,
        device: DeviceAuthorization,
        *,
        cancel: threading.Event | None = None,
        sleep: Callable[[float], object] | None = None,
    ) -> Tokens:
        """Poll until she approves on the phone, refuses, or the code expires."""
        return self._poll(
            {"grant_type": DEVICE_GRANT, "device_code": device.device_code},
            device.started + device.expires_in,
            device.interval,
            cancel,
            sleep,
        )

    # -- CIBA ------------------------------------------------------------------------------

    def start_ciba(self, national_id: str) -> BackchannelRequest:
        metadata = self.metadata()
        if not metadata.offers_ciba or metadata.backchannel_authentication_endpoint is None:
            raise PscCibaUnavailableError("no backchannel_authentication_endpoint (poll)")
        hint = national_id.strip()
        if not hint or len(hint) > 64 or not hint.isprintable():
            raise PscCibaUnavailableError(
                "bad login hint", user_message="Identifiant national invalide pour CIBA."
            )
        status, body = self.http.post_form(
            metadata.backchannel_authentication_endpoint,
            {"client_id": self.config.client_id, "scope": self.config.scope, "login_hint": hint},
        )
        if status != 200:
            raise _token_error(status, body)
        auth_req_id = body.get("auth_req_id")
        if not isinstance(auth_req_id, str) or not auth_req_id or len(auth_req_id) > 4096:
            raise PscProviderError("CIBA answer without auth_req_id")
        return BackchannelRequest(
            auth_req_id,
            _seconds(body.get("expires_in"), 120.0, MAX_CODE_SECONDS),
            _seconds(body.get("interval"), DEFAULT_INTERVAL, 60.0),
            time.monotonic(),
        )

    def wait_ciba(
        self,
        request: BackchannelRequest,
        *,
        cancel: threading.Event | None = None,
        sleep: Callable[[float], object] | None = None,
    ) -> Tokens:
        return self._poll(
            {"grant_type": CIBA_GRANT, "auth_req_id": request.auth_req_id},
            request.started + request.expires_in,
            request.interval,
            cancel,
            sleep,
        )

    def _poll(
        self,
        grant: dict[str, str],
        deadline: float,
        interval: float,
        cancel: threading.Event | None,
        sleep: Callable[[float], object] | None,
    ) -> Tokens:
        form = {**grant, "client_id": self.config.client_id}
        while True:
            wait = min(interval, max(0.0, deadline - time.monotonic()))
            if sleep is not None:
                sleep(wait)
            elif cancel is not None:
                cancel.wait(wait)
            else:
                time.sleep(wait)
            if cancel is not None and cancel.is_set():
                raise PscCancelledError("polling cancelled")
            if time.monotonic() >= deadline:
                raise PscCodeExpiredError("device or CIBA request expired (client side)")
            status, body = self.http.post_form(self.metadata().token_endpoint, form)
            if status == 200:
                return self._with_identity(
                    parse_token_response(body, self.checker(), None, self.now())
                )
            error = body.get("error")
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval += 5.0  # RFC 8628 §3.5
                continue
            if error == "access_denied":
                raise PscDeniedError("access_denied")
            if error == "expired_token":
                raise PscCodeExpiredError("expired_token")
            raise _token_error(status, body)

    def _with_identity(self, tokens: Tokens) -> Tokens:
        """Who signed in, from the userinfo endpoint when the grant gave no ID token (a
        device or CIBA grant may not): asked with the new token, of the discovered
        provider, over its TLS."""
        endpoint = self.metadata().userinfo_endpoint
        if tokens.identity is not None or endpoint is None:
            return tokens
        claims = self.http.get_json(
            endpoint, headers={"Authorization": f"Bearer {tokens.access_token}"}
        )
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise PscProviderError("userinfo without sub")
        return replace(tokens, identity=Identity.from_claims(claims))

    # -- refresh ---------------------------------------------------------------------------

    def refresh(self, tokens: Tokens) -> Tokens:
        """New tokens from the refresh token; PscSessionEndedError when it is refused."""
        if not tokens.refresh_token:
            raise PscSessionEndedError("no refresh token")
        status, body = self.http.post_form(
            self.metadata().token_endpoint,
            {
                "grant_type": "refresh_token",
                "refresh_token": tokens.refresh_token,
                "client_id": self.config.client_id,
            },
        )
        if status != 200:
            if body.get("error") in ("invalid_grant", "unauthorized_client", "invalid_client"):
                raise PscSessionEndedError(f"refresh refused: {body.get('error')}")
            raise _token_error(status, body)
        try:
            return parse_token_response(body, self.checker(), None, self.now(), previous=tokens)
        except PscTokenInvalidError:
            raise
        except PscProviderError as error:
            raise PscSessionEndedError(f"refresh answer unusable: {error}") from error


def _seconds(value: Any, default: float, maximum: float) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return default
    return min(float(value), maximum)


def _authorization_error(error: str) -> Exception:
    if error == "access_denied":
        return PscDeniedError(
            "access_denied on the redirect",
            user_message="La connexion a été refusée ou annulée sur la page Pro Santé Connect.",
        )
    return PscProviderError(f"authorization error {error[:80]!r}")


def _token_error(status: int, body: dict[str, Any]) -> Exception:
    error = body.get("error")
    code = error[:80] if isinstance(error, str) else f"HTTP {status}"
    if code in ("invalid_client", "unauthorized_client"):
        return PscProviderError(
            f"client refused: {code}",
            user_message="Pro Santé Connect ne reconnaît pas Caducée pour ce fournisseur "
            "(identifiant client). Vérifiez --psc-client-id ou la configuration de "
            "l'opérateur.",
        )
    if code in ("unknown_user_id", "invalid_user_code"):
        return PscProviderError(
            f"CIBA: {code}",
            user_message="Pro Santé Connect ne connaît pas cet identifiant national (CIBA) : "
            "vérifiez-le, ou connectez-vous par le navigateur ou le code QR.",
        )
    return PscProviderError(f"token endpoint: {code} ({status})")

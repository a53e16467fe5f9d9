"""OpenID CIBA (Client-Initiated Backchannel Authentication Core 1.0), poll mode, for the
lab's PSC-like provider — offered only when the provider is started with ``ciba=True``.

Authlib has no CIBA; what it shares with the device grant is done by the device grant's
classes: the request waits for the phone (``DeviceRequest`` of kind "ciba", its
``device_code`` being the ``auth_req_id``), the token endpoint answers
``authorization_pending``, ``slow_down``, ``expired_token`` or ``access_denied`` the same
way, and the token response carries an ID token as CIBA requires.

- Backchannel authentication endpoint ``…/protocol/openid-connect/ext/ciba/auth``
  (Keycloak's path): ``scope`` with ``openid``, exactly one hint, and only ``login_hint``
  (the national id) is understood; optional ``binding_message`` (≤ 64 characters, shown on
  the phone) and ``requested_expiry`` (can only shorten the provider's lifetime). Answers
  ``auth_req_id``, ``expires_in``, ``interval``; ``unknown_user_id`` for an unknown person.
- Client authentication as at the token endpoint: a public client by its ``client_id``
  (**lab choice**: CIBA is mostly deployed for confidential clients; what PSC will accept
  from a desktop application is not known).
- The phone: the "e-CPS de démonstration" page opened with ``?national_id=…`` shows the
  request waiting for that person (``PscProvider.pushes(national_id)`` lists them).
"""

from __future__ import annotations

import secrets
from typing import Any

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    UnauthorizedClientError,
)
from authlib.oidc.core import OpenIDToken

from app.sandbox.psc_oauth import (
    CIBA_GRANT,
    DeviceGrant,
    DeviceRequest,
    IdTokenClaims,
    Realm,
    Request,
    Response,
    Server,
)

CLIENT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]
_JSON = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]


class _CibaError(OAuth2Error):  # type: ignore[misc]
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description=description)
        self.error = error


class CibaGrant(DeviceGrant):
    """The token request ``grant_type=urn:openid:params:grant-type:ciba`` +
    ``auth_req_id``."""

    GRANT_TYPE = CIBA_GRANT
    KIND = "ciba"

    def validate_token_request(self) -> None:
        auth_req_id = self.request.payload.data.get("auth_req_id")
        if not auth_req_id:
            raise InvalidRequestError("Missing 'auth_req_id' in request.")
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError()
        credential = self.query_device_credential(auth_req_id)
        if credential is None or credential.get_client_id() != client.get_client_id():
            raise InvalidGrantError("Invalid 'auth_req_id'.")
        self.request.user = self.validate_device_credential(credential)
        self.request.client = client
        self.request.credential = credential


class CibaIdToken(IdTokenClaims, OpenIDToken):  # type: ignore[misc]
    """The ID token of the CIBA token response (CIBA Core §10.1.1: required)."""

    def __init__(self, realm: Realm) -> None:
        self.realm = realm


def backchannel_authentication(server: Server, request: Request) -> Response:
    """The backchannel authentication endpoint: start a CIBA request."""
    try:
        return _start(server, request)
    except OAuth2Error as error:
        return server.handle_error_response(request, error)  # type: ignore[no-any-return]


def _start(server: Server, request: Request) -> Response:
    realm = server.realm
    client = server.authenticate_client(request, CLIENT_AUTH_METHODS, "backchannel")
    if not client.check_grant_type(CIBA_GRANT):
        raise UnauthorizedClientError()
    form = request.form
    scope = form.get("scope", "")
    if "openid" not in scope.split():
        raise InvalidScopeError("CIBA requires the 'openid' scope.")
    hints = [h for h in ("login_hint", "id_token_hint", "login_hint_token") if form.get(h)]
    if len(hints) != 1:
        raise InvalidRequestError("Exactly one of login_hint, id_token_hint, login_hint_token.")
    if hints != ["login_hint"]:
        raise InvalidRequestError("Only 'login_hint' (the national id) is supported.")
    user = realm.users.get(form["login_hint"].strip())
    if user is None:
        raise _CibaError("unknown_user_id", "Unknown national id.")
    binding = form.get("binding_message") or None
    if binding is not None and (len(binding) > 64 or not binding.isprintable()):
        raise _CibaError("invalid_binding_message", "binding_message: 64 printable characters.")
    lifetime = _lifetime(form.get("requested_expiry"), realm.device_ttl)
    auth_req_id = secrets.token_urlsafe(32)
    realm.devices[auth_req_id] = DeviceRequest(
        auth_req_id,
        f"{secrets.randbelow(10**4):04d}-{secrets.randbelow(10**4):04d}",
        client.get_client_id(),
        client.get_allowed_scope(scope),
        realm.clock() + lifetime,
        realm.device_interval,
        realm.clock,
        national_id=user.national_id,
        kind="ciba",
        binding_message=binding,
    )
    body: dict[str, Any] = {
        "auth_req_id": auth_req_id,
        "expires_in": lifetime,
        "interval": realm.device_interval,
    }
    return 200, body, _JSON


def _lifetime(requested: str | None, default: int) -> int:
    if requested is None:
        return default
    try:
        value = int(requested)
    except ValueError:
        raise InvalidRequestError("requested_expiry must be a positive integer.") from None
    if value <= 0:
        raise InvalidRequestError("requested_expiry must be a positive integer.")
    return min(value, default)

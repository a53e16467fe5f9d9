"""The OAuth 2.0 / OpenID Connect machinery of the lab's PSC-like provider, on Authlib.

Authlib's server classes do the protocol (RFC 6749 code grant, RFC 7636 PKCE, RFC 8628
device grant, RFC 7009 revocation, RFC 7662 introspection, RFC 9068 JWT access tokens,
OpenID Connect's ID token); this module gives them their storage (in memory), the clock,
the keys and the policy of a PSC-shaped realm: public clients only with PKCE S256, exact
redirect URIs with the RFC 8252 loopback rule, rotating refresh tokens. ``app.sandbox.psc``
serves it over HTTP and holds the public API.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint, DeviceCodeGrant
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import OpenIDCode, UserInfo
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from app.sandbox.bearer import Clock, TokenRejected, verify_jwt

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CIBA_GRANT = "urn:openid:params:grant-type:ciba"
PUBLIC_GRANTS = ("authorization_code", "refresh_token", DEVICE_GRANT, CIBA_GRANT)


# -- the realm's registry ---------------------------------------------------------------------


@dataclass(frozen=True)
class PscUser:
    """A health professional known to the provider. ``national_id``: the RPPS-like national
    identifier (``8`` + 11 digits) that becomes the tokens' ``sub``; ``address``: the
    MSSanté mailbox the lab's servers map it to (claim ``email``)."""

    national_id: str
    given_name: str
    family_name: str
    address: str


@dataclass(frozen=True)
class PscClient:
    """A registered client. Without ``secret``: a public client (a desktop application:
    code + PKCE S256, device grant, refresh). With ``secret``: a confidential resource
    server that may only call introspection (Dovecot, the submission server)."""

    client_id: str
    redirect_uris: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ("openid", "scope_all")
    secret: str | None = None


class _Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, client: PscClient) -> None:
        self.data = client

    def get_client_id(self) -> str:
        return self.data.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # redirect_uri is always required

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return " ".join(self.data.scopes)
        return " ".join(s for s in scope.split() if s in self.data.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return any(_redirect_matches(r, redirect_uri) for r in self.data.redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        return self.data.secret is not None and secrets.compare_digest(
            self.data.secret.encode(), client_secret.encode()
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.data.secret is None:
            return method == "none" and endpoint != "introspection"
        return method in ("client_secret_basic", "client_secret_post") and (
            endpoint in ("introspection", "revocation")
        )

    def check_response_type(self, response_type: str) -> bool:
        return self.data.secret is None and response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return self.data.secret is None and grant_type in PUBLIC_GRANTS


_LOOPBACK = ("127.0.0.1", "[::1]")


def _redirect_matches(registered: str, asked: str) -> bool:
    """Exact match; for a registered loopback IP redirect any port (RFC 8252 §7.3)."""
    if registered == asked:
        return True
    r, a = urlsplit(registered), urlsplit(asked)
    try:
        a.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        return False
    host = a.netloc.rsplit(":", 1)[0] if a.port is not None else a.netloc
    return (
        r.scheme == a.scheme == "http"
        and r.netloc.rsplit(":", 1)[0] in _LOOPBACK
        and host == r.netloc.rsplit(":", 1)[0]
        and (r.path, r.query, r.fragment) == (a.path, a.query, a.fragment)
        and not a.username
    )


# -- what the server remembers ----------------------------------------------------------------


@dataclass
class Session:
    """One sign-in of a user for a client (Keycloak's user session, ``sid``): the
    ``user`` Authlib carries through a grant. Revoking it kills its refresh tokens and makes
    its access tokens inactive at introspection."""

    user: PscUser
    client_id: str
    method: str  # "cps" | "ecps" | "device"
    auth_time: int
    sid: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    revoked: bool = False

    def get_user_id(self) -> str:
        return self.user.national_id


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    session: Session
    code_challenge: str
    code_challenge_method: str
    nonce: str | None
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.session.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class RefreshToken:
    value: str
    client_id: str
    scope: str
    session: Session
    expires_at: float
    clock: Clock
    used: bool = False  # rotated: presenting it again is a replay

    def check_client(self, client: _Client) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return self.clock() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.used or self.session.revoked


@dataclass
class DeviceRequest:
    """What waits for the phone to approve ``user_code``: a device authorization
    (RFC 8628, ``kind`` "device"), the e-CPS push of the browser flow ("ecps"), or a CIBA
    request ("ciba", its ``device_code`` being the ``auth_req_id``)."""

    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    interval: int
    clock: Clock
    national_id: str | None = None  # a push (ecps, ciba) goes to this person only
    kind: str = "device"
    binding_message: str | None = None  # CIBA: shown on the phone and the computer
    last_poll: float | None = None
    decision: Session | bool | None = None  # Session: approved; False: refused
    consumed: bool = False

    def get_client_id(self) -> str:
        return self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_user_code(self) -> str:
        return self.user_code

    def is_expired(self) -> bool:
        return self.clock() >= self.expires_at


@dataclass
class Faults:
    """Test-only switches. The ``next_*`` ones apply to the next access token issued, then
    reset themselves; the others stay until set back."""

    next_wrong_key: bool = False  # signed by a key that is not in the JWKS (same kid)
    next_audience: str | None = None  # this ``aud`` instead of the client's id
    next_expired: bool = False  # already expired when issued
    discovery_unreachable: bool = False  # the discovery URL drops the connection
    discovery_issuer: str | None = None  # the discovery document names another issuer


@dataclass
class Realm:
    """Everything the provider knows; all access under ``lock``."""

    issuer: str
    users: dict[str, PscUser]
    clients: dict[str, PscClient]
    access_ttl: int
    refresh_ttl: int
    device_ttl: int
    device_interval: int
    clock: Clock
    key: RSAKey
    rogue_key: RSAKey  # the fault "wrong key" signs with it
    ciba: bool = False  # offer OpenID CIBA (poll mode)
    faults: Faults = field(default_factory=Faults)
    lock: threading.RLock = field(default_factory=threading.RLock)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    devices: dict[str, DeviceRequest] = field(default_factory=dict)  # by device code
    revoked_jti: set[str] = field(default_factory=set)
    sessions: list[Session] = field(default_factory=list)

    def now(self) -> int:
        return int(self.clock())

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False, use="sig", alg="RS256")]}

    @property
    def audiences(self) -> list[str]:
        """The client ids a mail server accepts tokens for: the realm's applications."""
        return [c.client_id for c in self.clients.values() if c.secret is None]

    def device_by_user_code(self, user_code: str) -> DeviceRequest | None:
        wanted = normalise_user_code(user_code)
        for request in self.devices.values():
            if normalise_user_code(request.user_code) == wanted:
                return request
        return None

    def new_session(self, user: PscUser, client_id: str, method: str) -> Session:
        session = Session(user, client_id, method, self.now())
        self.sessions.append(session)
        return session

    def check_access_token(self, token: str, audiences: Iterable[str] | None) -> dict[str, Any]:
        """Claims of a valid, unrevoked access token of this realm; TokenRejected if not."""
        claims = verify_jwt(
            token,
            KeySet([self.key]),
            issuer=self.issuer,
            audiences=list(audiences) if audiences is not None else None,
            now=self.clock,
        )
        if claims.get("jti") in self.revoked_jti:
            raise TokenRejected("revoked")
        if any(s.sid == claims.get("sid") and s.revoked for s in self.sessions):
            raise TokenRejected("session ended")
        return claims

    def user_claims(self, user: PscUser) -> dict[str, Any]:
        """The identity claims PSC puts in its tokens (plus the lab's mailbox ``email``)."""
        return {
            "sub": user.national_id,
            "preferred_username": user.national_id,
            "SubjectNameID": user.national_id,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "name": f"{user.given_name} {user.family_name}",
            "email": user.address,
        }


def normalise_user_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


# -- Authlib: requests, token generation ------------------------------------------------------


class Request(OAuth2Request):  # type: ignore[misc]
    """An HTTP request as Authlib wants it: ``args`` (query) and ``form`` (body)."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Any,
        args: dict[str, list[str]],
        form: dict[str, list[str]],
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._args = {k: v[0] for k, v in args.items()}
        self._form = {k: v[0] for k, v in form.items()}
        values = {**args, **form}
        self.payload = BasicOAuth2Payload({k: v[0] for k, v in values.items()})
        self.payload._datalist = values  # Authlib refuses repeated parameters through this

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


Response = tuple[int, Any, list[tuple[str, str]]]


class _TokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    """RFC 9068 access tokens with PSC's claims, the realm's clock and its fault switches."""

    def __init__(self, realm: Realm) -> None:
        super().__init__(
            realm.issuer,
            refresh_token_generator=lambda **_: secrets.token_urlsafe(48),
            expires_generator=lambda client, grant_type: realm.access_ttl,
        )
        self.realm = realm

    def access_token_generator(
        self, client: _Client, grant_type: str, user: Session, scope: str
    ) -> str:
        realm, faults = self.realm, self.realm.faults
        now = realm.now()
        exp = now + realm.access_ttl
        if faults.next_expired:
            now, exp = now - 2 * realm.access_ttl, now - realm.access_ttl
        claims = {
            **realm.user_claims(user.user),
            "iss": realm.issuer,
            "aud": faults.next_audience or client.get_client_id(),
            "azp": client.get_client_id(),
            "client_id": client.get_client_id(),
            "typ": "Bearer",
            "scope": scope,
            "sid": user.sid,
            "auth_time": user.auth_time,
            "iat": now,
            "exp": exp,
            "jti": secrets.token_urlsafe(16),
        }
        key = realm.rogue_key if faults.next_wrong_key else realm.key
        faults.next_wrong_key = faults.next_expired = False
        faults.next_audience = None
        header = {"alg": "RS256", "typ": "at+jwt", "kid": realm.key.kid or ""}
        return jwt.encode(header, claims, key)


class Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, realm: Realm) -> None:
        scopes = sorted({s for c in realm.clients.values() for s in c.scopes})
        super().__init__(scopes_supported=scopes)
        self.realm = realm
        self.register_token_generator("default", _TokenGenerator(realm))
        self.register_grant(_CodeGrant, [_S256Only(required=True), _OpenIDCode(realm)])
        self.register_grant(_RefreshGrant)
        self.register_grant(DeviceGrant)
        self.register_endpoint(_DeviceEndpoint(self))
        self.register_endpoint(_Revocation(self))
        self.register_endpoint(_Introspection(self))
        if realm.ciba:
            from app.sandbox.psc_ciba import CibaGrant, CibaIdToken

            self.register_grant(CibaGrant, [CibaIdToken(realm)])

    def query_client(self, client_id: str) -> _Client | None:
        client = self.realm.clients.get(client_id)
        return _Client(client) if client else None

    def save_token(self, token: dict[str, Any], request: Request) -> None:
        value = token.get("refresh_token")
        if value:
            session: Session = request.user
            self.realm.refresh_tokens[value] = RefreshToken(
                value,
                request.client.get_client_id(),
                token.get("scope", ""),
                session,
                self.realm.clock() + self.realm.refresh_ttl,
                self.realm.clock,
            )
            token["refresh_expires_in"] = self.realm.refresh_ttl

    def create_oauth2_request(self, request: Request) -> Request:
        return request

    def create_json_request(self, request: Request) -> Request:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        return status, body, list(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


# -- grants -------------------------------------------------------------------------------------


class _S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE required with S256 at the authorization request: a missing challenge, or
    ``plain`` (what a missing method means), is refused there, not only at the token."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - Authlib's class attribute

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE required: missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE required with code_challenge_method=S256")
        super().validate_code_challenge(grant, redirect_uri)


class _CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012 - Authlib's class attribute
    CODE_TTL = 60

    @property
    def realm(self) -> Realm:
        return self.server.realm  # type: ignore[no-any-return]

    def save_authorization_code(self, code: str, request: Request) -> None:
        data = request.payload.data
        self.realm.codes[code] = AuthorizationCode(
            code,
            request.client.get_client_id(),
            data["redirect_uri"],
            request.scope,
            request.user,
            data["code_challenge"],
            data["code_challenge_method"],
            data.get("nonce"),
            self.realm.clock() + self.CODE_TTL,
        )

    def query_authorization_code(self, code: str, client: _Client) -> AuthorizationCode | None:
        found = self.realm.codes.get(code)
        if found is None or found.client_id != client.get_client_id():
            return None
        if self.realm.clock() >= found.expires_at:
            return None
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.realm.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Session:
        return authorization_code.session


class IdTokenClaims:
    """The ID token's keys and claims: the realm's key, its clock, PSC's claims."""

    realm: Realm

    def resolve_client_private_key(self, client: _Client) -> RSAKey:
        return self.realm.key

    def get_client_algorithm(self, client: _Client) -> str:
        return "RS256"

    def get_encode_header(self, client: _Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": self.realm.key.kid or ""}

    def get_client_claims(self, client: _Client) -> dict[str, Any]:
        now = self.realm.now()
        return {
            "iss": self.realm.issuer,
            "aud": [client.get_client_id()],
            "azp": client.get_client_id(),
            "iat": now,
            "exp": now + self.realm.access_ttl,
        }

    def generate_user_info(self, user: Session, scope: str) -> UserInfo:
        return UserInfo(self.realm.user_claims(user.user), sid=user.sid, auth_time=user.auth_time)


class _OpenIDCode(IdTokenClaims, OpenIDCode):  # type: ignore[misc]
    """The ID token of the code flow."""

    def __init__(self, realm: Realm) -> None:
        super().__init__(require_nonce=False)
        self.realm = realm

    def exists_nonce(self, nonce: str, request: Request) -> bool:
        return any(c.nonce == nonce for c in self.realm.codes.values())


class _RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012 - Authlib's class attribute
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh token serves once

    @property
    def realm(self) -> Realm:
        return self.server.realm  # type: ignore[no-any-return]

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        found = self.realm.refresh_tokens.get(refresh_token)
        if found is None or found.is_expired() or found.session.revoked:
            return None
        if found.used:  # a replayed refresh token: someone else has it; end the session
            found.session.revoked = True
            return None
        return found

    def authenticate_user(self, refresh_token: RefreshToken) -> Session:
        return refresh_token.session

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        refresh_token.used = True


class DeviceGrant(DeviceCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012 - Authlib's class attribute
    KIND = "device"

    @property
    def realm(self) -> Realm:
        return self.server.realm  # type: ignore[no-any-return]

    def query_device_credential(self, device_code: str) -> DeviceRequest | None:
        found = self.realm.devices.get(device_code)
        if found is None or found.consumed or found.kind != self.KIND:
            return None
        return found

    def query_user_grant(self, user_code: str) -> tuple[Session | None, bool] | None:
        found = self.realm.device_by_user_code(user_code)
        if found is None or found.decision is None:
            return None
        if not isinstance(found.decision, Session):
            return None, False
        found.consumed = True
        return found.decision, True

    def should_slow_down(self, credential: DeviceRequest) -> bool:
        now = self.realm.clock()
        too_fast = credential.last_poll is not None and (
            now - credential.last_poll < credential.interval
        )
        credential.last_poll = now
        if too_fast:
            credential.interval += 5  # RFC 8628 §3.5
        return too_fast


class _DeviceEndpoint(DeviceAuthorizationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ["none"]  # noqa: RUF012 - Authlib's class attribute
    USER_CODE_TYPE = "string"

    def __init__(self, server: Server) -> None:
        super().__init__(server)
        self.realm = server.realm
        self.EXPIRES_IN = self.realm.device_ttl
        self.INTERVAL = self.realm.device_interval

    def get_verification_uri(self) -> str:
        return f"{self.realm.issuer}/device"

    def save_device_credential(
        self, client_id: str, scope: str | None, data: dict[str, Any]
    ) -> None:
        client = self.realm.clients[client_id]
        self.realm.devices[data["device_code"]] = DeviceRequest(
            data["device_code"],
            data["user_code"],
            client_id,
            _Client(client).get_allowed_scope(scope),
            self.realm.clock() + self.realm.device_ttl,
            self.realm.device_interval,
            self.realm.clock,
        )


class _Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        realm: Realm = self.server.realm
        found = realm.refresh_tokens.get(token_string)
        if found is not None:
            return found
        try:
            claims = realm.check_access_token(token_string, None)
        except TokenRejected:
            return None
        return _AccessToken(claims, realm)

    def revoke_token(self, token: Any, request: Request) -> None:
        if isinstance(token, RefreshToken):
            token.session.revoked = True  # as Keycloak: the refresh token's session ends
        else:
            token.realm.revoked_jti.add(token.claims["jti"])


@dataclass
class _AccessToken:
    claims: dict[str, Any]
    realm: Realm

    def check_client(self, client: _Client) -> bool:
        return self.claims.get("azp") == client.get_client_id() or client.data.secret is not None

    def is_expired(self) -> bool:
        return False  # checked by Realm.check_access_token

    def is_revoked(self) -> bool:
        return False


class _Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    """Keycloak-style: JWT access tokens are checked (signature, issuer, expiry,
    revocation) and answered with their claims; anything else is ``active: false``. Unlike
    Keycloak's, the audience is checked too (one of the realm's applications), since
    Dovecot, introspecting, has no setting for it: what an operator checks."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        realm: Realm = self.server.realm
        found = realm.refresh_tokens.get(token_string)
        if found is not None:
            return None if found.is_revoked() or found.is_expired() else found
        try:  # the audience too: a token for an application this realm does not serve
            return _AccessToken(realm.check_access_token(token_string, realm.audiences), realm)
        except TokenRejected:
            return None

    def check_permission(self, token: Any, client: _Client, request: Request) -> bool:
        return client.data.secret is not None

    def introspect_token(self, token: Any) -> dict[str, Any]:
        if isinstance(token, RefreshToken):
            return {
                "active": True,
                "token_type": "Refresh",
                "client_id": token.client_id,
                "scope": token.scope,
                "sub": token.session.user.national_id,
                "exp": int(token.expires_at),
            }
        claims = dict(token.claims)
        return {
            **claims,
            "active": True,
            "token_type": "Bearer",
            "username": claims.get("preferred_username"),
        }


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def callable_clock(clock: Callable[[], float] | None) -> Clock:
    import time

    return clock if clock is not None else time.time

"""A Pro Santé Connect-shaped OpenID provider on loopback, for the test lab and the demo.

PSC is a Keycloak realm (``esante-wallet``); this provider has its shape, built on
Authlib's server classes (``app.sandbox.psc_oauth``), pages in ``app.sandbox.psc_pages``.
It is a real provider, not a stub: what a client gets wrong is refused as PSC would.

Shape (``ISSUER = http://HOST:PORT/auth/realms/esante-wallet``):

- discovery ``ISSUER/.well-known/openid-configuration``; JWKS ``…/protocol/openid-connect/certs``;
- ``…/protocol/openid-connect/auth``: authorization code flow for public clients only,
  PKCE S256 required (a missing challenge or ``plain`` is refused), ``redirect_uri``
  required and matched exactly, except that a registered ``http://127.0.0.1/…`` (or
  ``[::1]``) redirect accepts any port (RFC 8252 §7.3); ``state`` is returned as given;
  ``nonce`` goes into the ID token. The page offers "Carte CPS" (in the lab: typing the
  national id stands for the card and its PIN — a real card in a browser is out of reach)
  and "e-CPS" (a push to the phone: the browser waits until the code it shows is approved on
  the ``ISSUER/device`` page);
- ``…/token``: ``authorization_code``, ``refresh_token`` (rotating: each refresh token
  serves once; replaying a used one ends the session),
  ``urn:ietf:params:oauth:grant-type:device_code`` (``authorization_pending``,
  ``slow_down`` when polled faster than ``interval``, ``expired_token`` after ``device_ttl``,
  ``access_denied`` when refused);
- ``…/auth/device``: device authorization (RFC 8628) with ``verification_uri`` =
  ``ISSUER/device`` and ``verification_uri_complete`` carrying the user code: that page is
  the "e-CPS de démonstration" where the phone approves or refuses;
- ``…/token/introspect`` (RFC 7662, HTTP Basic of a confidential client — see
  ``introspection_credentials``): a JWT access token is ``active`` with its claims when its
  signature, issuer, expiry, session and audience (one of the realm's public clients)
  hold; anything else is ``{"active": false}``;
- ``…/revoke`` (RFC 7009: a refresh token ends its session; an access token is refused at
  introspection from then on), ``…/userinfo``, ``…/logout`` (``refresh_token`` or
  ``id_token_hint``; ``post_logout_redirect_uri`` if registered).

CIBA (poll mode, ``app.sandbox.psc_ciba``) is offered only with ``ciba=True``; otherwise
discovery has no ``backchannel_authentication_endpoint``, as for a provider without it.

Access tokens: RS256 JWT (``typ`` ``at+jwt``, ``kid`` of the JWKS), lifetime ``access_ttl``
(300 s like PSC), claims ``iss``, ``sub`` = national id, ``aud`` = ``azp`` = client id,
``scope``, ``sid``, ``auth_time``, ``iat``, ``exp``, ``jti``, ``preferred_username`` and
``SubjectNameID`` (the national id), ``given_name``, ``family_name``, ``name``, and
``email`` = the user's MSSanté address (a lab choice: Dovecot's ``username_attribute``
needs the mailbox in the token's introspection; a real operator maps the national id to
its mailboxes itself).

API (stable; the client's tests code against it)::

    provider = PscProvider(
        host="127.0.0.1", port=0,
        users=[PscUser(national_id, given_name, family_name, address)],
        clients=[PscClient(client_id, redirect_uris, scopes)],   # public: PKCE, no secret
        access_ttl=300, device_ttl=120, now=None,   # now: () -> POSIX seconds
        refresh_ttl=1800, device_interval=5, ciba=False,
        prefill_national_id="",   # the demo: its pages offer this national id already typed
    )
    with provider:                       # or .start() / .stop()
        provider.issuer                  # http://127.0.0.1:PORT/auth/realms/esante-wallet
        provider.discovery_url, provider.jwks, provider.introspection_credentials
        provider.accepts(mailbox, token)   # introspection's decision in process (TokenCheck)
        provider.approve_device(user_code, national_id)   # as the phone would (ValueError
        provider.refuse_device(user_code)                 # with the page's message if not)
        provider.revoke_refresh_tokens(national_id)       # ends that person's sessions
        provider.pushes(national_id)     # user codes waiting on that phone (e-CPS, CIBA)
        provider.faults.next_wrong_key = True   # next access token: signed by another key
        provider.faults.next_audience = "x"     # next access token: another audience
        provider.faults.next_expired = True     # next access token: already expired
        provider.faults.discovery_unreachable = True  # discovery drops the connection
        provider.faults.discovery_issuer = "http://…" # discovery names another issuer
    browser_sign_in(authorize_url, national_id, method="cps"|"ecps", approve=True) -> str
        # drives the real pages over HTTP as a browser would (for "ecps", approving on the
        # e-CPS page as the phone); returns the redirect URL (code or error, with state)
    phone_answer(verification_url, national_id, approve=True) -> str
        # the phone on the e-CPS page (device grant's verification_uri_complete; for a
        # CIBA request or an e-CPS push: ISSUER/device?national_id=…)

``SteppingClock`` is a clock tests can move (``advance(seconds)``); never real waits.
"""

from __future__ import annotations

import http.server
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from authlib.oauth2 import OAuth2Error

from app.sandbox import psc_pages as pages
from app.sandbox.bearer import TokenRejected
from app.sandbox.psc_browser import browser_sign_in, phone_answer
from app.sandbox.psc_ciba import backchannel_authentication
from app.sandbox.psc_oauth import (
    CIBA_GRANT,
    DEVICE_GRANT,
    DeviceRequest,
    Faults,
    PscClient,
    PscUser,
    Realm,
    Request,
    Response,
    Server,
    Session,
    new_key,
)

__all__ = [
    "Faults",
    "PscClient",
    "PscProvider",
    "PscUser",
    "SteppingClock",
    "browser_sign_in",
    "phone_answer",
]

log = logging.getLogger(__name__)
# Authlib logs whole token responses at DEBUG ("Issue token {...}"): never in our logs.
logging.getLogger("authlib").setLevel(logging.INFO)

REALM_PATH = "/auth/realms/esante-wallet"
OIDC = "/protocol/openid-connect"
_TX_TTL = 600


class SteppingClock:
    """A clock for tests: starts at the real time, moves only by ``advance``."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


@dataclass
class _Pending:
    """An authorization request shown to the browser, until she decides."""

    query: dict[str, list[str]]
    created: float
    device_code: str | None = None  # the e-CPS push of this request, once sent


class PscProvider:
    """The provider's HTTP server on a background thread. See the module docstring."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        users: Iterable[PscUser] = (),
        clients: Iterable[PscClient] = (),
        access_ttl: int = 300,
        device_ttl: int = 120,
        now: Callable[[], float] | None = None,
        *,
        refresh_ttl: int = 1800,
        device_interval: int = 5,
        ciba: bool = False,
        prefill_national_id: str = "",
    ) -> None:
        self._host, self._port = host, port
        self.prefill_national_id = prefill_national_id  # the demo's: typed in its pages
        self._users = {u.national_id: u for u in users}
        self._clients = {c.client_id: c for c in clients}
        self._introspection = PscClient("serveurs-messagerie", secret=secrets.token_urlsafe(24))
        self._clients[self._introspection.client_id] = self._introspection
        self._ttls = (access_ttl, refresh_ttl, device_ttl, device_interval)
        self._clock = now or time.time
        self._ciba = ciba
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._realm: Realm | None = None
        self._server: Server | None = None
        self._pending: dict[str, _Pending] = {}

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> PscProvider:
        handler = type("_Handler", (_Handler,), {"provider": self})
        self._httpd = http.server.ThreadingHTTPServer((self._host, self._port), handler)
        self._httpd.daemon_threads = True
        port = self._httpd.server_address[1]
        access_ttl, refresh_ttl, device_ttl, interval = self._ttls
        self._realm = Realm(
            issuer=f"http://{self._host}:{port}{REALM_PATH}",
            users=self._users,
            clients=self._clients,
            access_ttl=access_ttl,
            refresh_ttl=refresh_ttl,
            device_ttl=device_ttl,
            device_interval=interval,
            clock=self._clock,
            key=new_key("psc-lab-1"),
            rogue_key=new_key("psc-lab-1"),
            ciba=self._ciba,
        )
        self._server = Server(self._realm)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="psc-provider", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> PscProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what clients and servers are told ------------------------------------------------

    @property
    def realm(self) -> Realm:
        if self._realm is None:
            raise RuntimeError("the PSC provider is not started")
        return self._realm

    def _require_server(self) -> Server:
        if self._server is None:
            raise RuntimeError("the PSC provider is not started")
        return self._server

    @property
    def issuer(self) -> str:
        return self.realm.issuer

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def faults(self) -> Faults:
        return self.realm.faults

    @property
    def jwks(self) -> dict[str, Any]:
        return self.realm.jwks

    @property
    def introspection_credentials(self) -> tuple[str, str]:
        """(client id, secret) of the confidential client the mail servers introspect with."""
        return self._introspection.client_id, self._introspection.secret or ""

    def metadata(self) -> dict[str, Any]:
        base = f"{self.issuer}{OIDC}"
        realm = self.realm
        return {
            "issuer": realm.faults.discovery_issuer or self.issuer,
            "authorization_endpoint": f"{base}/auth",
            "token_endpoint": f"{base}/token",
            "introspection_endpoint": f"{base}/token/introspect",
            "userinfo_endpoint": f"{base}/userinfo",
            "end_session_endpoint": f"{base}/logout",
            "jwks_uri": f"{base}/certs",
            "revocation_endpoint": f"{base}/revoke",
            "device_authorization_endpoint": f"{base}/auth/device",
            "grant_types_supported": ["authorization_code", "refresh_token", DEVICE_GRANT],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "introspection_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
            ],
            "revocation_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": self._server.scopes_supported if self._server else [],
            **(self._ciba_metadata() if realm.ciba else {}),
            "claims_supported": [
                "sub",
                "iss",
                "SubjectNameID",
                "preferred_username",
                "given_name",
                "family_name",
                "name",
                "email",
            ],
        }

    def accepts(self, mailbox: str, token: str) -> bool:
        """The introspection decision, in process (a ``TokenCheck`` for the sandbox's own
        mail servers): signature, issuer, audience (one of the realm's applications),
        expiry, revocation, and the token's mailbox (``email``) is ``mailbox``."""
        realm = self.realm
        with realm.lock:
            try:
                claims = realm.check_access_token(token, realm.audiences)
            except TokenRejected as error:
                log.info("PSC token refused by the sandbox's mail servers: %s", error.reason)
                return False
        return str(claims.get("email", "")).lower() == mailbox.lower()

    def _ciba_metadata(self) -> dict[str, Any]:
        return {
            "backchannel_authentication_endpoint": f"{self.issuer}{OIDC}/ext/ciba/auth",
            "backchannel_token_delivery_modes_supported": ["poll"],
            "backchannel_user_code_parameter_supported": False,
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                DEVICE_GRANT,
                CIBA_GRANT,
            ],
        }

    # -- test helpers (the same decisions as the pages) ------------------------------------

    def approve_device(self, user_code: str, national_id: str) -> None:
        """Approve ``user_code`` as ``national_id``'s phone would; ValueError if refused."""
        with self.realm.lock:
            error = self._decide(user_code, national_id, approve=True)
        if error:
            raise ValueError(error)

    def refuse_device(self, user_code: str) -> None:
        with self.realm.lock:
            error = self._decide(user_code, "", approve=False)
        if error:
            raise ValueError(error)

    def revoke_refresh_tokens(self, national_id: str) -> None:
        """End every session of ``national_id``: refresh fails, introspection says inactive."""
        with self.realm.lock:
            for session in self.realm.sessions:
                if session.user.national_id == national_id:
                    session.revoked = True

    def _decide(self, user_code: str, national_id: str, *, approve: bool) -> str | None:
        """The phone's decision on ``user_code``; the French reason it is not taken, if so."""
        realm = self.realm
        request = realm.device_by_user_code(user_code)
        if request is None or request.is_expired() or request.consumed:
            return "Code inconnu ou expiré. Demandez un nouveau code sur l'ordinateur."
        if request.decision is not None:
            return "Cette demande a déjà reçu une réponse."
        if not approve:
            request.decision = False
            return None
        user = realm.users.get(national_id.strip())
        if user is None:
            return "Identifiant national inconnu de Pro Santé Connect (bac à sable)."
        if request.national_id is not None and request.national_id != user.national_id:
            return "Cette demande ne vous est pas adressée."
        request.decision = realm.new_session(user, request.client_id, request.kind)
        return None

    # -- HTTP ------------------------------------------------------------------------------

    def handle(self, request: Request, path: str) -> Response | None:
        """One request to ``path`` (below the realm); None: drop the connection."""
        with self.realm.lock:
            return self._route(request, path)

    def _route(self, request: Request, path: str) -> Response | None:
        server = self._require_server()
        method = request.method
        routes: dict[tuple[str, str], Callable[[Request], Response | None]] = {
            ("GET", "/.well-known/openid-configuration"): self._discovery,
            ("GET", f"{OIDC}/certs"): lambda _r: (200, self.jwks, _JSON),
            ("GET", f"{OIDC}/auth"): self._authorize_page,
            ("POST", f"{OIDC}/auth"): self._authorize_decision,
            ("GET", f"{OIDC}/auth/ecps"): self._ecps_poll,
            ("POST", f"{OIDC}/auth/device"): lambda r: server.create_endpoint_response(
                "device_authorization", r
            ),
            ("POST", f"{OIDC}/token"): server.create_token_response,
            ("POST", f"{OIDC}/token/introspect"): lambda r: server.create_endpoint_response(
                "introspection", r
            ),
            ("POST", f"{OIDC}/revoke"): lambda r: server.create_endpoint_response("revocation", r),
            ("GET", f"{OIDC}/userinfo"): self._userinfo,
            ("POST", f"{OIDC}/userinfo"): self._userinfo,
            ("GET", f"{OIDC}/logout"): self._logout,
            ("POST", f"{OIDC}/logout"): self._logout,
            ("GET", "/device"): self._device_page,
            ("POST", "/device"): self._device_decision,
        }
        if self.realm.ciba:
            routes[("POST", f"{OIDC}/ext/ciba/auth")] = lambda r: backchannel_authentication(
                server, r
            )
        route = routes.get((method, path))
        if route is None:
            return 404, pages.message("Page introuvable", path), _HTML
        return route(request)

    def _discovery(self, _request: Request) -> Response | None:
        if self.realm.faults.discovery_unreachable:
            return None
        return 200, self.metadata(), _JSON

    # -- authorization endpoint: the browser's pages ------------------------------------------

    def _action(self, path: str) -> str:
        return f"{self.issuer}{path}"

    def _authorize_page(self, request: Request) -> Response:
        server = self._require_server()
        try:
            grant = server.get_consent_grant(request)
        except OAuth2Error as error:
            return self._authorize_error(request, error)
        tx = secrets.token_urlsafe(16)
        self._pending[tx] = _Pending({k: [v] for k, v in request.args.items()}, self.realm.clock())
        client_id = grant.client.get_client_id()
        page = pages.sign_in(
            self._action(f"{OIDC}/auth"), tx, client_id, national_id=self.prefill_national_id
        )
        return 200, page, _HTML

    def _authorize_error(self, request: Request, error: OAuth2Error) -> Response:
        if error.redirect_uri:  # a registered redirect: the client hears it (RFC 6749 4.1.2.1)
            return self._require_server().handle_error_response(request, error)  # type: ignore[no-any-return]
        detail = error.description or error.error
        return 400, pages.message("Demande de connexion refusée", detail), _HTML

    def _grant_for(self, pending: _Pending) -> tuple[Request, Any]:
        server = self._require_server()
        query = urllib.parse.urlencode({k: v[0] for k, v in pending.query.items()})
        request = Request("GET", f"{self.issuer}{OIDC}/auth?{query}", {}, pending.query, {})
        return request, server.get_consent_grant(request)

    def _finish(self, pending: _Pending, session: Session | None) -> Response:
        server = self._require_server()
        request, grant = self._grant_for(pending)
        return server.create_authorization_response(request, grant_user=session, grant=grant)  # type: ignore[no-any-return]

    def _take_pending(self, tx: str) -> _Pending | None:
        now = self.realm.clock()
        for key in [k for k, p in self._pending.items() if now - p.created > _TX_TTL]:
            del self._pending[key]
        return self._pending.get(tx)

    def _authorize_decision(self, request: Request) -> Response:
        form = request.form
        tx = form.get("tx", "")
        pending = self._take_pending(tx)
        if pending is None:
            return 400, pages.message("Demande expirée", _RESTART), _HTML
        try:
            _r, grant = self._grant_for(pending)
        except OAuth2Error as error:
            return self._authorize_error(request, error)
        client_id = grant.client.get_client_id()
        action = self._action(f"{OIDC}/auth")
        if form.get("action") != "approve":
            del self._pending[tx]
            return self._finish(pending, None)
        user = self.realm.users.get(form.get("national_id", "").strip())
        if user is None:
            unknown = "Identifiant national inconnu de Pro Santé Connect (bac à sable)."
            return 200, pages.sign_in(action, tx, client_id, error=unknown), _HTML
        if form.get("method") == "ecps":
            return self._push_to_phone(tx, pending, user)
        del self._pending[tx]
        return self._finish(pending, self.realm.new_session(user, client_id, "cps"))

    def _push_to_phone(self, tx: str, pending: _Pending, user: PscUser) -> Response:
        realm = self.realm
        client_id = pending.query["client_id"][0]
        device_code = secrets.token_urlsafe(32)
        user_code = f"{secrets.randbelow(10**4):04d}-{secrets.randbelow(10**4):04d}"
        realm.devices[device_code] = DeviceRequest(
            device_code,
            user_code,
            client_id,
            "",
            realm.clock() + realm.device_ttl,
            realm.device_interval,
            realm.clock,
            national_id=user.national_id,
            kind="ecps",
        )
        pending.device_code = device_code
        return self._ecps_wait(tx, user_code)

    def _ecps_wait(self, tx: str, user_code: str) -> Response:
        poll = self._action(f"{OIDC}/auth/ecps?") + urllib.parse.urlencode({"tx": tx})
        device = self._action("/device?") + urllib.parse.urlencode({"user_code": user_code})
        return 200, pages.ecps_wait(poll, user_code, device), _HTML

    def _ecps_poll(self, request: Request) -> Response:
        tx = request.args.get("tx", "")
        pending = self._take_pending(tx)
        push = self.realm.devices.get(pending.device_code or "") if pending else None
        if pending is None or push is None:
            return 400, pages.message("Demande expirée", _RESTART), _HTML
        if push.decision is None and not push.is_expired():
            return self._ecps_wait(tx, push.user_code)
        del self._pending[tx]
        push.consumed = True
        if push.decision is None:  # expired: the browser starts again from the client
            return 400, pages.message("Demande expirée", _RESTART), _HTML
        return self._finish(pending, push.decision if isinstance(push.decision, Session) else None)

    # -- the e-CPS de démonstration (device verification page) ---------------------------------

    def _device_page(self, request: Request) -> Response:
        """The phone's page: for ``user_code`` (the QR code), or for the next push waiting
        for ``national_id`` (the e-CPS app receiving a notification)."""
        user_code = request.args.get("user_code", "")
        national_id = request.args.get("national_id", "")
        found = self.realm.device_by_user_code(user_code) if user_code else None
        if found is None and national_id:
            waiting = self._pushes(national_id)
            found = waiting[0] if waiting else None
        page = pages.device(
            self._action("/device"),
            found.user_code if found else user_code,
            client_id=found.client_id if found else None,
            national_id=(found.national_id if found else None)
            or national_id
            or self.prefill_national_id,
            binding_message=found.binding_message if found else None,
        )
        return 200, page, _HTML

    def _pushes(self, national_id: str) -> list[DeviceRequest]:
        return [
            r
            for r in self.realm.devices.values()
            if r.national_id == national_id
            and r.decision is None
            and not r.consumed
            and not r.is_expired()
        ]

    def pushes(self, national_id: str) -> list[str]:
        """User codes of the requests waiting on ``national_id``'s phone (e-CPS, CIBA)."""
        with self.realm.lock:
            return [r.user_code for r in self._pushes(national_id)]

    def _device_decision(self, request: Request) -> Response:
        form = request.form
        user_code, national_id = form.get("user_code", ""), form.get("national_id", "")
        approve = form.get("action") == "approve"
        error = self._decide(user_code, national_id, approve=approve)
        if error:
            page = pages.device(
                self._action("/device"), user_code, national_id=national_id, error=error
            )
            return 400, page, _HTML
        done = (
            "Identification approuvée. Vous pouvez revenir sur l'ordinateur."
            if approve
            else "Demande refusée. Rien n'a été transmis à l'application."
        )
        return 200, pages.device(self._action("/device"), done=done), _HTML

    # -- userinfo, logout -------------------------------------------------------------------

    def _userinfo(self, request: Request) -> Response:
        scheme, _, token = str(request.headers.get("Authorization", "")).partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise TokenRejected("no bearer token")
            claims = self.realm.check_access_token(token.strip(), None)
        except TokenRejected:
            challenge = 'Bearer error="invalid_token"'
            return 401, {"error": "invalid_token"}, [*_JSON, ("WWW-Authenticate", challenge)]
        user = self.realm.users[claims["sub"]]
        return 200, self.realm.user_claims(user), _JSON

    def _logout(self, request: Request) -> Response:
        data = {**request.args, **request.form}
        realm = self.realm
        refresh = realm.refresh_tokens.get(data.get("refresh_token", ""))
        if refresh is not None:
            refresh.session.revoked = True
        hint = data.get("id_token_hint")
        if hint:
            sid = _unverified_claims(hint).get("sid")
            for session in realm.sessions:
                if session.sid == sid:
                    session.revoked = True
        target = data.get("post_logout_redirect_uri")
        if target and any(target in c.redirect_uris for c in realm.clients.values()):
            return 302, "", [("Location", target)]
        if request.method == "POST" and refresh is not None:
            return 204, "", []
        return 200, pages.message("Déconnexion", "Vous êtes déconnecté.", status="status"), _HTML


_JSON = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
_HTML = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
_RESTART = "Cette demande de connexion n'est plus valable. Recommencez depuis l'application."


def _unverified_claims(token: str) -> dict[str, Any]:
    """Claims of a JWT whose signature was checked elsewhere or does not matter (a logout
    hint); {} if it is not one."""
    import base64

    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class _Handler(http.server.BaseHTTPRequestHandler):
    provider: PscProvider
    server_version = "PscLab/1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("PSC provider: " + format, *args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        split = urllib.parse.urlsplit(self.path)
        if not split.path.startswith(REALM_PATH):
            self._write(404, pages.message("Page introuvable", split.path), _HTML)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        form = urllib.parse.parse_qs(body) if self.command == "POST" else {}
        args = urllib.parse.parse_qs(split.query)
        uri = f"http://{self.headers.get('Host', '127.0.0.1')}{self.path}"
        request = Request(self.command, uri, self.headers, args, form)
        try:
            response = self.provider.handle(request, split.path[len(REALM_PATH) :])
        except Exception:  # a bug here must still answer the client, and be seen in the log
            log.exception("PSC provider: %s %s failed", self.command, split.path)
            response = 500, pages.message("Erreur du fournisseur", "Erreur interne."), _HTML
        if response is None:
            self.close_connection = True
            return
        self._write(*response)

    def _write(self, status: int, body: Any, headers: list[tuple[str, str]]) -> None:
        if isinstance(body, dict):
            data = json.dumps(body).encode()
            headers = [("Content-Type", "application/json"), *headers]
        else:
            data = body if isinstance(body, bytes) else str(body).encode()
        self.send_response(status)
        seen = set()
        for name, value in headers:
            if name.lower() not in seen:
                self.send_header(name, value)
            seen.add(name.lower())
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

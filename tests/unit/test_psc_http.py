"""Bounded HTTP to the provider, discovery, configuration, SASL payloads, and the sign-in
method syntax: hostile answers, huge answers, silence, redirects."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.core.edition import EditionError, parse_edition
from app.core.settings import Settings
from app.psc.config import PscConfig, resolve
from app.psc.discovery import parse
from app.psc.errors import (
    PscConfigurationError,
    PscIssuerMismatchError,
    PscProviderError,
    PscUnreachableError,
)
from app.psc.http import Http, check_url
from app.psc.signin import SignInMethod
from app.transport import sasl

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], str]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(handle: Handler) -> str:
        class Scripted(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                handle(self)

            do_POST = do_GET

            def log_message(self, *_args: object) -> None:
                return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/x"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def reply(status: int, body: bytes, headers: dict[str, str] | None = None) -> Handler:
    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handle


def test_json_answer(serve: Callable[[Handler], str]) -> None:
    assert Http().get_json(serve(reply(200, b'{"a": 1}'))) == {"a": 1}


def test_oauth_error_comes_back_with_its_status(serve: Callable[[Handler], str]) -> None:
    status, body = Http().post_form(serve(reply(400, b'{"error": "slow_down"}')), {"x": "y"})
    assert (status, body) == (400, {"error": "slow_down"})


@pytest.mark.parametrize("body", [b"<html>", b"[1]", b"", b"\xff" * 10, b"[" * 100_000], ids=str)
def test_non_json_answers(serve: Callable[[Handler], str], body: bytes) -> None:
    with pytest.raises(PscProviderError):
        Http().get_json(serve(reply(200, body)))


def test_huge_answer_is_bounded(serve: Callable[[Handler], str]) -> None:
    url = serve(reply(200, b'{"a": "' + b"x" * 2_000_000 + b'"}'))
    started = time.monotonic()
    with pytest.raises(PscProviderError):
        Http(max_response=64 * 1024).get_json(url)
    assert time.monotonic() - started < 5


def test_silent_provider_times_out(serve: Callable[[Handler], str]) -> None:
    def silent(_request: http.server.BaseHTTPRequestHandler) -> None:
        time.sleep(3)

    with pytest.raises(PscUnreachableError) as caught:
        Http(timeout=0.5).get_json(serve(silent))
    assert "délai" in caught.value.user_message or "injoignable" in caught.value.user_message


def test_redirects_are_not_followed(serve: Callable[[Handler], str]) -> None:
    target = serve(reply(200, b'{"stolen": true}'))
    with pytest.raises(PscProviderError):
        Http().get_json(serve(reply(302, b"", {"Location": target})))


@pytest.mark.parametrize(
    "url",
    ["http://auth.example.test/x", "ftp://127.0.0.1/x", "file:///etc/passwd", "https:///x", ""],
)
def test_only_https_or_loopback_http(url: str) -> None:
    with pytest.raises(PscProviderError):
        check_url(url)
    assert check_url("https://auth.esante.gouv.fr/auth") and check_url("http://127.0.0.1:1/a")


# -- discovery --------------------------------------------------------------------------------

ISSUER = "https://auth.example.test/auth/realms/esante-wallet"


def document(**changes: Any) -> dict[str, Any]:
    base = f"{ISSUER}/protocol/openid-connect"
    doc: dict[str, Any] = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{base}/auth",
        "token_endpoint": f"{base}/token",
        "jwks_uri": f"{base}/certs",
        "device_authorization_endpoint": f"{base}/auth/device",
        "code_challenge_methods_supported": ["S256"],
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def test_discovery() -> None:
    found = parse(document(), ISSUER)
    assert found.offers_device and not found.offers_ciba
    ciba = parse(
        document(
            backchannel_authentication_endpoint=f"{ISSUER}/ext/ciba/auth",
            backchannel_token_delivery_modes_supported=["poll"],
        ),
        ISSUER,
    )
    assert ciba.offers_ciba
    push_only = parse(
        document(
            backchannel_authentication_endpoint=f"{ISSUER}/ext/ciba/auth",
            backchannel_token_delivery_modes_supported=["push"],
        ),
        ISSUER,
    )
    assert not push_only.offers_ciba


@pytest.mark.parametrize(
    "issuer", [ISSUER + "/", ISSUER.upper(), "https://evil.test/auth/realms/esante-wallet", None, 5]
)
def test_issuer_must_match_exactly(issuer: Any) -> None:
    with pytest.raises(PscIssuerMismatchError):
        parse(document(issuer=issuer), ISSUER)


@pytest.mark.parametrize(
    "changes",
    [
        {"token_endpoint": None},
        {"jwks_uri": "http://evil.test/certs"},
        {"authorization_endpoint": ["x"]},
        {"code_challenge_methods_supported": ["plain"]},
        {"device_authorization_endpoint": 12},
    ],
)
def test_unusable_discovery(changes: dict[str, Any]) -> None:
    with pytest.raises(PscProviderError):
        parse(document(**changes), ISSUER)


# -- configuration ------------------------------------------------------------------------------


def test_configuration_order_and_scopes() -> None:
    settings = Settings(psc_issuer=ISSUER, psc_client_id="from-settings", psc_scopes=("mail",))
    found = resolve(client_id="from-cli", settings=settings)
    assert found == PscConfig(ISSUER, "from-cli", ("mail",))
    assert found.scope == "openid scope_all mail"
    account = resolve(account_issuer="https://a.test/r", account_client_id="acc", settings=settings)
    assert (account.issuer, account.client_id) == ("https://a.test/r", "acc")
    with pytest.raises(PscConfigurationError):
        resolve(settings=Settings())


def test_edition_psc_section() -> None:
    data: dict[str, Any] = {
        "schema": 1,
        "operator": {"id": "op", "name": "Op", "domains": ["op.test"], "imap": "imaps://i.op.test"},
        "psc": {"issuer": ISSUER, "client_id": "caducee-op", "scopes": ["mail"]},
    }
    edition = parse_edition(data, "op.toml")
    assert (edition.psc_issuer, edition.psc_client_id, edition.psc_scopes) == (
        ISSUER,
        "caducee-op",
        ("mail",),
    )
    config = resolve(edition=edition)
    assert config.client_id == "caducee-op" and config.scope.endswith("mail")
    bad_sections: list[dict[str, Any]] = [
        {"issuer": ISSUER},
        {"issuer": "http://x.test", "client_id": "c"},
        {"issuer": ISSUER, "client_id": "c", "scopes": ["a b"]},
        {"secret": "s"},
    ]
    for bad in bad_sections:
        with pytest.raises(EditionError):
            parse_edition({**data, "psc": bad}, "op.toml")


def test_settings_psc_section(tmp_path: Any) -> None:
    path = tmp_path / "config.toml"
    Settings(psc_issuer=ISSUER, psc_client_id="cid", psc_scopes=("mail",)).save(path)
    loaded = Settings.load(path)
    assert (loaded.psc_issuer, loaded.psc_client_id, loaded.psc_scopes) == (
        ISSUER,
        "cid",
        ("mail",),
    )


# -- sign-in methods -------------------------------------------------------------------------


def test_sign_in_methods() -> None:
    assert SignInMethod.parse("browser").kind == "browser"
    qr = SignInMethod.parse("qr:/tmp/c.png")
    assert qr.kind == "qr" and str(qr.qr_path) == "/tmp/c.png"
    assert SignInMethod.parse("ciba:810000000001").national_id == "810000000001"
    for bad in ("", "qr", "qr:", "ciba:", "password", "browser:x"):
        with pytest.raises(ValueError, match="attendu"):
            SignInMethod.parse(bad)


# -- SASL payloads -----------------------------------------------------------------------------


def test_sasl_payloads() -> None:
    assert (
        sasl.response("XOAUTH2", "a@b.test", "t", "h", 993)
        == b"user=a@b.test\x01auth=Bearer t\x01\x01"
    )
    assert (
        sasl.response("OAUTHBEARER", "a,=b@c.test", "t", "imap.test", 993)
        == b"n,a=a=2C=3Db@c.test,\x01host=imap.test\x01port=993\x01auth=Bearer t\x01\x01"
    )
    assert sasl.choose(["PLAIN", "OAUTHBEARER", "XOAUTH2"]) == "XOAUTH2"
    assert sasl.choose(["oauthbearer"]) == "OAUTHBEARER"
    assert sasl.choose(["PLAIN", "LOGIN"]) is None
    assert sasl.abort_reply("XOAUTH2") == b"" and sasl.abort_reply("OAUTHBEARER") == b"\x01"


@pytest.mark.parametrize("token", ["", "a\x01b", "a\r\nb", "a\x00"])
def test_sasl_refuses_injection(token: str) -> None:
    with pytest.raises(sasl.AuthenticationError):
        sasl.response("XOAUTH2", "a@b.test", token, "h", 1)


def test_challenge_parsing() -> None:
    ok = sasl.Challenge.parse(json.dumps({"status": "401", "schemes": "bearer"}).encode())
    assert ok.fields == {"status": "401", "schemes": "bearer"}
    assert sasl.Challenge.parse(b"x" * 100_000).fields["detail"] == "challenge too long"
    assert sasl.Challenge.parse_base64("!!!").fields == {}
    many = json.dumps({str(i): "v" * 1000 for i in range(100)}).encode()
    assert len(sasl.Challenge.parse(many).fields) <= 16

"""The PSC client (app/psc) against the lab's real OpenID provider: the three ways to sign
in, refresh, and each refusal, with the provider's clock (never real waits, never today's
date)."""

from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.psc.client import PscClient
from app.psc.config import PscConfig
from app.psc.errors import (
    PscCibaUnavailableError,
    PscCodeExpiredError,
    PscDeniedError,
    PscIssuerMismatchError,
    PscProviderError,
    PscSessionEndedError,
    PscStateMismatchError,
    PscUnreachableError,
)
from app.psc.keeper import TokenKeeper
from app.psc.signin import SignInMethod
from app.sandbox.bearer import verify_jwt
from app.sandbox.psc import PscClient as Registration
from app.sandbox.psc import PscProvider, PscUser, SteppingClock, browser_sign_in

ALICE = PscUser("810000000001", "Alice", "MARTIN", "alice.martin@medecin.mssante.test")
APP = Registration("caducee", ("http://127.0.0.1/callback",))


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def provider(clock: SteppingClock) -> Iterator[PscProvider]:
    with PscProvider(
        users=[ALICE], clients=[APP], now=clock, access_ttl=240, device_interval=1
    ) as running:
        yield running


@pytest.fixture
def client(provider: PscProvider, clock: SteppingClock) -> PscClient:
    return PscClient(PscConfig(provider.issuer, "caducee"), now=clock)


def follow(url: str) -> None:
    """The browser following the provider's redirect to our loopback listener."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        assert response.status == 200


def browser(
    national_id: str = ALICE.national_id,
    method: str = "cps",
    approve: bool = True,
    tamper: Callable[[str], str] = lambda url: url,
    tamper_redirect: Callable[[str], str] = lambda url: url,
) -> Callable[[str], object]:
    """A webbrowser.open stand-in that does what she does on the provider's pages."""

    def open_url(url: str) -> bool:
        follow(tamper_redirect(browser_sign_in(tamper(url), national_id, method, approve=approve)))
        return True

    return open_url


def replace_param(url: str, name: str, value: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query[name] = value
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


# -- authorization code + PKCE in the browser ----------------------------------------------


@pytest.mark.parametrize("method", ["cps", "ecps"])
def test_browser_sign_in_with_card_or_ecps(
    client: PscClient, provider: PscProvider, clock: SteppingClock, method: str
) -> None:
    tokens = client.sign_in_browser(browser(method=method), timeout=30)
    assert tokens.identity is not None
    assert tokens.identity.national_id == ALICE.national_id
    assert tokens.identity.name == "Alice MARTIN"
    assert tokens.refresh_token
    assert tokens.expires_at == pytest.approx(clock() + 240, abs=2)
    jwks = client.http.get_json(client.metadata().jwks_uri)
    claims = verify_jwt(
        tokens.access_token, jwks, issuer=provider.issuer, audiences=["caducee"], now=clock
    )
    assert claims["sub"] == ALICE.national_id
    assert tokens.access_token not in repr(tokens)
    assert tokens.refresh_token not in repr(tokens)


def test_browser_refusal_on_the_page(client: PscClient) -> None:
    with pytest.raises(PscDeniedError) as caught:
        client.sign_in_browser(browser(approve=False), timeout=30)
    assert "refusée" in caught.value.user_message


def test_state_mismatch_is_refused(client: PscClient) -> None:
    forged = browser(tamper_redirect=lambda url: replace_param(url, "state", "forged"))
    with pytest.raises(PscStateMismatchError) as caught:
        client.sign_in_browser(forged, timeout=30)
    assert "state" in caught.value.user_message


def test_pkce_mismatch_is_refused(client: PscClient) -> None:
    # someone else's challenge on the request: the code is bound to it, not to our verifier
    other = browser(tamper=lambda url: replace_param(url, "code_challenge", "A" * 43))
    with pytest.raises(PscStateMismatchError) as caught:
        client.sign_in_browser(other, timeout=30)
    assert "PKCE" in caught.value.user_message


def test_no_answer_in_the_browser_gives_up(client: PscClient) -> None:
    with pytest.raises(PscCodeExpiredError) as caught:
        client.sign_in_browser(lambda _url: True, timeout=0.5)
    assert "navigateur" in caught.value.user_message


# -- discovery refusals ---------------------------------------------------------------------


def test_wrong_issuer_is_refused(client: PscClient, provider: PscProvider) -> None:
    provider.faults.discovery_issuer = "http://127.0.0.1:1/auth/realms/esante-wallet"
    opened: list[str] = []
    with pytest.raises(PscIssuerMismatchError) as caught:
        client.sign_in_browser(opened.append, timeout=5)
    assert opened == []  # no browser opened for a provider that is not the one asked
    assert "adresse attendue" in caught.value.user_message


def test_unreachable_provider(client: PscClient, provider: PscProvider) -> None:
    provider.faults.discovery_unreachable = True
    with pytest.raises(PscUnreachableError) as caught:
        client.metadata()
    assert "injoignable" in caught.value.user_message


def test_nobody_listening(provider: PscProvider) -> None:
    port = urllib.parse.urlsplit(provider.issuer).port
    provider.stop()
    client = PscClient(PscConfig(provider.issuer, "caducee"))
    with pytest.raises(PscUnreachableError):
        client.metadata()
    assert port


# -- the device grant (QR code) ---------------------------------------------------------------


def test_qr_sign_in_approved_on_the_phone(
    client: PscClient, provider: PscProvider, clock: SteppingClock, tmp_path: Path
) -> None:
    device = client.start_device()
    assert device.expires_in == 120
    assert device.verification_uri_complete and device.user_code in urllib.parse.unquote(
        device.verification_uri_complete
    )
    polls: list[float] = []

    def sleep(seconds: float) -> None:  # the provider's clock moves instead of waiting
        polls.append(seconds)
        clock.advance(seconds)
        if len(polls) == 2:
            provider.approve_device(device.user_code, ALICE.national_id)

    tokens = client.wait_device(device, sleep=sleep)
    assert tokens.identity is not None and tokens.identity.national_id == ALICE.national_id
    assert len(polls) == 2


def test_qr_refused_on_the_phone(
    client: PscClient, provider: PscProvider, clock: SteppingClock
) -> None:
    device = client.start_device()

    def sleep(seconds: float) -> None:
        clock.advance(seconds)
        provider.refuse_device(device.user_code)

    with pytest.raises(PscDeniedError) as caught:
        client.wait_device(device, sleep=sleep)
    assert "téléphone" in caught.value.user_message


def test_qr_code_expires_after_two_minutes(client: PscClient, clock: SteppingClock) -> None:
    device = client.start_device()
    with pytest.raises(PscCodeExpiredError) as caught:
        client.wait_device(device, sleep=lambda seconds: clock.advance(seconds + 30))
    assert "expiré" in caught.value.user_message
    fresh = client.start_device()  # "Nouveau code"
    assert fresh.user_code != device.user_code


def test_qr_method_writes_png_and_removes_it(
    client: PscClient, provider: PscProvider, tmp_path: Path
) -> None:
    target = tmp_path / "psc.png"
    lines: list[str] = []
    seen: list[bytes] = []

    def say(text: str) -> None:
        lines.append(text)
        if text.startswith("Ou ouvrez"):
            seen.append(target.read_bytes())
            code = text.rsplit(" ", 1)[1]
            threading.Timer(0.2, provider.approve_device, (code, ALICE.national_id)).start()

    keeper = SignInMethod.parse(f"qr:{target}").sign_in(client, say)
    assert keeper.identity is not None and keeper.identity.national_id == ALICE.national_id
    assert seen and seen[0].startswith(b"\x89PNG")
    assert not target.exists()
    assert any("valable 2 minutes" in line for line in lines)


# -- CIBA ---------------------------------------------------------------------------------------


@pytest.fixture
def ciba_provider(clock: SteppingClock) -> Iterator[PscProvider]:
    with PscProvider(
        users=[ALICE], clients=[APP], now=clock, device_interval=1, ciba=True
    ) as running:
        yield running


def phone_answers(provider: PscProvider, approve: bool) -> threading.Thread:
    """Her phone: the request appears in the e-CPS app, she approves or refuses it."""

    def answer() -> None:
        for _ in range(200):
            waiting = provider.pushes(ALICE.national_id)
            if waiting:
                if approve:
                    provider.approve_device(waiting[0], ALICE.national_id)
                else:
                    provider.refuse_device(waiting[0])
                return
            time.sleep(0.05)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("approve", [True, False], ids=["approved", "refused"])
def test_ciba_on_the_phone(ciba_provider: PscProvider, clock: SteppingClock, approve: bool) -> None:
    client = PscClient(PscConfig(ciba_provider.issuer, "caducee"), now=clock)
    assert client.metadata().offers_ciba
    request = client.start_ciba(ALICE.national_id)
    phone = phone_answers(ciba_provider, approve)
    if approve:
        tokens = client.wait_ciba(request)
        assert tokens.identity is not None
        assert tokens.identity.national_id == ALICE.national_id
    else:
        with pytest.raises(PscDeniedError):
            client.wait_ciba(request)
    phone.join(5)


def test_ciba_unknown_national_id(ciba_provider: PscProvider) -> None:
    client = PscClient(PscConfig(ciba_provider.issuer, "caducee"))
    with pytest.raises(PscProviderError) as caught:
        client.start_ciba("899999999999")
    assert "identifiant national" in caught.value.user_message


def test_ciba_is_said_not_offered(client: PscClient) -> None:
    assert not client.metadata().offers_ciba
    with pytest.raises(PscCibaUnavailableError) as caught:
        client.start_ciba(ALICE.national_id)
    assert caught.value.user_message.startswith("CIBA non proposé par ce fournisseur")


# -- refresh and the end of a session ---------------------------------------------------------


def test_keeper_refreshes_before_expiry_and_ends_when_revoked(
    client: PscClient, provider: PscProvider, clock: SteppingClock
) -> None:
    keeper = TokenKeeper(client, client.sign_in_browser(browser(), timeout=30), margin=60)
    first = keeper.access_token()
    assert keeper.access_token() == first  # still fresh: no refresh
    clock.advance(190)  # 50 s left: within the margin
    second = keeper.access_token()
    assert second != first
    clock.advance(30)
    assert keeper.access_token() == second
    provider.revoke_refresh_tokens(ALICE.national_id)
    with pytest.raises(PscSessionEndedError) as caught:
        keeper.renew()
    assert "Reconnectez-vous avec Pro Santé Connect" in caught.value.user_message
    assert not keeper.active
    with pytest.raises(PscSessionEndedError):
        keeper.access_token()


def test_keeper_survives_a_network_cut(
    client: PscClient, provider: PscProvider, clock: SteppingClock
) -> None:
    keeper = TokenKeeper(client, client.sign_in_browser(browser(), timeout=30))
    clock.advance(200)
    real = client.http.post_form

    def cut(*_args: object, **_kwargs: object) -> object:
        raise PscUnreachableError("cut")

    client.http.post_form = cut  # type: ignore[method-assign]
    with pytest.raises(PscUnreachableError):
        keeper.access_token()
    assert keeper.active  # the refresh token is kept: the session reopens by itself
    client.http.post_form = real  # type: ignore[method-assign]
    assert keeper.access_token()


def test_locking_forgets_the_tokens(client: PscClient) -> None:
    keeper = TokenKeeper(client, client.sign_in_browser(browser(), timeout=30))
    keeper.forget()
    with pytest.raises(PscSessionEndedError):
        keeper.access_token()

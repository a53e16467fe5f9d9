"""Caducée with Pro Santé Connect, end to end on the lab's real parts: the PSC-like provider
(app/sandbox/psc.py, its clock moved by the tests), Dovecot's oauth2 passdb (introspection)
for IMAP, the lab submission server (JWKS) for SMTP. The command line as she would run it:
``account add --auth psc``, ``sync``, ``send``, ``outbox --flush``, ``diagnose``; the three
ways to sign in; refresh during a long session; each refusal."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.audit import AuditTrail
from app.ops.accounts import AccountSession
from app.ops.sync import sync_account
from app.psc.client import PscClient
from app.psc.config import PscConfig
from app.psc.errors import PscSessionEndedError
from app.psc.keeper import TokenKeeper
from app.sandbox.psc import PscProvider, SteppingClock, browser_sign_in
from app.sandbox.submission import Endpoints
from app.store.db import Store
from app.transport import sasl
from tests.lab import build
from tests.lab import phone as lab_phone
from tests.lab.build import PSC_MARTIN, LabPki, lab_message
from tests.lab.dovecot import Dovecot
from tests.lab.fixtures import _running
from tests.lab.smtp import lmtp_deliverer

pytestmark = pytest.mark.lab

ACCESS_TTL = 120  # short, so that a session sees several refreshes

# A JWT's first bytes ('{"alg":', '{"kid":', '{"typ":' in base64url): "eyJ" alone also turns
# up by chance in the sealed files' base64 (a quarter of a percent per line).
JWT_STARTS = (b"eyJhbGciOi", b"eyJraWQiOi", b"eyJ0eXAiOi")


@dataclass
class PscLab:
    provider: PscProvider
    clock: SteppingClock
    dovecot: Dovecot
    smtp: Endpoints
    trust: Path

    @property
    def imap_url(self) -> str:
        return f"imaps://localhost:{self.dovecot.imaps_port}"

    @property
    def smtp_url(self) -> str:
        return f"smtps://localhost:{self.smtp.implicit_tls_port}"

    def deliver(self, subject: str, to: str = PSC_MARTIN.address) -> None:
        message = lab_message("labo@biolab.mssante.test", to, subject, "Résultats joints.")
        lmtp_deliverer(self.dovecot.lmtp_socket)("labo@biolab.mssante.test", [to], bytes(message))


def _lab(
    lab_dir: Path,
    lab_pki: LabPki,
    name: str,
    *,
    ciba: bool,
    access_ttl: int = ACCESS_TTL,
    real_clock: bool = False,
) -> Iterator[PscLab]:
    clock = SteppingClock()
    provider = PscProvider(
        users=build.PSC_USERS,
        clients=[build.PSC_CLIENT],
        access_ttl=access_ttl,
        device_interval=1,
        now=time.time if real_clock else clock,
        ciba=ciba,
    )
    with provider:
        own = lab_dir / name
        own.mkdir(exist_ok=True)
        for dovecot in _running(build.psc_dovecot(own, lab_pki, provider)):
            with build.psc_submission_server(lab_pki, dovecot, provider) as endpoints:
                yield PscLab(provider, clock, dovecot, endpoints, lab_pki.files.root)


@pytest.fixture(scope="module")
def psc_lab(lab_dir: Path, lab_pki: LabPki) -> Iterator[PscLab]:
    """For the command line, whose PSC client reads this computer's clock: this provider's
    clock is never moved."""
    yield from _lab(lab_dir, lab_pki, "psc-cli", ciba=True)


@pytest.fixture(scope="module")
def clocked_lab(lab_dir: Path, lab_pki: LabPki) -> Iterator[PscLab]:
    """For sessions whose PSC client shares the provider's clock, which the tests move."""
    yield from _lab(lab_dir, lab_pki, "psc-clocked", ciba=False)


SHORT_TTL = 20  # seconds: a watch sees its first token refreshed, then expire for real


@pytest.fixture(scope="module")
def short_lab(lab_dir: Path, lab_pki: LabPki) -> Iterator[PscLab]:
    """This computer's clock (a ``sync --watch`` subprocess reads it) and tokens of
    ``SHORT_TTL`` seconds."""
    yield from _lab(
        lab_dir, lab_pki, "psc-short", ciba=False, access_ttl=SHORT_TTL, real_clock=True
    )


def follow(url: str) -> None:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        assert response.status == 200


def as_browser(national_id: str, method: str = "cps") -> Callable[[str], bool]:
    """webbrowser.open as she would use it: PSC's page, the card (or e-CPS), the redirect."""

    def open_url(url: str) -> bool:
        follow(browser_sign_in(url, national_id, method))
        return True

    return open_url


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []

    def open_url(url: str, *_args: object, **_kwargs: object) -> bool:
        opened.append(url)
        return as_browser(PSC_MARTIN.national_id)(url)

    monkeypatch.setattr("webbrowser.open", open_url)
    return opened


@pytest.fixture
def profile(tmp_path: Path, psc_lab: PscLab, browser: list[str]) -> list[str]:
    args = ["--profile-dir", str(tmp_path / "p")]
    added = main(
        [
            *args, "account", "add", "--address", PSC_MARTIN.address, "--auth", "psc",
            "--psc-issuer", psc_lab.provider.issuer, "--psc-client-id", "caducee",
            "--imap", psc_lab.imap_url, "--smtp", psc_lab.smtp_url, "--trust", str(psc_lab.trust),
        ]
    )  # fmt: skip
    assert added == 0
    assert len(browser) == 1  # signed in once, through the browser
    return args


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def subjects(profile: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, _ = run([*profile, "list", "--json"], capsys)
    assert code == 0
    return [m["subject"] for m in json.loads(out)]


# -- browser, account, sync, send ------------------------------------------------------------


def test_browser_sign_in_then_sync_and_send(
    psc_lab: PscLab, profile: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    psc_lab.deliver("Bilan PSC 1")
    code, _out, err = run([*profile, "sync"], capsys)
    assert code == 0, err
    assert "Connecté à Pro Santé Connect : Alice MARTIN" in err
    assert "Bilan PSC 1" in subjects(profile, capsys)
    code, out, err = run(
        [*profile, "send", "--from", PSC_MARTIN.address, "--to", PSC_MARTIN.address,
         "--subject", "Envoi PSC", "--body", "Bonjour", "--json"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["message"]["state"] == "sent"
    assert run([*profile, "sync"], capsys)[0] == 0
    assert "Envoi PSC" in subjects(profile, capsys)
    # nothing of a token in the profile (store, log, audit trail): no JWT, no refresh token
    realm = psc_lab.provider.realm
    with realm.lock:
        refresh = [t.value.encode() for t in realm.refresh_tokens.values()]
    files = [p for p in (tmp_path / "p").rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert not any(start in data for start in JWT_STARTS), path
        assert not any(value in data for value in refresh), path
    entries = AuditTrail.of(tmp_path / "p").entries()  # the sign-in is recorded, by national id
    assert any(e["national_id"] == PSC_MARTIN.national_id for e in entries)
    audit = b"".join(p.read_bytes() for p in files if p.parent.name == "audit")
    assert PSC_MARTIN.national_id.encode() not in audit  # sealed


def test_diagnose_shows_sign_in_claims_and_logins(
    psc_lab: PscLab, browser: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        [
            "--profile-dir", str(tmp_path / "d"), "diagnose", "--auth", "psc",
            "--psc-issuer", psc_lab.provider.issuer, "--psc-client-id", "caducee",
            "--address", PSC_MARTIN.address, "--imap", psc_lab.imap_url,
            "--smtp", psc_lab.smtp_url, "--trust", str(psc_lab.trust), "--json",
        ],
        capsys,
    )  # fmt: skip
    report = json.loads(out)
    assert code == 0, report
    steps = {s["step"]: s for s in report["steps"]}
    assert "CIBA" in steps["psc_discovery"]["detail"]
    assert "non proposé" not in steps["psc_discovery"]["detail"]
    assert PSC_MARTIN.national_id in steps["psc_sign_in"]["detail"]
    assert "Alice MARTIN" in steps["psc_sign_in"]["detail"]
    assert steps["login"]["title"].startswith("Authentification XOAUTH2")
    assert steps["smtp_login"]["ok"]
    assert "eyJ" not in out and "eyJ" not in err  # never a JWT on screen


# -- QR code and CIBA ------------------------------------------------------------------------------


def phone(path: Path, national_id: str, approve: bool = True) -> threading.Thread:
    """The e-CPS phone: waits for the QR code file, decodes the image, answers."""

    def run_phone() -> None:
        deadline = time.monotonic() + 30
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        url = lab_phone.scan(path)
        if approve:
            lab_phone.approve(url, national_id)
        else:
            lab_phone.refuse(url)

    thread = threading.Thread(target=run_phone, daemon=True)
    thread.start()
    return thread


def test_qr_sign_in_from_the_command_line(
    psc_lab: PscLab, profile: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    png = tmp_path / "qr.png"
    helper = phone(png, PSC_MARTIN.national_id)
    code, _out, err = run([*profile, "sync", "--psc", f"qr:{png}"], capsys)
    helper.join(10)
    assert code == 0, err
    assert "Code QR écrit dans" in err and "saisissez le code" in err
    assert not png.exists()


def test_qr_refused_on_the_phone(
    psc_lab: PscLab, profile: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    png = tmp_path / "qr.png"
    helper = phone(png, PSC_MARTIN.national_id, approve=False)
    code, _out, err = run([*profile, "sync", "--psc", f"qr:{png}"], capsys)
    helper.join(10)
    assert code == 1
    assert "refusée sur le téléphone" in err
    assert not png.exists()


def test_ciba_sign_in_from_the_command_line(
    psc_lab: PscLab, profile: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    provider = psc_lab.provider

    def phone_approves() -> None:
        for _ in range(400):
            waiting = provider.pushes(PSC_MARTIN.national_id)
            if waiting:
                provider.approve_device(waiting[0], PSC_MARTIN.national_id)
                return
            time.sleep(0.05)

    helper = threading.Thread(target=phone_approves, daemon=True)
    helper.start()
    code, _out, err = run([*profile, "sync", "--psc", f"ciba:{PSC_MARTIN.national_id}"], capsys)
    helper.join(10)
    assert code == 0, err
    assert "Validez la connexion sur le téléphone" in err


def test_ciba_not_offered_is_said(
    clocked_lab: PscLab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _err = run(
        [
            "--profile-dir", str(tmp_path / "c"), "diagnose", "--auth", "psc",
            "--psc-issuer", clocked_lab.provider.issuer, "--psc-client-id", "caducee",
            "--address", PSC_MARTIN.address, "--imap", clocked_lab.imap_url,
            "--trust", str(clocked_lab.trust), "--psc", f"ciba:{PSC_MARTIN.national_id}",
        ],
        capsys,
    )  # fmt: skip
    assert code == 1
    assert "CIBA non proposé par ce fournisseur" in out


# -- tokens over a long session ---------------------------------------------------------------


def session(psc_lab: PscLab, tmp_path: Path) -> tuple[AccountSession, Store]:
    store = Store.open(tmp_path / "s")
    account = store.add_account(
        PSC_MARTIN.address, "psc", psc_lab.imap_url, psc_lab.smtp_url,
        trust=str(psc_lab.trust), psc_issuer=psc_lab.provider.issuer, psc_client_id="caducee",
    )  # fmt: skip
    client = PscClient(PscConfig(psc_lab.provider.issuer, "caducee"), now=psc_lab.clock)

    def sign_in(_account: object) -> TokenKeeper:
        return TokenKeeper(client, client.sign_in_browser(as_browser(PSC_MARTIN.national_id)))

    opened = AccountSession(
        account, tmp_path / "cache", lambda _p: None, lambda _p: None, psc_sign_in=sign_in
    )
    return opened, store


def test_refresh_during_a_long_session(clocked_lab: PscLab, tmp_path: Path) -> None:
    opened, store = session(clocked_lab, tmp_path)
    try:
        clocked_lab.deliver("Long 0")
        sync_account(store, opened, tmp_path / "locks")
        first = opened.psc().access_token()
        for round_ in range(1, 4):  # each round: more than a token's life later
            clocked_lab.clock.advance(ACCESS_TTL + 10)
            clocked_lab.deliver(f"Long {round_}")
            report = sync_account(store, opened, tmp_path / "locks")
            assert report.new >= 1
        assert opened.psc().access_token() != first
    finally:
        opened.close()
        store.close()


def test_operator_refusing_a_token_gets_one_retry(clocked_lab: PscLab, tmp_path: Path) -> None:
    opened, store = session(clocked_lab, tmp_path)
    try:
        keeper = opened.psc()
        clocked_lab.clock.advance(ACCESS_TTL + 10)
        clocked_lab.provider.faults.next_expired = True  # the refreshed token: already expired
        renewals: list[str] = []
        renew = keeper.renew

        def counted() -> str:
            renewals.append("renew")
            return renew()

        keeper.renew = counted  # type: ignore[method-assign]
        with opened.imap() as connection:  # refused once, then a fresh one works
            assert connection.capabilities
        assert renewals == ["renew"]
        assert keeper.active
    finally:
        opened.close()
        store.close()


def test_operator_refusing_twice_is_final(clocked_lab: PscLab, tmp_path: Path) -> None:
    opened, store = session(clocked_lab, tmp_path)
    try:
        keeper = opened.psc()
        renew = keeper.renew

        def renew_badly() -> str:
            clocked_lab.provider.faults.next_audience = "another-app"
            return renew()

        keeper.renew = renew_badly  # type: ignore[method-assign]
        keeper.renew()  # the current token: meant for someone else
        with pytest.raises(sasl.BearerRefusedError) as caught:
            opened.imap()
        assert "refusé votre connexion Pro Santé Connect" in caught.value.user_message
    finally:
        opened.close()
        store.close()


def test_revoked_session_ends_without_losing_the_mail(
    psc_lab: PscLab, profile: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    psc_lab.deliver("Avant révocation")
    assert run([*profile, "sync"], capsys)[0] == 0
    opened, store = session(psc_lab, tmp_path)
    try:
        opened.psc()
        psc_lab.provider.revoke_refresh_tokens(PSC_MARTIN.national_id)
        with pytest.raises(PscSessionEndedError) as caught:
            sync_account(store, opened, tmp_path / "locks")
        assert "Reconnectez-vous avec Pro Santé Connect" in caught.value.user_message
    finally:
        opened.close()
        store.close()
    assert "Avant révocation" in subjects(profile, capsys)  # reading still works


def test_sync_watch_with_psc(psc_lab: PscLab, tmp_path: Path, browser: list[str]) -> None:
    """``sync --watch`` signs in once (QR code, read by the phone), then IDLE reconnects
    and the new mail is synced with the tokens it keeps."""
    profile = tmp_path / "w"
    added = main(
        [
            "--profile-dir", str(profile), "account", "add", "--address", PSC_MARTIN.address,
            "--auth", "psc", "--psc-issuer", psc_lab.provider.issuer, "--psc-client-id",
            "caducee", "--imap", psc_lab.imap_url, "--trust", str(psc_lab.trust),
        ]
    )  # fmt: skip
    assert added == 0 and len(browser) == 1
    png = tmp_path / "watch.png"
    helper = phone(png, PSC_MARTIN.national_id)
    watching = subprocess.Popen(
        [sys.executable, "-m", "app", "--profile-dir", str(profile), "sync", "--watch",
         "--psc", f"qr:{png}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert watching.stdout is not None
        while "En attente de nouveaux messages" not in watching.stdout.readline():
            assert watching.poll() is None, watching.stderr.read() if watching.stderr else ""
        helper.join(10)
        time.sleep(1)
        psc_lab.deliver("Arrivé pendant IDLE")
        line = watching.stdout.readline()
        while "1 nouveaux" not in line:  # the catch-up sync made on connection
            assert " 0 nouveaux" in line, line
            line = watching.stdout.readline()
    finally:
        watching.send_signal(signal.SIGINT)
        _out, err = watching.communicate(timeout=30)
    assert watching.returncode == 0, err
    assert err.count("Connecté à Pro Santé Connect") == 1  # one sign-in for the whole watch


def test_sync_watch_refreshes_and_new_mail_comes_with_the_new_token(
    short_lab: PscLab, tmp_path: Path, browser: list[str]
) -> None:
    """``sync --watch`` with tokens of 20 s: the keeper refreshes in the background (a third
    of the lifetime before expiry, not all the time), and mail delivered after the first
    token expired is synced by a new login carrying a refreshed token."""
    profile = tmp_path / "w"
    added = main(
        [
            "--profile-dir", str(profile), "account", "add", "--address", PSC_MARTIN.address,
            "--auth", "psc", "--psc-issuer", short_lab.provider.issuer, "--psc-client-id",
            "caducee", "--imap", short_lab.imap_url, "--trust", str(short_lab.trust),
        ]
    )  # fmt: skip
    assert added == 0 and len(browser) == 1
    png = tmp_path / "watch.png"
    helper = phone(png, PSC_MARTIN.national_id)
    watching = subprocess.Popen(
        [sys.executable, "-m", "app", "--profile-dir", str(profile), "sync", "--watch",
         "--psc", f"qr:{png}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert watching.stdout is not None
        while "En attente de nouveaux messages" not in watching.stdout.readline():
            assert watching.poll() is None, watching.stderr.read() if watching.stderr else ""
        signed_in = time.monotonic()
        helper.join(10)
        time.sleep(max(0.0, signed_in + SHORT_TTL + 3 - time.monotonic()))  # first one expired
        short_lab.deliver("Arrivé après expiration du premier jeton")
        line = watching.stdout.readline()
        while "1 nouveaux" not in line:
            assert " 0 nouveaux" in line, line
            line = watching.stdout.readline()
    finally:
        watching.send_signal(signal.SIGINT)
        _out, err = watching.communicate(timeout=30)
    assert watching.returncode == 0, err
    assert err.count("Connecté à Pro Santé Connect") == 1  # refreshed, never signed in again
    log = (profile / "logs" / "caducee.log").read_text(encoding="utf-8")
    refreshed = log.count("PSC tokens refreshed")
    # about one per 13 s (20 s tokens, refreshed 6.7 s early); never a refresh storm
    assert 1 <= refreshed <= 6, refreshed

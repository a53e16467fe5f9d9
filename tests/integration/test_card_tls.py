"""Mutual TLS with the virtual CPS cards against the lab's Dovecot and submission server,
and every refusal with its error class and French message."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import aiosmtplib
import pytest

from app.core.errors import (
    CardLockedError,
    CardRemovedError,
    CertificateExpiredError,
    CertificateRevokedError,
    CertificateUntrustedError,
    ClientCertificateRefusedError,
    HostnameMismatchError,
    PinCancelledError,
    PinIncorrectError,
    PinLengthError,
    PinLockedError,
    ProtocolTooOldError,
)
from app.cps.card import CardModule, CardSession, PinPrompt
from app.cps.keeper import CardKeeper, CardState
from app.sandbox.pki import CardKeyUse
from app.sandbox.submission import Endpoints
from app.transport import imap, smtp
from app.transport.credentials import CardCredential, Pkcs12Credential
from app.transport.crl import CrlCache
from app.transport.endpoints import Endpoint, Protocol, Security
from app.transport.tls import TrustPolicy
from tests.lab.build import CARDS, LabAccounts, LabPki, lab_message
from tests.lab.cards import KeySlot, VirtualCard, create_card
from tests.lab.dovecot import Dovecot
from tests.lab.tlsserver import tls_server

pytestmark = pytest.mark.lab


@pytest.fixture
def policy(lab_pki: LabPki, tmp_path: Path) -> TrustPolicy:
    """MSSanté rules with the lab root as the only anchor and a fresh CRL cache."""
    return TrustPolicy(anchors=[lab_pki.pki.root.certificate], crl_cache=CrlCache(tmp_path))


@pytest.fixture(params=["full_card", "cps3_card"])
def card(request: pytest.FixtureRequest) -> VirtualCard:
    value: VirtualCard = request.getfixturevalue(request.param)
    return value


def module_for(card: VirtualCard) -> CardModule:
    card.insert()
    return CardModule(card.module)


def unlock(card: VirtualCard) -> CardSession:
    module = module_for(card)
    return module.login(module.card(), lambda _prompt: card.pin)


@pytest.fixture
def session(card: VirtualCard) -> Iterator[CardSession]:
    opened = unlock(card)
    yield opened
    opened.close()


def imap_endpoint(dovecot: Dovecot, security: Security) -> Endpoint:
    port = dovecot.imaps_port if security is Security.IMPLICIT else dovecot.imap_port
    return Endpoint(Protocol.IMAP, security, "localhost", port)


def smtp_endpoint(endpoints: Endpoints, security: Security) -> Endpoint:
    implicit = security is Security.IMPLICIT
    port = endpoints.implicit_tls_port if implicit else endpoints.starttls_port
    return Endpoint(Protocol.SMTP, security, "localhost", port)


SECURITIES = pytest.mark.parametrize("security", list(Security), ids=lambda s: s.value)


# -- reading the card ----------------------------------------------------------------------


def test_the_authentication_certificate_is_found_whatever_the_labels(card: VirtualCard) -> None:
    info = module_for(card).card()
    assert info.auth_certificate == card.auth_certificate  # not the signature one, first
    assert info.holder is not None
    assert info.holder.rpps == card.holder.rpps
    assert info.holder.surname == card.holder.surname
    assert info.holder.profession == card.holder.profession
    assert info.pkcs1_only is card.pkcs1_only


def test_a_card_whose_certificates_do_not_share_the_key_ids(
    lab_dir: Path, lab_pki: LabPki, dovecot_mss: Dovecot, policy: TrustPolicy
) -> None:
    """Some middlewares give certificates their own CKA_ID: the key is found by modulus."""
    spec = CARDS["full"]
    odd = create_card(
        lab_dir / "cards",
        "odd-ids",
        holder=spec.holder,
        pki=lab_pki.pki,
        token_label="CPS ODD",
        pkcs1_only=False,
        keys={
            CardKeyUse.SIGNATURE: KeySlot(b"\x51", "K1", certificate_id=b"\xc1"),
            CardKeyUse.AUTHENTICATION: KeySlot(b"\x52", "K2", certificate_id=b"\xc2"),
        },
    )
    opened = unlock(odd)
    try:
        assert opened.certificate == odd.auth_certificate
        connection = imap.connect(
            imap_endpoint(dovecot_mss, Security.IMPLICIT), policy, CardCredential(lambda: opened)
        )
        connection.authenticate_external()  # the server checked our signature: right key
        connection.close()
    finally:
        opened.close()


# -- success paths -------------------------------------------------------------------------


@SECURITIES
def test_imap_login_with_the_card(
    card: VirtualCard,
    session: CardSession,
    dovecot_mss: Dovecot,
    policy: TrustPolicy,
    security: Security,
) -> None:
    connection = imap.connect(
        imap_endpoint(dovecot_mss, security), policy, CardCredential(lambda: session)
    )
    try:
        # TLS 1.3 needs RSA-PSS: the CPS3-like card is held to TLS 1.2 and an allowed suite
        expected = "TLSv1.2" if card.pkcs1_only else "TLSv1.3"
        assert connection.tls_version == expected
        if card.pkcs1_only:
            assert connection.cipher.startswith("ECDHE-RSA-AES")
        assert connection.server_chain[0].subject.rfc4514_string().startswith("CN=localhost")
        assert len(connection.server_chain) == 3  # leaf, organisations, root
        connection.authenticate_external()
        connection.client.select_folder("INBOX")
    finally:
        connection.close()
    assert f"user=<{card.holder.id_nat}>, method=EXTERNAL" in dovecot_mss.log()
    assert session.signatures >= 1


def test_a_full_card_also_works_in_tls_1_2(
    full_card: VirtualCard, dovecot_mss: Dovecot, policy: TrustPolicy
) -> None:
    policy.maximum_version = ssl.TLSVersion.TLSv1_2
    opened = unlock(full_card)
    try:
        connection = imap.connect(
            imap_endpoint(dovecot_mss, Security.IMPLICIT), policy, CardCredential(lambda: opened)
        )
        assert connection.tls_version == "TLSv1.2"
        assert connection.cipher == "ECDHE-RSA-AES256-GCM-SHA384"
        connection.authenticate_external()
        connection.close()
    finally:
        opened.close()


@SECURITIES
def test_smtp_with_the_card_and_the_message_comes_back_over_imap(
    card: VirtualCard,
    session: CardSession,
    lab_smtp: Endpoints,
    dovecot_mss: Dovecot,
    lab_accounts: LabAccounts,
    policy: TrustPolicy,
    security: Security,
) -> None:
    credential = CardCredential(lambda: session)
    endpoint = smtp_endpoint(lab_smtp, security)
    probe = smtp.probe(endpoint, policy, credential)
    assert probe.tls_version == ("TLSv1.2" if card.pkcs1_only else "TLSv1.3")
    assert probe.max_size == 32 * 1024 * 1024

    address = next(a.address for a in lab_accounts.mssante if a.login == card.holder.id_nat)
    subject = f"Carte {card.name} {security.value} {time.time_ns()}"
    message = lab_message(address, address, subject, "Envoyé avec la carte CPS.")
    implicit = security is Security.IMPLICIT
    asyncio.run(
        aiosmtplib.send(
            message,
            hostname="localhost",
            port=endpoint.port,
            use_tls=implicit,
            start_tls=not implicit,
            tls_context=policy.context(credential),
            timeout=10,
        )
    )

    connection = imap.connect(imap_endpoint(dovecot_mss, Security.IMPLICIT), policy, credential)
    try:
        connection.authenticate_external()
        deadline = time.monotonic() + 10
        while not connection.client.select_folder("INBOX") or not connection.client.search(
            ["SUBJECT", subject]
        ):
            assert time.monotonic() < deadline, "the message sent with the card never arrived"
            time.sleep(0.1)
    finally:
        connection.close()


def test_several_threads_connect_with_one_card(
    full_card: VirtualCard, dovecot_mss: Dovecot, policy: TrustPolicy
) -> None:
    opened = unlock(full_card)
    credential = CardCredential(lambda: opened)
    errors: list[BaseException] = []

    def connect_once() -> None:
        try:
            connection = imap.connect(
                imap_endpoint(dovecot_mss, Security.IMPLICIT), policy, credential
            )
            connection.authenticate_external()
            connection.close()
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=connect_once) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert opened.signatures >= 8
    finally:
        opened.close()


# -- refusals: the server ------------------------------------------------------------------


def test_unknown_certificate_authority(dovecot_password: Dovecot, policy: TrustPolicy) -> None:
    with pytest.raises(CertificateUntrustedError) as refused:
        imap.connect(imap_endpoint(dovecot_password, Security.IMPLICIT), policy)
    assert "IGC-Santé" in refused.value.user_message


def _serve_and_connect(
    lab_pki: LabPki, policy: TrustPolicy, name: str, issued: object, **server: object
) -> None:
    chain, key = lab_pki.write_issued(name, issued)  # type: ignore[arg-type]
    with tls_server(chain, key, **server) as port:  # type: ignore[arg-type]
        imap.connect(
            Endpoint(Protocol.IMAP, Security.IMPLICIT, "localhost", port), policy, timeout=5
        )


def test_expired_server_certificate(lab_pki: LabPki, policy: TrustPolicy) -> None:
    with pytest.raises(CertificateExpiredError) as refused:
        _serve_and_connect(lab_pki, policy, "expired_server", lab_pki.expired_server)
    assert "expiré" in refused.value.user_message


def test_revoked_server_certificate(lab_pki: LabPki, policy: TrustPolicy) -> None:
    with pytest.raises(CertificateRevokedError) as refused:
        _serve_and_connect(lab_pki, policy, "revoked_server", lab_pki.revoked_server)
    assert "révoqué" in refused.value.user_message


def test_hostname_mismatch(lab_pki: LabPki, policy: TrustPolicy) -> None:
    elsewhere = lab_pki.pki.server(["imap.autre-operateur.test"])
    with pytest.raises(HostnameMismatchError) as refused:
        _serve_and_connect(lab_pki, policy, "elsewhere", elsewhere)
    assert "nom de serveur" in refused.value.user_message


def test_server_limited_to_tls_1_0_and_1_1(lab_pki: LabPki, policy: TrustPolicy) -> None:
    with pytest.raises(ProtocolTooOldError) as refused:
        _serve_and_connect(
            lab_pki, policy, "server", lab_pki.server, maximum_version=ssl.TLSVersion.TLSv1_1
        )
    assert "TLS 1.2" in refused.value.user_message


# -- refusals: the client ------------------------------------------------------------------


def _expired_organisation(lab_pki: LabPki) -> Pkcs12Credential:
    now = dt.datetime.now(dt.UTC)
    expired = lab_pki.pki.organisation_client(
        "ORG-10B0000001-SECRETARIAT",
        "CABINET MEDICAL TEST",
        "SECRETARIAT",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=1),
    )
    return Pkcs12Credential.from_bytes(expired.pkcs12(b"secret"), "secret")


def test_expired_client_certificate_is_refused_by_imap_and_smtp(
    lab_pki: LabPki, dovecot_mss: Dovecot, lab_smtp: Endpoints, policy: TrustPolicy
) -> None:
    credential = _expired_organisation(lab_pki)
    connection = imap.connect(imap_endpoint(dovecot_mss, Security.IMPLICIT), policy, credential)
    try:
        with pytest.raises(ClientCertificateRefusedError) as refused:
            connection.authenticate_external()
    finally:
        connection.close()
    assert "refusé votre certificat" in refused.value.user_message
    with pytest.raises(ClientCertificateRefusedError):
        smtp.probe(smtp_endpoint(lab_smtp, Security.IMPLICIT), policy, credential)


def test_wrong_pin_counts_down_and_the_app_never_locks_the_card(cps3_card: VirtualCard) -> None:
    module = module_for(cps3_card)
    info = module.card()
    asked: list[PinPrompt] = []

    def wrong(prompt: PinPrompt) -> str:
        asked.append(prompt)
        return "0000"

    try:
        with pytest.raises(PinIncorrectError) as first:
            module.login(info, wrong)
        assert first.value.tries_left == 2
        assert first.value.user_message == "Code incorrect. Il reste 2 essais."
        with pytest.raises(PinIncorrectError) as second:
            module.login(info, wrong)
        assert second.value.tries_left == 1
        assert "un seul essai" in second.value.user_message
        assert "il reste 2 essais" in asked[-1].message()  # warned before the 2nd try
        assert cps3_card.pin_tries_used() == 2  # one C_Login per request, never a retry
        with pytest.raises(PinCancelledError):  # the user backs out at the last-try warning
            module.login(info, lambda prompt: asked.append(prompt) and None)
        assert "dernier essai" in asked[-1].message()
        assert cps3_card.pin_tries_used() == 2
        module.login(info, lambda _prompt: cps3_card.pin).close()
        assert cps3_card.pin_tries_used() == 0
    finally:
        cps3_card.reset_pin()


def test_locked_card_is_reported_without_asking_the_pin(cps3_card: VirtualCard) -> None:
    module = module_for(cps3_card)
    info = module.card()
    try:
        for _ in range(2):
            with pytest.raises(PinIncorrectError):
                module.login(info, lambda _prompt: "0000")
        with pytest.raises(PinLockedError):
            module.login(info, lambda _prompt: "0000")
        asked: list[PinPrompt] = []
        with pytest.raises(PinLockedError) as locked:
            module.login(info, lambda prompt: asked.append(prompt) or cps3_card.pin)
        assert asked == []
        assert "bloquée" in locked.value.user_message
        assert "déblocage" in locked.value.user_message
    finally:
        cps3_card.reset_pin()
    module.login(module.card(), lambda _prompt: cps3_card.pin).close()


def test_a_pin_that_cannot_be_right_never_reaches_the_card(cps3_card: VirtualCard) -> None:
    module = module_for(cps3_card)
    for bad in ("", "12a4", "123", "123456789", "1²34", "١٢٣٤", "１２３４"):
        with pytest.raises(PinLengthError):
            module.login(module.card(), lambda _prompt, pin=bad: pin)
    assert cps3_card.pin_tries_used() == 0


def test_pin_pad_reader(pinpad_card: VirtualCard) -> None:
    module = module_for(pinpad_card)
    prompts: list[PinPrompt] = []
    session = module.login(module.card(), lambda prompt: prompts.append(prompt) or "")
    try:
        assert prompts[0].pin_pad
        assert "clavier du lecteur" in prompts[0].message()
        assert session.alive
    finally:
        session.close()


# -- card removal --------------------------------------------------------------------------


def test_card_removed_mid_session_then_back_reconnects_the_same_account(
    full_card: VirtualCard, dovecot_mss: Dovecot, policy: TrustPolicy
) -> None:
    keeper = CardKeeper(module_for(full_card), poll_interval=0.05)
    keeper.unlock(lambda _prompt: full_card.pin)
    credential = CardCredential(keeper.session)  # what an account holds
    endpoint = imap_endpoint(dovecot_mss, Security.IMPLICIT)
    connection = imap.connect(endpoint, policy, credential)
    connection.authenticate_external()
    try:
        full_card.remove()
        with pytest.raises(CardRemovedError) as removed:
            imap.connect(endpoint, policy, credential)
        assert removed.value.user_message.startswith("Carte CPS retirée")
        assert keeper.poll() is CardState.REMOVED
        with pytest.raises(CardRemovedError):
            keeper.session()
    finally:
        full_card.reinsert()
        connection.client.shutdown()
    assert keeper.poll() is CardState.LOCKED
    keeper.unlock(lambda _prompt: full_card.pin)
    again = imap.connect(endpoint, policy, credential)
    again.authenticate_external()
    again.close()
    keeper.stop()


def test_the_watcher_sees_removal_and_reinsertion(full_card: VirtualCard) -> None:
    keeper = CardKeeper(module_for(full_card), poll_interval=0.05)
    seen: list[CardState] = []
    keeper.subscribe(seen.append)
    keeper.unlock(lambda _prompt: full_card.pin)
    keeper.start()
    try:
        full_card.remove()
        _wait_for(lambda: CardState.REMOVED in seen)
        full_card.reinsert()
        _wait_for(lambda: seen[-1] is CardState.LOCKED)
    finally:
        full_card.reinsert()
        keeper.stop()
    assert seen == [CardState.READY, CardState.REMOVED, CardState.LOCKED]


def _wait_for(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_an_unreadable_moment_is_not_a_removal(
    full_card: VirtualCard, monkeypatch: pytest.MonkeyPatch
) -> None:
    keeper = CardKeeper(module_for(full_card))
    session = keeper.unlock(lambda _prompt: full_card.pin)
    monkeypatch.setattr(keeper.module, "presence", lambda _card: None)  # busy reader
    assert keeper.poll() is CardState.READY
    assert keeper.session() is session
    keeper.stop()


def test_unlocking_twice_does_not_ask_twice(full_card: VirtualCard) -> None:
    keeper = CardKeeper(module_for(full_card))
    asked: list[PinPrompt] = []
    first = keeper.unlock(lambda prompt: asked.append(prompt) or full_card.pin)
    assert keeper.unlock(lambda prompt: asked.append(prompt) or full_card.pin) is first
    assert len(asked) == 1
    keeper.stop()


def test_after_a_lock_the_card_is_locked_not_removed(
    full_card: VirtualCard, dovecot_mss: Dovecot, policy: TrustPolicy
) -> None:
    keeper = CardKeeper(module_for(full_card))
    keeper.unlock(lambda _prompt: full_card.pin)
    credential = CardCredential(keeper.session)
    keeper.lock()
    with pytest.raises(CardLockedError) as locked:
        imap.connect(imap_endpoint(dovecot_mss, Security.IMPLICIT), policy, credential)
    assert "saisissez le code" in locked.value.user_message
    keeper.unlock(lambda _prompt: full_card.pin)  # and back, with the same credential
    imap.connect(imap_endpoint(dovecot_mss, Security.IMPLICIT), policy, credential).close()
    keeper.stop()

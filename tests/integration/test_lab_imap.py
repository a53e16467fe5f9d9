"""The lab's Dovecot: mutual TLS + SASL EXTERNAL (MSSanté-like), and password login."""

from __future__ import annotations

import ssl

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from app.transport import imap
from app.transport.endpoints import Endpoint, Protocol, Security
from app.transport.tls import TrustPolicy
from tests.lab.build import LabAccounts, LabPki, lab_message
from tests.lab.dovecot import Dovecot
from tests.lab.smtp import lmtp_deliverer

pytestmark = pytest.mark.lab


def _deliver(dovecot: Dovecot, sender: str, recipient: str, subject: str) -> None:
    message = lab_message(sender, recipient, subject, "Résultats joints.\nCordialement.")
    lmtp_deliverer(dovecot.lmtp_socket)(sender, [recipient], message.as_bytes())


def _subjects(client: IMAPClient, subject: str) -> list[str]:
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["SUBJECT", subject])
    fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    return [data[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().strip() for data in fetched.values()]


@pytest.mark.parametrize("transport", ["starttls", "implicit"])
def test_software_certificate_logs_in_with_sasl_external_and_reads_a_message(
    dovecot_mss: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts, transport: str
) -> None:
    account = lab_accounts.organisation
    subject = f"Compte rendu {transport}"
    _deliver(dovecot_mss, "labo@biologie.mssante.test", account.address, subject)
    context = lab_pki.client_context(lab_pki.organisation)

    if transport == "implicit":
        client = IMAPClient(
            "127.0.0.1", dovecot_mss.imaps_port, ssl=True, ssl_context=context, timeout=10
        )
    else:
        client = IMAPClient("127.0.0.1", dovecot_mss.imap_port, ssl=False, timeout=10)
        assert b"STARTTLS" in client.capabilities()
        client.starttls(context)
    with client:
        assert client.socket().version() in {"TLSv1.2", "TLSv1.3"}
        assert b"AUTH=EXTERNAL" in client.capabilities()
        client.sasl_login("EXTERNAL", lambda _challenge: b"")
        assert _subjects(client, subject) == [f"Subject: {subject}"]
    assert f"user=<{account.login.lower()}>, method=EXTERNAL" in dovecot_mss.log()


def test_login_without_client_certificate_is_refused(dovecot_mss: Dovecot, lab_pki: LabPki) -> None:
    with IMAPClient(
        "127.0.0.1",
        dovecot_mss.imaps_port,
        ssl=True,
        ssl_context=lab_pki.client_context(),
        timeout=10,
    ) as client:
        with pytest.raises(LoginError, match="certificate"):
            client.sasl_login("EXTERNAL", lambda _challenge: b"")


def test_certificate_from_another_authority_is_refused(
    dovecot_mss: Dovecot, lab_pki: LabPki
) -> None:
    stranger = lab_pki.public_ca.organisation_client("ORG-10B0000001-SECRETARIAT", "X", "Y")
    context = lab_pki.client_context()
    chain, key = lab_pki.write_issued("stranger", stranger, lab_pki.public_ca)
    context.load_cert_chain(str(chain), str(key))
    with pytest.raises(LoginError) as refused:
        with IMAPClient(
            "127.0.0.1", dovecot_mss.imaps_port, ssl=True, ssl_context=context, timeout=10
        ) as client:
            client.sasl_login("EXTERNAL", lambda _challenge: b"")
    assert "certificate" in str(refused.value)


def test_password_provider_logs_in_after_starttls(
    dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts
) -> None:
    account = lab_accounts.generic
    assert account.password is not None
    _deliver(dovecot_password, "ami@example.test", account.address, "Diner samedi")
    context = ssl.create_default_context(
        cafile=str(lab_pki.public_ca.write(lab_pki.directory / "public").root)
    )

    with IMAPClient("127.0.0.1", dovecot_password.imap_port, ssl=False, timeout=10) as client:
        # Dovecot counts loopback as secure and would accept a clear-text password here: the
        # client's own rule (no password without TLS) is tested on the client side.
        client.starttls(context)
        with pytest.raises(LoginError):
            client.login(account.login, "wrong password")
        client.login(account.login, account.password)
        assert _subjects(client, "Diner") == ["Subject: Diner samedi"]


def test_a_password_with_accents_goes_through_authenticate_plain(
    dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts
) -> None:
    account = lab_accounts.generic_accented
    assert account.password is not None and not account.password.isascii()
    policy = TrustPolicy(anchors=[lab_pki.public_ca.root.certificate], mssante=False)
    endpoint = Endpoint(Protocol.IMAP, Security.STARTTLS, "localhost", dovecot_password.imap_port)
    connection = imap.connect(endpoint, policy)
    try:
        connection.authenticate_password(account.login, account.password)
    finally:
        connection.close()

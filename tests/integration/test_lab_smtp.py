"""The lab's submission server: client certificate required, delivery into Dovecot."""

from __future__ import annotations

import asyncio
import ssl
import time

import aiosmtplib
import pytest
from imapclient import IMAPClient

from app.sandbox.submission import Endpoints
from tests.lab.build import LabAccounts, LabPki, lab_message
from tests.lab.dovecot import Dovecot

pytestmark = pytest.mark.lab


def _send(
    endpoints: Endpoints,
    context: ssl.SSLContext,
    *,
    implicit: bool,
    sender: str,
    recipient: str,
    subject: str,
) -> None:
    message = lab_message(sender, recipient, subject, "Bonjour,\nci-joint le compte rendu.")
    port = endpoints.implicit_tls_port if implicit else endpoints.starttls_port
    asyncio.run(
        aiosmtplib.send(
            message,
            hostname=endpoints.host,
            port=port,
            use_tls=implicit,
            start_tls=not implicit,
            tls_context=context,
            timeout=10,
        )
    )


def _wait_for_subject(dovecot: Dovecot, context: ssl.SSLContext, subject: str) -> bytes:
    with IMAPClient(
        "127.0.0.1", dovecot.imaps_port, ssl=True, ssl_context=context, timeout=10
    ) as client:
        client.sasl_login("EXTERNAL", lambda _challenge: b"")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            client.select_folder("INBOX", readonly=True)
            uids = client.search(["SUBJECT", subject])
            if uids:
                data = client.fetch(uids, ["BODY.PEEK[]"])
                body: bytes = data[uids[0]][b"BODY[]"]
                return body
            time.sleep(0.1)
    raise AssertionError(f"{subject!r} never arrived")


@pytest.mark.parametrize("implicit", [True, False], ids=["implicit-tls", "starttls"])
def test_message_sent_with_client_certificate_is_read_back_over_imap(
    lab_smtp: Endpoints,
    dovecot_mss: Dovecot,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
    implicit: bool,
) -> None:
    account = lab_accounts.organisation
    context = lab_pki.client_context(lab_pki.organisation)
    subject = f"Aller-retour {'465' if implicit else '587'}"
    _send(
        lab_smtp,
        context,
        implicit=implicit,
        sender=account.address,
        recipient=account.address,
        subject=subject,
    )

    raw = _wait_for_subject(dovecot_mss, context, subject)
    assert b"ci-joint le compte rendu" in raw
    assert b"with ESMTPS (TLSv1." in raw  # the server's trace of the TLS session


def test_submission_without_client_certificate_is_refused(
    lab_smtp: Endpoints, lab_pki: LabPki, lab_accounts: LabAccounts
) -> None:
    address = lab_accounts.organisation.address
    with pytest.raises((aiosmtplib.SMTPException, ssl.SSLError, ConnectionError)):
        _send(
            lab_smtp,
            lab_pki.client_context(),
            implicit=True,
            sender=address,
            recipient=address,
            subject="sans certificat",
        )


def test_sending_as_someone_else_is_refused(
    lab_smtp: Endpoints, lab_pki: LabPki, lab_accounts: LabAccounts
) -> None:
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
        _send(
            lab_smtp,
            lab_pki.client_context(lab_pki.organisation),
            implicit=False,
            sender=lab_accounts.martin.address,
            recipient=lab_accounts.organisation.address,
            subject="usurpation",
        )
    assert refused.value.code == 553


def test_unknown_recipient_is_refused_not_lost(
    lab_smtp: Endpoints, lab_pki: LabPki, lab_accounts: LabAccounts
) -> None:
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        _send(
            lab_smtp,
            lab_pki.client_context(lab_pki.organisation),
            implicit=True,
            sender=lab_accounts.organisation.address,
            recipient="inconnu@medecin.mssante.test",
            subject="destinataire inconnu",
        )
    assert refused.value.code == 550

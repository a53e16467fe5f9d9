"""The lab's submission server: app.sandbox.submission delivering into Dovecot over LMTP."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from pathlib import Path

from app.sandbox.submission import Authorize, Deliver, DeliveryError
from tests.lab.dovecot import MailAccount


def lmtp_deliverer(socket_path: Path) -> Deliver:
    def deliver(sender: str, recipients: list[str], message: bytes) -> None:
        with smtplib.LMTP(str(socket_path)) as lmtp:
            try:
                refused = lmtp.sendmail(sender, recipients, message)
            except smtplib.SMTPRecipientsRefused as error:
                raise DeliveryError("550 5.1.1 No such recipient here") from error
        if refused:
            raise DeliveryError(f"550 5.1.1 Refused: {', '.join(sorted(refused))}")

    return deliver


def sender_policy(accounts: Iterable[MailAccount]) -> Authorize:
    """A certificate may send as the addresses of the mailboxes it logs in to."""
    owned: dict[str, set[str]] = {}
    for account in accounts:
        owned.setdefault(account.login.lower(), set()).add(account.address.lower())

    def authorize(identity: str, sender: str) -> bool:
        return sender.lower() in owned.get(identity.lower(), set())

    return authorize

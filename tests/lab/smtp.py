"""The lab's submission server: app.sandbox.submission delivering into Dovecot over LMTP."""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.smtp import SMTP

from app.sandbox.reports import DsnSMTP
from app.sandbox.submission import Authorize, Deliver, DeliveryError, SubmissionServer
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


# -- the fault campaign's server: it says where the dialogue stands, and counts deliveries ---

Tap = Callable[[int, str], None]
"""(client port as the server sees it, phase) -> None: called before each reply."""


def message_id_of(message: bytes) -> str:
    value = BytesHeaderParser().parsebytes(message).get("Message-ID", "")
    return str(value).strip().strip("<>")


class Deliveries:
    """A delivery callback counting what the server accepted, by Message-ID; ``refuse``
    makes the end of DATA of a message get the given replies first (one per attempt)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.refuse: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def __call__(self, sender: str, recipients: list[str], message: bytes) -> None:
        identifier = message_id_of(message)
        with self._lock:
            replies = self.refuse.get(identifier)
            if replies:
                raise DeliveryError(replies.pop(0))
            self.counts[identifier] += 1

    def count(self, message_id: str) -> int:
        with self._lock:
            return self.counts[message_id]


class TappedSMTP(DsnSMTP):
    """aiosmtpd's protocol telling its server's ``tap`` where each reply stands: "greeting",
    "EHLO", "STARTTLS", "MAIL", "RCPT", "DATA" (the 354), "END" (the reply to the end of
    DATA), "QUIT". A recipient in the server's ``rcpt_refusals`` gets that reply."""

    owner: TappedSubmissionServer | None = None
    _verb = "greeting"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self.owner is not None:
            self.owner.live.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        if self.owner is not None:
            self.owner.live.discard(self)
        super().connection_lost(error)

    async def push(self, status: str | bytes) -> None:
        owner = self.owner
        peer = self.session.peer if self.session is not None else None
        if owner is not None and owner.tap is not None and isinstance(peer, tuple):
            text = status if isinstance(status, str) else status.decode("ascii", "replace")
            phase = "END" if self._verb == "DATA" and not text.startswith("354") else self._verb
            owner.tap(int(peer[1]), phase)
        await super().push(status)

    async def smtp_EHLO(self, hostname: str) -> None:
        self._verb = "EHLO"
        await super().smtp_EHLO(hostname)

    async def smtp_STARTTLS(self, arg: str) -> None:
        self._verb = "STARTTLS"
        await super().smtp_STARTTLS(arg)

    async def smtp_MAIL(self, arg: str | None) -> None:
        self._verb = "MAIL"
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg: str | None) -> None:
        self._verb = "RCPT"
        refusals = self.owner.rcpt_refusals if self.owner is not None else {}
        for address, reply in refusals.items():
            if f"<{address.lower()}>" in (arg or "").lower():
                await self.push(reply)
                return
        await super().smtp_RCPT(arg)

    async def smtp_DATA(self, arg: str) -> None:
        self._verb = "DATA"
        await super().smtp_DATA(arg)

    async def smtp_RSET(self, arg: str) -> None:
        self._verb = "RSET"
        await super().smtp_RSET(arg)

    async def smtp_QUIT(self, arg: str) -> None:
        self._verb = "QUIT"
        await super().smtp_QUIT(arg)


class TappedSubmissionServer(SubmissionServer):
    """The submission server of the fault campaign: ``tap`` (a ``FaultyProxy.tap``) learns
    each reply before it is written; ``stop`` drops live connections as a real restart does."""

    smtp_class = TappedSMTP

    def __init__(
        self,
        tls: ssl.SSLContext,
        authorize: Authorize,
        deliver: Deliver,
        *,
        tap: Tap | None = None,
        rcpt_refusals: dict[str, str] | None = None,
    ) -> None:
        super().__init__(tls, authorize, deliver)
        self.tap = tap
        self.rcpt_refusals = rcpt_refusals if rcpt_refusals is not None else {}
        self.live: set[TappedSMTP] = set()

    def _protocol(self, *, starttls: bool) -> SMTP:
        protocol = super()._protocol(starttls=starttls)
        protocol.owner = self
        return protocol

    def stop(self) -> None:
        if self._thread is not None:

            async def drop() -> None:
                for listener in self._servers:  # first no new connection, then none at all
                    listener.close()
                for protocol in list(self.live):
                    for transport in (protocol.transport, protocol._original_transport):
                        if transport is not None:
                            transport.abort()
                # Handshakes and sessions under way end now, not destroyed pending.
                others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in others:
                    task.cancel()
                if others:
                    await asyncio.wait(others, timeout=2)

            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(drop(), self._loop).result(timeout=10)
        super().stop()

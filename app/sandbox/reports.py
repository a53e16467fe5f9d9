"""Delivery status notifications (RFC 3461/3464) for the lab's and the demo's submission server.

``DsnSMTP`` is aiosmtpd's protocol plus the DSN extension: EHLO advertises ``DSN``; MAIL
takes ``RET`` and ``ENVID``, RCPT takes ``NOTIFY`` and ``ORCPT`` (aiosmtpd alone refuses
them). A transaction that carries them is delivered recipient by recipient (through the
server's own delivery callback), and the outcome is reported as a real operator's server
does: refused for every recipient → the SMTP reply says so (no report); otherwise the
message is accepted, and a ``multipart/report; report-type=delivery-status`` goes to the
envelope sender — through the same delivery callback, so into her mailbox — for the
recipients whose NOTIFY asks for that outcome (SUCCESS: delivered; FAILURE: failed; DELAY:
delayed, a temporary refusal the lab does not try again).
"""

from __future__ import annotations

import asyncio
import copy
import email.utils
import logging
import re
from dataclasses import dataclass
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any, AnyStr

from aiosmtpd.smtp import SMTP

log = logging.getLogger(__name__)

_NOTIFY_VALUES = {"SUCCESS", "FAILURE", "DELAY"}
_XTEXT = re.compile(r"\+([0-9A-F]{2})")
_ENVID_MAX = 100  # RFC 3461 §4.4


def xtext_decode(value: str) -> str:
    return _XTEXT.sub(lambda m: chr(int(m.group(1), 16)), value)


@dataclass(frozen=True)
class RecipientRequest:
    notify: frozenset[str]  # SUCCESS, FAILURE, DELAY; empty: NEVER
    original: str | None  # the ORCPT address, decoded


@dataclass(frozen=True)
class Outcome:
    recipient: str
    reply: str  # the SMTP reply of its delivery

    @property
    def code(self) -> int:
        head = self.reply[:3]
        return int(head) if head.isdigit() else 554

    @property
    def action(self) -> str:
        return "delivered" if self.code < 400 else "delayed" if self.code < 500 else "failed"

    @property
    def status(self) -> str:
        match = re.match(r"\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})", self.reply)
        if match:
            return match.group(1)
        return {"delivered": "2.0.0", "delayed": "4.0.0", "failed": "5.0.0"}[self.action]

    @property
    def wanted(self) -> str:
        return {"delivered": "SUCCESS", "delayed": "DELAY", "failed": "FAILURE"}[self.action]


def _take(arg: str, names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """``arg`` without the ESMTP parameters ``names`` (case kept), and their values."""
    kept, taken = [], {}
    head, _sep, rest = arg.partition(">")
    for token in rest.split():
        name, eq, value = token.partition("=")
        if name.upper() in names and eq:
            taken[name.upper()] = value
        else:
            kept.append(token)
    return " ".join([head + _sep, *kept]).strip(), taken


class DsnSMTP(SMTP):
    """aiosmtpd's protocol with the DSN extension (see the module's docstring)."""

    _in_ehlo = False

    def _reset_dsn(self) -> None:
        self.dsn_ret: str | None = None
        self.dsn_envid: str | None = None
        self.dsn_recipients: dict[str, RecipientRequest] = {}

    async def push(self, status: AnyStr) -> None:
        if self._in_ehlo and status in ("250 HELP", b"250 HELP"):
            await super().push("250-DSN")
        await super().push(status)

    async def smtp_EHLO(self, hostname: str) -> None:
        self._in_ehlo = True
        try:
            await super().smtp_EHLO(hostname)
        finally:
            self._in_ehlo = False

    async def smtp_MAIL(self, arg: str | None) -> None:
        self._reset_dsn()
        stripped, taken = _take(arg or "", ("RET", "ENVID"))
        ret = taken.get("RET", "").upper() or None
        envid = xtext_decode(taken["ENVID"]) if "ENVID" in taken else None
        if ret not in (None, "FULL", "HDRS") or (envid is not None and len(envid) > _ENVID_MAX):
            await self.push("501 5.5.4 Invalid RET or ENVID parameter")
            return
        await super().smtp_MAIL(stripped if taken else arg)
        if self.envelope is not None and self.envelope.mail_from is not None:
            self.dsn_ret, self.dsn_envid = ret, envid

    async def smtp_RCPT(self, arg: str | None) -> None:
        stripped, taken = _take(arg or "", ("NOTIFY", "ORCPT"))
        notify = {v for v in taken.get("NOTIFY", "").upper().split(",") if v}
        if notify and not (notify == {"NEVER"} or notify <= _NOTIFY_VALUES):
            await self.push("501 5.5.4 Invalid NOTIFY parameter")
            return
        original = None
        if "ORCPT" in taken:
            kind, _semicolon, address = taken["ORCPT"].partition(";")
            if kind.lower() != "rfc822" or not address:
                await self.push("501 5.5.4 Invalid ORCPT parameter")
                return
            original = xtext_decode(address)
        before = len(self.envelope.rcpt_tos) if self.envelope is not None else 0
        await super().smtp_RCPT(stripped if taken else arg)
        envelope = self.envelope
        if taken and envelope is not None and len(envelope.rcpt_tos) > before:
            if not hasattr(self, "dsn_recipients"):
                self._reset_dsn()
            asked = frozenset() if notify == {"NEVER"} else frozenset(notify or {"FAILURE"})
            self.dsn_recipients[envelope.rcpt_tos[-1]] = RecipientRequest(asked, original)

    async def _call_handler_hook(self, command: str, *args: Any) -> Any:
        wanted = getattr(self, "dsn_recipients", None) or getattr(self, "dsn_envid", None)
        if command != "DATA" or not wanted or self.envelope is None:
            return await super()._call_handler_hook(command, *args)
        envelope = self.envelope
        outcomes = []
        try:
            for recipient in list(envelope.rcpt_tos):
                single = copy.copy(envelope)
                single.rcpt_tos = [recipient]
                self.envelope = single
                reply = await super()._call_handler_hook(command, *args)
                outcomes.append(Outcome(recipient, str(reply)))
        finally:
            self.envelope = envelope
        if all(o.code >= 400 for o in outcomes):  # nothing accepted: the client hears it now
            return next((o.reply for o in outcomes if o.code >= 500), outcomes[0].reply)
        report = self._report(envelope, outcomes)
        if report is not None:
            await self._send_report(envelope.mail_from or "", report)
        failed = sum(o.code >= 400 for o in outcomes)
        return "250 2.0.0 OK delivered" + (
            f" ({failed} not delivered, see the report)" if failed else ""
        )

    def _report(self, envelope: Any, outcomes: list[Outcome]) -> bytes | None:
        requests = getattr(self, "dsn_recipients", {})
        reported = [
            o
            for o in outcomes
            if o.wanted
            in requests.get(o.recipient, RecipientRequest(frozenset({"FAILURE"}), None)).notify
        ]
        if not reported or not envelope.mail_from:  # no report to a null sender (RFC 3461)
            return None
        return build_dsn(
            reporting_mta=str(getattr(self, "hostname", "localhost")),
            sender=envelope.mail_from,
            envid=getattr(self, "dsn_envid", None),
            outcomes=[(o, requests.get(o.recipient)) for o in reported],
            original=envelope.original_content or b"",
            full=getattr(self, "dsn_ret", None) == "FULL",
        )

    async def _send_report(self, sender: str, report: bytes) -> None:
        deliver = getattr(self.event_handler, "deliver", None)
        if deliver is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(None, deliver, "", [sender], report)
        except Exception:  # the message went; its report could not: as an MTA, log it
            log.warning("delivery report to the sender could not be delivered", exc_info=True)


def build_dsn(
    *,
    reporting_mta: str,
    sender: str,
    envid: str | None,
    outcomes: list[tuple[Outcome, RecipientRequest | None]],
    original: bytes,
    full: bool,
) -> bytes:
    """An RFC 3464 report: a text for people, the per-recipient fields, the original (its
    headers, or all of it with RET=FULL)."""
    failed = any(o.action == "failed" for o, _r in outcomes)
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = f"Mail Delivery System <MAILER-DAEMON@{reporting_mta}>"
    report["To"] = sender
    report["Subject"] = (
        "Undelivered Mail Returned to Sender" if failed else "Delivery Status Notification"
    )
    report["Date"] = email.utils.formatdate()
    report["Message-ID"] = email.utils.make_msgid(domain=reporting_mta)
    report["Auto-Submitted"] = "auto-replied"
    lines = [f"This is the mail system at host {reporting_mta}.", ""]
    for outcome, _request in outcomes:
        lines.append(f"<{outcome.recipient}>: {outcome.action} ({outcome.reply})")
    report.attach(MIMEText("\n".join(lines) + "\n", "plain", "us-ascii"))

    status = MIMEBase("message", "delivery-status")
    blocks: list[Message | str] = []
    head = Message()
    head["Reporting-MTA"] = f"dns; {reporting_mta}"
    if envid:
        head["Original-Envelope-Id"] = envid
    head["Arrival-Date"] = email.utils.formatdate()
    blocks.append(head)
    for outcome, request in outcomes:
        block = Message()
        if request is not None and request.original:
            block["Original-Recipient"] = f"rfc822; {request.original}"
        block["Final-Recipient"] = f"rfc822; {outcome.recipient}"
        block["Action"] = outcome.action
        block["Status"] = outcome.status
        if outcome.action != "delivered":
            block["Diagnostic-Code"] = f"smtp; {outcome.reply}"
        block["Last-Attempt-Date"] = email.utils.formatdate()
        blocks.append(block)
    status.set_payload(blocks)
    report.attach(status)

    if full:
        returned = MIMEBase("message", "rfc822")
        returned.set_payload([email.message_from_bytes(original, policy=compat32)])
    else:
        returned = MIMEBase("text", "rfc822-headers")
        headers = BytesHeaderParser(policy=compat32).parsebytes(original)
        returned.set_payload(
            "".join(f"{k}: {v}\n" for k, v in headers.items()).encode("ascii", "replace").decode()
        )
    report.attach(returned)
    return report.as_bytes()

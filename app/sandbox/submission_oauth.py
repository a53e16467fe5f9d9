"""The submission server of an operator that takes Pro Santé Connect tokens (API LPS).

``BearerSubmissionServer`` is ``app.sandbox.submission.SubmissionServer`` with SMTP AUTH
by SASL XOAUTH2 (with or without initial response) or OAUTHBEARER (RFC 7628) only, over
TLS only (implicit, or after STARTTLS). A token is accepted when ``check(mailbox, token)``
says so (``app.sandbox.bearer.jwks_checker``: signature, issuer, audience, expiry, and the
token's mailbox); the client may then send as that mailbox. A refused token gets what the
operators answer: ``334`` + base64 of ``{"status":"401","schemes":"bearer","scope":"mail"}``
(XOAUTH2; for OAUTHBEARER RFC 7628's ``"status":"invalid_token"``), then, once the client
has answered (empty line for XOAUTH2, ``AQ==`` for OAUTHBEARER), ``535``.
"""

from __future__ import annotations

import collections
import logging
import ssl
from collections.abc import Callable
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, AuthResult

from app.sandbox.bearer import (
    BearerLogin,
    TokenCheck,
    decode_base64,
    error_challenge,
    parse_oauthbearer,
    parse_xoauth2,
)
from app.sandbox.reports import DsnSMTP
from app.sandbox.submission import Authorize, Deliver, SubmissionServer, _Handler

log = logging.getLogger(__name__)

_AUTH_LINE = 16 * 1024
_REFUSED = "535 5.7.8 Authentication credentials invalid"


class _BearerHandler(_Handler):
    """The submission handler plus the two SASL mechanisms (aiosmtpd finds ``auth_*``)."""

    def __init__(
        self, hostname: str, authorize: Authorize, deliver: Deliver, check: TokenCheck
    ) -> None:
        super().__init__(hostname, authorize, deliver, by_login=True)
        self.check = check

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "XOAUTH2", parse_xoauth2)

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "OAUTHBEARER", parse_oauthbearer)

    async def _bearer(
        self,
        server: SMTP,
        args: list[str],
        mechanism: str,
        parse: Callable[[bytes], BearerLogin],
    ) -> AuthResult:
        if len(args) == 1:  # no initial response: an empty challenge asks for it
            message: Any = await server.challenge_auth(b"", encode_to_b64=False)
            if message is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                message = decode_base64(args[1])
            except ValueError:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        try:
            login = parse(message)
        except ValueError:
            await server.push("501 5.5.2 Malformed bearer message")
            return AuthResult(success=False, handled=True)
        if self.check(login.user, login.token):
            return AuthResult(success=True, auth_data=login.user.lower())
        log.info("bearer token refused for a submission client")
        answer = await server.challenge_auth(error_challenge(mechanism))
        if answer is MISSING:  # "*": the client aborted; aiosmtpd has answered 501
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message=_REFUSED)


class _BearerSMTP(DsnSMTP):
    line_length_limit = _AUTH_LINE  # the stream reader's: a JWT is longer than 1001 octets


class BearerSubmissionServer(SubmissionServer):
    """Submission taking PSC tokens (XOAUTH2, OAUTHBEARER) instead of client certificates.
    ``authorize(mailbox, sender)``: may the holder of a token for ``mailbox`` send as
    ``sender``."""

    smtp_class = _BearerSMTP

    def __init__(
        self,
        tls: ssl.SSLContext,
        authorize: Authorize,
        deliver: Deliver,
        check: TokenCheck,
        *,
        hostname: str = "localhost",
        host: str = "127.0.0.1",
    ) -> None:
        # ``passwords={}``: SMTP AUTH required, the identity is the login (here: the mailbox).
        super().__init__(tls, authorize, deliver, hostname=hostname, host=host, passwords={})
        self._handler = _BearerHandler(hostname, authorize, deliver, check)

    def _protocol(self, *, starttls: bool) -> SMTP:
        protocol = super()._protocol(starttls=starttls)
        # Tokens only: no password mechanisms offered (aiosmtpd's built-in PLAIN/LOGIN).
        for mechanism in ("PLAIN", "LOGIN"):
            protocol._auth_methods.pop(mechanism, None)
        # A JWT in an initial response is longer than SMTP's 512-octet command line; an
        # instance dict, since aiosmtpd's default one is shared by every connection.
        limits = collections.defaultdict(lambda: SMTP.command_size_limit, {"AUTH": _AUTH_LINE})
        protocol.command_size_limits = limits
        return protocol

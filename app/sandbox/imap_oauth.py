"""SASL XOAUTH2 and OAUTHBEARER for the sandbox's pymap server (PSC tokens, API LPS).

pysasl's mechanisms, given a ``TokenCheck`` (``app.sandbox.bearer``): the token is checked
while the exchange is still open, so that a refused one gets the operators' JSON error
challenge (``{"status":"401",...}`` for XOAUTH2, RFC 7628's ``invalid_token`` for
OAUTHBEARER) before the final ``NO``, as Dovecot does. The result is a ``BearerCredentials``
that says which mailbox the token opens, and whether it was accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pysasl.creds.external import ExternalCredentials
from pysasl.exception import InvalidResponse
from pysasl.mechanism import ChallengeResponse, ServerChallenge, ServerMechanism

from app.sandbox.bearer import (
    BearerLogin,
    TokenCheck,
    error_challenge,
    parse_oauthbearer,
    parse_xoauth2,
)


class BearerCredentials(ExternalCredentials):
    """A mailbox asked for with a bearer token; ``accepted`` once the token was checked."""

    def __init__(self, mailbox: str, *, accepted: bool) -> None:
        super().__init__(mailbox)
        self.accepted = accepted


class _BearerMechanism(ServerMechanism):
    def __init__(self, name: str, parse: Callable[[bytes], BearerLogin], check: TokenCheck) -> None:
        super().__init__(name)
        self._parse = parse
        self._check = check

    def server_attempt(
        self, responses: Sequence[ChallengeResponse]
    ) -> tuple[BearerCredentials, None]:
        if not responses:
            raise ServerChallenge(b"")  # no initial response: ask for the message
        try:
            login = self._parse(responses[0].response)
        except ValueError as error:
            raise InvalidResponse() from error
        if self._check(login.user, login.token):
            return BearerCredentials(login.user, accepted=True), None
        if len(responses) == 1:  # the error challenge, answered by an empty message
            raise ServerChallenge(error_challenge(self.name.decode()))
        return BearerCredentials(login.user, accepted=False), None


def bearer_mechanisms(check: TokenCheck) -> list[ServerMechanism]:
    return [
        _BearerMechanism("XOAUTH2", parse_xoauth2, check),
        _BearerMechanism("OAUTHBEARER", parse_oauthbearer, check),
    ]

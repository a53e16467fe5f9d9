"""SASL with a bearer token: XOAUTH2 (what MSSanté operators use, Ref#2 ECO.1.2.1) and
OAUTHBEARER (RFC 7628), for IMAP and SMTP.

Chosen from what the server advertises (``AUTH=...`` in CAPABILITY, ``AUTH ...`` after
EHLO): XOAUTH2 first, then OAUTHBEARER. A refusal comes as a challenge holding a JSON error
(``{"status":"401","schemes":"bearer","scope":"mail"}``); the client answers it with an
empty response (XOAUTH2) or ``\\x01`` (OAUTHBEARER, RFC 7628 §3.2.3) and then gets the
failure. The caller drops the token, gets a fresh one and tries once more; there is never a
password to fall back on. A token only ever goes over TLS (even on 127.0.0.1, where a
server may accept it in clear).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from app.core.errors import AuthenticationError

PREFERENCE = ("XOAUTH2", "OAUTHBEARER")
MAX_CHALLENGE = 4096


class BearerSource(Protocol):
    """Where a login gets its token (``app.psc.keeper.TokenKeeper``)."""

    def access_token(self) -> str: ...

    def renew(self) -> str: ...


class NoBearerMechanismError(AuthenticationError):
    default_message = (
        "Le serveur ne propose pas la connexion Pro Santé Connect (XOAUTH2 ou OAUTHBEARER)."
    )


class BearerRefusedError(AuthenticationError):
    """The server refused the token (its JSON challenge, if any, in ``challenge``)."""

    default_message = (
        "Le serveur de messagerie a refusé votre connexion Pro Santé Connect. Si cela "
        "persiste, votre opérateur n'accepte peut-être pas encore ce compte."
    )

    def __init__(self, detail: str = "", *, challenge: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.challenge = challenge or {}


def choose(offered: Iterable[str]) -> str | None:
    names = {name.upper() for name in offered}
    return next((m for m in PREFERENCE if m in names), None)


def _check(user: str, token: str) -> None:
    for value in (user, token):
        if not value or any(c in value for c in "\x00\x01\r\n") or not value.isprintable():
            raise AuthenticationError("bearer login: bad user or token characters")


def response(mechanism: str, user: str, token: str, host: str, port: int) -> bytes:
    """The client's first (and only) response of ``mechanism``."""
    _check(user, token)
    if mechanism == "XOAUTH2":
        return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()
    if mechanism == "OAUTHBEARER":
        authzid = user.replace("=", "=3D").replace(",", "=2C")  # RFC 5801 saslname
        header = f"n,a={authzid},"
        return f"{header}\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01".encode()
    raise ValueError(f"not a bearer mechanism: {mechanism}")


def abort_reply(mechanism: str) -> bytes:
    """What answers the server's error challenge before it says NO / 535."""
    return b"\x01" if mechanism == "OAUTHBEARER" else b""


@dataclass
class Challenge:
    """The server's error challenge, read safely (size bounded, JSON object of strings)."""

    fields: dict[str, str]

    @classmethod
    def parse(cls, data: bytes) -> Challenge:
        if len(data) > MAX_CHALLENGE:
            return cls({"status": "?", "detail": "challenge too long"})
        try:
            value = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return cls({})
        if not isinstance(value, dict):
            return cls({})
        return cls({str(k)[:40]: str(v)[:200] for k, v in list(value.items())[:16]})

    @classmethod
    def parse_base64(cls, text: bytes | str) -> Challenge:
        try:
            return cls.parse(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            return cls({})

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.fields.items()) or "(sans détail)"

"""Server addresses as URLs: ``imaps://host:port``, ``imap+starttls://host:port``,
``smtps://host:port``, ``smtp+starttls://host:port`` (port optional)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit


class Protocol(Enum):
    IMAP = "imap"
    SMTP = "smtp"


class Security(Enum):
    IMPLICIT = "implicit"  # TLS from the first byte (993, 465)
    STARTTLS = "starttls"  # plain greeting, then STARTTLS (143, 587)


_SCHEMES = {
    "imaps": (Protocol.IMAP, Security.IMPLICIT, 993),
    "imap+starttls": (Protocol.IMAP, Security.STARTTLS, 143),
    "smtps": (Protocol.SMTP, Security.IMPLICIT, 465),
    "smtp+starttls": (Protocol.SMTP, Security.STARTTLS, 587),
}


def _valid_host(host: str) -> bool:
    """An IP address, or a name that IDNA can encode (what the resolver will be given)."""
    if ":" in host:  # IPv6, already bracket-checked by urlsplit
        return True
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


class EndpointError(ValueError):
    """An unusable server URL; the message is French, for the user."""


@dataclass(frozen=True)
class Endpoint:
    protocol: Protocol
    security: Security
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        try:
            parts = urlsplit(url.strip())
        except ValueError as error:  # e.g. an unclosed "[" of an IPv6 address
            raise EndpointError(f"Adresse de serveur invalide : « {url} ».") from error
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            forms = ", ".join(f"{s}://serveur:port" for s in _SCHEMES)
            raise EndpointError(
                f"Adresse de serveur non reconnue : « {url} ». Formes acceptées : {forms}."
            )
        protocol, security, default_port = _SCHEMES[scheme]
        try:
            port = parts.port or default_port
        except ValueError as error:
            raise EndpointError(f"Port invalide dans « {url} ».") from error
        host = parts.hostname
        if not host or parts.path not in ("", "/") or parts.query or not _valid_host(host):
            raise EndpointError(f"Adresse de serveur invalide : « {url} ».")
        return cls(protocol, security, host, port)

    def url(self) -> str:
        scheme = next(
            s for s, (p, sec, _) in _SCHEMES.items() if p is self.protocol and sec is self.security
        )
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    def __str__(self) -> str:
        return self.url()

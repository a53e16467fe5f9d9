"""IMAP connections (the only module, with its siblings ``imap_*``, that imports imapclient).

This first part opens an authenticated connection for MSSanté (TLS client certificate +
SASL EXTERNAL) or a generic provider (password after TLS); the sync engine builds on it.
"""

from __future__ import annotations

import imaplib
import ssl
from dataclasses import dataclass

from cryptography import x509
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from app.core.errors import (
    AuthenticationError,
    ClientCertificateRefusedError,
    ProtocolError,
    TlsError,
)
from app.transport.credentials import ClientCredential
from app.transport.endpoints import Endpoint, Security
from app.transport.tls import TrustPolicy, translated

DEFAULT_TIMEOUT = 30.0


@dataclass
class ImapConnection:
    client: IMAPClient
    endpoint: Endpoint
    tls_version: str
    cipher: str
    server_chain: list[x509.Certificate]
    credential: ClientCredential | None

    @property
    def capabilities(self) -> tuple[str, ...]:
        return tuple(c.decode(errors="replace") for c in self.client.capabilities())

    def authenticate_external(self, authorization: str = "") -> None:
        """SASL EXTERNAL: the identity is the TLS client certificate."""
        if "AUTH=EXTERNAL" not in self.capabilities:
            raise AuthenticationError(
                "server does not offer AUTH=EXTERNAL",
                user_message="Le serveur ne propose pas l'authentification par certificat "
                "(SASL EXTERNAL).",
            )
        with translated(self.credential):
            try:
                self.client.sasl_login("EXTERNAL", lambda _challenge: authorization.encode())
            except LoginError as error:
                raise _login_error(error, certificate=True) from error

    def authenticate_password(self, username: str, password: str) -> None:
        """AUTHENTICATE PLAIN (UTF-8) when offered, else LOGIN (ASCII only, RFC 3501)."""
        with translated(self.credential):
            try:
                if "AUTH=PLAIN" in self.capabilities:
                    self.client.plain_login(username, password)
                elif (username + password).isascii():
                    self.client.login(username, password)
                else:
                    raise AuthenticationError(
                        "non-ASCII credentials without AUTH=PLAIN",
                        user_message="Ce serveur n'accepte que des identifiants et mots de "
                        "passe sans accents ni caractères spéciaux.",
                    )
            except LoginError as error:
                raise _login_error(error, certificate=False) from error

    def close(self) -> None:
        try:
            self.client.logout()
        except (IMAPClientError, imaplib.IMAP4.error, OSError):
            self.client.shutdown()


def _login_error(error: LoginError, *, certificate: bool) -> AuthenticationError:
    text = str(error)
    if certificate and "certificate" in text.lower():
        return ClientCertificateRefusedError(text)  # type: ignore[return-value]
    message = (
        "Le serveur a refusé l'authentification par certificat."
        if certificate
        else "Identifiant ou mot de passe refusé par le serveur."
    )
    return AuthenticationError(text, user_message=message)


def connect(
    endpoint: Endpoint,
    policy: TrustPolicy,
    credential: ClientCredential | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> ImapConnection:
    """TCP, TLS (implicit or STARTTLS), server chain and revocation; not yet logged in."""
    context = policy.context(credential)  # raises CaduceeError subclasses only
    try:
        return _connect(endpoint, policy, credential, context, timeout)
    except (imaplib.IMAP4.error, IMAPClientError) as error:
        # imaplib reports a connection closed under it as "abort: socket error: EOF"
        raise ProtocolError(
            f"{type(error).__name__}: {error}",
            user_message="Le serveur a fermé la connexion de façon inattendue.",
        ) from error


def _connect(
    endpoint: Endpoint,
    policy: TrustPolicy,
    credential: ClientCredential | None,
    context: ssl.SSLContext,
    timeout: float,
) -> ImapConnection:
    with translated(credential):
        if endpoint.security is Security.IMPLICIT:
            client = IMAPClient(
                endpoint.host, endpoint.port, ssl=True, ssl_context=context, timeout=timeout
            )
        else:
            client = IMAPClient(endpoint.host, endpoint.port, ssl=False, timeout=timeout)
        try:
            if endpoint.security is Security.STARTTLS:
                if b"STARTTLS" not in client.capabilities():
                    raise TlsError(
                        "STARTTLS not offered",
                        user_message="Le serveur ne propose pas STARTTLS : connexion "
                        "non sécurisée refusée.",
                    )
                client.starttls(context)
            sock = client.socket()
            chain = policy.check_revocation(sock)
            client.capabilities()  # a TLS 1.3 refusal of our certificate shows up here
            version, cipher = sock.version() or "", (sock.cipher() or ("",))[0]
        except BaseException:
            client.shutdown()
            raise
    return ImapConnection(client, endpoint, version, cipher, chain, credential)

"""SMTP submission (aiosmtplib), implicit TLS or STARTTLS, with a client certificate."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

import aiosmtplib
from cryptography import x509

from app.core.errors import AuthenticationError, CaduceeError, ProtocolError, TlsError
from app.transport.credentials import ClientCredential
from app.transport.endpoints import Endpoint, Security
from app.transport.tls import TrustPolicy, classify

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class SmtpProbe:
    """What the server said after EHLO on the secured connection."""

    tls_version: str
    cipher: str
    server_chain: list[x509.Certificate]
    extensions: dict[str, str]
    max_size: int | None


async def _secured(
    endpoint: Endpoint, policy: TrustPolicy, context: ssl.SSLContext, timeout: float
) -> tuple[aiosmtplib.SMTP, ssl.SSLObject, list[x509.Certificate]]:
    """Connected, TLS established (implicit or STARTTLS), server chain checked for revocation."""
    implicit = endpoint.security is Security.IMPLICIT
    client = aiosmtplib.SMTP(
        hostname=endpoint.host,
        port=endpoint.port,
        use_tls=implicit,
        start_tls=not implicit,
        tls_context=context,
        timeout=timeout,
    )
    await client.connect()
    try:
        transport = client.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport else None
        if ssl_object is None:
            raise TlsError("no TLS on the SMTP connection")
        chain = policy.server_chain(ssl_object)  # read in the loop thread that owns it
        await asyncio.get_running_loop().run_in_executor(None, policy.check_chain, chain)
    except BaseException:
        await _quit(client)
        raise
    return client, ssl_object, chain


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        await client.quit()
    except aiosmtplib.SMTPException:
        client.close()


async def _probe(
    endpoint: Endpoint, policy: TrustPolicy, context: ssl.SSLContext, timeout: float
) -> SmtpProbe:
    client, ssl_object, chain = await _secured(endpoint, policy, context, timeout)
    try:
        await client.ehlo()
        extensions = dict(client.esmtp_extensions)
        size = extensions.get("size", "")
        return SmtpProbe(
            ssl_object.version() or "",
            (ssl_object.cipher() or ("",))[0],
            chain,
            extensions,
            int(size) if size.isdigit() else None,
        )
    finally:
        await _quit(client)


def probe(
    endpoint: Endpoint,
    policy: TrustPolicy,
    credential: ClientCredential | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> SmtpProbe:
    """Connect, secure, check the server chain and revocation, EHLO, QUIT."""
    context = policy.context(credential)
    if credential is not None:
        credential.take_handshake_error()
    try:
        return asyncio.run(_probe(endpoint, policy, context, timeout))
    except aiosmtplib.SMTPConnectError as error:
        raise classify(error.__cause__ or error, credential) from error
    except aiosmtplib.SMTPResponseException as error:
        raise ProtocolError(
            f"{error.code} {error.message}",
            user_message=f"Le serveur SMTP a répondu : {error.code} {error.message}",
        ) from error
    except (aiosmtplib.SMTPException, OSError, EOFError) as error:
        cause = error.__cause__ if isinstance(error, aiosmtplib.SMTPException) else error
        if isinstance(cause, OSError | EOFError):
            raise classify(cause, credential) from error
        if isinstance(error, aiosmtplib.SMTPServerDisconnected | ConnectionError):
            raise classify(ConnectionError(str(error)), credential) from error
        if "STARTTLS" in str(error):
            raise TlsError(
                str(error),
                user_message="Le serveur SMTP ne propose pas STARTTLS : "
                "connexion non sécurisée refusée.",
            ) from error
        raise ProtocolError(
            str(error), user_message=f"Le serveur SMTP a répondu de façon inattendue : {error}"
        ) from error


@dataclass(frozen=True)
class Submission:
    """What the server said to a message."""

    accepted: tuple[str, ...]
    refused: dict[str, str]
    reply: str
    dsn_honoured: bool


class MessageTooLargeError(ProtocolError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"message of {size} bytes over the server's SIZE {limit}",
            user_message=f"Message trop volumineux pour le serveur ({size / 1e6:.1f} Mo, "
            f"limite {limit / 1e6:.1f} Mo). Retirez ou compressez des pièces jointes.",
        )


async def _submit(
    endpoint: Endpoint,
    policy: TrustPolicy,
    context: ssl.SSLContext,
    timeout: float,
    sender: str,
    recipients: list[str],
    data: bytes,
    dsn_envid: str | None,
    login: tuple[str, str] | None,
) -> Submission:
    client, _ssl_object, _chain = await _secured(endpoint, policy, context, timeout)
    try:
        await client.ehlo()
        size = client.esmtp_extensions.get("size", "")
        if size.isdigit() and int(size) and len(data) > int(size):
            raise MessageTooLargeError(len(data), int(size))
        if login is not None:  # only ever over TLS: _secured() refuses anything else
            if not client.supports_extension("auth"):
                raise AuthenticationError(
                    "no AUTH on the submission server",
                    user_message="Le serveur d'envoi ne propose pas l'authentification par "
                    "mot de passe.",
                )
            await client.login(*login)
        use_dsn = dsn_envid is not None and client.supports_extension("dsn")
        mail_options = [f"SIZE={len(data)}"] if size else []
        rcpt_options: list[str] = []
        if use_dsn:
            mail_options += ["RET=HDRS", f"ENVID={dsn_envid}"]
            rcpt_options = ["NOTIFY=SUCCESS,FAILURE,DELAY"]
        refused, reply = await client.sendmail(
            sender, recipients, data, mail_options=mail_options, rcpt_options=rcpt_options
        )
        return Submission(
            tuple(r for r in recipients if r not in refused),
            {r: f"{code} {text}" for r, (code, text) in refused.items()},
            reply,
            use_dsn,
        )
    finally:
        await _quit(client)


def submit(
    endpoint: Endpoint,
    policy: TrustPolicy,
    credential: ClientCredential | None,
    sender: str,
    recipients: list[str],
    data: bytes,
    *,
    dsn_envid: str | None = None,
    login: tuple[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Submission:
    """Send ``data`` once. Raises ``ProtocolError`` (refused: permanent for 5xx) or a
    ``TransportError`` (unreachable, TLS: worth retrying later)."""
    context = policy.context(credential)
    if credential is not None:
        credential.take_handshake_error()
    try:
        return asyncio.run(
            _submit(endpoint, policy, context, timeout, sender, recipients, data, dsn_envid, login)
        )
    except CaduceeError:  # already said in French (some are OSErrors too)
        raise
    except aiosmtplib.SMTPRecipientsRefused as error:
        details = "; ".join(f"{r.recipient} : {r.code} {r.message}" for r in error.recipients)
        raise RecipientsRefusedError(details) from error
    except aiosmtplib.SMTPAuthenticationError as error:
        raise AuthenticationError(
            f"{error.code} {error.message}",
            user_message="Identifiant ou mot de passe refusé par le serveur d'envoi.",
        ) from error
    except aiosmtplib.SMTPResponseException as error:
        permanent = 500 <= error.code < 600
        problem = ProtocolError(
            f"{error.code} {error.message}",
            user_message=f"Le serveur a refusé le message : {error.code} {error.message}",
        )
        problem.retryable = not permanent
        raise problem from error
    except (aiosmtplib.SMTPException, OSError, EOFError) as error:
        cause = error.__cause__ if isinstance(error, aiosmtplib.SMTPException) else error
        raise classify(
            cause if isinstance(cause, OSError | EOFError) else ConnectionError(str(error)),
            credential,
        ) from error


class RecipientsRefusedError(ProtocolError):
    def __init__(self, details: str) -> None:
        super().__init__(
            f"all recipients refused: {details}",
            user_message=f"Tous les destinataires ont été refusés : {details}",
        )

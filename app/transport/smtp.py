"""SMTP submission (aiosmtplib), implicit TLS or STARTTLS, with a client certificate."""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiosmtplib
from cryptography import x509

from app.core.errors import (
    AuthenticationError,
    CaduceeError,
    ConnectionTimeoutError,
    ProtocolError,
    TlsError,
    TransportError,
)
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


async def _quit(client: aiosmtplib.SMTP, timeout: float | None = None) -> None:
    """QUIT politely; a connection that breaks meanwhile is simply closed."""
    try:
        if timeout is None:
            await client.quit()
        else:
            await client.quit(timeout=timeout)
    except (aiosmtplib.SMTPException, OSError, EOFError):
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


class Step(StrEnum):
    """The step of the SMTP dialogue a submission was in (named as her IT support knows
    them). Up to ``CONTENT`` the server cannot have accepted the message; from
    ``END_OF_DATA`` on (the final "." went out) it may have."""

    CONNECT = "connexion"
    EHLO = "EHLO"
    AUTH = "authentification"
    MAIL = "MAIL FROM"
    RCPT = "RCPT TO"
    DATA = "DATA"
    CONTENT = "contenu du message"
    END_OF_DATA = "fin du message (DATA)"
    QUIT = "QUIT"


class MessageTooLargeError(ProtocolError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"message of {size} bytes over the server's SIZE {limit}",
            user_message=f"Message trop volumineux pour le serveur ({size / 1e6:.1f} Mo, "
            f"limite {limit / 1e6:.1f} Mo). Retirez ou compressez des pièces jointes.",
        )


class RecipientsRefusedError(ProtocolError):
    def __init__(self, details: str) -> None:
        super().__init__(
            f"all recipients refused: {details}",
            user_message=f"Tous les destinataires ont été refusés : {details}",
        )


class ServerRefusalError(ProtocolError):
    """The server answered no: 4xx (``retryable``: try again later) or 5xx (for good)."""

    def __init__(self, code: int, message: str, step: Step) -> None:
        temporary = 400 <= code < 500
        text = f"{code} {message}".strip()
        super().__init__(
            f"{code} {message} at {step.name}",
            user_message=(
                f"Le serveur d'envoi a refusé le message pour l'instant ({text}, étape "
                f"{step.value}) ; nouvel essai automatique plus tard."
                if temporary
                else f"Le serveur a refusé le message : {text}"
            ),
        )
        self.code = code
        self.server_reply = text
        self.step = step
        self.retryable = temporary


class ConnectionLostError(TransportError):
    """The connection closed, was reset or timed out before the end of the message went out:
    the server cannot have accepted it, it is sent again later."""

    retryable = True

    def __init__(self, detail: str, cause: str, step: Step) -> None:
        super().__init__(
            f"{detail} at {step.name}",
            user_message=f"Connexion au serveur d'envoi perdue ({cause}, étape {step.value}) "
            "avant la fin de l'envoi : le message n'est pas parti ; nouvel essai automatique.",
        )
        self.step = step


class DeliveryUncertainError(TransportError):
    """The connection broke after the end of the message went out and before the server's
    reply: it may have been accepted. Never sent again without the user's decision."""

    retryable = False

    def __init__(self, detail: str, cause: str) -> None:
        super().__init__(
            f"{detail} after the end of DATA",
            user_message=f"Connexion perdue ({cause}) après l'envoi complet du message, avant "
            "la réponse du serveur : le destinataire l'a peut-être reçu.",
        )
        self.cause = cause


@dataclass
class _Progress:
    step: Step = Step.CONNECT


_CHUNK = 64 * 1024  # bytes written at a time while the content goes out
_BACKLOG = 256 * 1024  # at most this much waits in our buffers before writing more
_POLL = 0.005
_LINE_ENDINGS = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"(?m)^\.")


def xtext(value: str) -> str:
    """RFC 3461 xtext: "+", "=" and anything outside printable ASCII as "+HH"."""
    return "".join(
        c if "!" <= c <= "~" and c not in "+=" else "".join(f"+{b:02X}" for b in c.encode())
        for c in value
    )


def _dsn_options(recipient: str) -> list[str]:
    """RCPT TO parameters asking for delivery reports (RFC 3461): success, failure and
    delay, and the recipient as she wrote it (ORCPT) so that a report names her even after
    a forward or an alias."""
    return ["NOTIFY=SUCCESS,FAILURE,DELAY", f"ORCPT=rfc822;{xtext(recipient)}"]


def _content(data: bytes) -> bytes:
    """The message as it goes after DATA: CRLF line endings, dot-stuffed, ending with CRLF
    (the final ".\\r\\n" is written apart: it is the point of no return)."""
    text = _LINE_ENDINGS.sub(b"\r\n", data)
    if not text.endswith(b"\r\n"):
        text += b"\r\n"
    return _LEADING_DOT.sub(b"..", text)


def _protocol(client: aiosmtplib.SMTP) -> Any:
    protocol = client.protocol
    if protocol is None or protocol.transport is None or protocol.transport.is_closing():
        raise aiosmtplib.SMTPServerDisconnected("Connection lost")
    return protocol


async def _drained(client: aiosmtplib.SMTP, backlog: int, timeout: float) -> None:
    """Wait until at most ``backlog`` bytes wait in our buffers; a connection that breaks
    or stops taking data for ``timeout`` seconds is noticed here, before the end of DATA."""
    last_size, last_progress = -1, time.monotonic()
    while True:
        size = _protocol(client).transport.get_write_buffer_size()
        if size <= backlog:
            return
        now = time.monotonic()
        if size != last_size:
            last_size, last_progress = size, now
        elif now - last_progress > timeout:
            raise aiosmtplib.SMTPTimeoutError("the server stopped reading the message")
        await asyncio.sleep(_POLL)


async def _submit(
    endpoint: Endpoint,
    policy: TrustPolicy,
    context: ssl.SSLContext,
    timeout: float,
    final_timeout: float,
    sender: str,
    recipients: list[str],
    data: bytes,
    dsn_envid: str | None,
    login: tuple[str, str] | None,
    on_end_of_data: Callable[[], None] | None,
    progress: _Progress,
) -> Submission:
    """The SMTP steps one by one, so that a failure is known to be before or after the end
    of DATA (``progress.step``)."""
    client, _ssl_object, _chain = await _secured(endpoint, policy, context, timeout)
    try:
        progress.step = Step.EHLO
        await client.ehlo()
        size = client.esmtp_extensions.get("size", "")
        if size.isdigit() and int(size) and len(data) > int(size):
            raise MessageTooLargeError(len(data), int(size))
        if login is not None:  # only ever over TLS: _secured() refuses anything else
            progress.step = Step.AUTH
            if not client.supports_extension("auth"):
                raise AuthenticationError(
                    "no AUTH on the submission server",
                    user_message="Le serveur d'envoi ne propose pas l'authentification par "
                    "mot de passe.",
                )
            await client.login(*login)
        use_dsn = dsn_envid is not None and client.supports_extension("dsn")
        mail_options = [f"SIZE={len(data)}"] if size else []
        if use_dsn:
            mail_options += ["RET=HDRS", f"ENVID={xtext(dsn_envid or '')}"]
        progress.step = Step.MAIL
        await client.mail(sender, options=mail_options)
        progress.step = Step.RCPT
        refused: dict[str, tuple[int, str]] = {}
        for recipient in recipients:
            try:
                await client.rcpt(recipient, options=_dsn_options(recipient) if use_dsn else [])
            except aiosmtplib.SMTPRecipientRefused as error:
                refused[recipient] = (error.code, error.message)
        later = {r: v for r, v in refused.items() if 400 <= v[0] < 500}
        if later:  # nobody gets it now rather than some now and the others never
            code, message = next(iter(later.values()))
            raise ServerRefusalError(code, message, Step.RCPT)
        if len(refused) == len(recipients):
            raise RecipientsRefusedError(
                "; ".join(f"{r} : {code} {text}" for r, (code, text) in refused.items())
            )
        progress.step = Step.DATA
        reply = await client.execute_command(b"DATA")
        if reply.code != 354:
            raise aiosmtplib.SMTPDataError(reply.code, reply.message)
        progress.step = Step.CONTENT
        content = _content(data)
        for start in range(0, len(content), _CHUNK):
            _protocol(client).write(content[start : start + _CHUNK])
            await _drained(client, _BACKLOG, timeout)
        await _drained(client, 0, timeout)
        if on_end_of_data is not None:
            on_end_of_data()  # e.g. committed: from here on, a crash leaves it uncertain
        protocol = _protocol(client)
        protocol.write(b".\r\n")
        progress.step = Step.END_OF_DATA
        reply = await protocol.read_response(timeout=final_timeout)
        if reply.code != 250:
            raise aiosmtplib.SMTPDataError(reply.code, reply.message)
        progress.step = Step.QUIT
        result = Submission(
            tuple(r for r in recipients if r not in refused),
            {r: f"{code} {text}" for r, (code, text) in refused.items()},
            reply.message,
            use_dsn,
        )
    except BaseException:
        client.close()
        raise
    await _quit(client, min(timeout, 5.0))  # delivered: nothing the QUIT does changes that
    return result


def _cause(error: BaseException) -> BaseException:
    """The network error under aiosmtplib's wrapping, if any."""
    inner = error.__cause__
    if isinstance(error, aiosmtplib.SMTPException) and isinstance(inner, OSError | EOFError):
        return inner
    return error


def _broken(cause: BaseException) -> str | None:
    """How a connection broke, in French, or None when it is not a broken connection (a
    certificate refused, a server unknown...)."""
    if isinstance(cause, TimeoutError):  # aiosmtplib's timeouts are TimeoutErrors too
        return "le serveur ne répond plus, délai dépassé"
    if isinstance(cause, ConnectionResetError | ConnectionAbortedError):
        return "connexion réinitialisée"
    if isinstance(cause, ssl.SSLEOFError | ssl.SSLZeroReturnError | EOFError):
        return "connexion fermée"
    if isinstance(cause, ConnectionRefusedError):
        return None  # nobody listens: ServerUnreachableError says it better
    if isinstance(cause, ConnectionError | BrokenPipeError):
        return "connexion fermée"
    if isinstance(cause, aiosmtplib.SMTPServerDisconnected):
        return "connexion fermée"
    return None


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
    final_timeout: float | None = None,
    on_end_of_data: Callable[[], None] | None = None,
) -> Submission:
    """Send ``data`` once. ``on_end_of_data`` is called just before the final "." goes out
    (if it raises, it never goes). ``final_timeout`` bounds the wait for the server's reply
    to it (default: 4 × ``timeout``; RFC 5321 asks for patience there).

    Raises, by what is known of the message:
    - not accepted, worth trying later (``retryable``): ``ConnectionLostError`` (closed,
      reset or timed out before the end of DATA), ``ServerUnreachableError``, a 4xx
      ``ServerRefusalError``, ``RevocationUnknownError``;
    - not accepted, for good: a 5xx ``ServerRefusalError``, ``RecipientsRefusedError``,
      ``MessageTooLargeError``, ``AuthenticationError``, certificate ``TlsError``s;
    - perhaps accepted: ``DeliveryUncertainError`` (the connection broke after the end of
      DATA, before the reply)."""
    context = policy.context(credential)
    if credential is not None:
        credential.take_handshake_error()
    progress = _Progress()
    try:
        return asyncio.run(
            _submit(
                endpoint,
                policy,
                context,
                timeout,
                final_timeout if final_timeout is not None else 4 * timeout,
                sender,
                recipients,
                data,
                dsn_envid,
                login,
                on_end_of_data,
                progress,
            )
        )
    except CaduceeError:  # already said in French (some are OSErrors too)
        raise
    except aiosmtplib.SMTPAuthenticationError as error:
        raise AuthenticationError(
            f"{error.code} {error.message}",
            user_message="Identifiant ou mot de passe refusé par le serveur d'envoi.",
        ) from error
    except aiosmtplib.SMTPResponseException as error:
        if error.code >= 400:  # the server's own answer: it decided, nothing is uncertain
            raise ServerRefusalError(error.code, error.message, progress.step) from error
        unreadable = f"réponse illisible du serveur : {error.message}"
        if progress.step is Step.END_OF_DATA:
            raise DeliveryUncertainError(str(error), unreadable) from error
        raise ConnectionLostError(str(error), unreadable, progress.step) from error
    except (aiosmtplib.SMTPException, OSError, EOFError) as error:
        cause = _cause(error)
        how = _broken(cause)
        if progress.step is Step.END_OF_DATA:
            raise DeliveryUncertainError(
                f"{type(cause).__name__}: {cause}", how or "connexion interrompue"
            ) from error
        problem = classify(
            cause if isinstance(cause, OSError | EOFError) else ConnectionError(str(error)),
            credential,
        )
        if how is not None and type(problem) in (TlsError, ConnectionTimeoutError):
            # A connection cut or silent during the handshake or the dialogue, not a
            # certificate or protocol refusal (TlsError subclasses): try again later.
            raise ConnectionLostError(
                f"{type(cause).__name__}: {cause}", how, progress.step
            ) from error
        raise problem from error

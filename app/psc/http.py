"""JSON over HTTPS to the identity provider, bounded in size and time.

TLS to Pro Santé Connect uses the system's authorities (``ssl.create_default_context``:
the Windows or macOS store, the distribution's bundle on Linux), never the IGC-Santé-only
policy of the MSSanté mail servers, and the MSSanté servers never get this one. Plain
``http`` is accepted only on the loopback (a provider on this computer: the lab, the demo).
No redirect is followed: a provider's endpoints are the ones its discovery names.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.psc.errors import PscProviderError, PscUnreachableError

MAX_RESPONSE = 512 * 1024  # a discovery document, a JWKS or a token response is far smaller
DEFAULT_TIMEOUT = 15.0
_LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, what: str = "adresse") -> str:
    """``url`` if it is https (or http on the loopback) with a host; PscProviderError else."""
    if not isinstance(url, str) or len(url) > 2048:
        raise PscProviderError(f"{what}: not a URL")
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
    except ValueError as error:
        raise PscProviderError(f"{what}: bad URL {url!r}") from error
    if not host or parts.scheme not in ("https", "http"):
        raise PscProviderError(f"{what}: bad URL {url!r}")
    if parts.scheme == "http" and not is_loopback(host):
        raise PscProviderError(
            f"{what}: http outside the loopback: {url!r}",
            user_message=f"Adresse non sécurisée refusée pour Pro Santé Connect : {url} "
            "(https obligatoire).",
        )
    return url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # the 3xx comes back as an HTTPError


@dataclass
class Http:
    """One provider's HTTP client; ``context`` only for tests (default: system store)."""

    timeout: float = DEFAULT_TIMEOUT
    context: ssl.SSLContext | None = None
    max_response: int = MAX_RESPONSE
    _opener: urllib.request.OpenerDirector | None = field(default=None, repr=False)

    def _open(self) -> urllib.request.OpenerDirector:
        if self._opener is None:
            context = self.context or ssl.create_default_context()
            self._opener = urllib.request.build_opener(
                urllib.request.HTTPSHandler(context=context), _NoRedirect()
            )
        return self._opener

    def get_json(self, url: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        status, body = self.request(url, headers=headers)
        if status != 200:
            raise PscProviderError(f"GET {url}: HTTP {status}")
        return body

    def post_form(self, url: str, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """POST ``form``; the status and the JSON object answered (4xx included: OAuth
        errors come as a 400 with ``{"error": ...}``)."""
        data = urllib.parse.urlencode(form).encode()
        return self.request(url, data)

    def request(
        self, url: str, data: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        check_url(url)
        request = urllib.request.Request(  # noqa: S310 - scheme checked just above
            url,
            data=data,
            headers={"Accept": "application/json"}
            | ({"Content-Type": "application/x-www-form-urlencoded"} if data else {})
            | dict(headers or {}),
        )
        try:
            response = self._open().open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            with error:
                status, raw = error.code, self._read(error, url)
            return status, _json_or_empty(raw, status, url)
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise _unreachable(url, error) from error
        with response:
            status = response.status
            try:
                raw = self._read(response, url)
            except OSError as error:
                raise _unreachable(url, error) from error
        body = _json_or_empty(raw, status, url)
        if status == 200 and not body:
            raise PscProviderError(f"{url}: empty or non-JSON answer")
        return status, body

    def _read(self, response: Any, url: str) -> bytes:
        raw: bytes = response.read(self.max_response + 1)
        if len(raw) > self.max_response:
            raise PscProviderError(f"{url}: answer over {self.max_response} bytes")
        return raw


def _json_or_empty(raw: bytes, status: int, url: str) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        if status == 200:
            raise PscProviderError(f"{url}: answer is not JSON") from None
        return {}
    if not isinstance(value, dict):
        if status == 200:
            raise PscProviderError(f"{url}: answer is not a JSON object")
        return {}
    return value


def _unreachable(url: str, error: BaseException) -> PscUnreachableError:
    reason = getattr(error, "reason", error)
    host = urllib.parse.urlsplit(url).hostname or url
    if isinstance(reason, ssl.SSLCertVerificationError):
        return PscUnreachableError(
            f"{url}: {reason}",
            user_message=f"Le certificat de {host} n'est pas reconnu par ce système : "
            "connexion à Pro Santé Connect refusée.",
        )
    if isinstance(reason, TimeoutError | socket.timeout):
        return PscUnreachableError(
            f"{url}: timeout",
            user_message=f"Pro Santé Connect ({host}) ne répond pas (délai dépassé).",
        )
    return PscUnreachableError(
        f"{url}: {type(reason).__name__}: {reason}",
        user_message=f"Pro Santé Connect ({host}) est injoignable. Vérifiez la connexion "
        "réseau, puis réessayez.",
    )

"""HTTP downloads that cannot be turned against the app: an opener that only speaks the
schemes it is given (redirects included), and a body read bounded in size and time."""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Collection
from typing import IO, Protocol

_CHUNK = 64 * 1024


class _Response(Protocol):
    headers: object

    def read(self, size: int = -1) -> bytes: ...


def read_bounded(response: _Response, *, max_bytes: int, seconds: float, what: str) -> bytes:
    """The body, or ``ValueError`` when it is larger than ``max_bytes`` (announced or not),
    ``TimeoutError`` when it trickles in for longer than ``seconds`` in all."""
    deadline = time.monotonic() + seconds
    declared = str(getattr(response.headers, "get", lambda *_: "")("Content-Length", "") or "")
    if declared.strip().isdigit() and int(declared) > max_bytes:
        raise ValueError(f"{what} too large: {int(declared)} bytes announced (limit {max_bytes})")
    chunks: list[bytes] = []
    total = 0
    while chunk := response.read(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise ValueError(f"{what} too large: more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} download too slow")
        chunks.append(chunk)
    return b"".join(chunks)


class _RestrictedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects only to the allowed schemes (never file:, ftp:, data:...)."""

    def __init__(self, schemes: Collection[str]) -> None:
        super().__init__()
        self.schemes = schemes

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme not in self.schemes:
            raise urllib.error.URLError(f"redirect to a {scheme or 'relative'}: URL refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def restricted_opener(
    *,
    allow_http: bool,
    context: ssl.SSLContext | None = None,
    max_redirections: int = urllib.request.HTTPRedirectHandler.max_redirections,
) -> urllib.request.OpenerDirector:
    """An opener for https: (verified with ``context``), and http: when ``allow_http``.

    Not build_opener(): that one also handles file:, ftp: and data: URLs. The proxy handler
    keeps the system / environment proxy settings (hospital networks need them); https
    through a proxy is a CONNECT tunnel, still verified with ``context``.
    """
    schemes = {"https", "http"} if allow_http else {"https"}
    limit = max_redirections

    class Redirects(_RestrictedRedirects):
        max_redirections = limit  # a class attribute, as urllib reads it

    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPSHandler(context=context),
        urllib.request.HTTPDefaultErrorHandler(),
        Redirects(schemes),
        urllib.request.HTTPErrorProcessor(),
    ]
    if allow_http:
        handlers.append(urllib.request.HTTPHandler())
    opener = urllib.request.OpenerDirector()
    for handler in handlers:
        opener.add_handler(handler)
    return opener

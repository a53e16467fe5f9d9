"""Reading an HTTP response body with bounds: size (announced and actual) and total time."""

from __future__ import annotations

import time
from typing import Protocol

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

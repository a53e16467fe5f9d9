"""What every reader of a ZIP archive shares: a stream that refuses to give more bytes than
allowed (declared sizes are never trusted) and the compression ratio check against bombs.

Used by the directory's extraction file (one big member, streamed) and by the MSSanté
``IHE_XDM.ZIP`` reader (``app.mssante.safezip``: small members, read in memory).
"""

from __future__ import annotations

import io
from typing import IO


class TooBig(Exception):
    """More bytes came out of an archive member than allowed."""


class BoundedReader(io.RawIOBase):
    """A read-only stream that raises :class:`TooBig` once more than ``limit`` bytes came
    through."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self._inner = inner
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise TooBig("member larger than allowed")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


def ratio_exceeded(uncompressed: int, compressed: int, max_ratio: int, floor: int = 0) -> bool:
    """True when ``uncompressed`` is more than ``max_ratio`` times ``compressed`` (and more
    than ``floor`` bytes: small members may compress well without being bombs)."""
    return uncompressed > floor and uncompressed > max_ratio * max(compressed, 1)

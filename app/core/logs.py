"""The application log: one rotating file in the profile's log directory, for support.

Health data and secrets never belong there. The code logs no message content, no subject,
no folder name and no PIN; as a second line of defence every record passes through
``redact``, which masks e-mail addresses and long digit runs (RPPS, INS/NIR numbers).
The file is created at the first record only, so read-only commands leave no trace.
"""

from __future__ import annotations

import logging
import re
from io import TextIOWrapper
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.private import create_private, private_directory

if TYPE_CHECKING:
    from logging.handlers import RotatingFileHandler

LOG_NAME = "caducee.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3

_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\d{9,}")  # RPPS (11), national ids (12), INS/NIR (13-15)


def redact(text: str) -> str:
    text = _ADDRESS.sub(lambda m: "***@" + m.group(0).rpartition("@")[2], text)
    return _DIGITS.sub(lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 2), text)


class _Redacting(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _LazyFile(logging.Handler):
    """The rotating file, made at the first record: a command that logs nothing creates
    nothing, nor loads ``logging.handlers``."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.baseFilename = str(path)
        self._file: RotatingFileHandler | None = None

    def emit(self, record: logging.LogRecord) -> None:  # under this handler's lock
        if self._file is None:
            self._file = _private_rotating(Path(self.baseFilename))
            self._file.setFormatter(self.formatter)
        self._file.emit(record)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def _private_rotating(path: Path) -> RotatingFileHandler:
    from logging.handlers import RotatingFileHandler

    class PrivateFile(RotatingFileHandler):
        """Opens (and creates the directory of) its file at the first record, and again
        after each rotation: 0600, whatever the process's umask."""

        def _open(self) -> TextIOWrapper:
            private_directory(Path(self.baseFilename).parent)
            create_private(Path(self.baseFilename))
            return super()._open()

    return PrivateFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)


def setup(log_dir: Path, *, level: int = logging.INFO) -> logging.Handler:
    """Send the ``app`` loggers to ``log_dir/caducee.log``; returns the handler."""
    handler = _LazyFile(log_dir / LOG_NAME)
    handler.setFormatter(_Redacting("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("app")
    root.setLevel(level)
    for old in [h for h in root.handlers if isinstance(h, _LazyFile)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    return handler

"""Which clock a file's time on disk should be compared with.

A file's modification time is set by the clock of the machine that stores it: a shared
patients folder on a server has the server's clock, which may differ from this PC's by
minutes, and a clock set back or forward on this PC leaves older files in the "future".
Whoever asks "is this file older than N seconds?" should ask the folder's own clock:
``folder_now`` writes a probe file there and reads its time.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path


def folder_now(folder: Path, prefix: str = ".clock-", suffix: str = ".tmp") -> float:
    """ "Now" by the clock that dates the files of ``folder``, read off a probe file
    (``prefix``/``suffix`` name it so that the folder's own cleanup knows it); this
    computer's clock when the folder cannot be written."""
    try:
        fd, probe = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    except OSError:
        return time.time()
    try:
        return os.fstat(fd).st_mtime
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(probe)  # noqa: PTH108 - not Path.unlink, which tests stub for temporaries

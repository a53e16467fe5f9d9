"""Handing a file or a link to the system's program (viewer, browser)."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from app.core.external import user_environment


def open_externally(url: QUrl) -> bool:
    """QDesktopServices, except in a frozen Linux build: ``xdg-open`` started with the
    user's own environment, so the viewer never loads the bundle's libraries."""
    frozen = bool(getattr(sys, "frozen", False))
    if not (frozen and sys.platform.startswith("linux")):
        return bool(QDesktopServices.openUrl(url))
    try:
        subprocess.Popen(  # noqa: S603 - a fixed program, the URL as one argument
            ["xdg-open", url.toString()],  # noqa: S607 - found on the user's PATH
            env=user_environment(os.environ, frozen=True),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    return True

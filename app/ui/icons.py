"""The window's icons: Font Awesome 5 (free) through ``qtawesome``, whose fonts ship inside
the package (no file fetched, no system theme needed: the same icons on Windows, macOS and
Linux). One name per action here, so that a menu entry and its toolbar button match.

An icon that cannot be drawn (the font missing from a broken install) is an empty icon: the
text is always shown beside it, nothing else depends on it.
"""

from __future__ import annotations

import logging
import os
from functools import cache

from PySide6.QtGui import QIcon

log = logging.getLogger(__name__)

NAMES = {
    "get-mail": "fa5s.sync-alt",
    "write": "fa5s.pen",
    "reply": "fa5s.reply",
    "reply-all": "fa5s.reply-all",
    "forward": "fa5s.share",
    "directory": "fa5s.address-book",
    "drafts": "fa5s.file-alt",
    "filing-queue": "fa5s.folder-open",
    "file": "fa5s.file-medical",
    "send-documents": "fa5s.share-square",
    "patients": "fa5s.users",
    "unread": "fa5s.envelope",
    "toggle-read": "fa5s.envelope-open",
    "toggle-flag": "fa5s.flag",
    "next-unread": "fa5s.angle-double-down",
    "read": "fa5s.envelope-open",
    "flagged": "fa5s.flag",
    "attachments": "fa5s.paperclip",
    "reports": "fa5s.receipt",
    "print": "fa5s.print",
    "print-preview": "fa5s.search",
    "print-pdf": "fa5s.file-pdf",
    "delete": "fa5s.trash-alt",
    "search": "fa5s.search",
    "lock": "fa5s.lock",
    "quit": "fa5s.sign-out-alt",
    "add-account": "fa5s.user-plus",
    "audit": "fa5s.clipboard-list",
    "tracking": "fa5s.paper-plane",
    "inbox": "fa5s.inbox",
    "outbox": "fa5s.paper-plane",
    "next": "fa5s.arrow-down",
    "previous": "fa5s.arrow-up",
    "shortcuts": "fa5s.keyboard",
    "open": "fa5s.eye",
    "save": "fa5s.save",
    "copy": "fa5s.copy",
    "columns": "fa5s.columns",
    "sort": "fa5s.sort",
    "results": "fa5s.stethoscope",
    "connected": "fa5s.check-circle",
    "syncing": "fa5s.sync-alt",
    "offline": "fa5s.plug",
    "card": "fa5s.id-card",
    "refused": "fa5s.user-lock",
    "busy": "fa5s.hourglass-half",
    "error": "fa5s.exclamation-triangle",
    "mail": "fa5s.envelope",
}
COLOURS = {
    "connected": "#15803d",
    "syncing": "#2563eb",
    "offline": "#6b7280",
    "card": "#b91c1c",
    "refused": "#b91c1c",
    "busy": "#b45309",
    "error": "#b91c1c",
    "delete": "#991b1b",
    "flagged": "#c2410c",
    "toggle-flag": "#c2410c",
}
DEFAULT_COLOUR = "#334155"


@cache
def icon(key: str) -> QIcon:
    """The icon of ``key`` (a key of ``NAMES``); needs the QApplication."""
    name = NAMES.get(key)
    if name is None:
        return QIcon()
    os.environ.setdefault("QT_API", "pyside6")  # qtawesome speaks Qt through QtPy: ours
    try:
        import qtawesome  # after QT_API is set

        drawn = qtawesome.icon(name, color=COLOURS.get(key, DEFAULT_COLOUR))
    except Exception:  # a broken install: the text says it all the same
        log.exception("icon %s not drawn", key)
        return QIcon()
    return drawn if isinstance(drawn, QIcon) else QIcon()

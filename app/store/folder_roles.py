"""What a folder is for (Sent, Trash...), when the server does not say it with SPECIAL-USE
(RFC 6154): guessed from the usual names, English and French, of a folder at the top or
directly under INBOX (``INBOX.Trash`` on servers that nest everything there)."""

from __future__ import annotations

ROLE_NAMES = {
    "sent": "Sent",
    "sent items": "Sent",
    "sent messages": "Sent",
    "envoyés": "Sent",
    "drafts": "Drafts",
    "brouillons": "Drafts",
    "trash": "Trash",
    "deleted items": "Trash",
    "deleted messages": "Trash",
    "corbeille": "Trash",
    "éléments supprimés": "Trash",
    "junk": "Junk",
    "spam": "Junk",
    "indésirables": "Junk",
    "archive": "Archive",
}


def folder_role(name: str, delimiter: str | None, special_use: str | None) -> str | None:
    if special_use:
        return special_use
    parts = name.split(delimiter) if delimiter else [name]
    if len(parts) == 2 and parts[0].upper() == "INBOX":
        parts = parts[1:]
    return ROLE_NAMES.get(parts[0].strip().casefold()) if len(parts) == 1 else None

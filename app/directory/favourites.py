"""Her favourite correspondents from the directory, kept in the profile.

``<data dir>/directory-favourites.json``: a JSON list of the mailboxes' fields (as
``Mailbox.to_json``), so that a favourite is shown with its details even when the offline
index is missing or no longer lists it. Written atomically (temporary file, fsync, rename):
a crash leaves the previous list. Sealed with the profile's key (``app.core.crypto``):
who they write to says who she treats. An unreadable file (or one that does not open with
the key) is set aside as ``….broken`` and counts as empty, rather than stopping the window.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from app.core import crypto
from app.core.private import write_atomically
from app.core.profile_key import keys_for
from app.directory.index import Mailbox

FILE_NAME = "directory-favourites.json"
_FIELDS = [f.name for f in fields(Mailbox)]


def favourites_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def _mailbox(data: Any) -> Mailbox | None:
    if not isinstance(data, dict) or not isinstance(data.get("address"), str):
        return None
    values = {name: str(data.get(name) or "") for name in _FIELDS}
    return Mailbox(**values) if values["address"] else None


class Favourites:
    """The list, in the order she added them; one entry per address (case-insensitive)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.key = keys_for(path.parent).files
        self.items: list[Mailbox] = self._load()

    def _load(self) -> list[Mailbox]:
        try:
            sealed = self.path.read_bytes()
            clear = crypto.unseal(self.key, sealed, FILE_NAME.encode())
            data = json.loads(clear.decode("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):  # crypto.TamperedError is a ValueError
            with contextlib.suppress(OSError):
                self.path.replace(self.path.with_name(self.path.name + ".broken"))
            return []
        found = [_mailbox(item) for item in data] if isinstance(data, list) else []
        return [m for m in found if m is not None]

    def __contains__(self, address: str) -> bool:
        wanted = address.strip().lower()
        return any(m.address.lower() == wanted for m in self.items)

    def add(self, mailbox: Mailbox) -> bool:
        """False when it was already there (the stored details are refreshed)."""
        known = mailbox.address in self
        self.items = [m for m in self.items if m.address.lower() != mailbox.address.lower()]
        self.items.append(mailbox)
        self._save()
        return not known

    def remove(self, address: str) -> bool:
        before = len(self.items)
        wanted = address.strip().lower()
        self.items = [m for m in self.items if m.address.lower() != wanted]
        if len(self.items) != before:
            self._save()
        return len(self.items) != before

    def _save(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        text = json.dumps([m.to_json() for m in self.items], ensure_ascii=False, indent=1)
        write_atomically(self.path, crypto.seal(self.key, text.encode(), FILE_NAME.encode()))

"""Archiving as Thunderbird does: a message goes to ``Archives/AAAA``, the year of its date.

The archives folder is the account's special-use ``\\Archive`` folder (or one named like it),
else ``Archives``; it and the year's sub-folder are created when missing — locally at once
and on the server by the next sync, like every other change of ``LocalChanges``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from app.core.errors import LocalChangeError
from app.store.changes import LocalChanges
from app.store.db import Account, Folder, MessageSummary, Store
from app.store.folder_roles import folder_role

ARCHIVES = "Archives"


def archive_year(date: str | None) -> int | None:
    """The year of a stored date, in local time (as the list shows it)."""
    if not date:
        return None
    try:
        moment = datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().year


def archive_root(store: Store, account: Account) -> Folder | None:
    """The account's archives folder, if it has one."""
    folders = store.folders(account)
    marked = [f for f in folders if f.special_use == "Archive"]
    named = [
        f
        for f in folders
        if folder_role(f.name, f.delimiter, f.special_use) == "Archive" or f.name == ARCHIVES
    ]
    return next(iter(marked or named), None)


class Archiver:
    """Archives messages of one store; creates the folders it needs once."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.changes = LocalChanges(store)

    def target(self, message: MessageSummary) -> Folder:
        """``Archives/AAAA`` of the message's account, created if missing."""
        account = self.store.account(message.account)
        year = archive_year(message.date)  # Date, else received
        if account is None or year is None:
            raise LocalChangeError(
                "no date",
                user_message="Ce message n'a pas de date lisible : déplacez-le plutôt "
                "vers le dossier de votre choix.",
            )
        folders = self.store.folders(account)
        root = archive_root(self.store, account)
        delimiter = (root.delimiter if root else None) or next(
            (f.delimiter for f in folders if f.delimiter), "/"
        )
        top = root.name if root is not None else ARCHIVES
        name = f"{top}{delimiter}{year}"
        if root is None and not any(f.name.startswith(top + delimiter) for f in folders):
            self.changes.create_folder(account, ARCHIVES)  # its years, when there are, say so
        found = next((f for f in folders if f.name == name), None)
        return found or self.changes.create_folder(account, name)

    def archive(self, message_ids: Iterable[int]) -> dict[str, int]:
        """Move each message into its year's archives; how many went to each folder.
        A message already there stays."""
        moved: dict[str, int] = {}
        for message_id in message_ids:
            message = self.store.find(str(message_id))
            if message is None:
                raise LocalChangeError(
                    "no such message", user_message="Ce message n'est plus dans la copie locale."
                )
            target = self.target(message)
            if message.folder != target.name:
                self.changes.move(message.id, target)
            moved[target.name] = moved.get(target.name, 0) + 1
        return moved

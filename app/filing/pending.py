"""What is left to file: the recent received messages with documents not yet settled.

The window's "À classer" view lists these, certain matches first (checked for a bulk filing
after her review), the rest to open one by one. A message is settled once tagged filed or
journaled filed / duplicate / refused in this patients root. Sent, drafts and trash are
not looked at. Bounded: the newest ``limit`` downloaded messages of the last ``days``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.filing.matching import Level, MatchResult
from app.filing.service import FILED_KEYWORD, Filing, message_key
from app.mssante.model import MessageDocuments
from app.store.db import MessageSummary, Store
from app.store.folder_roles import folder_role

_SKIPPED_ROLES = {"\\Sent", "\\Drafts", "\\Trash", "\\Junk"}


@dataclass(frozen=True)
class PendingDocument:
    message: MessageSummary
    docs: MessageDocuments
    index: int
    match: MatchResult

    @property
    def certain(self) -> bool:
        return self.match.level is Level.CERTAIN and not self.match.test_ins


def _received(store: Store) -> dict[tuple[str, str], bool]:
    """(account, folder name) -> whether mail there is received mail."""
    kinds = {}
    for account in store.accounts():
        for folder in store.folders(account):
            role = folder_role(folder.name, folder.delimiter, folder.special_use)
            kinds[(account.address, folder.name)] = role not in _SKIPPED_ROLES
    return kinds


def candidates(
    store: Store, filing: Filing, *, days: int = 60, limit: int = 500
) -> Iterator[MessageSummary]:
    """Recent downloaded messages with attachments, received, not settled yet."""
    since = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    received = _received(store)
    for message in store.messages(limit=limit):
        if message.date is not None and message.date < since:
            break  # newest first: the rest is older
        if not (message.has_attachments and message.downloaded):
            continue
        if FILED_KEYWORD in message.flags or not received.get((message.account, message.folder)):
            continue
        if filing.journal.decided(message.account, message_key(message)):
            continue
        yield message


def pending_documents(
    store: Store, filing: Filing, *, days: int = 60, limit: int = 500
) -> list[PendingDocument]:
    """Each document of the candidates with its match; certain ones first, then newest."""
    found: list[PendingDocument] = []
    for message in candidates(store, filing, days=days, limit=limit):
        docs = filing.documents(message)
        for index, document in enumerate(docs.documents):
            found.append(PendingDocument(message, docs, index, filing.match(document, docs)))
    found.sort(key=lambda p: (not p.certain, -(p.message.id)))
    return found

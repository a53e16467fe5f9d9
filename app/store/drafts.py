"""Drafts in the store: her text before it is sent, and the copy of it on the server.

A draft row holds what the composer had (``content``, a JSON object the ops layer reads)
and a version counting its changes. ``server_message_id`` / ``server_version`` say which
version of it sits in the account's Drafts folder on the server (none: local only). A draft
deleted or sent here becomes ``gone`` until its server copy is removed, then the row goes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.store.db import Store


@dataclass(frozen=True)
class DraftRow:
    id: int
    key: str
    account: str | None  # the sending account's address (None: it was removed)
    content: dict[str, Any]
    subject: str
    recipients: tuple[str, ...]
    version: int
    updated_at: str
    server_folder: str | None
    server_message_id: str | None
    server_version: int
    gone: bool

    @property
    def on_server(self) -> bool:
        """The server's Drafts folder holds this very version."""
        return self.server_message_id is not None and self.server_version == self.version

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "account": self.account,
            "subject": self.subject,
            "recipients": list(self.recipients),
            "updated_at": self.updated_at,
            "version": self.version,
            "server_folder": self.server_folder,
            "on_server": self.on_server,
        }


class DraftStore:
    _SELECT = (
        "SELECT d.*, a.address AS account FROM drafts d LEFT JOIN accounts a ON a.id = d.account_id"
    )

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    @staticmethod
    def _row(row: Any) -> DraftRow:
        data = dict(row)
        data.pop("account_id")
        data["content"] = json.loads(data["content"])
        data["recipients"] = tuple(json.loads(data["recipients"]))
        data["gone"] = bool(data["gone"])
        return DraftRow(**data)

    def get(self, key: str) -> DraftRow | None:
        row = self.db.execute(f"{self._SELECT} WHERE d.key = ?", (key,)).fetchone()
        return self._row(row) if row is not None else None

    def items(self, account: str | None = None, *, gone: bool = False) -> list[DraftRow]:
        """Her drafts (newest change first), or with ``gone`` those waiting for their server
        copy to go."""
        where = "d.gone = ?"
        params: list[object] = [int(gone)]
        if account is not None:
            where += " AND a.address = ?"
            params.append(account)
        sql = f"{self._SELECT} WHERE {where} ORDER BY d.updated_at DESC, d.id DESC"
        return [self._row(r) for r in self.db.execute(sql, params)]

    def has_work(self, account: str) -> bool:
        """Whether a draft of ``account`` is to be copied to the server or its copy removed
        there (``app.ops.drafts.push``); False: the push has nothing to do."""
        row = self.db.execute(
            "SELECT 1 FROM drafts d JOIN accounts a ON a.id = d.account_id WHERE a.address = ? "
            "AND (d.gone = 1 OR d.server_message_id IS NULL OR d.server_version IS NOT d.version) "
            "LIMIT 1",
            (account,),
        ).fetchone()
        return row is not None

    def count(self, account: str) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM drafts d JOIN accounts a ON a.id = d.account_id "
            "WHERE a.address = ? AND d.gone = 0",
            (account,),
        ).fetchone()
        return int(row[0])

    def save(
        self,
        key: str,
        account_id: int | None,
        content: dict[str, Any],
        subject: str,
        recipients: list[str],
    ) -> DraftRow:
        """Insert or update; the version moves only when something changed."""
        text = json.dumps(content, ensure_ascii=False, sort_keys=True)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO drafts (key, account_id, content, subject, recipients) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "account_id = excluded.account_id, content = excluded.content, "
                "subject = excluded.subject, recipients = excluded.recipients, "
                "version = version + 1, gone = 0, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
                "WHERE drafts.content != excluded.content "
                "OR drafts.account_id IS NOT excluded.account_id OR drafts.gone = 1",
                (key, account_id, text, subject, json.dumps(recipients)),
            )
        row = self.get(key)
        if row is None:  # cannot happen: written just above
            raise RuntimeError("draft row vanished")
        return row

    def discard(self, key: str) -> None:
        """Deleted or sent here: gone now for her; the row stays while a server copy does."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM drafts WHERE key = ? AND server_message_id IS NULL", (key,))
            db.execute("UPDATE drafts SET gone = 1 WHERE key = ?", (key,))

    def uploaded(self, row: DraftRow, folder: str, message_id: str) -> None:
        """``row``'s version is now on the server as ``message_id`` (if not changed since)."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE drafts SET server_folder = ?, server_message_id = ?, server_version = ? "
                "WHERE id = ?",
                (folder, message_id, row.version, row.id),
            )

    def server_copy_removed(self, row: DraftRow) -> None:
        """Its old server copy is gone: a gone row goes, a live one is local only now."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM drafts WHERE id = ? AND gone = 1", (row.id,))
            db.execute(
                "UPDATE drafts SET server_message_id = NULL, server_version = 0, "
                "server_folder = NULL WHERE id = ? AND server_message_id IS ?",
                (row.id, row.server_message_id),
            )

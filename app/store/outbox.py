"""The outbox rows and their message files (``outbox/``, written durably)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.store.blobs import BlobStore
from app.store.db import Account, Store

STATES_FR = {
    "queued": "en attente",
    "sending": "envoi en cours",
    "sent": "envoyé",
    "failed": "échec",
    "uncertain": "envoi interrompu (à vérifier)",
}


@dataclass(frozen=True)
class OutboxItem:
    id: int
    account: str
    message_id: str
    envelope_from: str
    recipients: tuple[str, ...]
    subject: str
    blob: str
    size: int
    dsn: bool
    state: str
    attempts: int
    next_attempt_at: str | None
    last_error: str | None
    appended_to_sent: bool
    created_at: str
    sent_at: str | None

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["recipients"] = list(self.recipients)
        data["state_fr"] = STATES_FR[self.state]
        del data["blob"]
        return data


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class OutboxStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.files = BlobStore(store.blobs.root.parent / "outbox", durable=True)

    def add(
        self,
        account: Account,
        message_id: str,
        envelope_from: str,
        recipients: list[str],
        subject: str,
        raw: bytes,
        dsn: bool,
    ) -> OutboxItem:
        digest = self.files.put(raw)  # on disk for good before the row exists
        with self.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO outbox (account_id, message_id, envelope_from, recipients, subject,"
                " blob, size, dsn) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    account.id,
                    message_id,
                    envelope_from,
                    json.dumps(recipients),
                    subject,
                    digest,
                    len(raw),
                    int(dsn),
                ),
            )
        item = self.get(int(cursor.lastrowid or 0))
        if item is None:  # cannot happen: inserted just above
            raise RuntimeError("outbox row vanished")
        return item

    _SELECT = (
        "SELECT o.*, a.address AS account FROM outbox o JOIN accounts a ON a.id = o.account_id"
    )

    @staticmethod
    def _item(row: Any) -> OutboxItem:
        data = dict(row)
        data.pop("account_id")
        data["recipients"] = tuple(json.loads(data["recipients"]))
        data["dsn"] = bool(data["dsn"])
        data["appended_to_sent"] = bool(data["appended_to_sent"])
        return OutboxItem(**data)

    def get(self, item_id: int) -> OutboxItem | None:
        row = self.db.execute(f"{self._SELECT} WHERE o.id = ?", (item_id,)).fetchone()
        return self._item(row) if row is not None else None

    def items(self, account: Account | None = None) -> list[OutboxItem]:
        sql, params = self._SELECT, []
        if account is not None:
            sql += " WHERE o.account_id = ?"
            params.append(account.id)
        return [self._item(r) for r in self.db.execute(sql + " ORDER BY o.id", params)]

    def due(self, account: Account, *, ignore_delays: bool = False) -> list[OutboxItem]:
        now = _now()
        return [
            i
            for i in self.items(account)
            if i.state == "queued"
            and (ignore_delays or i.next_attempt_at is None or i.next_attempt_at <= now)
        ]

    def raw(self, item: OutboxItem) -> bytes:
        data = self.files.get(item.blob)
        if data is None:
            raise FileNotFoundError(f"outbox file of item {item.id} is missing or damaged")
        return data

    def set_state(
        self,
        item: OutboxItem,
        state: str,
        *,
        error: str | None = None,
        next_attempt_at: str | None = None,
        attempt: bool = False,
    ) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ?, "
                "attempts = attempts + ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
                " WHERE id = ?",
                (state, error, next_attempt_at, int(attempt), state, _now(), item.id),
            )

    def mark_appended(self, item: OutboxItem) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE outbox SET appended_to_sent = 1 WHERE id = ?", (item.id,))

    def interrupted(self) -> list[OutboxItem]:
        return [i for i in self.items() if i.state == "sending"]

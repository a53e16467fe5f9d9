"""The outbox rows and their message files (``outbox/``, written durably).

A row's state: ``queued`` (due at ``next_attempt_at``), ``sending`` (claimed by one
delivery run: ``claim``), ``sent``, ``failed`` (the server refused it), ``uncertain`` (the
connection broke after the end of the message went out: it may have arrived). Every change
of state is one conditional UPDATE, so two deliverers can never both claim a row, and a
deliverer whose claim was taken over cannot overwrite what the other decided.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.store.blobs import BlobStore
from app.store.db import Account, Store

ORPHAN_AGE_SECONDS = 24 * 3600

STATES_FR = {
    "queued": "en attente",
    "sending": "envoi en cours",
    "sent": "envoyé",
    "failed": "échec",
    "uncertain": "incertain (à vérifier)",
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
    claim: str | None = None
    claimed_at: str | None = None
    data_sent: bool = False  # the end of DATA went out in the current (or last) attempt
    checked_at: str | None = None
    check_note: str | None = None  # what was checked of an uncertain send, in French
    reports_seen: int = 0  # synced messages up to this id looked at for a DSN naming it
    file_removed: bool = False  # the durable file is gone: the message is in Sent
    dismissed: bool = False  # she closed the notice of this failure (it stays listed)

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["recipients"] = list(self.recipients)
        data["state_fr"] = STATES_FR[self.state]
        del data["blob"]
        del data["claim"]
        del data["reports_seen"]
        return data


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class OutboxStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.files = BlobStore(
            store.blobs.root.parent / "outbox", durable=True, key=store.blobs.key
        )

    @property
    def directory(self) -> Path:
        """The profile's data directory (the store's own)."""
        return self.store.blobs.root.parent

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
        for flag in ("dsn", "appended_to_sent", "data_sent", "file_removed", "dismissed"):
            data[flag] = bool(data[flag])
        return OutboxItem(**data)

    def get(self, item_id: int) -> OutboxItem | None:
        row = self.db.execute(f"{self._SELECT} WHERE o.id = ?", (item_id,)).fetchone()
        return self._item(row) if row is not None else None

    def _select(self, where: str = "", params: tuple[Any, ...] = ()) -> list[OutboxItem]:
        sql = self._SELECT + (f" WHERE {where}" if where else "") + " ORDER BY o.id"
        return [self._item(r) for r in self.db.execute(sql, params)]

    def items(self, account: Account | None = None) -> list[OutboxItem]:
        if account is None:
            return self._select()
        return self._select("o.account_id = ?", (account.id,))

    def has_work(self, account: Account) -> bool:
        """Whether this account's outbox holds anything a delivery acts on: a message queued,
        in flight or whose fate is uncertain, or a sent one whose copy in Sent or whose file
        is still to deal with. False: ``app.ops.outbox.deliver`` has nothing to do for it
        (a ``caducee sync`` then does not load the sending code)."""
        row = self.db.execute(
            "SELECT 1 FROM outbox WHERE account_id = ? AND (state IN ('queued', 'sending', "
            "'uncertain') OR (state = 'sent' AND file_removed = 0)) LIMIT 1",
            (account.id,),
        ).fetchone()
        return row is not None

    def in_state(self, account: Account, *states: str) -> list[OutboxItem]:
        return self._select(
            "o.account_id = ? AND o.state IN (SELECT value FROM json_each(?))",
            (account.id, json.dumps(states)),
        )

    def due(self, account: Account, *, ignore_delays: bool = False) -> list[OutboxItem]:
        if ignore_delays:
            return self.in_state(account, "queued")
        return self._select(
            "o.account_id = ? AND o.state = 'queued' AND "
            "(o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)",
            (account.id, now()),
        )

    def raw(self, item: OutboxItem) -> bytes:
        data = self.files.get(item.blob)
        if data is None:
            raise FileNotFoundError(f"outbox file of item {item.id} is missing or damaged")
        return data

    # -- one deliverer per message ---------------------------------------------------------

    def claim(self, item: OutboxItem, token: str) -> OutboxItem | None:
        """Take a queued row for one attempt (state, claim and attempt count in one UPDATE);
        None when it is no longer queued (another deliverer took it, or the user's choice)."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET state = 'sending', claim = ?, claimed_at = ?, data_sent = 0,"
                " attempts = attempts + 1 WHERE id = ? AND state = 'queued'",
                (token, now(), item.id),
            )
        return self.get(item.id) if cursor.rowcount == 1 else None

    def mark_data_sent(self, item: OutboxItem, token: str) -> bool:
        """Recorded (committed) just before the end of DATA goes out; False when the claim
        was lost meanwhile — then the end of DATA must not be sent."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET data_sent = 1 WHERE id = ? AND state = 'sending' AND claim = ?",
                (item.id, token),
            )
        return cursor.rowcount == 1

    def finish(
        self,
        item: OutboxItem,
        token: str,
        state: str,
        *,
        error: str | None = None,
        next_attempt_at: str | None = None,
        data_sent: bool | None = None,
    ) -> bool:
        """The outcome of a claimed attempt; False when the row is no longer ours."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET state = ?, claim = NULL, last_error = ?, next_attempt_at = ?,"
                " data_sent = COALESCE(?, data_sent), dismissed = 0,"
                " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
                " WHERE id = ? AND state = 'sending' AND claim = ?",
                (
                    state,
                    error,
                    next_attempt_at,
                    None if data_sent is None else int(data_sent),
                    state,
                    now(),
                    item.id,
                    token,
                ),
            )
        return cursor.rowcount == 1

    def orphans(self, account: Account) -> list[OutboxItem]:
        """Rows left in ``sending``: only meaningful while holding the account's lock, when no
        live deliverer can own them."""
        return self.in_state(account, "sending")

    def release_orphan(self, item: OutboxItem, state: str, error: str) -> bool:
        with self.store.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET state = ?, claim = NULL, last_error = ?, next_attempt_at = NULL,"
                " dismissed = 0 WHERE id = ? AND state = 'sending' AND claim IS ?",
                (state, error, item.id, item.claim),
            )
        return cursor.rowcount == 1

    def requeue(self, item_id: int, *, from_states: tuple[str, ...]) -> bool:
        """The user's "send again": back to queued, at once, if still in one of
        ``from_states`` (never a row being sent right now)."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET state = 'queued', next_attempt_at = NULL, data_sent = 0,"
                " claim = NULL WHERE id = ? AND state IN (SELECT value FROM json_each(?))",
                (item_id, json.dumps(from_states)),
            )
        return cursor.rowcount == 1

    def set_state(
        self,
        item: OutboxItem,
        state: str,
        *,
        error: str | None = None,
        next_attempt_at: str | None = None,
    ) -> None:
        """Unconditional change, for rows no deliverer holds (tests, a failed enqueue)."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ?, claim = NULL,"
                " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
                (state, error, next_attempt_at, state, now(), item.id),
            )

    def remove(self, item_id: int, *, from_states: tuple[str, ...]) -> OutboxItem | None:
        """Her "Supprimer" (or the row turned into a draft): the row goes if still in one
        of ``from_states`` (never while being sent), its file once no other row needs it.
        The removed item, or None."""
        item = self.get(item_id)
        if item is None:
            return None
        with self.store.transaction() as db:
            cursor = db.execute(
                "DELETE FROM outbox WHERE id = ? AND state IN (SELECT value FROM json_each(?))",
                (item_id, json.dumps(from_states)),
            )
        if cursor.rowcount != 1:
            return None
        self.drop_file(item)
        return item

    def drop_file(self, item: OutboxItem) -> None:
        """The durable file of a row no longer in the outbox, unless another row needs it."""
        other = self.db.execute("SELECT 1 FROM outbox WHERE blob = ? LIMIT 1", (item.blob,))
        if other.fetchone() is None:
            self.files.path(item.blob).unlink(missing_ok=True)

    def dismiss(self, item_ids: list[int]) -> None:
        """She closed the notice of these failures: they stay listed, the notice goes."""
        with self.store.transaction() as db:
            db.executemany("UPDATE outbox SET dismissed = 1 WHERE id = ?", ((i,) for i in item_ids))

    def problems(self, *, include_dismissed: bool = False) -> list[OutboxItem]:
        """Failed or uncertain sends she has to act on (every account), oldest first."""
        where = "o.state IN ('failed', 'uncertain')"
        return self._select(where if include_dismissed else f"{where} AND o.dismissed = 0")

    # -- uncertain sends: what was checked --------------------------------------------------

    def note_check(self, item: OutboxItem, note: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE outbox SET checked_at = ?, check_note = ? WHERE id = ?",
                (now(), note, item.id),
            )

    def reports_seen_up_to(self, items: list[OutboxItem], message_row: int) -> None:
        with self.store.transaction() as db:
            db.executemany(
                "UPDATE outbox SET reports_seen = MAX(reports_seen, ?) WHERE id = ?",
                ((message_row, i.id) for i in items),
            )

    def confirm_delivered(self, item: OutboxItem, note: str, *, in_sent: bool) -> bool:
        """An uncertain send found delivered (a copy on the server, a delivery report)."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET state = 'sent', checked_at = ?, check_note = ?,"
                " appended_to_sent = MAX(appended_to_sent, ?), sent_at = COALESCE(sent_at, ?)"
                " WHERE id = ? AND state = 'uncertain'",
                (now(), note, int(in_sent), now(), item.id),
            )
        return cursor.rowcount == 1

    # -- after sending ----------------------------------------------------------------------

    def mark_appended(self, item: OutboxItem) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE outbox SET appended_to_sent = 1 WHERE id = ?", (item.id,))

    def to_file(self, account: Account) -> list[OutboxItem]:
        """Sent messages whose copy is not in Sent yet (their file is still needed)."""
        return self._select(
            "o.account_id = ? AND o.state = 'sent' AND o.appended_to_sent = 0 "
            "AND o.file_removed = 0",
            (account.id,),
        )

    def forget_file(self, item: OutboxItem) -> None:
        """A sent message whose file is gone: no copy will ever be made of it."""
        with self.store.transaction() as db:
            db.execute("UPDATE outbox SET file_removed = 1 WHERE id = ?", (item.id,))

    def remove_files(self, account: Account) -> int:
        """Drop the durable file of every sent message whose copy is in Sent: the server (and,
        after a sync, the store) keeps it. A file another row still needs stays."""
        done = self._select(
            "o.account_id = ? AND o.state = 'sent' AND o.appended_to_sent = 1 "
            "AND o.file_removed = 0",
            (account.id,),
        )
        removed = 0
        for item in done:
            still_needed = self.db.execute(
                "SELECT 1 FROM outbox WHERE blob = ? AND id != ? AND "
                "NOT (state = 'sent' AND appended_to_sent = 1) LIMIT 1",
                (item.blob, item.id),
            ).fetchone()
            if still_needed is None:
                path = self.files.path(item.blob)
                path.unlink(missing_ok=True)
                removed += 1
            with self.store.transaction() as db:
                db.execute("UPDATE outbox SET file_removed = 1 WHERE id = ?", (item.id,))
        return removed

    def remove_strays(self, min_age: float = ORPHAN_AGE_SECONDS) -> int:
        """Files no row refers to (an account removed, a crash between a file and its row),
        once older than ``min_age``: ``add`` writes the file before the row, so a young
        file may be a message being queued right now."""
        referenced = [r[0] for r in self.db.execute("SELECT blob FROM outbox")]
        return self.files.collect(referenced, older_than=min_age)

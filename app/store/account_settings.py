"""What she sets per account beyond its servers: the signature (store migration 11)."""

from __future__ import annotations

from app.store.db import Account, Store

MAX_SIGNATURE = 4000  # characters: a signature, not a letter


def signature(store: Store, account: Account) -> str:
    """The account's signature ("" when none)."""
    row = store.db.execute(
        "SELECT signature FROM account_settings WHERE account_id = ?", (account.id,)
    ).fetchone()
    return str(row[0]) if row is not None else ""


def set_signature(store: Store, account: Account, text: str) -> str:
    """Keep ``text`` (line ends made \\n, trailing blanks and lines trimmed, at most
    ``MAX_SIGNATURE`` characters) as the account's signature; returns what was kept."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = "\n".join(line.rstrip() for line in lines).strip("\n")[:MAX_SIGNATURE]
    with store.transaction() as db:
        db.execute(
            "INSERT INTO account_settings (account_id, signature) VALUES (?, ?) "
            "ON CONFLICT (account_id) DO UPDATE SET signature = excluded.signature",
            (account.id, kept),
        )
    return kept

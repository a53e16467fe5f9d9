"""The PSC migration rebuilds the accounts table: every row that refers to an account
(folders, messages, outbox, pending changes, deliveries followed) survives it, and 'psc'
becomes a valid auth."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.core import sqlite
from app.store.db import Store
from app.store.migrations import MIGRATIONS

PSC_STEP = next(i for i, step in enumerate(MIGRATIONS) if "'psc'" in step)


def test_rebuild_keeps_what_refers_to_accounts(tmp_path: Path) -> None:
    directory = tmp_path / "profile"
    directory.mkdir()
    db = sqlite3.connect(directory / "store.sqlite3", isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    sqlite.migrate(db, MIGRATIONS[:PSC_STEP], "store")
    db.execute(
        "INSERT INTO accounts (id, address, auth, imap_url) "
        "VALUES (7, 'a@medecin.mssante.test', 'card', 'imaps://i.test')"
    )
    db.execute("INSERT INTO folders (id, account_id, name) VALUES (3, 7, 'INBOX')")
    db.execute("INSERT INTO messages (folder_id, uid, subject) VALUES (3, 1, 'Bilan')")
    db.execute(
        "INSERT INTO deliveries (account_id, message_id, recipient, sent_at) "
        "VALUES (7, '<m@x>', 'c@medecin.mssante.test', '2026-01-01T00:00:00Z')"
    )
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO accounts (address, auth, imap_url) VALUES ('b@x.test', 'psc', 'imaps://i')"
        )
    db.close()

    store = Store.open(directory)
    try:
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.db.execute("SELECT count(*) FROM folders").fetchone()[0] == 1
        assert store.db.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
        assert store.db.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 1
        old = store.account("a@medecin.mssante.test")
        assert old is not None and old.id == 7 and old.psc_issuer is None
        added = store.add_account(
            "b@medecin.mssante.test",
            "psc",
            "imaps://i.test",
            psc_issuer="https://auth.esante.gouv.fr/auth/realms/esante-wallet",
            psc_client_id="caducee",
        )
        assert added.auth == "psc" and added.psc_client_id == "caducee"
        store.remove_account(old)  # the cascade still works after the rebuild
        assert store.db.execute("SELECT count(*) FROM folders").fetchone()[0] == 0
        with pytest.raises(sqlite.IntegrityError):  # SQLCipher's now: the profile is encrypted
            store.add_account("c@x.test", "token", "imaps://i.test")
    finally:
        store.close()


def test_a_rebuild_that_breaks_references_is_rolled_back(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "t.sqlite3", isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    steps = [
        "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id));"
        "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);",
        f"{sqlite.FOREIGN_KEYS_OFF}\nCREATE TABLE p2 (id INTEGER PRIMARY KEY); DROP TABLE p;"
        "ALTER TABLE p2 RENAME TO p;",
    ]
    with pytest.raises(sqlite3.IntegrityError):
        sqlite.migrate(db, steps, "test")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM p").fetchone()[0] == 1
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1

"""A folder's list is read off the index of its sort (store migration 16), a narrowed list
is filtered then sorted, and both give the same order as sorting every row would."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.store import views
from app.store.db import HeaderRow, Store
from app.store.views import Scope, list_query, message_ids

OWNER = "dr@medecin.mssante.fr"
SUBJECTS = ("Bilan", "bilan", "Compte rendu", "Résultats", "avis", "", "Zona", "Re: Bilan")
SENDERS = ("Labo <l@x.fr>", "dr b <b@x.fr>", "Dr A <a@x.fr>", "")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(tmp_path / "store")
    account = opened.add_account(OWNER, "card", "imaps://imap.test")
    opened.upsert_folder(account, "INBOX", "/", None, True)
    inbox = opened.folders(account)[0]
    rng = random.Random(3)
    rows = []
    for uid in range(1, 400):
        date = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(200))  # ties
        report = "Content-Type: multipart/report; report-type=delivery-status; b=1\r\n"
        raw = (
            f"From: {rng.choice(SENDERS)}\r\nSubject: {rng.choice(SUBJECTS)}\r\n"
            f"Date: {date:%a, %d %b %Y %H:%M:%S +0000}\r\nMessage-ID: <o{uid}@x>\r\n"
            f"{report if uid % 37 == 0 else ''}\r\n"
        ).encode()
        flags = ("\\Seen",) if rng.random() < 0.7 else ()
        rows.append(HeaderRow(uid, flags, date, 10, None, raw))
    opened.add_headers(inbox, rows)
    return opened


def plan(store: Store, scope: Scope, sort: str) -> str:
    query = list_query(scope, sort)
    assert query is not None
    sql, params = query
    return " | ".join(str(r[3]) for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize("sort", ["date", "subject", "sender"])
def test_a_whole_folder_is_read_off_its_index(store: Store, sort: str) -> None:
    folder = Scope(account=OWNER, folder="INBOX")
    assert f"messages_listed_{sort}" in plan(store, folder, sort)
    assert "TEMP B-TREE" not in plan(store, folder, sort)
    narrowed = Scope(account=OWNER, folder="INBOX", unread=True)
    assert "TEMP B-TREE" in plan(store, narrowed, sort)  # filtered first, then sorted


@pytest.mark.parametrize("sort", ["date", "subject", "sender", "patient"])
@pytest.mark.parametrize("descending", [True, False])
def test_the_same_order_as_sorting_every_row(
    store: Store, sort: str, descending: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    scopes = [
        Scope(account=OWNER, folder="INBOX"),
        Scope(account=OWNER, folder="INBOX", unread=True),
        Scope(account=OWNER, folder="INBOX", reports=True),
        Scope(account=OWNER),
    ]
    fast = [message_ids(store, scope, sort, descending) for scope in scopes]
    monkeypatch.setattr(views, "INDEXED_SORTS", ())  # every list sorted, no index walk
    slow = [message_ids(store, scope, sort, descending) for scope in scopes]
    assert fast == slow
    assert len(fast[0]) == 399 - 10  # the ten reports apart
    assert len(fast[2]) == 399


def test_a_scope_is_sized_from_the_folders_counts(store: Store) -> None:
    """The window lists a scope of more than ``LISTED_AT_ONCE`` messages off the GUI
    thread; its size is read from the counts (no message row), at most the list's length."""
    account = store.account(OWNER)
    assert account is not None
    store.upsert_folder(account, "Archives", "/", None, True)
    assert views.scope_size(store, Scope(account=OWNER, folder="INBOX")) == 399 - 10
    assert views.scope_size(store, Scope(account=OWNER, folder="Archives")) == 0
    assert views.scope_size(store, Scope(account=OWNER)) == 399 - 10
    assert views.scope_size(store, Scope()) == 399 - 10  # every account
    assert views.scope_size(store, Scope(account="autre@mssante.test")) == 0
    narrowed = Scope(account=OWNER, search="bilan", unread=True)
    assert len(message_ids(store, narrowed)) <= views.scope_size(store, narrowed)

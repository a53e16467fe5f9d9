"""Receipts followed through the lab's real servers: the submission server honours DSN
(NOTIFY/ENVID/ORCPT) and sends RFC 3464 reports into the sender's Dovecot mailbox; Caducée
itself returns the read receipt (RFC 8098); "remis" then "lu"."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli.main import main
from app.ops.outbox import enqueue_message
from app.ops.receipts import read_receipt
from app.sandbox.submission import Endpoints
from app.store.db import Store
from app.store.mime import parse_message
from app.store.views import Scope, message_ids
from tests.integration.test_send import profile  # noqa: F401 - the fixture
from tests.lab.build import LabAccounts

pytestmark = pytest.mark.lab


def receipts(
    args: list[str], message_id: str, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    capsys.readouterr()
    assert main([*args, "receipts", "--message-id", message_id, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert len(found) == 1
    by_recipient: dict[str, Any] = {r["recipient"]: r for r in found[0]["recipients"]}
    return by_recipient | {"_": found[0]}


def synced_until(args: list[str], check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 20
    while True:
        assert main([*args, "sync"]) == 0
        if check():
            return
        assert time.monotonic() < deadline, "the report never arrived"
        time.sleep(0.3)


def test_a_dsn_then_an_mdn_come_back_remis_then_lu(
    profile: list[str],  # noqa: F811
    lab_accounts: LabAccounts,
    lab_smtp: Endpoints,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    me = lab_accounts.organisation.address
    nobody = f"personne.inconnue@{me.partition('@')[2]}"
    subject = f"Suivi {time.time_ns()}"
    args = [*profile, "send", "--from", me, "--to", me, "--to", nobody, "--subject", subject]
    assert main([*args, "--body", "Bonjour.", "--dsn", "--mdn", "--json"]) == 0
    sent = json.loads(capsys.readouterr().out)
    message_id = sent["message"]["message_id"]

    states = receipts(profile, message_id, capsys)
    assert states[me]["state"] == "pending" and states[nobody]["state"] == "pending"
    assert states["_"]["asked"] == "dsn+mdn"
    assert states["_"]["envid"].startswith("caducee-")

    # The lab server reports: delivered to her, failed for the unknown mailbox (one DSN).
    synced_until(
        profile,
        lambda: receipts(profile, message_id, capsys)[me]["state"] == "delivered",
    )
    states = receipts(profile, message_id, capsys)
    assert states[me]["state_fr"].startswith("remis le ")
    assert states[nobody]["state"] == "failed"
    assert states[nobody]["code"] == "5.1.1"
    assert "adresse du destinataire inconnue" in states[nobody]["detail"]

    # The report is in her inbox, hidden from the list (a filter, never deleted).
    store = Store.open(tmp_path / "p")
    try:
        rows = store.db.execute("SELECT id, report FROM messages WHERE report IS NOT NULL")
        reports = {r[0]: r[1] for r in rows}
        assert "dsn" in reports.values()
        shown = message_ids(store, Scope(account=me, folder="INBOX"))
        assert not set(shown) & set(reports)
        everything = message_ids(store, Scope(account=me, folder="INBOX", reports=True))
        assert set(reports) <= set(everything)
        # Caducée itself, as the recipient, returns the read receipt she asked for.
        original = next(m for m in store.messages(me, "INBOX") if m.message_id == message_id)
        raw = store.raw(original)
        assert raw is not None
        account = store.account(me)
        assert account is not None
        enqueue_message(store, account, read_receipt(parse_message(raw), me, raw))
    finally:
        store.close()
    assert main([*profile, "outbox", "--flush"]) == 0
    synced_until(
        profile,
        lambda: receipts(profile, message_id, capsys)[me]["state"] == "displayed",
    )
    states = receipts(profile, message_id, capsys)
    assert states[me]["state_fr"].startswith("lu le ")
    assert states[me]["delivered_at"] and states[me]["read_at"]
    assert states[nobody]["state"] == "failed"  # unchanged by her read receipt

    capsys.readouterr()
    assert main([*profile, "receipts"]) == 0
    text = capsys.readouterr().out
    assert f"« {subject} »" in text and f"{me} : lu le " in text

    # Synced again (and the same reports seen again): nothing moves, nothing doubles.
    assert main([*profile, "sync"]) == 0
    assert receipts(profile, message_id, capsys)[me]["state"] == "displayed"

"""Receipts followed through the lab's real servers: the submission server honours DSN
(NOTIFY/ENVID/ORCPT) and sends RFC 3464 reports into the sender's Dovecot mailbox; Caducée
itself returns the read receipt (RFC 8098); "remis" then "lu"."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from imapclient import IMAPClient
from pytestqt.qtbot import QtBot

from app.cli.main import main
from app.mssante.dsn import read_dsn
from app.ops.outbox import enqueue_message
from app.ops.receipts import read_receipt
from app.sandbox.submission import Endpoints
from app.store.db import Store
from app.store.mime import parse_message
from app.store.views import Scope, message_ids
from app.ui.tracking import TrackingView
from tests.integration.test_send import profile  # noqa: F401 - the fixture
from tests.lab.build import LabAccounts, LabPki
from tests.lab.dovecot import Dovecot
from tests.ui.conftest import assert_not_blank

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
    qtbot: QtBot,
    artefacts: Path,
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

    # The window's "Suivi des envois" on this profile (screenshot: a person looks at it).
    store = Store.open(tmp_path / "p")
    try:
        view = TrackingView(store)
        qtbot.addWidget(view)
        view.show()
        qtbot.waitExposed(view)
        top = view.tree.topLevelItem(0)
        assert top.toolTip(0) == message_id
        assert top.text(1) == "2 destinataire(s) : 1 échec, 1 lu"
        view.grab().save(str(artefacts / "suivi-des-envois-lab.png"))
        assert_not_blank(artefacts / "suivi-des-envois-lab.png")
        view.close()
    finally:
        store.close()


async def _dialogue(
    endpoints: Endpoints, context: ssl.SSLContext, steps: list[tuple[str, int]]
) -> list[str]:
    """Raw ESMTP commands to the lab server (STARTTLS port), each with the code expected."""
    client = aiosmtplib.SMTP(
        hostname=endpoints.host, port=endpoints.starttls_port, start_tls=True,
        tls_context=context, timeout=10,
    )  # fmt: skip
    await client.connect()
    replies = []
    try:
        await client.ehlo()
        assert client.supports_extension("dsn")
        for command, code in steps:
            if command.startswith("DATA:"):
                try:
                    reply = await client.data(command[5:].encode())  # DATA, then the content
                except aiosmtplib.SMTPDataError as error:
                    replies.append(f"{error.code} {error.message}")
                    assert error.code == code, (command, error)
                    continue
            else:
                reply = await client.execute_command(command.encode())
            assert reply.code == code, (command, reply)
            replies.append(reply.message)
    finally:
        await client.quit()
    return replies


def _waiting_reports(dovecot: Dovecot, context: ssl.SSLContext, marker: str) -> list[bytes]:
    """The reports in her inbox naming ``marker`` (in the returned headers)."""
    with IMAPClient(
        "127.0.0.1", dovecot.imaps_port, ssl=True, ssl_context=context, timeout=10
    ) as client:
        client.sasl_login("EXTERNAL", lambda _challenge: b"")
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["BODY", marker])
        found = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return [data[b"BODY[]"] for data in found.values()]


def test_the_lab_server_speaks_dsn_as_rfc_3461_says(
    lab_smtp: Endpoints, dovecot_mss: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts
) -> None:
    me = lab_accounts.organisation.address
    nobody = f"absent@{me.partition('@')[2]}"
    context = lab_pki.client_context(lab_pki.organisation)
    marker = f"rfc3461-{time.time_ns()}"
    content = (
        f"From: {me}\r\nTo: {me}\r\nSubject: t\r\nMessage-ID: <{marker}@lab>\r\n\r\n"
        "Corps secret.\r\n"
    )
    replies = asyncio.run(
        _dialogue(
            lab_smtp,
            context,
            [
                (f"MAIL FROM:<{me}> RET=BOGUS", 501),
                (f"MAIL FROM:<{me}> RET=FULL ENVID=env+2B{marker}", 250),
                (f"RCPT TO:<{me}> NOTIFY=SUCCESS,NEVER", 501),
                (f"RCPT TO:<{me}> NOTIFY=NEVER", 250),
                (f"RCPT TO:<{nobody}> NOTIFY=FAILURE ORCPT=rfc822;Absent+40x", 250),
                (f"DATA:{content}", 250),
            ],
        )
    )
    assert "see the report" in replies[-1]  # accepted, one recipient not delivered
    deadline = time.monotonic() + 10
    while not (reports := _waiting_reports(dovecot_mss, context, marker)):
        assert time.monotonic() < deadline, "no report"
        time.sleep(0.2)
    (raw,) = reports  # NOTIFY=NEVER: nothing about her own delivery
    status = read_dsn(raw)
    assert status is not None and status.envelope_id == f"env+{marker}"  # xtext decoded
    (block,) = status.recipients
    assert (block.recipient, block.original, block.action) == (nobody, "absent@x", "failed")
    assert b"Corps secret." in raw  # RET=FULL: the whole message returned
    assert b"Auto-Submitted: auto-replied" in raw

    # Nobody could be delivered: the client hears it at once, and no report is sent.
    lost = f"lost-{time.time_ns()}"
    replies = asyncio.run(
        _dialogue(
            lab_smtp,
            context,
            [
                (f"MAIL FROM:<{me}> ENVID={lost}", 250),
                (f"RCPT TO:<{nobody}> NOTIFY=FAILURE,DELAY", 250),
                (f"DATA:{content.replace(marker, lost)}", 550),
            ],
        )
    )
    assert "5.1.1" in replies[-1]
    time.sleep(1)
    assert _waiting_reports(dovecot_mss, context, lost) == []

"""The outbox without a network: claims, recovery after a crash, the user's resend, what
counts as proof of delivery, the files that go once in Sent, the SMTP content."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.core.proclock import ProcessLock
from app.mssante.dsn import read_dsn
from app.ops.outbox import (
    ResendNeedsConfirmationError,
    deliver,
    enqueue_message,
    outbox_lock,
    recover,
    retry,
    uncertain_facts,
)
from app.sandbox.submission import _Handler
from app.store.db import Account, HeaderRow, Store
from app.store.migrations import MIGRATIONS
from app.store.outbox import OutboxItem, OutboxStore
from app.store.receipts import envelope_id
from app.transport.smtp import _content

ME = "dr.martin@mssante.test"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    opened.add_account(ME, "password", "imaps://imap.test")  # no SMTP: nothing leaves
    yield opened
    opened.close()


def account_of(store: Store) -> Account:
    account = store.account(ME)
    assert account is not None
    return account


def queue(store: Store, subject: str = "Compte rendu", **headers: str) -> OutboxItem:
    message = EmailMessage()
    message["From"] = ME
    message["To"] = "confrere@mssante.test"
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}-{time.time_ns()}@mssante.test>"
    for name, value in headers.items():
        message[name] = value
    message.set_content("Bonjour.")
    return enqueue_message(store, account_of(store), message, dsn=True)


@dataclass
class OfflineSession:
    """What ``deliver`` needs of a session when the account has no SMTP server."""

    account: Account


def get(store: Store, item: OutboxItem) -> OutboxItem:
    found = OutboxStore(store).get(item.id)
    assert found is not None
    return found


# -- claims -----------------------------------------------------------------------------------


def test_a_message_is_claimed_by_one_deliverer_only(store: Store) -> None:
    item = queue(store)
    outbox, other = OutboxStore(store), OutboxStore(store)
    mine = outbox.claim(item, "run-1")
    assert mine is not None and mine.state == "sending" and mine.attempts == 1
    assert other.claim(item, "run-2") is None  # already taken
    assert not other.mark_data_sent(item, "run-2")  # not its claim: no end of DATA for it
    assert not other.finish(item, "run-2", "sent")
    assert outbox.mark_data_sent(item, "run-1")
    assert outbox.finish(item, "run-1", "sent")
    done = get(store, item)
    assert (done.state, done.claim, done.data_sent, done.sent_at is not None) == (
        "sent",
        None,
        True,
        True,
    )


def test_claims_from_two_connections_race_to_one_winner(store: Store, tmp_path: Path) -> None:
    items = [queue(store, f"n{i}") for i in range(20)]
    second = Store.open(tmp_path / "profile")
    try:
        wins = [
            (OutboxStore(store).claim(i, "a") is not None)
            + (OutboxStore(second).claim(i, "b") is not None)
            for i in items
        ]
    finally:
        second.close()
    assert wins == [1] * 20


# -- recovery after a crash ---------------------------------------------------------------


def test_a_dead_deliverer_leaves_before_the_end_of_data_a_message_to_send_again(
    store: Store,
) -> None:
    before, after = queue(store, "avant"), queue(store, "apres")
    outbox = OutboxStore(store)
    assert outbox.claim(before, "dead") and outbox.claim(after, "dead")
    outbox.mark_data_sent(after, "dead")
    recovered = recover(store)
    assert [i.id for i in recovered] == [after.id]
    assert get(store, before).state == "queued"  # the server cannot have it: goes again
    uncertain = get(store, after)
    assert uncertain.state == "uncertain" and "peut-être reçu" in (uncertain.last_error or "")
    assert recover(store) == []


def test_a_live_deliverers_message_is_left_alone(store: Store) -> None:
    item = queue(store)
    OutboxStore(store).claim(item, "alive")
    holder = outbox_lock(store, ME)
    assert holder.acquire(timeout=0)
    try:
        assert recover(store) == []
        assert get(store, item).state == "sending"  # its deliverer holds the lock
        report = deliver(store, OfflineSession(account_of(store)), wait=0)  # type: ignore[arg-type]
        assert report.busy and report.holder == os.getpid()
        assert get(store, item).state == "sending"
    finally:
        holder.release()
    report = deliver(store, OfflineSession(account_of(store)))  # type: ignore[arg-type]
    assert not report.busy and get(store, item).state == "queued"


def test_the_lock_is_the_one_every_process_of_the_profile_takes(store: Store) -> None:
    lock = outbox_lock(store, ME.upper())
    expected = ProcessLock.named(OutboxStore(store).directory / "locks", "outbox", ME)
    assert lock.path == expected.path
    assert lock.path.parent == OutboxStore(store).directory / "locks"


def test_a_row_left_sending_by_an_older_caducee_counts_as_past_the_end_of_data(
    tmp_path: Path,
) -> None:
    database = tmp_path / "old" / "store.sqlite3"
    database.parent.mkdir()
    with sqlite3.connect(database) as db:
        db.executescript(";".join(MIGRATIONS[:5]) + ";PRAGMA user_version = 5;")
        db.execute("INSERT INTO accounts (address, auth, imap_url) VALUES (?, 'card', 'x')", (ME,))
        db.execute(
            "INSERT INTO outbox (account_id, message_id, envelope_from, recipients, blob, size,"
            " state) VALUES (1, 'a@b', ?, '[]', ?, 1, 'sending')",
            (ME, "0" * 64),
        )
    upgraded = Store.open(database.parent)
    try:
        [item] = OutboxStore(upgraded).items()
        assert item.state == "sending" and item.data_sent
        assert [i.id for i in recover(upgraded)] == [item.id]
    finally:
        upgraded.close()


# -- her decision -----------------------------------------------------------------------------


def test_an_uncertain_message_goes_again_only_on_her_say(store: Store) -> None:
    item = queue(store)
    outbox = OutboxStore(store)
    outbox.claim(item, "run")
    outbox.finish(item, "run", "uncertain", error="Connexion perdue après l'envoi complet.")
    with pytest.raises(ResendNeedsConfirmationError) as refused:
        retry(store, item.id)
    assert "confirmation" in refused.value.user_message
    facts = uncertain_facts(get(store, item))
    assert "Connexion perdue après l'envoi complet." in facts
    assert any("Aucune vérification" in fact for fact in facts)
    again = retry(store, item.id, resend_uncertain=True)
    assert again is not None and again.state == "queued" and not again.data_sent


def test_a_message_being_sent_or_sent_is_not_requeued(store: Store) -> None:
    item = queue(store)
    outbox = OutboxStore(store)
    outbox.claim(item, "run")
    assert retry(store, item.id, resend_uncertain=True) is None
    outbox.finish(item, "run", "sent")
    assert retry(store, item.id) is None
    assert retry(store, 999) is None


# -- proof of delivery for an uncertain message ---------------------------------------------


def _uncertain(store: Store, item: OutboxItem) -> None:
    outbox = OutboxStore(store)
    outbox.claim(item, "run")
    outbox.finish(item, "run", "uncertain", error="Connexion perdue.")


def _synced(store: Store, folder_name: str, special: str | None, raws: list[bytes]) -> None:
    account = account_of(store)
    store.upsert_folder(account, folder_name, ".", special, True)
    folder = next(f for f in store.folders(account) if f.name == folder_name)
    start = len(store.uids(folder)) + 1
    rows = [HeaderRow(start + n, (), None, len(raw), None, raw) for n, raw in enumerate(raws)]
    store.add_headers(folder, rows)
    store.add_bodies(folder, {start + n: raw for n, raw in enumerate(raws)})


def dsn(envelope_id: str, original: str, action: str = "delivered") -> bytes:
    return (
        "From: MAILER-DAEMON@mssante.test\r\nTo: " + ME + "\r\n"
        "Subject: Delivery Status Notification\r\nMessage-ID: <dsn-"
        + str(time.time_ns())
        + "@x>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nRemis.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.mssante.test\r\nOriginal-Envelope-Id: {envelope_id}\r\n\r\n"
        f"Final-Recipient: rfc822; confrere@mssante.test\r\nAction: {action}\r\n"
        "Status: 2.0.0\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{original}>\r\nSubject: x\r\n"
        "--B--\r\n"
    ).encode()


def test_a_delivery_report_or_a_synced_copy_settles_an_uncertain_message(store: Store) -> None:
    by_dsn, by_copy, unknown = queue(store, "a"), queue(store, "b"), queue(store, "c")
    for item in (by_dsn, by_copy, unknown):
        _uncertain(store, item)
    # The ENVID Caducée gives (not the Message-ID), the returned headers naming another one
    _synced(store, "INBOX", None, [dsn(envelope_id(by_dsn.message_id), "other@x")])
    _synced(store, "Sent", "Sent", [OutboxStore(store).raw(by_copy)])
    report = deliver(store, OfflineSession(account_of(store)))  # type: ignore[arg-type]
    assert sorted(i.id for i in report.confirmed) == sorted([by_dsn.id, by_copy.id])
    assert "accusé de remise" in (get(store, by_dsn).check_note or "")
    copied = get(store, by_copy)
    assert copied.state == "sent" and copied.appended_to_sent  # already in Sent: no APPEND
    assert "« Sent »" in (copied.check_note or "")
    assert get(store, unknown).state == "uncertain"
    assert get(store, unknown).reports_seen > 0  # the synced mail is not read twice


def test_reading_delivery_reports() -> None:
    status = read_dsn(dsn("env-1@x", "orig-1@x", action="failed"))
    assert status is not None
    assert (status.envelope_id, status.message_id, status.actions) == (
        "env-1@x",
        "orig-1@x",
        ("failed",),
    )
    assert not status.delivered
    assert read_dsn(dsn("e", "o")).delivered  # type: ignore[union-attr]
    assert read_dsn(b"Subject: bonjour\r\n\r\ntexte") is None
    assert read_dsn(b"\xff\xfe delivery-status \x00" * 10) is None
    assert read_dsn(b"Content-Type: multipart/report; report-type=delivery-status\r\n\r\n") is None


# -- the outbox files -------------------------------------------------------------------------


def test_a_file_goes_only_once_its_message_is_in_sent(store: Store) -> None:
    sent, waiting = queue(store, "envoye"), queue(store, "attente")
    outbox = OutboxStore(store)
    account = account_of(store)
    outbox.claim(sent, "run")
    outbox.finish(sent, "run", "sent")
    assert outbox.remove_files(account) == 0  # not in Sent yet: kept for the copy
    assert outbox.files.path(sent.blob).exists()
    outbox.mark_appended(sent)
    assert outbox.remove_files(account) == 1
    assert not outbox.files.path(sent.blob).exists() and get(store, sent).file_removed
    assert outbox.raw(waiting)  # the waiting one untouched
    assert outbox.remove_files(account) == 0


@pytest.mark.parametrize(
    ("state", "file_removed", "work"),
    [
        ("queued", 0, True),
        ("sending", 0, True),
        ("uncertain", 0, True),
        ("sent", 0, True),  # its copy in Sent, or its file, still to deal with
        ("sent", 1, False),
        ("failed", 0, False),
    ],
)
def test_the_outbox_has_work_where_a_delivery_would_act(
    store: Store, state: str, file_removed: int, work: bool
) -> None:
    """``caducee sync`` loads the sending code only when ``has_work``: where it says no, a
    delivery changes nothing."""
    item = queue(store)
    with store.transaction() as db:
        db.execute(
            "UPDATE outbox SET state = ?, file_removed = ? WHERE id = ?",
            (state, file_removed, item.id),
        )
    account = account_of(store)
    assert OutboxStore(store).has_work(account) is work
    if not work:
        changes = store.db.total_changes
        report = deliver(store, OfflineSession(account))  # type: ignore[arg-type]
        assert store.db.total_changes == changes
        assert not (report.sent or report.uncertain or report.confirmed or report.warnings)


def test_stray_files_go_when_old(store: Store) -> None:
    outbox = OutboxStore(store)
    item = queue(store)
    stray = outbox.files.path(outbox.files.put(b"a file no row refers to"))
    assert outbox.remove_strays() == 0  # young: perhaps a message being queued right now
    old = stray.stat().st_mtime - 2 * 24 * 3600  # by the disk's clock
    os.utime(stray, (old, old))
    os.utime(outbox.files.path(item.blob), (old, old))
    assert outbox.remove_strays() == 1
    assert not stray.exists() and outbox.raw(item)


# -- what goes after DATA -------------------------------------------------------------------


def test_the_content_is_dot_stuffed_with_crlf_and_without_its_final_dot() -> None:
    assert _content(b"a\n.b\r\n..c\rd") == b"a\r\n..b\r\n...c\r\nd\r\n"
    assert _content(b".\n") == b"..\r\n"  # a lone dot line is no end of DATA
    assert not _content(b"x").endswith(b".\r\n")


# -- the sandbox's submission server -------------------------------------------------------


def test_a_stopping_submission_server_says_later_not_no() -> None:
    """A message reaching the end of DATA while the server stops gets a 4xx (the client
    tries again), not aiosmtpd's 500 for an exception (the client would give up)."""
    handler = _Handler(
        "localhost", lambda _identity, _sender: True, lambda *_: None, by_login=False
    )
    server = SimpleNamespace(transport=None)
    session = SimpleNamespace(peer=("127.0.0.1", 1), host_name="poste")
    envelope = SimpleNamespace(mail_from=ME, rcpt_tos=["a@b"], original_content=b"x\r\n")

    async def at_shutdown() -> str:
        await asyncio.get_running_loop().shutdown_default_executor()
        reply: str = await handler.handle_DATA(server, session, envelope)
        return reply

    assert asyncio.run(at_shutdown()).startswith("421 ")

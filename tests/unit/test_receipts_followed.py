"""Receipts followed per recipient: DSN and MDN readers (hostile input included), the
deliveries table moved by synced reports, once, never backwards, and the lab server's DSN."""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from app.mssante.dsn import read_dsn, read_mdn, report_kind
from app.ops.outbox import enqueue_message
from app.sandbox.reports import Outcome, RecipientRequest, build_dsn, xtext_decode
from app.store.db import Account, HeaderRow, Store
from app.store.receipts import ANS_ERRORS_FR, ReceiptStore, envelope_id
from app.store.views import Scope, message_ids
from app.transport.smtp import xtext

ME = "dr.martin@mssante.test"
PAUL = "paul.durand@chu.mssante.test"
ANNE = "anne.roux@chu.mssante.test"
SENT_ID = "cr-42@mssante.test"


def dsn(
    blocks: list[tuple[str, str, str]],
    *,
    envid: str | None = None,
    original: str | None = SENT_ID,
    orcpt: bool = False,
) -> bytes:
    """A DSN: blocks of (recipient, action, status)."""
    per_recipient = "".join(
        (f"Original-Recipient: rfc822;{who}\r\n" if orcpt else "")
        + f"Final-Recipient: rfc822; {who.upper() if orcpt else who}\r\nAction: {action}\r\n"
        f"Status: {status}\r\nDiagnostic-Code: smtp; 550 {status} No such user\r\n\r\n"
        for who, action, status in blocks
    )
    return (
        f"From: MAILER-DAEMON@mx.test\r\nTo: {ME}\r\nSubject: Rapport\r\n"
        f"Message-ID: <dsn-{time.time_ns()}@mx.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nRapport.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.test\r\n"
        + (f"Original-Envelope-Id: {envid}\r\n" if envid else "")
        + "\r\n"
        + per_recipient
        + "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        + (f"Message-ID: <{original}>\r\n" if original else "")
        + "Subject: x\r\n--B--\r\n"
    ).encode()


def mdn(disposition: str, *, sender: str = PAUL, extra: str = "", encode: bool = False) -> bytes:
    fields = (
        f"Reporting-UA: x; y\r\nFinal-Recipient: rfc822; {sender}\r\n"
        f"Original-Message-ID: <{SENT_ID}>\r\nDisposition: {disposition}\r\n{extra}"
    )
    body = base64.b64encode(fields.encode()).decode() if encode else fields
    cte = "Content-Transfer-Encoding: base64\r\n" if encode else ""
    return (
        f"From: {sender}\r\nTo: {ME}\r\nSubject: Accusé\r\n"
        f"Message-ID: <mdn-{time.time_ns()}@chu.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLu.\r\n"
        f"--B\r\nContent-Type: message/disposition-notification\r\n{cte}\r\n{body}\r\n--B--\r\n"
    ).encode()


# -- readers ---------------------------------------------------------------------------------


def test_a_dsn_is_read_per_recipient_with_its_envelope_id() -> None:
    raw = dsn([(PAUL, "delivered", "2.0.0"), (ANNE, "failed", "5.1.1")], envid="caducee-1")
    status = read_dsn(raw)
    assert status is not None
    assert (status.envelope_id, status.message_id) == ("caducee-1", SENT_ID)
    paul, anne = status.recipients
    assert (paul.recipient, paul.action, paul.status) == (PAUL, "delivered", "2.0.0")
    assert (anne.action, anne.status) == ("failed", "5.1.1")
    assert anne.diagnostic == "smtp; 550 5.1.1 No such user"
    assert report_kind(raw.split(b"\r\n\r\n")[0]) == "dsn"


def test_an_mdn_is_read_in_the_rfc_and_the_ans_forms() -> None:
    read = read_mdn(mdn("manual-action/MDN-sent-manually; displayed"))
    assert read is not None and read.kind == "displayed" and not read.error
    assert (read.message_id, read.recipient) == (SENT_ID, PAUL)
    # ANS guide's example: the code inside the Disposition modifier
    ans = read_mdn(
        mdn("automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant inconnu")
    )
    assert ans is not None and ans.error and ans.code == 902 and ans.kind == "processed"
    assert ans.error_text == "Identifiant inconnu"
    # v1.1.3 correction: "processed/error" and a separate Error field; encoded by the sender
    field = read_mdn(
        mdn(
            "automatic-action/MDN-sent-automatically;processed/error",
            extra="Error: 904^INS et traits incoherents^messageErrorCondition\r\n",
            encode=True,
        )
    )
    assert field is not None and field.error and field.code == 904
    assert (
        report_kind(b"Content-Type: multipart/report;\r\n report-type=disposition-notification")
        == "mdn"
    )


HOSTILE = [
    b"",
    b"\x00\xff" * 1000,
    b"Content-Type: multipart/report; report-type=delivery-status\r\n\r\n",
    b"Content-Type: multipart/report; report-type=disposition-notification\r\n\r\n",
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n--B\r\n'
    b"Content-Type: message/delivery-status\r\n\r\n" + b"Action: failed\r\n\r\n" * 5000 + b"--B--",
    mdn("nonsense"),
    mdn("manual-action/MDN-sent-manually; displayed").replace(b"Original-Message-ID", b"X-Nope"),
    b"Content-Type: multipart/report; report-type=delivery-status\r\n\r\n" + b"A" * 3_000_000,
    mdn("manual-action/MDN-sent-manually; processed/error", extra="Error: \xe9\xe9^\r\n"),
]


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_reports_give_none_or_a_reading_never_an_exception(raw: bytes) -> None:
    for reader in (read_dsn, read_mdn):
        reader(raw)  # no exception
    report_kind(raw[:2000])


def test_cut_and_scrambled_reports_never_raise() -> None:
    rng = random.Random(17)
    samples = [dsn([(PAUL, "delivered", "2.0.0")], envid="e"), mdn("a/b; displayed")]
    for sample in samples:
        for cut in range(0, len(sample), 23):
            read_dsn(sample[:cut])
            read_mdn(sample[:cut])
        for _ in range(300):
            data = bytearray(sample)
            for _ in range(rng.randint(1, 12)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            read_dsn(bytes(data))
            read_mdn(bytes(data))


def test_envelope_ids_and_xtext() -> None:
    assert envelope_id("a@b") == envelope_id("a@b") != envelope_id("c@b")
    assert xtext(envelope_id("a@b")) == envelope_id("a@b")  # nothing to encode
    assert xtext("jé+=x y") == "j+C3+A9+2B+3Dx+20y"
    assert xtext_decode("j+2B+3Dx") == "j+=x"


def test_the_lab_server_report_is_read_back() -> None:
    original = f"Message-ID: <{SENT_ID}>\r\nSubject: CR\r\n\r\nCorps secret.\r\n".encode()
    raw = build_dsn(
        reporting_mta="smtp.lab.test",
        sender=ME,
        envid="caducee-9",
        outcomes=[
            (Outcome(PAUL, "250 2.0.0 OK delivered"), RecipientRequest(frozenset(), PAUL)),
            (Outcome(ANNE, "550 5.1.1 No such recipient here"), None),
            (Outcome("x@y.test", "451 4.3.0 later"), None),
        ],
        original=original,
        full=False,
    )
    assert b"Corps secret" not in raw  # RET=HDRS: the headers only
    status = read_dsn(raw)
    assert status is not None and status.envelope_id == "caducee-9"
    assert status.message_id == SENT_ID
    actions = {r.recipient: (r.action, r.status, r.original) for r in status.recipients}
    assert actions == {
        PAUL: ("delivered", "2.0.0", PAUL),
        ANNE: ("failed", "5.1.1", None),
        "x@y.test": ("delayed", "4.3.0", None),
    }


# -- the deliveries table --------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    opened.add_account(ME, "password", "imaps://imap.test")
    yield opened
    opened.close()


def account_of(store: Store) -> Account:
    account = store.account(ME)
    assert account is not None
    return account


def synced(store: Store, raws: list[bytes], folder_name: str = "INBOX", address: str = ME) -> None:
    account = store.account(address)
    assert account is not None
    if not any(f.name == folder_name for f in store.folders(account)):
        store.upsert_folder(account, folder_name, ".", None, True)
    folder = next(f for f in store.folders(account) if f.name == folder_name)
    start = max(store.uids(folder), default=0) + 1
    heads = [raw.split(b"\r\n\r\n")[0] + b"\r\n\r\n" for raw in raws]
    rows = [
        HeaderRow(start + n, (), None, len(raw), None, h)
        for n, (raw, h) in enumerate(zip(raws, heads, strict=True))
    ]
    store.add_headers(folder, rows)
    store.add_bodies(folder, {start + n: raw for n, raw in enumerate(raws)})


def sent(store: Store) -> dict[str, tuple[str, str | None, str | None]]:
    (message,) = ReceiptStore(store).sent(message_id=SENT_ID)
    return {r.recipient: (r.state, r.code, r.detail) for r in message.recipients}


def tracked(store: Store, asked: str = "dsn+mdn") -> None:
    ReceiptStore(store).track(
        account_of(store).id,
        SENT_ID,
        [PAUL, ANNE.upper()],
        outbox_id=None,
        envid=envelope_id(SENT_ID),
        subject="Compte rendu",
        asked=asked,
    )


def test_reports_move_each_recipient_and_never_back(store: Store) -> None:
    tracked(store)
    labels = ReceiptStore(store).sent()[0]
    assert labels.recipients[0].label(labels.sent_at, labels.asked).startswith("en attente depuis")
    synced(store, [mdn("manual-action/MDN-sent-manually; displayed")])  # read before the DSN
    synced(
        store,
        [
            dsn(
                [(PAUL, "delivered", "2.0.0"), (ANNE, "failed", "5.1.1")],
                envid=envelope_id(SENT_ID),
                original=None,
                orcpt=True,
            )
        ],
    )
    states = sent(store)
    assert states[PAUL][0] == "displayed"  # the late DSN does not take "lu" back to "remis"
    assert states[ANNE][:2] == ("failed", "5.1.1")
    assert "adresse du destinataire inconnue" in (states[ANNE][2] or "")
    (message,) = ReceiptStore(store).sent(states=("failed",))
    assert ReceiptStore(store).sent(states=("delayed",)) == []
    paul = next(r for r in message.recipients if r.recipient == PAUL)
    assert paul.read_at and paul.delivered_at
    assert paul.label(message.sent_at, message.asked).startswith("lu le ")


def test_an_integration_refusal_shows_the_ans_code_and_its_meaning(store: Store) -> None:
    tracked(store)
    synced(
        store,
        [
            mdn(
                "automatic-action/MDN-sent-automatically; processed/Error: 903^INS absent",
                sender=ANNE,
            )
        ],
    )
    state, code, detail = sent(store)[ANNE]
    assert (state, code, detail) == ("refused", "903", ANS_ERRORS_FR[903])
    (message,) = ReceiptStore(store).sent()
    anne = next(r for r in message.recipients if r.recipient == ANNE)
    assert anne.label(message.sent_at, message.asked) == f"refusé (903 : {ANS_ERRORS_FR[903]})"
    data = message.to_json()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {
        "account",
        "message_id",
        "outbox_id",
        "envid",
        "subject",
        "asked",
        "sent_at",
        "recipients",
    }
    assert set(data["recipients"][0]) == {
        "recipient",
        "state",
        "state_fr",
        "code",
        "detail",
        "updated_at",
        "delivered_at",
        "read_at",
    }


def test_a_report_is_applied_once_and_a_bad_one_is_kept_and_changes_nothing(
    store: Store,
) -> None:
    tracked(store)
    report = dsn([(PAUL, "delayed", "4.4.1")], original=SENT_ID)
    broken = mdn("manual-action/MDN-sent-manually; displayed").replace(b"Disposition:", b"Xyz:")
    synced(store, [report, broken])
    synced(store, [report], "Archives")  # the same report again, in another folder
    rows = dict(
        store.db.execute(
            "SELECT outcome, count(*) FROM receipt_reports GROUP BY outcome"
        ).fetchall()
    )
    assert rows == {"appliqué": 1, "illisible": 1}
    assert sent(store)[PAUL][0] == "delayed"
    assert sent(store)[ANNE][0] == "pending"
    # Both reports are kept, hidden from the lists unless asked for.
    inbox = message_ids(store, Scope(account=ME, folder="INBOX"))
    everything = message_ids(store, Scope(account=ME, folder="INBOX", reports=True))
    assert inbox == [] and len(everything) == 2
    # Audited without addresses or subjects.
    text = json.dumps(store.audit.entries(), ensure_ascii=False)  # as recorded (sealed files)
    assert "accusé reçu (DSN)" in text and "illisible" in text
    assert PAUL not in text and ANNE not in text and "Compte rendu" not in text


def test_a_report_for_another_message_or_account_changes_nothing(store: Store) -> None:
    tracked(store)
    store.add_account("autre@mssante.test", "password", "imaps://imap.test")
    other = store.account("autre@mssante.test")
    assert other is not None
    ReceiptStore(store).track(other.id, "x@y", [PAUL])
    synced(store, [dsn([(PAUL, "delivered", "2.0.0")], original="inconnu@nulle.part")])
    assert sent(store)[PAUL][0] == "pending"
    assert ReceiptStore(store).sent("autre@mssante.test")[0].recipients[0].state == "pending"
    outcome = store.db.execute("SELECT outcome FROM receipt_reports").fetchone()[0]
    assert outcome == "envoi inconnu"


def test_reports_synced_before_are_applied_by_apply_pending(store: Store) -> None:
    synced(store, [mdn("manual-action/MDN-sent-manually; displayed")])
    tracked(store)  # the sent message is known only now (another device sent it, say)
    store.db.execute("DELETE FROM receipt_reports")
    assert ReceiptStore(store).apply_pending() == 1
    assert sent(store)[PAUL][0] == "displayed"
    assert ReceiptStore(store).apply_pending() == 0


def test_a_message_with_no_receipt_asked_says_so(store: Store) -> None:
    tracked(store, asked="")
    (message,) = ReceiptStore(store).sent()
    assert "aucun accusé demandé" in message.recipients[0].label(message.sent_at, "")


def test_track_sent_follows_messages_not_the_receipts_caducee_sends(store: Store) -> None:
    receipts = ReceiptStore(store)
    account = account_of(store)
    letter = (
        f"From: {ME}\r\nTo: {PAUL}\r\nSubject: =?utf-8?q?R=C3=A9sultats?=\r\n"
        f"Disposition-Notification-To: {ME}\r\nMessage-ID: <{SENT_ID}>\r\n\r\nCorps\r\n"
    ).encode()
    receipt = mdn("a/b; displayed")
    items = [
        enqueue_message(store, account, message_from_bytes(raw, policy=policy.compat32))
        for raw in (letter, receipt)
    ]
    refused = {ANNE: "550 5.1.1 inconnu"}
    receipts.track_sent(account.id, items[0].id, SENT_ID, letter, [PAUL], refused, dsn=True)
    receipts.track_sent(account.id, items[1].id, "mdn@x", receipt, [PAUL], {}, dsn=False)
    (message,) = receipts.sent()
    assert (message.subject, message.asked, message.outbox_id) == ("Résultats", "dsn+mdn", 1)
    assert message.envid == envelope_id(SENT_ID)
    assert sent(store)[ANNE][:2] == ("failed", "5.1.1")

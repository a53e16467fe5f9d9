"""The outbox under network faults, through the lab's real submission server.

A fault-injecting proxy (``tests.lab.proxy``) sits between Caducée and the submission
server, which tells it where each SMTP dialogue stands and counts what it delivers by
Message-ID. Every message must end delivered exactly once, or "incertain" and reported —
never twice, never lost.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from app.cli.main import main
from app.ops.outbox import DeliveryReport, deliver, enqueue_message
from app.store.outbox import OutboxItem, OutboxStore
from app.transport import imap
from tests.lab.build import P12_PASSPHRASE, LabAccounts, LabPki
from tests.lab.dovecot import Dovecot
from tests.lab.outbox_campaign import REPOSITORY as ROOT
from tests.lab.outbox_campaign import OutboxRig, opened, run_campaign
from tests.lab.proxy import Fault

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def rig(lab_pki: LabPki, lab_accounts: LabAccounts, dovecot_mss: Dovecot) -> Iterator[OutboxRig]:
    with OutboxRig(
        lab_pki, lab_accounts, dovecot_mss.imaps_port, timeout=1.0, stall_seconds=8.0
    ) as rig:
        yield rig


@pytest.fixture
def profile(rig: OutboxRig, tmp_path: Path) -> Path:
    rig.proxy.plan = None
    rig.restart_at = None
    rig.rcpt_refusals.clear()
    return rig.new_profile(tmp_path / "p")


def once(fault: Fault | None) -> Callable[[int], Fault | None]:
    """The next connection gets ``fault``, the ones after it none."""
    given: list[int] = []

    def plan(index: int) -> Fault | None:
        if given:
            return None
        given.append(index)
        return fault

    return plan


def send_once(
    rig: OutboxRig, profile: Path, fault: Fault | None
) -> tuple[OutboxItem, DeliveryReport]:
    with opened(profile) as (store, _account):
        [item] = rig.enqueue(store, 1)
    return send_once_queued(rig, profile, item, fault)


def send_once_queued(
    rig: OutboxRig, profile: Path, item: OutboxItem, fault: Fault | None
) -> tuple[OutboxItem, DeliveryReport]:
    """One delivery run, ``fault`` on its first connection."""
    with opened(profile) as (store, account):
        rig.proxy.plan = once(fault)
        session = rig.session(profile, account)
        try:
            report = deliver(store, session, force=True)
        finally:
            session.close()
        after = OutboxStore(store).get(item.id)
    assert after is not None
    return after, report


def deliver_again(rig: OutboxRig, profile: Path, item: OutboxItem) -> OutboxItem:
    with opened(profile) as (store, account):
        session = rig.session(profile, account)
        try:
            deliver(store, session, force=True)
        finally:
            session.close()
        after = OutboxStore(store).get(item.id)
    assert after is not None
    return after


# What one faulted attempt leaves, by where the fault hits. "again": not delivered, queued,
# delivered once by the next run. "uncertain": reported, never sent again on its own (the
# int: what the server got). "sent": delivered once, known.
SMTP_FAULTS = {
    ("greeting", "down"): "again",
    ("greeting", "up"): "again",  # EHLO lost
    ("EHLO", "down"): "again",
    ("EHLO", "up"): "again",  # MAIL FROM lost
    ("MAIL", "down"): "again",
    ("MAIL", "up"): "again",  # RCPT TO lost
    ("RCPT", "down"): "again",
    ("RCPT", "up"): "again",  # DATA lost
    ("DATA", "down"): "again",  # 354 lost: the message never went
    ("DATA", "up"): "again or uncertain-0",  # the message lost on its way: see below
    ("END", "down"): "uncertain-1",  # delivered, its "250" lost
    ("END", "up"): "sent",  # the QUIT lost: the 250 was in
    ("QUIT", "down"): "sent",  # the "221" lost
}


def check_outcome(rig: OutboxRig, profile: Path, expected: str, fault: Fault) -> None:
    item, report = send_once(rig, profile, fault)
    assert rig.proxy.injected[fault.describe()] >= 1, "the fault was not injected"
    count = rig.deliveries.count(item.message_id)
    outcome = item.state
    if expected == "again or uncertain-0":
        # The client writes the whole message, its end included, at once: whether it sees
        # the connection die before or after writing the final "." is a race. Both answers
        # are right; the server has nothing.
        expected = "again" if item.state == "queued" else "uncertain-0"
    if expected == "again":
        assert (outcome, count) == ("queued", 0), (item.last_error, report)
        assert item.next_attempt_at and item.last_error
        assert report.queued and not report.failed
        item = deliver_again(rig, profile, item)
        assert (item.state, rig.deliveries.count(item.message_id)) == ("sent", 1)
        assert item.appended_to_sent and item.file_removed
    elif expected.startswith("uncertain"):
        assert (outcome, count) == ("uncertain", int(expected[-1])), item.last_error
        assert [i.id for i in report.uncertain] == [item.id]  # reported, with the facts
        assert item.last_error and "peut-être reçu" in item.last_error
        assert item.check_note and "aucune copie" in item.check_note  # checked in Sent
        item = deliver_again(rig, profile, item)  # never again on its own
        assert item.state == "uncertain" and rig.deliveries.count(item.message_id) == count
        assert not item.file_removed  # kept for her decision
    else:
        assert (outcome, count) == ("sent", 1), item.last_error
        assert item.file_removed


@pytest.mark.parametrize("action", ["cut", "reset"])
@pytest.mark.parametrize(("phase", "direction"), list(SMTP_FAULTS))
def test_a_cut_or_reset_at_each_point_of_the_smtp_dialogue(
    rig: OutboxRig, profile: Path, phase: str, direction: str, action: str
) -> None:
    fault = Fault(action, direction, at=phase)
    check_outcome(rig, profile, SMTP_FAULTS[(phase, direction)], fault)


@pytest.mark.parametrize("action", ["cut", "reset"])
@pytest.mark.parametrize(("direction", "after"), [("down", 0), ("down", 200), ("up", 100)])
def test_a_cut_or_reset_inside_the_tls_handshake(
    rig: OutboxRig, profile: Path, direction: str, after: int, action: str
) -> None:
    check_outcome(rig, profile, "again", Fault(action, direction, after_bytes=after))


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault("stall", "down", after_bytes=300), "again"),  # the handshake hangs
        (Fault("stall", "down", at="RCPT"), "again"),
        (Fault("stall", "down", at="END"), "uncertain-1"),  # past the timeout: not resent
        (Fault("stall", "down", at="QUIT"), "sent"),
    ],
    ids=lambda value: value.describe() if isinstance(value, Fault) else value,
)
def test_a_stall_past_the_timeout(
    rig: OutboxRig, profile: Path, fault: Fault, expected: str
) -> None:
    check_outcome(rig, profile, expected, fault)


def test_a_big_message_stalled_in_the_middle_of_its_content_goes_again(
    rig: OutboxRig, profile: Path
) -> None:
    """The content goes out as the server takes it: a connection that stops taking it is
    noticed before the end of DATA (on loopback the kernel buffers hold megabytes: hence
    the 16 MB)."""
    with opened(profile) as (store, account):
        message = EmailMessage()
        message["From"], message["To"] = rig.address, rig.accounts.martin.address
        message["Subject"], message["Message-ID"] = "IRM", make_msgid(domain="irm.test")
        message.set_content("Images jointes.")
        scan = os.urandom(12 * 1024 * 1024)  # 16 MB once in base64
        message.add_attachment(scan, maintype="application", subtype="dicom", filename="irm.dcm")
        item = enqueue_message(store, account, message)
    fault = Fault("stall", "up", after_bytes=1_000_000)
    item, _report = send_once_queued(rig, profile, item, fault)
    assert (item.state, rig.deliveries.count(item.message_id)) == ("queued", 0), item.last_error
    assert "contenu du message" in (item.last_error or "")
    item = deliver_again(rig, profile, item)
    assert (item.state, rig.deliveries.count(item.message_id)) == ("sent", 1)


def test_a_server_restart_mid_dialogue(rig: OutboxRig, profile: Path) -> None:
    restarted: list[int] = []

    def restart_at(index: int, phase: str) -> bool:
        if phase == "EHLO" and not restarted:
            restarted.append(index)
            return True
        return False

    rig.restart_at = restart_at
    before = rig.restarts
    item, _report = send_once(rig, profile, None)
    assert restarted and (item.state, rig.deliveries.count(item.message_id)) == ("queued", 0)
    item = deliver_again(rig, profile, item)  # to the new server, on its new port
    assert rig.restarts == before + 1
    assert (item.state, rig.deliveries.count(item.message_id)) == ("sent", 1)


def test_a_4xx_is_tried_again_and_a_5xx_fails_with_the_servers_reason(
    rig: OutboxRig, profile: Path
) -> None:
    with opened(profile) as (store, account):
        later, refused, busy = rig.enqueue(store, 3, tag="refus-")
    rig.deliveries.refuse[later.message_id] = ["451 4.3.0 Temporary local problem"]
    rig.deliveries.refuse[refused.message_id] = ["554 5.7.1 Message refused by policy"]
    rig.rcpt_refusals[rig.accounts.martin.address] = "450 4.2.1 Mailbox busy"
    with opened(profile) as (store, account):
        session = rig.session(profile, account)
        try:
            report = deliver(store, session, force=True)
        finally:
            session.close()
        outbox = OutboxStore(store)
        states = {i.id: (i.state, i.last_error or "") for i in outbox.items()}
    assert len(report.queued) == 3  # the busy mailbox delays all three at RCPT TO
    assert all("450 4.2.1" in error for _state, error in states.values())
    rig.rcpt_refusals.clear()
    item = deliver_again(rig, profile, later)
    with opened(profile) as (store, _account):
        outbox = OutboxStore(store)
        now = {i.id: i for i in outbox.items()}
    assert now[busy.id].state == "sent" and rig.deliveries.count(busy.message_id) == 1
    assert item.state == "queued" and "451 4.3.0" in (item.last_error or "")  # at END: 4xx
    assert now[refused.id].state == "failed"
    assert "554 5.7.1 Message refused by policy" in (now[refused.id].last_error or "")
    item = deliver_again(rig, profile, later)
    assert (item.state, rig.deliveries.count(later.message_id)) == ("sent", 1)
    failed = deliver_again(rig, profile, refused)  # a failed message stays so
    assert failed.state == "failed" and rig.deliveries.count(refused.message_id) == 0


# -- one deliverer at a time -----------------------------------------------------------------


def flush_command(rig: OutboxRig, profile: Path, timeout: float | None = None) -> list[str]:
    return [
        sys.executable, "-m", "app", "--profile-dir", str(profile),
        "outbox", "--flush", "--timeout", str(timeout or rig.timeout),
    ]  # fmt: skip


def command_env() -> dict[str, str]:
    return {**os.environ, "CADUCEE_PKCS12_PASSPHRASE": P12_PASSPHRASE, "PYTHONPATH": str(ROOT)}


def test_three_threads_deliver_each_message_once(rig: OutboxRig, profile: Path) -> None:
    with opened(profile) as (store, _account):
        items = rig.enqueue(store, 12, tag="threads-")
    start = threading.Barrier(3)
    reports: list[DeliveryReport] = []

    def one() -> None:
        with opened(profile) as (store, account):
            session = rig.session(profile, account)
            try:
                start.wait()
                reports.append(deliver(store, session, force=True, wait=20))
            finally:
                session.close()

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(r.sent) for r in reports) == [0, 0, 12]  # one sent, the others waited
    assert [rig.deliveries.count(i.message_id) for i in items] == [1] * 12


def test_three_flush_processes_deliver_each_message_once(rig: OutboxRig, profile: Path) -> None:
    with opened(profile) as (store, _account):
        items = rig.enqueue(store, 8, tag="processes-")
    processes = [
        subprocess.Popen(
            flush_command(rig, profile),
            env=command_env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    sent = [out.count("Envoyé : ") for out, _err in outputs]
    assert sorted(sent) == [0, 0, 8], outputs
    assert [rig.deliveries.count(i.message_id) for i in items] == [1] * 8


@pytest.mark.parametrize(
    ("phase", "expected"), [("MAIL", "again"), ("END", "uncertain-1")], ids=["MAIL", "END"]
)
def test_a_deliverer_killed_mid_send(
    rig: OutboxRig, profile: Path, phase: str, expected: str
) -> None:
    """kill -9 while the dialogue hangs: the OS frees the lock, the next deliverer takes over
    and knows from the store whether the end of the message had gone."""
    with opened(profile) as (store, _account):
        [item] = rig.enqueue(store, 1, tag="kill-")
    fault = Fault("stall", "down", at=phase)
    rig.proxy.plan = once(fault)
    before = rig.proxy.injected[fault.describe()]
    process = subprocess.Popen(
        flush_command(rig, profile, timeout=60),
        env=command_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while rig.proxy.injected[fault.describe()] == before:
            assert time.monotonic() < deadline, "the deliverer never reached the stall"
            time.sleep(0.05)
        with opened(profile) as (store, _account):
            assert OutboxStore(store).get(item.id).state == "sending"  # type: ignore[union-attr]
    finally:
        process.kill()
        process.wait(timeout=10)
    after = deliver_again(rig, profile, item)
    count = rig.deliveries.count(item.message_id)
    if expected == "again":
        assert (after.state, count) == ("sent", 1)
    else:
        assert (after.state, count) == ("uncertain", 1)
        assert "Caducée arrêté" in (after.last_error or "")
        assert deliver_again(rig, profile, item).state == "uncertain"


# -- an uncertain message and her decision ----------------------------------------------------


def test_an_uncertain_message_found_in_sent_is_not_sent_again(
    rig: OutboxRig,
    profile: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item, _report = send_once(rig, profile, Fault("cut", "down", at="END"))
    assert item.state == "uncertain"
    with opened(profile) as (store, account):  # a server that keeps what it accepted
        session = rig.session(profile, account)
        try:
            with session.imap() as connection:
                imap.append_message(
                    imap.Mailbox(connection), "Sent", OutboxStore(store).raw(item), ["\\Seen"]
                )
        finally:
            session.close()
    retry = ["--profile-dir", str(profile), "outbox", "--retry", str(item.id), "--timeout", "1"]
    monkeypatch.setenv("CADUCEE_PKCS12_PASSPHRASE", P12_PASSPHRASE)
    assert main(retry) == 0
    out = capsys.readouterr().out
    assert "Déjà remis" in out and "« Sent »" in out
    with opened(profile) as (store, _account):
        found = OutboxStore(store).get(item.id)
    assert found is not None and found.state == "sent" and found.appended_to_sent
    assert rig.deliveries.count(item.message_id) == 1


def test_resending_an_uncertain_message_is_her_decision(
    rig: OutboxRig,
    profile: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CADUCEE_PKCS12_PASSPHRASE", P12_PASSPHRASE)
    item, _report = send_once(rig, profile, Fault("reset", "down", at="END"))
    retry = ["--profile-dir", str(profile), "outbox", "--retry", str(item.id), "--timeout", "1"]
    assert main(retry) == 1  # no terminal to ask her, no --confirm-resend
    err = capsys.readouterr().err
    assert "peut-être déjà été remis" in err and "--confirm-resend" in err
    assert "aucune copie dans « Sent »" in err  # the facts

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    questions: list[str] = []
    answers = iter(["n", "o"])

    def answer(question: str) -> str:
        questions.append(question)
        return next(answers)

    monkeypatch.setattr("builtins.input", answer)
    assert main(retry) == 0 and "Message non renvoyé" in capsys.readouterr().out
    assert rig.deliveries.count(item.message_id) == 1
    assert main(retry) == 0  # "o": she decided, it goes again
    assert "[o/N]" in questions[0] and len(questions) == 2
    assert rig.deliveries.count(item.message_id) == 2
    with opened(profile) as (store, _account):
        assert OutboxStore(store).get(item.id).state == "sent"  # type: ignore[union-attr]


# -- the random campaign ----------------------------------------------------------------------


def test_random_fault_campaign(rig: OutboxRig, tmp_path: Path) -> None:
    """30 messages, a fault on about a third of the connections (cuts, resets, stalls at
    random points, server restarts), two threads and a ``caducee outbox --flush`` process
    delivering at once. ``CADUCEE_FAULT_SEED`` picks another plan."""
    seed = int(os.environ.get("CADUCEE_FAULT_SEED", "9"))
    profile = rig.new_profile(tmp_path / "campaign")
    result, errors = run_campaign(
        rig, profile, messages=30, seed=seed, rate=0.3, threads=2, processes=1, time_limit=90
    )
    print(f"\nseed {seed}: {result.row()} {result.states}")
    assert not errors
    assert result.faults > 0
    assert result.duplicates == 0 and result.lost == 0 and result.misreported == 0, result
    assert result.delivered_once + result.uncertain - result.uncertain_delivered == 30

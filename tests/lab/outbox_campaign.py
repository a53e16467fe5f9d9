"""The outbox fault campaign: Caducée sending through a fault-injecting proxy to the lab's
submission server, which counts what it delivers by Message-ID.

``OutboxRig`` holds the pieces: the submission server (``TappedSubmissionServer``, so the
proxy knows where each SMTP dialogue stands), the ``FaultyProxy`` in front of its implicit
TLS port, and profiles whose account sends through the proxy (IMAP: the lab's Dovecot, for
the copies in Sent). ``run_campaign`` queues messages, lets deliverers (threads and
``caducee outbox --flush`` processes) work until nothing waits, with a seeded random fault
on some connections and server restarts, and counts the outcome (``Tally``). Used by
``tests/integration/test_outbox_faults.py`` and ``bench/outbox_faults.py``.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from app.ops.accounts import AccountSession
from app.ops.outbox import deliver, enqueue_message
from app.sandbox.submission import server_tls_context
from app.store.db import Account, Store
from app.store.outbox import OutboxItem, OutboxStore
from tests.lab.build import P12_PASSPHRASE, LabAccounts, LabPki
from tests.lab.proxy import PHASES, Fault, FaultyProxy
from tests.lab.smtp import Deliveries, TappedSubmissionServer, sender_policy

REPOSITORY = Path(__file__).resolve().parents[2]


class OutboxRig:
    def __init__(
        self,
        pki: LabPki,
        accounts: LabAccounts,
        imaps_port: int,
        *,
        timeout: float = 1.0,
        stall_seconds: float = 10.0,
    ) -> None:
        self.pki = pki
        self.accounts = accounts
        self.imaps_port = imaps_port
        self.timeout = timeout
        self.deliveries = Deliveries()
        self.proxy = FaultyProxy(0, stall_seconds=stall_seconds)
        self.restarts = 0
        self.restart_at: Callable[[int, str], bool] | None = None  # (connection, phase)
        self._server: TappedSubmissionServer | None = None
        self._server_lock = threading.Lock()
        self.rcpt_refusals: dict[str, str] = {}

    # -- the server -----------------------------------------------------------------------

    def _tap(self, port: int, phase: str) -> None:
        decide = self.restart_at
        index = self.proxy.index_of(port)
        if decide is not None and index is not None and decide(index, phase):
            threading.Thread(target=self.restart_server, daemon=True).start()
        self.proxy.tap(port, phase)

    def _start_server(self) -> None:
        chain, key = self.pki.write_issued("server", self.pki.server)
        tls = server_tls_context(str(chain), str(key), str(self.pki.files.ca_with_crls))
        server = TappedSubmissionServer(
            tls,
            sender_policy(self.accounts.mssante),
            self.deliveries,
            tap=self._tap,
            rcpt_refusals=self.rcpt_refusals,
        )
        endpoints = server.start()
        self._server = server
        self.proxy.target_port = endpoints.implicit_tls_port

    def restart_server(self) -> None:
        """Stop the server (its connections dropped), then a new one on new ports."""
        with self._server_lock:
            if self._server is not None:
                self._server.stop()
            self.proxy.cut_all()
            self._start_server()
            self.restarts += 1

    def __enter__(self) -> OutboxRig:
        self.proxy.__enter__()
        self._start_server()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._server_lock:
            if self._server is not None:
                self._server.stop()
        self.proxy.__exit__(*exc)

    # -- the client side --------------------------------------------------------------------

    @property
    def address(self) -> str:
        return self.accounts.organisation.address

    def new_profile(self, directory: Path) -> Path:
        """A profile with the organisation's account sending through the proxy."""
        store = Store.open(directory)
        try:
            store.add_account(
                self.address,
                "pkcs12",
                f"imaps://localhost:{self.imaps_port}",
                f"smtps://localhost:{self.proxy.port}",
                pkcs12=str(self.pki.organisation_p12),
                trust=str(self.pki.files.root),
            )
        finally:
            store.close()
        return directory

    def session(self, profile: Path, account: Account) -> AccountSession:
        return AccountSession(
            account,
            profile / "cache",
            lambda _prompt: None,
            lambda _prompt: P12_PASSPHRASE,
            timeout=self.timeout,
        )

    def enqueue(self, store: Store, count: int, *, tag: str = "") -> list[OutboxItem]:
        account = store.account(self.address)
        assert account is not None
        recipient = self.accounts.martin.address  # not hers: only the server's count tells
        items = []
        for number in range(count):
            message = EmailMessage()
            message["From"] = self.address
            message["To"] = recipient
            message["Subject"] = f"Compte rendu {tag}{number}"
            message["Message-ID"] = make_msgid(domain="campagne.mssante.test")
            message.set_content(f"Consultation n° {number}.\n")
            items.append(enqueue_message(store, account, message))
        return items


@contextmanager
def opened(profile: Path) -> Iterator[tuple[Store, Account]]:
    store = Store.open(profile)
    try:
        accounts = store.accounts()
        yield store, accounts[0]
    finally:
        store.close()


# -- counting ---------------------------------------------------------------------------------


@dataclass
class Tally:
    messages: int = 0
    faults: int = 0
    restarts: int = 0
    delivered_once: int = 0
    duplicates: int = 0  # messages the server accepted more than once
    uncertain: int = 0  # left for her to decide (delivered or not)
    uncertain_delivered: int = 0
    lost: int = 0  # never delivered and not said uncertain (still queued, failed, "sent")
    misreported: int = 0  # delivered, but said failed or still queued
    states: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # what lost or misreported ones say

    def row(self) -> dict[str, object]:
        return {
            "messages": self.messages,
            "fautes injectées": self.faults,
            "redémarrages": self.restarts,
            "remis une fois": self.delivered_once,
            "doublons": self.duplicates,
            "incertains": self.uncertain,
            "perdus": self.lost,
            "mal classés": self.misreported,
            "temps (s)": round(self.seconds, 1),
        }


def tally(store: Store, deliveries: Deliveries, items: list[OutboxItem]) -> Tally:
    outbox = OutboxStore(store)
    result = Tally(messages=len(items))
    for queued in items:
        item = outbox.get(queued.id)
        assert item is not None
        count = deliveries.count(item.message_id)
        result.states[item.state] = result.states.get(item.state, 0) + 1
        if count == 1:
            result.delivered_once += 1
        if count > 1:
            result.duplicates += 1
        if item.state == "uncertain":
            result.uncertain += 1
            result.uncertain_delivered += count > 0
        elif count == 0:
            result.lost += 1
            result.problems.append(f"lost, {item.state}: {item.last_error}")
        elif item.state != "sent":
            result.misreported += 1
            result.problems.append(f"delivered, {item.state}: {item.last_error}")
    return result


# -- a random plan with a fixed seed --------------------------------------------------------


class RandomPlan:
    """The fault of connection n, drawn in order from ``seed``: the same seed, the same
    faults for the same connection numbers."""

    def __init__(self, seed: int, rate: float, *, stalls: float = 0.05, restarts: float = 0.02):
        self.random = random.Random(seed)
        self.rate = rate
        self.stalls = stalls
        self.restarts = restarts
        self.faults: list[Fault | None] = []
        self.restart_phases: list[str | None] = []
        self._lock = threading.Lock()

    def _draw(self) -> None:
        rng = self.random
        fault: Fault | None = None
        restart: str | None = None
        roll = rng.random()
        if roll < self.restarts:
            restart = rng.choice(PHASES[:-1])
        elif roll < self.restarts + self.rate:
            action = (
                "stall" if rng.random() < self.stalls / self.rate else rng.choice(["cut", "reset"])
            )
            direction = rng.choice(["down", "up"])
            if rng.random() < 0.2:  # inside the TLS handshake
                fault = Fault(action, direction, after_bytes=rng.randrange(0, 2500))
            else:
                fault = Fault(action, direction, at=rng.choice(PHASES))
        self.faults.append(fault)
        self.restart_phases.append(restart)

    def fault(self, index: int) -> Fault | None:
        with self._lock:
            while len(self.faults) <= index:
                self._draw()
            return self.faults[index]

    def restart(self, index: int, phase: str) -> bool:
        with self._lock:
            while len(self.faults) <= index:
                self._draw()
            if self.restart_phases[index] != phase:
                return False
            self.restart_phases[index] = None  # once
            return True


# -- deliverers -------------------------------------------------------------------------------


def _waiting(store: Store) -> int:
    return int(
        store.db.execute(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')"
        ).fetchone()[0]
    )


def thread_deliverer(rig: OutboxRig, profile: Path, deadline: float, errors: list[str]) -> None:
    """Deliver until nothing waits (each thread its own store and session)."""
    with opened(profile) as (store, account):
        session = rig.session(profile, account)
        try:
            while time.monotonic() < deadline and _waiting(store):
                try:
                    deliver(store, session, force=True, wait=5.0)
                except Exception as error:  # noqa: BLE001 - reported by the test
                    errors.append(f"{type(error).__name__}: {error}")
                    time.sleep(0.1)
        finally:
            session.close()


def process_deliverer(
    rig: OutboxRig, profile: Path, deadline: float, errors: list[str], outputs: list[str]
) -> None:
    """``caducee outbox --flush`` again and again until nothing waits."""
    env = {
        **os.environ,
        "CADUCEE_PKCS12_PASSPHRASE": P12_PASSPHRASE,
        "PYTHONPATH": str(REPOSITORY),
    }
    command = [
        sys.executable,
        "-m",
        "app",
        "--profile-dir",
        str(profile),
        "outbox",
        "--flush",
        "--timeout",
        str(rig.timeout),
    ]
    while time.monotonic() < deadline:
        with opened(profile) as (store, _account):
            if not _waiting(store):
                return
        done = subprocess.run(
            command,
            env=env,
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            timeout=max(deadline - time.monotonic(), 1) + 30,
            check=False,
        )
        outputs.append(done.stderr)
        if "Erreur inattendue" in done.stderr or "Traceback" in done.stderr:
            errors.append(done.stderr)


def run_campaign(
    rig: OutboxRig,
    profile: Path,
    *,
    messages: int,
    seed: int,
    rate: float = 0.3,
    threads: int = 2,
    processes: int = 1,
    time_limit: float = 300.0,
) -> tuple[Tally, list[str]]:
    """Queue ``messages``, fault connections at random (``seed``), deliver with ``threads``
    threads and ``processes`` command-line processes at once, until nothing waits."""
    plan = RandomPlan(seed, rate)
    first = rig.proxy.connections  # the plan counts this campaign's connections only
    rig.proxy.plan = lambda index: plan.fault(index - first)
    rig.restart_at = lambda index, phase: plan.restart(index - first, phase)
    injected_before = sum(rig.proxy.injected.values())
    restarts_before = rig.restarts
    started = time.monotonic()
    with opened(profile) as (store, _account):
        items = rig.enqueue(store, messages, tag=f"s{seed}-")
    deadline = started + time_limit
    errors: list[str] = []
    outputs: list[str] = []
    workers = [
        threading.Thread(target=thread_deliverer, args=(rig, profile, deadline, errors))
        for _ in range(threads)
    ] + [
        threading.Thread(target=process_deliverer, args=(rig, profile, deadline, errors, outputs))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    rig.proxy.plan = None
    rig.restart_at = None
    with opened(profile) as (store, _account):
        result = tally(store, rig.deliveries, items)
    result.seconds = time.monotonic() - started
    result.faults = sum(rig.proxy.injected.values()) - injected_before
    result.restarts = rig.restarts - restarts_before
    return result, errors

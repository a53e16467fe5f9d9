"""A lab Dovecot (password login) serving the generated GP mailbox, for benchmarks.

``python bench/dovecot_mailbox.py --messages 5000 --target-size 0.7G`` builds the lab PKI,
generates the mailbox (``bench/mailbox.py``) straight into the home of the lab's generic
password account (``~/Maildir``, owned by the mail user as ``tests/lab/dovecot.py`` wants),
starts the lab's password Dovecot on 127.0.0.1, lets it index the mailbox once (as a server
that has been running for a while would have), prints the connection details and runs until
Ctrl-C. Everything lives in one ``/tmp/caducee-lab-*`` directory, removed on exit.

The lab pieces are the test lab's own (``tests.lab``), imported, not copied.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import pwd
import random
import shutil
import signal
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

if not __package__:  # run as a script: import from the repository, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from cryptography.hazmat.primitives.serialization import Encoding
from imapclient import IMAPClient

from bench.mailbox import DEFAULT_END, Builder, Result, generate, parse_size, plan_mailbox
from bench.reference import ImapServer, TlsMode, require
from tests.lab.build import build_pki, lab_accounts, password_dovecot
from tests.lab.crlserver import CrlServer
from tests.lab.dovecot import Dovecot, MailAccount
from tests.lab.fixtures import make_lab_dir


@dataclass
class BenchServer:
    """A running Dovecot with the generated mailbox in the generic account."""

    base: Path  # the lab directory (removed on exit)
    dovecot: Dovecot
    account: MailAccount
    ca_file: Path  # trust anchor of the server certificate (the lab's "public" CA)
    maildir: Path  # the account's Maildir on the server side
    generated: Result
    indexing_seconds: float = 0.0

    def imap(self, tls: TlsMode = "starttls") -> ImapServer:
        port = self.dovecot.imaps_port if tls == "imaps" else self.dovecot.imap_port
        password = self.account.password or ""
        # "localhost": the name mbsync checks against the certificate (DNS subjectAltName).
        return ImapServer("localhost", port, self.account.login, password, tls, self.ca_file)

    def client(self) -> IMAPClient:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        client = IMAPClient(
            "localhost", self.dovecot.imaps_port, ssl=True, ssl_context=context, timeout=120
        )
        client.login(self.account.login, self.account.password or "")
        return client

    def describe(self) -> str:
        account = self.account
        return "\n".join(
            [
                "Dovecot (lab, password login) on 127.0.0.1 — host name for TLS: localhost",
                f"  IMAP STARTTLS : {self.dovecot.imap_port}   IMAPS : {self.dovecot.imaps_port}",
                f"  user : {account.login} ({account.address})   password : {account.password}",
                f"  CA file : {self.ca_file}",
                f"  server Maildir : {self.maildir}",
                f"  log : {self.dovecot.log_file}",
            ]
        )


def _mail_owner() -> tuple[int, int]:
    """Who owns the mail: Dovecot reads it as ``nobody`` when run as root (tests/lab/dovecot)."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_uid, nobody.pw_gid
    return os.getuid(), os.getgid()


def chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for directory, subdirectories, files in os.walk(root):
        for name in subdirectories + files:
            os.chown(Path(directory) / name, uid, gid)


def selectable(client: IMAPClient) -> list[str]:
    """Folders that hold messages (not the ``Archives`` parent, which is only a name)."""
    skip = {b"\\Noselect", b"\\NonExistent"}
    return [name for flags, _sep, name in client.list_folders() if not skip & set(flags)]


FETCH_BATCH = 2000  # UIDs per FETCH: 100k of them overflow Dovecot's command line


def batches(uids: list[int]) -> list[list[int]]:
    return [uids[start : start + FETCH_BATCH] for start in range(0, len(uids), FETCH_BATCH)]


def index_once(server: BenchServer) -> float:
    """Open every folder and fetch flags and sizes, so that Dovecot builds its indexes."""
    started = time.perf_counter()
    with server.client() as client:
        for name in selectable(client):
            client.subscribe_folder(name)
            client.select_folder(name, readonly=True)
            for some in batches(client.search("ALL")):
                client.fetch(some, ["FLAGS", "RFC822.SIZE", "INTERNALDATE"])
    return time.perf_counter() - started


@contextlib.contextmanager
def bench_dovecot(
    messages: int,
    target_size: int,
    seed: int = 1,
    workers: int | None = None,
    end: dt.date = DEFAULT_END,
) -> Iterator[BenchServer]:
    """Generate the mailbox, start Dovecot, yield it; stop and remove everything after."""
    require("dovecot", "dovecot-imapd")
    base = make_lab_dir()
    pki_dir = base / "pki"
    pki_dir.mkdir()
    crl_server = CrlServer(pki_dir)
    crl_server.start()
    dovecot: Dovecot | None = None
    try:
        lab = build_pki(pki_dir, crl_server.base_url)
        accounts = lab_accounts()
        dovecot = password_dovecot(base, lab, accounts)
        account = accounts.generic
        ca_file = base / "public-ca.pem"
        ca_file.write_bytes(lab.public_ca.root.certificate.public_bytes(Encoding.PEM))
        home = dovecot.home(account)
        maildir = home / "Maildir"
        home.mkdir(parents=True)
        generated = generate(maildir, messages, target_size, seed, workers, end)
        chown_tree(maildir, *_mail_owner())
        dovecot.start()
        server = BenchServer(base, dovecot, account, ca_file, maildir, generated)
        server.indexing_seconds = index_once(server)
        yield server
    finally:
        if dovecot is not None:
            dovecot.stop()
        crl_server.stop()
        shutil.rmtree(base, ignore_errors=True)


# -- changes made on the server, between two syncs ---------------------------------------------


def change_flags(server: BenchServer, fraction: float = 0.01, seed: int = 1) -> int:
    """Toggle \\Seen on ``fraction`` of the messages (and \\Flagged on a third of them), over
    IMAP STORE as another client would; returns how many messages changed."""
    rng = random.Random(seed)  # noqa: S311 - reproducible choice, not security
    with server.client() as client:
        everything: list[tuple[str, int, tuple[bytes, ...]]] = []
        for name in selectable(client):
            client.select_folder(name, readonly=True)
            for some in batches(client.search("ALL")):
                for uid, data in client.fetch(some, ["FLAGS"]).items():
                    everything.append((name, uid, data[b"FLAGS"]))
        chosen = rng.sample(everything, max(1, round(len(everything) * fraction)))
        chosen.sort()
        current = None
        for number, (name, uid, flags) in enumerate(chosen):
            if name != current:
                client.select_folder(name)
                current = name
            if b"\\Seen" in flags:
                client.remove_flags([uid], [b"\\Seen"])
            else:
                client.add_flags([uid], [b"\\Seen"])
            if number % 3 == 0:
                client.add_flags([uid], [b"\\Flagged"])
    return len(chosen)


def deliver_new(server: BenchServer, count: int, seed: int) -> int:
    """APPEND ``count`` new messages (generated like the rest, another seed) to INBOX."""
    plan = plan_mailbox(count, count * 150_000, seed + 1000)
    builder = Builder(plan)
    with server.client() as client:
        for message in plan.messages:
            client.append("INBOX", builder.build(message), flags=(), msg_time=message.date)
    return len(plan.messages)


def server_counts(server: BenchServer) -> tuple[int, int, int]:
    """(messages, seen, flagged) on the server, over IMAP."""
    total = seen = flagged = 0
    with server.client() as client:
        for name in selectable(client):
            status = client.folder_status(name, [b"MESSAGES", b"UNSEEN"])
            total += status[b"MESSAGES"]
            seen += status[b"MESSAGES"] - status[b"UNSEEN"]
            client.select_folder(name, readonly=True)
            flagged += len(client.search(["FLAGGED"]))
    return total, seen, flagged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--target-size", default="0.7G")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    with bench_dovecot(
        args.messages, parse_size(args.target_size), args.seed, args.workers
    ) as server:
        print(server.generated.summary())
        print(f"Dovecot indexed the mailbox in {server.indexing_seconds:.1f} s\n")
        print(server.describe())
        print("\nRunning; Ctrl-C to stop (everything is removed on exit).")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: set even when inherited
            signal.signal(signum, lambda *_: stop.set())  # as ignored (background job)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

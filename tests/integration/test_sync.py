"""The sync engine and the reading commands against the lab's Dovecot."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from app.cli.main import main
from app.core.errors import CaduceeError
from app.ops.sync import sync_lock
from app.store.db import Store
from app.store.mime import parse_message
from app.store.mime_attachments import attachment_bytes
from app.sync.engine import AccountSync
from app.transport import imap
from app.transport.endpoints import Endpoint, Protocol, Security
from app.transport.imap import Mailbox
from app.transport.tls import TrustPolicy
from tests.lab.build import LabAccounts, LabPki
from tests.lab.dovecot import Dovecot, MailAccount, fill_maildir
from tests.lab.proxy import FaultyProxy
from tests.profile_db import open_db

pytestmark = pytest.mark.lab


def gp_message(number: int, *, attachment: bytes | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Laboratoire Biolab <labo@biolab.mssante.test>"
    message["To"] = "sync@mail.example.test"
    message["Subject"] = f"Résultats d'hémoglobine n°{number} — Mme DURAND"
    message["Message-ID"] = f"<res-{number}-{time.time_ns()}@biolab.test>"
    message["Date"] = "Mon, 16 Nov 2026 09:00:00 +0100"
    message.set_content(f"Bonjour,\nvoici le bilan sanguin numéro {number}.\n" + "x" * 2000)
    if attachment is not None:
        message.add_attachment(
            attachment, maintype="application", subtype="pdf", filename=f"résultat-{number}.pdf"
        )
    return message.as_bytes()


class Server:
    """Direct access to the lab mailbox, as another client (or the operator) would change it."""

    def __init__(self, dovecot: Dovecot, lab_pki: LabPki, account: MailAccount) -> None:
        self.dovecot, self.lab_pki, self.account = dovecot, lab_pki, account

    def client(self) -> IMAPClient:
        trust = self.lab_pki.public_ca.root.issued.cert_pem().decode()
        client = IMAPClient(
            "127.0.0.1",
            self.dovecot.imaps_port,
            ssl=True,
            timeout=30,
            ssl_context=ssl.create_default_context(cadata=trust),
        )
        client.login(self.account.login, self.account.password or "")
        return client

    def reset(self, folders: tuple[str, ...] = ()) -> None:
        with self.client() as client:
            for name in folders:
                if client.folder_exists(name):
                    client.delete_folder(name)
            client.select_folder("INBOX")
            if client.search(["ALL"]):
                client.delete_messages(client.search(["ALL"]))
                client.expunge()

    def append(self, folder: str, messages: list[bytes], flags: tuple[bytes, ...] = ()) -> None:
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw, flags=flags)


@pytest.fixture
def server(dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts) -> Server:
    box = Server(dovecot_password, lab_pki, lab_accounts.sync)
    box.reset(("Résultats",))
    return box


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    yield opened
    opened.close()


def connect_to(server: Server) -> imap.ImapConnection:
    policy = TrustPolicy(anchors=[server.lab_pki.public_ca.root.certificate], mssante=False)
    connection = imap.connect(
        Endpoint(Protocol.IMAP, Security.IMPLICIT, "localhost", server.dovecot.imaps_port), policy
    )
    connection.authenticate_password(server.account.login, server.account.password or "")
    return connection


def sync_once(store: Store, server: Server, *, qresync: bool = True) -> object:
    account = store.account(server.account.address) or store.add_account(
        server.account.address,
        "password",
        f"imaps://localhost:{server.dovecot.imaps_port}",
        username=server.account.login,
    )
    connection = connect_to(server)
    try:
        mailbox = Mailbox(connection)
        assert mailbox.qresync  # the lab's Dovecot offers it
        mailbox.qresync = qresync  # False: the CONDSTORE + UID SEARCH fallback
        return AccountSync(store, account, mailbox).run()
    finally:
        connection.close()


def test_full_then_incremental_sync(server: Server, store: Store) -> None:
    server.append("INBOX", [gp_message(i, attachment=b"%PDF-1.4 " + bytes([i])) for i in range(30)])
    server.append("Résultats", [gp_message(100 + i) for i in range(5)], flags=(b"\\Seen",))

    first = sync_once(store, server)
    assert (first.new, first.bodies) == (35, 35)  # type: ignore[attr-defined]
    messages = store.messages(folder="INBOX")
    assert len(messages) == 30 and all(m.downloaded and m.has_attachments for m in messages)
    assert {m.folder for m in store.messages()} == {"INBOX", "Résultats"}
    assert all(not m.unread for m in store.messages(folder="Résultats"))

    unchanged = sync_once(store, server)
    assert (unchanged.new, unchanged.bodies, unchanged.skipped_unchanged) == (0, 0, 2)  # type: ignore[attr-defined]

    with server.client() as client:  # another client reads one, flags one, deletes two
        client.select_folder("INBOX")
        uids = sorted(client.search(["ALL"]))
        client.add_flags(uids[:1], [b"\\Seen"])
        client.add_flags(uids[1:2], [b"\\Flagged"])
        client.delete_messages(uids[2:4])
        client.expunge()
    server.append("INBOX", [gp_message(999)])
    changed = sync_once(store, server)
    assert (changed.new, changed.removed, changed.bodies) == (1, 2, 1)  # type: ignore[attr-defined]
    assert changed.flag_changes >= 2  # type: ignore[attr-defined]
    inbox = store.messages(folder="INBOX")
    assert len(inbox) == 29
    assert sum(1 for m in inbox if "\\Flagged" in m.flags) == 1
    assert sum(1 for m in inbox if not m.unread) == 1


def test_search_is_accent_and_case_insensitive_with_prefixes(server: Server, store: Store) -> None:
    server.append("INBOX", [gp_message(7, attachment=b"%PDF-1.4")])
    sync_once(store, server)
    for query in ("hemoglo", "HÉMOGLOBINE", "durand bilan", "resultat-7", "biolab"):
        assert len(store.search(query)) == 1, query
    assert store.search("cholesterol") == []
    assert store.search('"; DROP TABLE messages; --') == []


def test_uidvalidity_change_resets_the_folder(server: Server, store: Store) -> None:
    server.append("Résultats", [gp_message(i) for i in range(3)])
    sync_once(store, server)
    before = {m.id for m in store.messages(folder="Résultats")}
    with server.client() as client:  # the operator rebuilt the folder: new UIDVALIDITY
        client.delete_folder("Résultats")
    server.append("Résultats", [gp_message(i) for i in range(2)])
    report = sync_once(store, server)
    after = store.messages(folder="Résultats")
    assert report.reset_folders == ["Résultats"]  # type: ignore[attr-defined]
    assert len(after) == 2 and not ({m.id for m in after} & before)


def test_a_folder_deleted_on_the_server_goes_away(server: Server, store: Store) -> None:
    server.append("Résultats", [gp_message(1)])
    sync_once(store, server)
    with server.client() as client:
        client.delete_folder("Résultats")
    sync_once(store, server)
    assert store.messages(folder="Résultats") == []


def test_reading_commands_work_offline(
    server: Server,
    lab_pki: LabPki,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.append("INBOX", [gp_message(5, attachment=b"%PDF-1.4 x")])
    trust = tmp_path / "public-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    profile = ["--profile-dir", str(tmp_path / "p")]
    monkeypatch.setenv("CADUCEE_PASSWORD", server.account.password or "")
    assert (
        main(
            [
                *profile,
                "account",
                "add",
                "--address",
                server.account.address,
                "--imap",
                f"imaps://localhost:{server.dovecot.imaps_port}",
                "--auth",
                "password",
                "--username",
                server.account.login,
                "--trust",
                str(trust),
            ]
        )
        == 0
    )
    assert main([*profile, "sync", "--json"]) == 0
    capsys.readouterr()
    server.dovecot.stop()  # offline from here on
    try:
        assert main([*profile, "list", "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert len(listed) == 1 and listed[0]["subject"].startswith("Résultats d'hémoglobine")
        assert main([*profile, "search", "hemoglobine", "--json"]) == 0
        assert [m["id"] for m in json.loads(capsys.readouterr().out)] == [listed[0]["id"]]
        assert main([*profile, "show", listed[0]["message_id"], "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert "bilan sanguin numéro 5" in shown["body_text"]
        assert shown["attachments"][0]["filename"] == "résultat-5.pdf"
        assert main([*profile, "mark", str(listed[0]["id"]), "--read", "--flagged"]) == 0
        capsys.readouterr()
        assert main([*profile, "list", "--json"]) == 0
        [marked] = json.loads(capsys.readouterr().out)
        assert not marked["unread"] and "\\Flagged" in marked["flags"]  # offline, at once
        assert main([*profile, "sync"]) == 1  # and sync says the server is unreachable
        assert "ÉCHEC" in capsys.readouterr().err
    finally:
        server.dovecot.start()


def test_sync_killed_at_random_points_loses_and_duplicates_nothing(
    dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts, tmp_path: Path
) -> None:
    box = Server(dovecot_password, lab_pki, lab_accounts.crash)
    box.reset(("Résultats",))
    box.append("INBOX", [gp_message(i, attachment=os.urandom(20_000)) for i in range(150)])
    box.append("Résultats", [gp_message(500 + i) for i in range(50)])
    trust = tmp_path / "public-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    profile = tmp_path / "p"
    env = {**os.environ, "CADUCEE_PASSWORD": box.account.password or ""}
    base = [sys.executable, "-m", "app", "--profile-dir", str(profile)]
    subprocess.run(
        [
            *base,
            "account",
            "add",
            "--address",
            box.account.address,
            "--imap",
            f"imaps://localhost:{dovecot_password.imaps_port}",
            "--auth",
            "password",
            "--username",
            box.account.login,
            "--trust",
            str(trust),
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    chance = random.Random(20261122)
    for _ in range(6):  # kill -9 somewhere between start-up and the end of the sync
        sync = subprocess.Popen(
            [*base, "sync"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(chance.uniform(0.3, 2.5))
        workers = _children(sync.pid)  # the body pipeline's processes, if it had started
        sync.send_signal(signal.SIGKILL)
        sync.wait(timeout=30)
        deadline = time.monotonic() + 10
        while workers and time.monotonic() < deadline:  # they follow their parent
            workers = {pid for pid in workers if _running(pid)}
            time.sleep(0.05)
        assert not workers, "worker processes outlived the killed sync"
    final = subprocess.run(
        [*base, "sync", "--json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert final.returncode == 0, final.stderr

    db = open_db(profile / "store.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    counts = dict(
        db.execute(
            "SELECT f.name, COUNT(*) FROM messages m JOIN folders f "
            "ON f.id = m.folder_id GROUP BY f.name"
        ).fetchall()
    )
    assert counts == {"INBOX": 150, "Résultats": 50}
    assert db.execute("SELECT COUNT(*) FROM messages WHERE blob IS NULL").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM search").fetchone()[0] == 200
    message_ids = [r[0] for r in db.execute("SELECT message_id FROM messages")]
    assert len(message_ids) == len(set(message_ids))  # nothing twice
    blobs = {r[0] for r in db.execute("SELECT blob FROM messages")}
    on_disk = {p.parent.name + p.stem for p in (profile / "messages").glob("*/*.eml")}
    assert on_disk == blobs  # no orphan left after the final sync, none missing
    db.close()


def test_sync_killed_while_its_workers_parse_then_completes(
    dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts, tmp_path: Path
) -> None:
    """SIGKILL once the body pipeline's worker processes run: they go too, nothing is lost."""
    box = Server(dovecot_password, lab_pki, lab_accounts.crash)
    box.reset(("Résultats",))
    box.append("INBOX", [gp_message(i, attachment=os.urandom(150_000)) for i in range(300)])
    trust = tmp_path / "public-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    profile = tmp_path / "p"
    env = {**os.environ, "CADUCEE_PASSWORD": box.account.password or ""}
    base = [sys.executable, "-m", "app", "--profile-dir", str(profile)]
    subprocess.run(
        [*base, "account", "add", "--address", box.account.address, "--imap",
         f"imaps://localhost:{dovecot_password.imaps_port}", "--auth", "password",
         "--username", box.account.login, "--trust", str(trust)],
        env=env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    sync = subprocess.Popen(
        [*base, "sync"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 1 and sync.poll() is None and time.monotonic() < deadline:
        workers = _children(sync.pid)
        time.sleep(0.02)
    assert workers, "the sync ended before its body workers were seen"
    time.sleep(0.3)  # in the middle of the bodies
    sync.send_signal(signal.SIGKILL)
    sync.wait(timeout=30)
    deadline = time.monotonic() + 10
    while workers and time.monotonic() < deadline:
        workers = {pid for pid in workers if _running(pid)}
        time.sleep(0.05)
    assert not workers, "worker processes outlived the killed sync"

    final = subprocess.run([*base, "sync"], env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    db = open_db(profile / "store.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT COUNT(*), COUNT(blob) FROM messages").fetchone() == (300, 300)
    assert (
        db.execute("SELECT COUNT(*) FROM search WHERE search MATCH 'sanguin'").fetchone()[0] == 300
    )
    message_ids = [r[0] for r in db.execute("SELECT message_id FROM messages")]
    assert len(message_ids) == len(set(message_ids))
    blobs = {r[0] for r in db.execute("SELECT blob FROM messages")}
    on_disk = {p.parent.name + p.stem for p in (profile / "messages").glob("*/*.eml")}
    leftovers = list((profile / "messages").glob("*/.tmp-*"))
    assert on_disk == blobs and not leftovers
    db.close()


def _children(pid: int) -> set[int]:
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children |= {int(c) for c in (task / "children").read_text().split()}
    return children


def _running(pid: int) -> bool:
    try:  # a zombie has exited (whoever adopted it may not reap it at once)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _proxied_sync(store: Store, server: Server, port: int) -> object:
    account = store.account(server.account.address) or store.add_account(
        server.account.address,
        "password",
        f"imaps://localhost:{port}",
        username=server.account.login,
    )
    policy = TrustPolicy(anchors=[server.lab_pki.public_ca.root.certificate], mssante=False)
    connection = imap.connect(
        Endpoint(Protocol.IMAP, Security.IMPLICIT, "localhost", port), policy, timeout=10
    )
    connection.authenticate_password(server.account.login, server.account.password or "")
    try:
        return AccountSync(store, account, Mailbox(connection)).run()
    finally:
        connection.client.shutdown()


def test_connection_cut_during_fetch_then_the_next_sync_completes(
    server: Server, store: Store
) -> None:
    server.append("INBOX", [gp_message(i, attachment=os.urandom(100_000)) for i in range(40)])
    with FaultyProxy(server.dovecot.imaps_port) as proxy:
        proxy.cut_after = 1_500_000  # in the middle of the bodies
        with pytest.raises(CaduceeError) as cut:
            _proxied_sync(store, server, proxy.port)
        assert proxy.cuts >= 1, f"failed before the cut: {cut.value!r}"
        assert cut.value.user_message  # a French message, not a traceback
        proxy.cut_after = None
        _proxied_sync(store, server, proxy.port)
    messages = store.messages(folder="INBOX")
    assert len(messages) == 40 and all(m.downloaded for m in messages)
    assert len({m.message_id for m in messages}) == 40


def test_server_restarted_mid_sync(server: Server, store: Store) -> None:
    server.append("INBOX", [gp_message(i, attachment=os.urandom(200_000)) for i in range(40)])
    with FaultyProxy(server.dovecot.imaps_port) as proxy:
        restarted = threading.Timer(0.3, server.dovecot.stop)
        restarted.start()
        try:
            with pytest.raises(CaduceeError):
                for _ in range(20):  # as many syncs as it takes to be caught by the stop
                    _proxied_sync(store, server, proxy.port)
        finally:
            restarted.join()
            server.dovecot.start()  # back, on new ports behind the same address
        proxy.target_port = server.dovecot.imaps_port
        _proxied_sync(store, server, proxy.port)
    messages = store.messages(folder="INBOX")
    assert len(messages) == 40 and all(m.downloaded for m in messages)


def test_a_message_with_a_50_mb_attachment(server: Server, store: Store) -> None:
    scan = os.urandom(50 * 1024 * 1024)
    server.append("INBOX", [gp_message(1, attachment=scan)])
    report = sync_once(store, server)
    assert report.bodies == 1  # type: ignore[attr-defined]
    [message] = store.messages(folder="INBOX")
    raw = store.raw(message)
    assert raw is not None and len(raw) > 50 * 1024 * 1024
    parsed = parse_message(raw)
    assert parsed.attachments[0].size == len(scan)
    assert attachment_bytes(raw, parsed.attachments[0].part_index) == scan


def test_idle_reports_new_mail_on_its_own_connection(server: Server) -> None:
    from app.sync.idle import IdleWatcher

    policy = TrustPolicy(anchors=[server.lab_pki.public_ca.root.certificate], mssante=False)

    def connect() -> imap.ImapConnection:
        connection = imap.connect(
            Endpoint(Protocol.IMAP, Security.IMPLICIT, "localhost", server.dovecot.imaps_port),
            policy,
            timeout=10,
        )
        connection.authenticate_password(server.account.login, server.account.password or "")
        return connection

    changes: list[str] = []
    watcher = IdleWatcher(connect, changes.append, slice_seconds=2)
    watcher.start()
    try:
        time.sleep(1)  # let it reach IDLE
        assert changes == []
        server.append("INBOX", [gp_message(42)])
        deadline = time.monotonic() + 10
        while not changes:
            assert time.monotonic() < deadline, "IDLE never reported the new message"
            time.sleep(0.05)
        assert changes[0] == "INBOX"
    finally:
        started = time.monotonic()
        watcher.stop()
        assert time.monotonic() - started < 5  # stopping does not wait for the IDLE renewal

    catching_up = IdleWatcher(connect, changes.append, slice_seconds=2, catch_up=True)
    changes.clear()
    catching_up.start()  # mail may have come since the last sync: one sync on connection
    try:
        deadline = time.monotonic() + 10
        while not changes:
            assert time.monotonic() < deadline, "no catch-up reported on connection"
            time.sleep(0.05)
        time.sleep(2.5)  # past one IDLE renewal
        assert changes == ["INBOX"]  # once per connection, not on every renewal
    finally:
        catching_up.stop()


def test_sync_watch_picks_up_new_mail_by_itself(
    server: Server, lab_pki: LabPki, tmp_path: Path
) -> None:
    trust = tmp_path / "public-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    env = {**os.environ, "CADUCEE_PASSWORD": server.account.password or ""}
    base = [sys.executable, "-m", "app", "--profile-dir", str(tmp_path / "p")]
    subprocess.run(
        [
            *base,
            "account",
            "add",
            "--address",
            server.account.address,
            "--imap",
            f"imaps://localhost:{server.dovecot.imaps_port}",
            "--auth",
            "password",
            "--username",
            server.account.login,
            "--trust",
            str(trust),
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    watching = subprocess.Popen(
        [*base, "sync", "--watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watching.stdout is not None
        while "En attente de nouveaux messages" not in watching.stdout.readline():
            assert watching.poll() is None, watching.stderr.read() if watching.stderr else ""
        time.sleep(1)
        server.append("INBOX", [gp_message(77)])
        line = watching.stdout.readline()
        while "1 nouveaux" not in line:  # skip the catch-up sync made on connection
            assert " 0 nouveaux" in line, line
            line = watching.stdout.readline()
        assert "1 messages téléchargés" in line
    finally:
        watching.send_signal(signal.SIGINT)
        _out, errors = watching.communicate(timeout=15)
    assert watching.returncode == 0, errors


def test_flags_changed_locally_offline_reach_the_server_at_the_next_sync(
    server: Server, store: Store
) -> None:
    server.append("INBOX", [gp_message(i) for i in range(3)])
    sync_once(store, server)
    first, second, third = sorted(store.messages(folder="INBOX"), key=lambda m: m.uid)
    store.change_flags(first, add=["\\Seen", "\\Flagged"])  # offline: local at once
    store.change_flags(second, add=["\\Seen"])
    store.change_flags(second, remove=["\\Seen"])  # changed her mind: order is kept
    store.change_flags(third, add=["\\Seen"])
    assert "\\Flagged" in (store.find(str(first.id)) or first).flags
    with server.client() as client:  # meanwhile the third one is deleted elsewhere
        client.select_folder("INBOX")
        client.delete_messages([third.uid])
        client.expunge()

    report = sync_once(store, server)
    assert report.flags_pushed == 4  # type: ignore[attr-defined]
    with server.client() as client:
        client.select_folder("INBOX", readonly=True)
        flags = {
            uid: set(data[b"FLAGS"])
            for uid, data in client.fetch([first.uid, second.uid], ["FLAGS"]).items()
        }
    assert {b"\\Seen", b"\\Flagged"} <= flags[first.uid]
    assert b"\\Seen" not in flags[second.uid]
    assert {m.uid for m in store.messages(folder="INBOX")} == {first.uid, second.uid}
    assert store.pending_flags(store.folders(store.accounts()[0])[0]) == []
    again = sync_once(store, server)
    assert again.flags_pushed == 0 and again.skipped_unchanged >= 1  # type: ignore[attr-defined]


def _server_flags(box: Server) -> dict[int, set[str]]:
    with box.client() as client:
        client.select_folder("INBOX", readonly=True)
        uids = sorted(client.search(["ALL"]))
        data = {}
        for start in range(0, len(uids), 2000):  # command lines have a limit
            data.update(client.fetch(uids[start : start + 2000], ["FLAGS"]))
    return {
        uid: {f.decode() for f in d[b"FLAGS"] if f.lower() != b"\\recent"}
        for uid, d in data.items()
    }


def _check_copy(store: Store, box: Server) -> None:
    """The local copy is the server's: same UIDs and flags, nothing twice, all indexed."""
    local = {m.uid: set(m.flags) for m in store.messages(folder="INBOX")}
    assert local == _server_flags(box)
    rows, distinct, indexed = store.db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT message_id), (SELECT COUNT(*) FROM search) FROM messages"
    ).fetchone()
    assert rows == distinct == indexed == len(local)


def _traced(action: Callable[[], object]) -> tuple[object, float, float]:
    """(result, seconds, peak Python memory in MB) of ``action``."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = action()
        seconds = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return result, seconds, peak


def test_a_folder_with_20000_messages(
    dovecot_password: Dovecot,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    box = Server(dovecot_password, lab_pki, lab_accounts.big)
    fill_maildir(dovecot_password, box.account, range(20_000))
    trust = tmp_path / "public-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    profile = tmp_path / "profile"
    env = {**os.environ, "CADUCEE_PASSWORD": box.account.password or ""}
    base = [sys.executable, "-m", "app", "--profile-dir", str(profile)]
    add = ["account", "add", "--address", box.account.address, "--auth", "password"]
    add += ["--imap", f"imaps://localhost:{dovecot_password.imaps_port}"]
    add += ["--username", box.account.login, "--trust", str(trust)]
    subprocess.run([*base, *add], env=env, check=True, capture_output=True, timeout=60)

    # The full sync in a process of its own, which reports its own peak memory (VmHWM:
    # getrusage's maxrss would count the test process image copied by fork).
    peak_file = tmp_path / "peak"
    probe = (
        "import pathlib, sys\n"
        "from app.cli.main import main\n"
        "code = main(sys.argv[2:])\n"
        "status = pathlib.Path('/proc/self/status').read_text().splitlines()\n"
        "peak = next(line for line in status if line.startswith('VmHWM:'))\n"
        "pathlib.Path(sys.argv[1]).write_text(peak.split()[1])\n"
        "sys.exit(code)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", probe, str(peak_file), *base[3:], "sync", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    full = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    [first] = json.loads(done.stdout)
    assert (first["new"], first["bodies"], first["removed"]) == (20_000, 20_000, 0)
    peak_mb = int(peak_file.read_text()) / 1024  # kB
    assert peak_mb < 200, f"full sync of 20,000 messages peaked at {peak_mb:.0f} MB"

    store = Store.open(profile)
    try:
        assert len(store.search("bilan 19999")) == 1
        assert sum(1 for m in store.messages(folder="INBOX") if m.unread) == 4_000
        _check_copy(store, box)

        started = time.monotonic()
        again = sync_once(store, box)
        assert again.skipped_unchanged == 1  # type: ignore[attr-defined]
        assert time.monotonic() - started < full / 10

        # Another client reads one message and deletes five, here and there.
        with box.client() as client:
            client.select_folder("INBOX")
            uids = sorted(client.search(["ALL"]))
            flagged = uids[7_000]
            client.add_flags([flagged], [b"\\Flagged"])
            client.delete_messages([uids[0], uids[5_000], uids[12_345], uids[12_346], uids[-1]])
            client.expunge()

        def no_full_listing(_self: Mailbox) -> set[int]:
            raise AssertionError("UID SEARCH ALL should not be needed with QRESYNC")

        with monkeypatch.context() as patched:
            patched.setattr(Mailbox, "all_uids", no_full_listing)
            started = time.monotonic()
            quick = sync_once(store, box)
            quick_seconds = time.monotonic() - started
        assert (quick.new, quick.removed, quick.flag_changes, quick.bodies) == (0, 5, 1, 0)  # type: ignore[attr-defined]
        _check_copy(store, box)

        # The same kind of change through the fallback (no QRESYNC): same result.
        with box.client() as client:
            client.select_folder("INBOX")
            uids = sorted(client.search(["ALL"]))
            client.remove_flags([flagged], [b"\\Flagged"])
            client.delete_messages([uids[100], uids[15_000]])
            client.expunge()
        started = time.monotonic()
        slow = sync_once(store, box, qresync=False)
        slow_seconds = time.monotonic() - started
        assert (slow.new, slow.removed, slow.flag_changes, slow.bodies) == (0, 2, 1, 0)  # type: ignore[attr-defined]
        _check_copy(store, box)

        # The worst QRESYNC answer: every message changed since (modseq 1), one line each.
        [folder] = store.folders(store.accounts()[0])
        assert folder.uidvalidity is not None
        local = store.uids(folder)
        with connect_to(box) as connection:
            mailbox = Mailbox(connection)
            resync, worst_seconds, worst_mb = _traced(
                lambda: mailbox.select_qresync("INBOX", folder.uidvalidity, 1, local)
            )
        assert resync.resynced and resync.exists == len(local) == 19_993  # type: ignore[attr-defined]
        assert set(resync.changed) == local and not resync.vanished  # type: ignore[attr-defined]
        assert worst_mb < 100, f"{worst_mb:.0f} MB to read 20,000 changes"
        print(
            f"\n20,000 messages: full sync {full:.1f} s (peak RSS {peak_mb:.0f} MB); resync "
            f"after 1 flag + expunges: QRESYNC {quick_seconds:.2f} s, fallback "
            f"{slow_seconds:.2f} s; QRESYNC from modseq 1: {worst_seconds:.2f} s, "
            f"{worst_mb:.0f} MB traced"
        )
    finally:
        store.close()


# -- two processes, one account --------------------------------------------------------------


def _cli_account(server: Server, tmp_path: Path) -> tuple[list[str], dict[str, str], Path]:
    """A profile holding the lab account, added by ``caducee account add``: the command's
    start, its environment, the profile."""
    trust = tmp_path / "public-root.pem"
    trust.write_bytes(server.lab_pki.public_ca.root.issued.cert_pem())
    profile = tmp_path / "p"
    env = {**os.environ, "CADUCEE_PASSWORD": server.account.password or ""}
    base = [sys.executable, "-m", "app", "--profile-dir", str(profile)]
    subprocess.run(
        [*base, "account", "add", "--address", server.account.address, "--imap",
         f"imaps://localhost:{server.dovecot.imaps_port}", "--auth", "password",
         "--username", server.account.login, "--trust", str(trust)],
        env=env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return base, env, profile


def _bodies_served(server: Server, log_from: int, sessions: int) -> int:
    """Messages whose body the lab's Dovecot sent to ``sessions`` sessions of the account
    logged out since ``log_from`` (its logout line counts them: ``body_count=``)."""
    pattern = re.compile(
        rf"imap\({re.escape(server.account.login)}\).*Logged out.*body_count=(\d+)"
    )
    deadline = time.monotonic() + 15
    while True:
        counts = [int(m.group(1)) for m in pattern.finditer(server.dovecot.log()[log_from:])]
        if len(counts) >= sessions or time.monotonic() > deadline:
            assert len(counts) == sessions, counts
            return sum(counts)
        time.sleep(0.1)


def test_two_processes_syncing_one_account_fetch_each_message_once(
    server: Server, tmp_path: Path
) -> None:
    """Two ``caducee sync`` at once on one profile: one waits for the other, then finds
    nothing new; each message is downloaded once, stored once, and reported once.

    Both start while this test holds the account's sync lock (as a third process would), so
    that they surely run at the same time: once it is released, one syncs, the other waits.
    """
    server.append("INBOX", [gp_message(i, attachment=os.urandom(20_000)) for i in range(300)])
    base, env, profile = _cli_account(server, tmp_path)
    log_from = len(server.dovecot.log())
    held = sync_lock(profile / "locks", server.account.address)
    assert held.acquire(timeout=0)
    syncs = []
    try:
        for _ in range(2):
            sync = subprocess.Popen(
                [*base, "sync", "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            syncs.append(sync)
            assert sync.stderr is not None
            notice = sync.stderr.readline()  # said before it waits
            assert f"déjà en cours dans un autre processus (pid {os.getpid()})" in notice, notice
    finally:
        held.release()
    outputs = [sync.communicate(timeout=120) for sync in syncs]
    for sync, (_out, errors) in zip(syncs, outputs, strict=True):
        assert sync.returncode == 0, errors
    reports = sorted((json.loads(out)[0] for out, _errors in outputs), key=lambda r: -r["new"])
    assert [(r["new"], r["bodies"]) for r in reports] == [(300, 300), (0, 0)]  # as stored

    assert _bodies_served(server, log_from, sessions=2) == 300  # no message fetched twice
    db = open_db(profile / "store.sqlite3")
    try:
        assert db.execute("SELECT COUNT(*), COUNT(blob) FROM messages").fetchone() == (300, 300)
        assert db.execute("SELECT COUNT(DISTINCT message_id) FROM messages").fetchone()[0] == 300
        assert db.execute("SELECT COUNT(*) FROM search").fetchone()[0] == 300
    finally:
        db.close()


def test_a_sync_waits_a_bounded_time_then_says_another_process_syncs(
    server: Server, tmp_path: Path
) -> None:
    server.append("INBOX", [gp_message(1)])
    base, env, profile = _cli_account(server, tmp_path)
    log_from = len(server.dovecot.log())
    held = sync_lock(profile / "locks", server.account.address)
    assert held.acquire(timeout=0)  # as a sync running in another process would
    try:
        started = time.monotonic()
        refused = subprocess.run(
            [*base, "sync", "--wait", "1"], env=env, capture_output=True, text=True, timeout=60
        )
        waited = time.monotonic() - started
    finally:
        held.release()
    assert refused.returncode == 1
    assert waited >= 1
    assert (
        f"{server.account.address} : ÉCHEC — Une synchronisation de ce compte est déjà en cours "
        f"dans un autre processus (pid {os.getpid()})" in refused.stderr
    )
    assert "attente (au plus 1 s)" in refused.stderr
    assert "Login:" not in server.dovecot.log()[log_from:]  # not even connected
    done = subprocess.run([*base, "sync", "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["new"] == 1


def test_sync_watch_waits_for_another_process_quietly(server: Server, tmp_path: Path) -> None:
    """``sync --watch`` started while another process syncs says so once, then syncs."""
    server.append("INBOX", [gp_message(i) for i in range(3)])
    base, env, profile = _cli_account(server, tmp_path)
    held = sync_lock(profile / "locks", server.account.address)
    assert held.acquire(timeout=0)
    watching = subprocess.Popen(
        [*base, "sync", "--watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watching.stdout is not None
        while "En attente de nouveaux messages" not in watching.stdout.readline():
            assert watching.poll() is None, watching.stderr.read() if watching.stderr else ""
        time.sleep(2)  # the IDLE connection's catch-up sync finds the account busy too
        held.release()
        server.append("INBOX", [gp_message(3)])
        line = watching.stdout.readline()
        assert " 4 nouveaux" in line and "4 messages téléchargés" in line, line
    finally:
        held.release()
        watching.send_signal(signal.SIGINT)
        _out, errors = watching.communicate(timeout=15)
    assert watching.returncode == 0, errors
    assert errors.count("synchronisation en cours dans un autre processus") == 1, errors
    assert "ÉCHEC" not in errors

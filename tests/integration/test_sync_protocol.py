"""Sync engine edge cases against the scripted IMAP server (tests/lab/fakeimap.py).

What Dovecot never does on its own: no CONDSTORE/QRESYNC at all, a STORE refused with NO,
a VANISHED reply written by the test, a folder rebuilt between STATUS and SELECT.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.errors import ProtocolError
from app.store.db import Store
from app.sync import engine
from app.sync.engine import AccountSync, SyncReport
from app.transport import imap
from app.transport.endpoints import Endpoint, Protocol, Security
from app.transport.imap import Mailbox, parse_uid_set, uid_set
from app.transport.tls import TrustPolicy
from tests.lab.build import LOOPBACK_NAMES, LabPki
from tests.lab.fakeimap import ALL_CAPABILITIES, PASSWORD, USER, FakeImapServer

pytestmark = pytest.mark.lab

PLAIN = ("IMAP4rev1", "IDLE")  # neither CONDSTORE nor QRESYNC (nor ENABLE)
CONDSTORE_ONLY = ("IMAP4rev1", "ENABLE", "IDLE", "CONDSTORE")
SERVERS = pytest.mark.parametrize(
    "capabilities", [PLAIN, CONDSTORE_ONLY, ALL_CAPABILITIES], ids=["plain", "condstore", "qresync"]
)
ADDRESS = "fake@mail.example.test"


def message(number: int) -> bytes:
    return (
        f"From: labo@biolab.mssante.test\r\nTo: {ADDRESS}\r\nSubject: Bilan {number}\r\n"
        f"Message-ID: <fake-{number}@lab.test>\r\nDate: Mon, 16 Nov 2026 09:00:00 +0100\r\n"
        f"\r\nRésultat {number}.\r\n"
    ).encode()


@pytest.fixture(scope="module")
def server_context(lab_pki: LabPki) -> ssl.SSLContext:
    issued = lab_pki.public_ca.server(LOOPBACK_NAMES, operator="FAKE IMAP TEST")
    chain, key = lab_pki.write_issued("fake-imap", issued, lab_pki.public_ca)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(chain), str(key))
    return context


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    yield opened
    opened.close()


def connect(server: FakeImapServer, lab_pki: LabPki) -> imap.ImapConnection:
    policy = TrustPolicy(anchors=[lab_pki.public_ca.root.certificate], mssante=False)
    endpoint = Endpoint(Protocol.IMAP, Security.IMPLICIT, "localhost", server.port)
    connection = imap.connect(endpoint, policy, timeout=10)
    connection.authenticate_password(USER, PASSWORD)
    return connection


def sync(store: Store, server: FakeImapServer, lab_pki: LabPki) -> SyncReport:
    account = store.account(ADDRESS) or store.add_account(
        ADDRESS, "password", f"imaps://localhost:{server.port}", username=USER
    )
    with connect(server, lab_pki) as connection:
        return AccountSync(store, account, Mailbox(connection)).run()


def local_state(store: Store, folder: str = "INBOX") -> dict[int, set[str]]:
    return {m.uid: set(m.flags) for m in store.messages(folder=folder)}


def server_state(server: FakeImapServer, folder: str = "INBOX") -> dict[int, set[str]]:
    return {m.uid: set(m.flags) for m in server.folders[folder].messages}


def filled(server: FakeImapServer, count: int = 10, uidvalidity: int = 1000) -> None:
    server.add_folder("INBOX", uidvalidity)
    for number in range(1, count + 1):
        server.append("INBOX", message(number), ("\\Seen",) if number % 3 == 0 else ())


@SERVERS
def test_every_server_kind_reaches_the_same_state(
    capabilities: tuple[str, ...],
    server_context: ssl.SSLContext,
    lab_pki: LabPki,
    store: Store,
) -> None:
    with FakeImapServer(server_context, capabilities=capabilities) as server:
        filled(server)
        first = sync(store, server, lab_pki)
        assert (first.new, first.bodies) == (10, 10)
        assert local_state(store) == server_state(server)

        server.set_flags("INBOX", 2, {"\\Flagged"})  # another client flags one,
        server.expunge("INBOX", {4, 5})  # deletes two
        server.append("INBOX", message(11))  # and a new one arrives
        server.commands.clear()
        again = sync(store, server, lab_pki)

        assert (again.new, again.removed, again.bodies) == (1, 2, 1)
        assert local_state(store) == server_state(server)
        assert len({m.message_id for m in store.messages()}) == 9
        searched_all = [c for c in server.sent("SEARCH") if c.upper().endswith("SEARCH ALL")]
        if capabilities == ALL_CAPABILITIES:
            assert again.flag_changes == 1
            assert searched_all == []  # expunges came as VANISHED (EARLIER)
            [examine] = [c for c in server.sent("EXAMINE") if "QRESYNC" in c]
            assert examine.endswith("(QRESYNC (1000 11 1:10))")  # uidvalidity modseq known
        else:
            assert len(searched_all) == 1
            assert not any("QRESYNC" in c for c in server.commands)
            changed_since = [c for c in server.sent("FETCH") if "CHANGEDSINCE" in c]
            if capabilities == CONDSTORE_ONLY:
                assert again.flag_changes == 1 and len(changed_since) == 1
            else:  # flags of every known message read again, no MODSEQ asked
                assert changed_since == [] and server.sent("ENABLE") == []
                assert not any("MODSEQ" in c for c in server.commands)

        unchanged = sync(store, server, lab_pki)
        assert (unchanged.new, unchanged.removed, unchanged.skipped_unchanged) == (0, 0, 1)


def test_a_refused_flag_change_is_backed_out_and_reported(
    server_context: ssl.SSLContext,
    lab_pki: LabPki,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeImapServer(server_context) as server:
        filled(server, 3)
        server.refuse_store = {1}  # e.g. a shared folder where this flag is not allowed
        trust = tmp_path / "public-root.pem"
        trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
        profile = ["--profile-dir", str(tmp_path / "p")]
        monkeypatch.setenv("CADUCEE_PASSWORD", PASSWORD)
        add = ["account", "add", "--address", ADDRESS, "--auth", "password"]
        add += ["--imap", f"imaps://localhost:{server.port}", "--username", USER]
        assert main([*profile, *add, "--trust", str(trust)]) == 0
        assert main([*profile, "sync"]) == 0
        store = Store.open(tmp_path / "p")
        try:
            first, second, _third = sorted(store.messages(folder="INBOX"), key=lambda m: m.uid)
            store.change_flags(first, add=["\\Flagged"])  # refused by the server
            store.change_flags(second, add=["\\Seen"])  # accepted
            assert "\\Flagged" in (store.find(str(first.id)) or first).flags  # at once, locally
            capsys.readouterr()

            assert main([*profile, "sync", "--json"]) == 0
            [report] = json.loads(capsys.readouterr().out)
            assert (report["flags_pushed"], report["flags_refused"]) == (1, 1)

            assert server_state(server)[1] == set()  # unchanged on the server,
            assert local_state(store)[1] == set()  # backed out here,
            assert local_state(store)[2] == {"\\Seen"} == server_state(server)[2]
            assert store.pending_flags(store.folders(store.accounts()[0])[0]) == []  # dropped

            store.change_flags(first, add=["\\Seen"])
            assert main([*profile, "sync"]) == 0
            out = capsys.readouterr().out
            assert "1 changement(s) d'indicateurs refusé(s) par le serveur" in out
            assert local_state(store)[1] == set()
        finally:
            store.close()


def test_uid_sets_as_servers_write_them() -> None:
    assert parse_uid_set(b"1:5,8") == {1, 2, 3, 4, 5, 8}
    assert parse_uid_set("8:6,10") == {6, 7, 8, 10}  # a range may come high to low
    assert parse_uid_set(" 42 ") == {42}
    for bad in ("1:*", "", "a:b", "0:3"):
        with pytest.raises(ProtocolError):
            parse_uid_set(bad)
    assert uid_set([8, 1, 2, 3, 5, 4, 10, 11]) == "1:5,8,10:11"
    assert uid_set([]) == ""
    assert parse_uid_set(uid_set(range(1, 20_000, 3))) == set(range(1, 20_000, 3))


def test_vanished_ranges_remove_exactly_those_messages(
    server_context: ssl.SSLContext, lab_pki: LabPki, store: Store
) -> None:
    with FakeImapServer(server_context) as server:
        filled(server)
        sync(store, server, lab_pki)
        server.expunge("INBOX", {1, 2, 3, 4, 5, 8})
        server.set_flags("INBOX", 9, {"\\Answered"})
        server.folders["INBOX"].vanished_reply = "1:5,8,40:45"  # 40-45: never seen here
        server.commands.clear()

        report = sync(store, server, lab_pki)

        assert (report.removed, report.flag_changes, report.new) == (6, 1, 0)
        assert local_state(store) == {6: {"\\Seen"}, 7: set(), 9: {"\\Answered"}, 10: set()}
        assert local_state(store) == server_state(server)
        assert not any(c.upper().endswith("SEARCH ALL") for c in server.commands)


def test_select_qresync_gives_typed_changes(
    server_context: ssl.SSLContext, lab_pki: LabPki
) -> None:
    with FakeImapServer(server_context) as server:
        filled(server, 6)
        modseq = server.folders["INBOX"].highestmodseq
        server.expunge("INBOX", {2, 3})
        server.set_flags("INBOX", 5, {"\\Seen", "\\Flagged"})
        with connect(server, lab_pki) as connection:
            mailbox = Mailbox(connection)
            assert mailbox.qresync and mailbox.condstore
            resync = mailbox.select_qresync("INBOX", 1000, modseq, [1, 2, 3, 4, 5, 6])
            assert resync.resynced and resync.uidvalidity == 1000
            assert resync.vanished == {2, 3}
            assert resync.changed == {5: (("\\Flagged", "\\Seen"), modseq + 2)}
            assert (resync.exists, resync.uidnext) == (4, 7)
            assert mailbox.flags([1, 4]) == {1: ((), 2), 4: ((), 5)}  # no stale FETCH mixed in
            assert mailbox.uids_from(7) == set()  # "7:*" names the last message: not new
            assert mailbox.uids_from(5) == {5, 6}

            other = mailbox.select_qresync("INBOX", 999, modseq, [1])  # an old UIDVALIDITY
            assert not other.resynced and other.uidvalidity == 1000
            assert (other.vanished, other.changed) == (frozenset(), {})


def test_uidvalidity_change_between_syncs_resets_the_folder(
    server_context: ssl.SSLContext, lab_pki: LabPki, store: Store
) -> None:
    with FakeImapServer(server_context) as server:
        filled(server, 5)
        sync(store, server, lab_pki)
        before = {m.id for m in store.messages()}
        server.rebuild("INBOX", 2000, [message(n) for n in (101, 102)])

        report = sync(store, server, lab_pki)

        assert report.reset_folders == ["INBOX"]
        after = store.messages(folder="INBOX")
        assert sorted(m.subject for m in after) == ["Bilan 101", "Bilan 102"]
        assert not ({m.id for m in after} & before)


@SERVERS
@pytest.mark.parametrize("verb", ["SELECT", "EXAMINE"])  # pushing flags, reading changes
def test_uidvalidity_change_between_status_and_select(
    capabilities: tuple[str, ...],
    verb: str,
    server_context: ssl.SSLContext,
    lab_pki: LabPki,
    store: Store,
) -> None:
    """The folder is rebuilt after STATUS was answered: the UIDs the SELECT then gives
    belong to other messages and must not be matched with the stored ones."""
    with FakeImapServer(server_context, capabilities=capabilities) as server:
        filled(server, 5)
        sync(store, server, lab_pki)
        if verb == "SELECT":  # a local change waits to be pushed: SELECT comes first
            first = sorted(store.messages(folder="INBOX"), key=lambda m: m.uid)[0]
            store.change_flags(first, add=["\\Flagged"])
        server.append("INBOX", message(6))  # so that the folder is not skipped
        new_box = [message(n) for n in (201, 202, 203)]
        server.hook(verb, lambda: server.rebuild("INBOX", 3000, new_box))

        report = sync(store, server, lab_pki)

        assert report.reset_folders == ["INBOX"]
        assert report.flags_pushed == 0  # UID 1 is another message now: nothing stored
        assert report.removed == 0  # the old messages went with the reset, not as expunges
        assert server_state(server) == {1: set(), 2: set(), 3: set()}
        after = store.messages(folder="INBOX")
        assert sorted(m.subject for m in after) == ["Bilan 201", "Bilan 202", "Bilan 203"]
        assert local_state(store) == server_state(server)


def test_idle_notices_an_expunge_reported_as_vanished(
    server_context: ssl.SSLContext, lab_pki: LabPki
) -> None:
    with FakeImapServer(server_context) as server:
        filled(server, 3)
        with connect(server, lab_pki) as connection:
            mailbox = Mailbox(connection)
            mailbox.select("INBOX")
            assert imap.idle_wait(mailbox, 0.2) is False
            server.idle_events.append("* VANISHED 2")  # QRESYNC enabled: no EXPUNGE any more
            assert imap.idle_wait(mailbox, 2) is True


def test_header_batches_after_the_first_are_parsed_by_the_workers(
    server_context: ssl.SSLContext,
    lab_pki: LabPki,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 22: the body workers, started for many new messages, parse each header batch
    while the previous one is stored; the first is parsed here (they are still starting)."""
    monkeypatch.setattr(engine, "HEADER_BATCH", 40)
    monkeypatch.setattr(engine, "HEADER_BATCH_MORE", 20)  # here the first batch larger
    monkeypatch.setattr(engine, "PARSED_APART", 5)
    handed: list[int] = []
    real = engine._HeaderParsing.__init__

    def spied(self: engine._HeaderParsing, pool: object, rows: list[object]) -> None:
        real(self, pool, rows)  # type: ignore[arg-type]
        handed.append(len(self.futures))

    monkeypatch.setattr(engine._HeaderParsing, "__init__", spied)
    with FakeImapServer(server_context) as server:
        filled(server, 130)
        report = sync(store, server, lab_pki)
    assert (report.new, report.bodies) == (130, 130)
    assert handed[0] == 0 and len(handed) == 6 and all(handed[1:])  # 40, 20 x 4, 10
    assert local_state(store) == server_state(server)
    [found] = store.search("Bilan 77")
    assert found.subject == "Bilan 77" and found.sender == "labo@biolab.mssante.test"


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.IMPLICIT])
def test_the_capabilities_are_asked_once_after_tls(
    security: Security, server_context: ssl.SSLContext, lab_pki: LabPki, store: Store
) -> None:
    """Each round trip to her operator costs 20-50 ms: after STARTTLS imaplib asks for the
    capabilities, and the login uses that answer instead of asking twice more (5 CAPABILITY
    before the login, now 2)."""
    with FakeImapServer(server_context, starttls=security is Security.STARTTLS) as server:
        filled(server, 3)
        policy = TrustPolicy(anchors=[lab_pki.public_ca.root.certificate], mssante=False)
        endpoint = Endpoint(Protocol.IMAP, security, "localhost", server.port)
        with imap.connect(endpoint, policy, timeout=10) as connection:
            assert "QRESYNC" in connection.capabilities  # TLS's list, not the clear one
            connection.authenticate_password(USER, PASSWORD)
            mailbox = Mailbox(connection)
            assert mailbox.condstore
        before_login = server.commands[: server.commands.index(f'LOGIN {USER} "{PASSWORD}"')]
        # imaplib asks once on connecting, whatever the greeting said; then once after TLS
        if security is Security.STARTTLS:
            assert before_login == ["CAPABILITY", "STARTTLS", "CAPABILITY"]
        else:
            assert before_login == ["CAPABILITY"]

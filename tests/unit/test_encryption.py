"""The profile encrypted at rest (issue 21): the key in the keyring, SQLCipher databases,
sealed message files, tampering detected in French, the key's export and import, the
passphrase mode, no keyring; a clear profile encrypted in place, killed at random moments."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import keyring
import pytest
from keyring.backends.null import Keyring as NullKeyring

from app.cli.main import main
from app.core import crypto, keychain, profile_key, sqlite
from app.core.audit import AuditTrail
from app.core.profile_encrypt import encrypt_database
from app.core.profile_key import KeyLostError, ProfileKeyError
from app.directory.favourites import Favourites, favourites_path
from app.filing import db as filing_db
from app.filing.db import FilingDb
from app.filing.patients import Registry
from app.mssante.model import InsKind
from app.store import migrations
from app.store.blobs import BlobStore
from app.store.db import HeaderRow, Store
from app.store.outbox import OutboxStore
from tests.filing_support import MATRICULE
from tests.unit.test_audit import NATIONAL_ID, clear_trail
from tests.unit.test_directory_vcard import DUPONT

PATIENT = "DUPONTEL"
FIRST_NAME = "Marguerite"
ACCOUNT = "dr@medecin.mssante.test"
SECRETS = [PATIENT.encode(), FIRST_NAME.encode(), MATRICULE.encode(), DUPONT.address.encode(),
           ACCOUNT.encode(), NATIONAL_ID.encode()]  # fmt: skip


def message(uid: int) -> bytes:
    return (
        f"From: labo@labo.mssante.test\r\nTo: {ACCOUNT}\r\n"
        f"Subject: Résultats {PATIENT} {FIRST_NAME} n°{uid}\r\n"
        f"Message-ID: <r{uid}@labo.test>\r\nDate: Mon, 07 Dec 2026 09:00:00 +0100\r\n\r\n"
        f"Bilan de {PATIENT} {FIRST_NAME}, INS {MATRICULE} : glycémie normale ({uid}).\r\n"
        + "Commentaire sans importance. " * 40
        + "\r\n"
    ).encode()


def fill(store: Store, count: int) -> None:
    account = store.add_account(ACCOUNT, "card", "imaps://imap.test")
    store.upsert_folder(account, "INBOX", "/", None, True)
    inbox = store.folders(account)[0]
    raws = {uid: message(uid) for uid in range(1, count + 1)}
    store.add_headers(
        inbox,
        [
            HeaderRow(uid, (), None, len(raw), None, raw.split(b"\r\n\r\n")[0])
            for uid, raw in raws.items()
        ],
    )
    store.add_bodies(inbox, raws)
    OutboxStore(store).add(account, "<o@x>", ACCOUNT, [DUPONT.address], "Courrier", raws[1], False)


def leaks(data_dir: Path) -> list[str]:
    """Which of the patient's name, INS or correspondent is readable in any profile file."""
    found = []
    for path in sorted(data_dir.rglob("*")):
        if path.is_file():
            content = path.read_bytes()
            found += [f"{path.name}: {s.decode()}" for s in SECRETS if s in content]
    return found


def clear_profile(data_dir: Path, count: int) -> None:
    """A profile as a Caducée before issue 21 left it: everything in clear."""
    data_dir.mkdir(parents=True)
    connection = sqlite3.connect(data_dir / "store.sqlite3", isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA foreign_keys = ON")
    migrations.migrate(connection)
    elsewhere = AuditTrail(data_dir.parent / "not-the-profile", crypto.new_key())
    store = Store(connection, BlobStore(data_dir / "messages"), elsewhere)
    fill(store, count)
    store.close()
    clear_trail(data_dir / "audit", count, ACCOUNT)
    filing = sqlite3.connect(data_dir / filing_db.FILE_NAME, isolation_level=None)
    filing.row_factory = sqlite3.Row
    filing.execute("PRAGMA journal_mode = WAL")
    filing_db.migrate(filing)
    (data_dir.parent / "patients").mkdir()
    registry = Registry(FilingDb(filing), data_dir.parent / "patients")
    registry.add(
        birth_name=PATIENT,
        first_names=FIRST_NAME,
        birth_date=date(1950, 1, 2),
        sex="F",
        ins=MATRICULE,
        ins_oid=InsKind.NIR.value,
        create_folder=False,
    )
    filing.close()
    favourites_path(data_dir).write_text(json.dumps([DUPONT.to_json()]), encoding="utf-8")
    assert leaks(data_dir)  # the check below can fail


def check_whole(data_dir: Path, count: int) -> None:
    """Everything of ``clear_profile`` is there, readable with the key, and nothing in clear."""
    store = Store.open(data_dir)
    try:
        found = store.messages()
        assert len(found) == count
        assert all(store.raw(m) == message(m.uid) for m in found)
        assert len(store.search(FIRST_NAME.lower())) == count  # the full-text index
        outbox = OutboxStore(store)
        item = outbox.items()[0]
        assert outbox.files.get(item.blob) == message(1)
    finally:
        store.close()
    filing = FilingDb.open(data_dir)
    try:
        row = filing.db.execute("SELECT birth_name, ins FROM patients").fetchone()
        assert tuple(row) == (PATIENT, MATRICULE)
    finally:
        filing.close()
    assert Favourites(favourites_path(data_dir)).items == [DUPONT]
    trail = AuditTrail.of(data_dir)
    checked = trail.verify()
    assert checked.ok and checked.count == count, checked.problem
    assert trail.national_id(ACCOUNT) == NATIONAL_ID
    assert leaks(data_dir) == []


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(NullKeyring())  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def test_a_new_profile_is_encrypted_with_its_key_in_the_keyring(tmp_path: Path) -> None:
    data_dir = tmp_path / "profile"
    store = Store.open(data_dir)
    fill(store, 3)
    store.close()
    marker = json.loads((data_dir / profile_key.MARKER).read_text())
    assert (marker["mode"], marker["state"]) == ("keyring", "done")
    master = crypto.decode_key(keychain.get_secret(profile_key.keyring_entry(data_dir)) or "")
    assert master is not None and crypto.key_id(master) == marker["key_id"]
    assert not sqlite.is_clear(data_dir / "store.sqlite3")
    assert leaks(data_dir) == []
    assert master not in b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())


def test_no_keyring_no_health_data_stored(tmp_path: Path, no_keyring: None) -> None:
    data_dir = tmp_path / "profile"
    with pytest.raises(ProfileKeyError) as raised:
        Store.open(data_dir)
    assert "trousseau" in raised.value.user_message
    assert "--passphrase" in raised.value.user_message
    assert not (data_dir / "store.sqlite3").exists()
    assert main(["--profile-dir", str(data_dir), "list"]) == 1


def test_a_lost_keyring_entry_is_said_and_the_export_brings_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "profile"
    store = Store.open(data_dir)
    fill(store, 2)
    store.close()
    monkeypatch.setenv("CADUCEE_KEY_PASSPHRASE", "une phrase de secours assez longue")
    export = tmp_path / "cle-caducee.json"
    assert main(["--profile-dir", str(data_dir), "key", "export", str(export)]) == 0
    assert "Imprimez-la" in capsys.readouterr().out
    keychain.delete_secret(profile_key.keyring_entry(data_dir))
    profile_key.forget(data_dir)
    with pytest.raises(KeyLostError) as raised:
        Store.open(data_dir)
    assert "caducee key import" in raised.value.user_message
    monkeypatch.setenv("CADUCEE_KEY_PASSPHRASE", "pas la bonne phrase du tout")
    assert main(["--profile-dir", str(data_dir), "key", "import", str(export)]) == 1
    assert "phrase de passe ne correspond pas" in capsys.readouterr().err
    monkeypatch.setenv("CADUCEE_KEY_PASSPHRASE", "une phrase de secours assez longue")
    assert main(["--profile-dir", str(data_dir), "key", "import", str(export)]) == 0
    store = Store.open(data_dir)
    assert len(store.messages()) == 2
    store.close()
    other = tmp_path / "other"
    Store.open(other).close()
    assert main(["--profile-dir", str(other), "key", "import", str(export)]) == 1
    assert "autre profil" in capsys.readouterr().err


def test_the_passphrase_mode_when_she_chooses_it(
    tmp_path: Path, no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "profile"
    monkeypatch.setenv(profile_key.PASSPHRASE_ENV, "ma phrase de passe du cabinet")
    assert main(["--profile-dir", str(data_dir), "profile", "protect", "--passphrase"]) == 0
    marker = json.loads((data_dir / profile_key.MARKER).read_text())
    assert marker["mode"] == "passphrase" and marker["wrapped"]["n"] == crypto.SCRYPT_N
    store = Store.open(data_dir)
    fill(store, 1)
    store.close()
    profile_key.forget(data_dir)  # the next start
    monkeypatch.setenv(profile_key.PASSPHRASE_ENV, "une autre phrase de passe")
    with pytest.raises(crypto.WrongPassphraseError):
        Store.open(data_dir)
    monkeypatch.setenv(profile_key.PASSPHRASE_ENV, "ma phrase de passe du cabinet")
    store = Store.open(data_dir)
    assert len(store.messages()) == 1
    store.close()
    assert leaks(data_dir) == []


def test_a_tampered_or_swapped_message_file_is_never_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "profile"
    store = Store.open(data_dir)
    fill(store, 2)
    first, second = sorted(store.messages(), key=lambda m: m.uid)
    digests = [
        store.db.execute("SELECT blob FROM messages WHERE id = ?", (m.id,)).fetchone()[0]
        for m in (first, second)
    ]
    paths = [store.blobs.path(d) for d in digests]
    assert main(["--profile-dir", str(data_dir), "profile", "check"]) == 0
    one, two = (p.read_bytes() for p in paths)
    paths[0].write_bytes(two)  # swapped: each is a valid sealed file, of the other message
    paths[1].write_bytes(one)
    assert store.blobs.get(digests[0]) is None and store.blobs.get(digests[1]) is None
    assert main(["--profile-dir", str(data_dir), "profile", "check"]) == 1
    err = capsys.readouterr().err
    assert "messages/ : 2 fichier(s) modifié(s) ou déplacé(s)" in err
    assert "modifié ou remplacé en dehors de Caducée" in err
    flipped = bytearray(one)
    flipped[len(flipped) // 2] ^= 0x01
    paths[0].write_bytes(bytes(flipped))
    assert store.raw(first) is None  # shown as not downloaded: the next sync fetches it again
    assert not paths[0].exists()  # and written again then, not found there damaged
    store.close()


def test_a_tampered_database_page_is_detected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "profile"
    store = Store.open(data_dir)
    fill(store, 40)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    path = data_dir / "store.sqlite3"
    content = bytearray(path.read_bytes())
    content[4096 * 3 + 100] ^= 0x01  # a byte of the fourth page
    path.write_bytes(bytes(content))
    assert main(["--profile-dir", str(data_dir), "profile", "check"]) == 1
    assert "base store.sqlite3 : modifiée en dehors de Caducée" in capsys.readouterr().err
    content[100] ^= 0x01  # and the first page: the database does not open at all
    path.write_bytes(bytes(content))
    with pytest.raises(sqlite.DatabaseUnreadableError) as raised:
        Store.open(data_dir)
    assert "modifiée en dehors de Caducée" in raised.value.user_message
    assert main(["--profile-dir", str(data_dir), "list"]) == 1
    assert "Rien n'en est affiché" in capsys.readouterr().err


def test_a_clear_profile_is_encrypted_in_place(tmp_path: Path) -> None:
    data_dir = tmp_path / "old" / "profile"
    clear_profile(data_dir, 5)
    check_whole(data_dir, 5)  # Store.open encrypts it first
    assert not encrypt_database(data_dir / "store.sqlite3", b"k" * 32)  # not clear any more


def test_the_command_line_prints_the_migration_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "old" / "profile"
    clear_profile(data_dir, 30)
    assert main(["--profile-dir", str(data_dir), "list"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("Chiffrement des données du profil (une seule fois")
    percents = [int(line.strip().removesuffix(" %")) for line in err[1:]]
    assert percents[0] == 0 and percents[-1] == 100 and percents == sorted(set(percents))
    assert main(["--profile-dir", str(data_dir), "list"]) == 0
    assert "Chiffrement" not in capsys.readouterr().err  # once only
    assert main(["--profile-dir", str(tmp_path / "new"), "list"]) == 0
    assert "Chiffrement" not in capsys.readouterr().err  # nothing to encrypt: nothing said


_PROTECT = (
    "import sys; from pathlib import Path; from app.core.profile_encrypt import protect; "
    "protect(Path(sys.argv[1]))"
)


def _protect(data_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", _PROTECT, str(data_dir)], stderr=subprocess.PIPE)


def _progress(data_dir: Path) -> str:
    """Where a migration stands: databases encrypted, message files sealed, the audit
    trail sealed."""
    databases = sum(not sqlite.is_clear(data_dir / n) for n in ("store.sqlite3", "filing.sqlite3"))
    files = list((data_dir / "messages").rglob("*.eml"))
    sealed = sum(crypto.is_sealed(f.read_bytes()[:8]) for f in files)
    trail = ACCOUNT.encode() not in (data_dir / "audit" / "audit-2026.jsonl").read_bytes()
    return f"{databases} db, {sealed}/{len(files)} files, trail {'sealed' if trail else 'clear'}"


def _started(data_dir: Path, process: subprocess.Popen[bytes]) -> float:
    """Wait until the migration has begun (its marker written); the time it took."""
    begun = time.monotonic()
    while not (data_dir / profile_key.MARKER).exists() and process.poll() is None:
        time.sleep(0.005)
    return time.monotonic() - begun


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_migration_killed_at_random_moments_loses_nothing(tmp_path: Path, seed: int) -> None:
    count = 300
    template = tmp_path / "template" / "profile"
    clear_profile(template, count)
    timing = tmp_path / "timing" / "profile"
    shutil.copytree(template.parent, timing.parent)
    process = _protect(timing)
    startup = _started(timing, process)
    started = time.monotonic()
    assert process.wait(timeout=300) == 0
    work = time.monotonic() - started  # from the marker to the end
    chance = random.Random(seed)
    states = []
    for run in range(2):
        data_dir = tmp_path / f"run{run}" / "profile"
        shutil.copytree(template.parent, data_dir.parent)
        # killed while encrypting, then killed again anywhere in the resumed run
        for delay in (None, chance.uniform(0.0, startup + work)):
            process = _protect(data_dir)
            if delay is None:
                _started(data_dir, process)
                # in the first half of the timed work: under load the run takes longer
                # or shorter than the timed one, and a kill after the end proves nothing
                delay = chance.uniform(0.0, work / 2)
            time.sleep(delay)
            process.kill()
            process.wait()
            marker = profile_key.read_marker(data_dir)
            states.append(_progress(data_dir) if marker and marker["state"] != "done" else "")
        assert _protect(data_dir).wait(timeout=300) == 0  # the last run finishes the work
        check_whole(data_dir, count)
        assert list(data_dir.rglob("*.encrypting")) == []
    print(f"startup {startup:.2f} s, work {work:.2f} s; killed at: {states}")
    assert any(states), "no kill landed during the migration: the test proved nothing"


def test_a_shared_patients_root_stays_in_clear(tmp_path: Path) -> None:
    """What every PC of the practice reads beside the patients folders: no profile key."""
    root = tmp_path / "patients"
    root.mkdir()
    FilingDb.open_root(root.resolve()).close()
    assert sqlite.is_clear(root / filing_db.ROOT_DIR / filing_db.FILE_NAME)
    assert not (root / profile_key.MARKER).exists()
    assert not (root / filing_db.ROOT_DIR / profile_key.MARKER).exists()
    assert keychain.get_secret(profile_key.keyring_entry(root)) is None

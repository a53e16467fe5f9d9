"""Issue 21's proof: after a demo session, and after a sync from the lab's Dovecot, the
sample patients' names and INS are nowhere in the profile's bytes (the patients folder
aside: it is the practice's, in clear by design, docs/encryption.md)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from app.core import crypto, sqlite
from app.core.audit import AuditTrail
from app.filing.db import FILE_NAME, ROOT_DIR, FilingDb
from app.mssante.documents import read_message
from app.sandbox.operator import DEMO_ADDRESS, DEMO_PASSPHRASE
from app.sandbox.patients import FOLDER
from app.sandbox.samples import sample_mail
from app.store.db import Store
from tests.e2e.test_demo import caducee, listing, served_demo, to_myself
from tests.integration.test_sync import Server, server, sync_once  # noqa: F401 — fixture

# Beside the patients folder, two things in a demo profile are not the client's health data:
# the embedded operator's side (``demo/``: its IMAP server's mailboxes, which a real operator
# keeps on its servers) and the offline copy of the public national directory of health
# professionals (``directory.sqlite3``: a doctor may bear a patient's surname).
NOT_HEALTH_DATA = ("demo/", "directory.sqlite3")
DEMO_NATIONAL_ID = "810000000000"  # the demo certificate's RPPS (tests/e2e/test_audit_trail.py)
MIN_LENGTH = 5  # shorter words could turn up by chance in megabytes of ciphertext


def patient_words(raws: Iterable[bytes]) -> set[bytes]:
    """The birth names, first names and INS of the patients the messages' documents name."""
    words: set[str] = set()
    for raw in raws:
        for document in read_message(raw).documents:
            identity = document.identity
            if identity is None:
                continue
            words.update(
                w for w in (identity.birth_name, identity.used_name, *identity.first_names) if w
            )
            if identity.ins is not None:
                words.add(identity.ins.matricule)
    return {v.encode() for w in words if len(w) >= MIN_LENGTH for v in (w, w.upper())}


def grep(root: Path, words: set[bytes], *, besides: Path | None = None) -> list[str]:
    """``grep -r`` of every file below ``root`` (but ``besides``), as bytes, and of the
    names of its files and folders."""
    found = []
    for path in sorted(root.rglob("*")):
        if path == besides or (besides is not None and besides in path.parents):
            continue
        content = path.read_bytes() if path.is_file() else b""
        name = str(path.relative_to(root)).encode()
        found += [f"{name.decode()}: {w.decode()}" for w in words if w in content or w in name]
    return found


def test_after_a_demo_session_no_patient_is_readable_in_the_profile(tmp_path: Path) -> None:
    profile = tmp_path / "demo"
    done = caducee(profile, "demo", "--screenshot", str(tmp_path / "shot.png"))
    assert done.returncode == 0, done.stderr
    with served_demo(profile):  # sent, then synced back: Sent, INBOX and the outbox
        secret = {"CADUCEE_PKCS12_PASSPHRASE": DEMO_PASSPHRASE}
        note = to_myself("Mme ROUSSEAU Bérénice", "Bilan de Mme ROUSSEAU Bérénice")
        sent = caducee(profile, *note, **secret)
        assert sent.returncode == 0, sent.stderr
        synced = caducee(profile, "sync", **secret)
        assert synced.returncode == 0, synced.stderr
    messages = listing(profile)
    assert len(messages) > 5
    with_documents = [m for m in messages if m["patient"]][:3]
    assert with_documents
    for found in with_documents:  # filed or queued: the journal and the queue get rows
        filed = caducee(profile, "file", "--auto", "--message-id", str(found["id"]))
        assert filed.returncode == 0, filed.stderr
    words = patient_words(sample.raw for sample in sample_mail(DEMO_ADDRESS))
    words |= {b"ROUSSEAU", "Bérénice".encode()}
    assert len(words) > 5
    patients = profile / FOLDER
    assert grep(patients, words), "the patients folder stays in clear: the check can fail"
    leaks = grep(profile, words, besides=patients)
    assert [leak for leak in leaks if not leak.startswith(NOT_HEALTH_DATA)] == []
    # The audit trail, sealed: not the account's address, the national id or a message id.
    audit_files = profile / "audit"
    entries = AuditTrail.of(profile).entries()
    assert entries and all(e["account"] == DEMO_ADDRESS for e in entries)
    assert any(e["national_id"] == DEMO_NATIONAL_ID for e in entries)
    ids = {f'"message": {e["message"]}'.encode() for e in entries if e["message"] is not None}
    assert ids
    traces = {DEMO_ADDRESS.encode(), DEMO_NATIONAL_ID.encode(), b'"message"', *ids}
    assert grep(audit_files, traces) == []
    assert not sqlite.is_clear(profile / "store.sqlite3")
    assert not sqlite.is_clear(profile / "filing.sqlite3")
    files = list((profile / "messages").rglob("*.eml"))
    assert files and all(crypto.is_sealed(f.read_bytes()[:8]) for f in files)
    FilingDb.open(profile).close()  # the profile's (its "À classer" queue) opens with the key
    root = FilingDb.open_root(patients.resolve())  # the shared registry: clear, by design
    try:
        assert root.db.execute("SELECT count(*) FROM patients").fetchone()[0] > 0
        assert sqlite.is_clear(patients / ROOT_DIR / FILE_NAME)
    finally:
        root.close()


@pytest.mark.lab
def test_after_a_lab_sync_no_patient_is_readable_in_the_profile(
    server: Server,  # noqa: F811 — the fixture
    tmp_path: Path,
) -> None:
    raws = [sample.raw for sample in sample_mail(server.account.address)][:60]
    words = patient_words(raws)
    assert len(words) > 5
    server.append("INBOX", raws)
    profile = tmp_path / "profile"
    store = Store.open(profile)
    try:
        sync_once(store, server)
        assert len(store.messages()) == len(raws)
        assert any(store.search(w.decode()) for w in words)  # the index holds them
    finally:
        store.close()
    assert grep(profile, words) == []

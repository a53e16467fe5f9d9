"""Filing documents: atomic writes, never overwrite, inside the root, journal, undo, queue.

A real store (SQLite + message files) and a real patients root in a temporary directory.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from app.filing import filer
from app.filing.errors import FilingError, OutsideRootError, UndoRefusedError
from app.filing.journal import Source
from app.filing.patients import Patient
from app.filing.service import (
    DUPLICATE,
    FILED,
    FILED_KEYWORD,
    QUEUED,
    REFUSED,
    TEST_INS,
    Filing,
)
from app.mssante.model import DocumentFile, InsKind, MessageDocuments, RefusedInput
from app.store.db import HeaderRow, MessageSummary, Store
from tests.filing_support import (
    MATRICULE,
    OTHER_MATRICULE,
    PDF,
    document,
    documents,
    identity,
    ins,
    raw_message,
)

ACCOUNT = "dr@mssante.test"
NAMES = [
    "2026-11-16_CR-imagerie_Dr Paul DURAND.pdf",
    "2026-11-16_CR-imagerie_Dr Paul DURAND_CDA.xml",
    "2026-11-16_CR-imagerie_Dr Paul DURAND_IHE_XDM.zip",
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    account = opened.add_account(ACCOUNT, "password", "imaps://imap.test")
    opened.upsert_folder(account, "INBOX", "/", "Inbox", True)
    yield opened
    opened.close()


def put(store: Store, uid: int, message_id: str, *, receipt: bool = False) -> MessageSummary:
    account = store.account(ACCOUNT)
    assert account is not None
    inbox = store.folders(account)[0]
    raw = raw_message(message_id, receipt=receipt)
    store.add_headers(inbox, [HeaderRow(uid, (), None, len(raw), None, raw.split(b"\n\n")[0])])
    store.add_bodies(inbox, {uid: raw})
    found = store.find(message_id)
    assert found is not None
    return found


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "Patients"
    path.mkdir()
    return path


@pytest.fixture
def filing(tmp_path: Path, root: Path, store: Store) -> Iterator[Filing]:
    opened = Filing.open(tmp_path / "profile", root, store)
    yield opened
    opened.close()


@pytest.fixture
def marie(filing: Filing) -> Patient:
    return filing.registry.add(
        birth_name="DUPONT",
        first_names="Marie Louise",
        birth_date=date(1980, 5, 12),
        sex="F",
        ins=MATRICULE,
        ins_oid=InsKind.NIR.value,
    )


def certain(**changes: object) -> MessageDocuments:
    return documents(document(identity(ins_value=ins()), **changes))  # type: ignore[arg-type]


def everything(root: Path) -> set[str]:
    """What is in the patients root, its own database (``.caducee``) aside."""
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.relative_to(root).parts[0] != ".caducee"
    }


def test_a_certain_match_is_filed_journaled_and_tagged(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    message = put(store, 1, "cr-1@chu.test")
    result = filing.file_message(message, certain())
    assert result.status == FILED and result.keyword_added
    outcome = result.outcomes[0]
    assert outcome.patient == marie and outcome.entry_id is not None
    folder = root / marie.folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES)
    assert (folder / NAMES[0]).read_bytes() == PDF
    entry = filing.journal.entry(outcome.entry_id)
    assert entry is not None and entry.status == "filed" and entry.patient_id == marie.id
    assert entry.who.startswith(ACCOUNT) and entry.message_id == "cr-1@chu.test"
    assert [f.path for f in entry.files] == [f"{marie.folder}/{n}" for n in NAMES]
    assert all(f.written and len(f.sha256) == 64 for f in entry.files)
    tagged = store.find("cr-1@chu.test")
    assert tagged is not None and FILED_KEYWORD in tagged.flags
    inbox = store.folders(store.accounts()[0])[0]
    assert store.pending_flags(inbox) == [(1, 1, (FILED_KEYWORD,), ())]  # replayed by sync
    assert filing.queue() == []


def test_an_uncertain_match_waits_in_the_queue_with_its_proposal(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    message = put(store, 1, "cr-1@chu.test")
    result = filing.file_message(message, documents(document(identity())))  # traits only
    assert result.status == QUEUED and not result.keyword_added
    assert result.outcomes[0].patient == marie and result.error_code == 903
    assert "Proposition" in result.outcomes[0].message
    assert list((root / marie.folder).iterdir()) == []
    [item] = filing.queue()
    assert (item.message_id, item.proposal, item.reason) == (
        "cr-1@chu.test",
        marie.id,
        "a-verifier",
    )
    assert item.confidence == pytest.approx(0.9)
    chosen = filing.file_message(message, documents(document(identity())), patient_id=marie.id)
    assert chosen.status == FILED and filing.queue() == []  # the doctor's choice empties it


def test_a_test_ins_is_never_filed_automatically(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    filing.registry.add(
        birth_name="TEST",
        first_names="Patient",
        birth_date=date(1990, 1, 1),
        sex="U",
        ins=OTHER_MATRICULE,
        ins_oid=InsKind.TEST.value,
    )
    message = put(store, 1, "cr-1@chu.test")
    for who in (
        identity(ins_value=ins(kind=InsKind.TEST)),
        identity(
            ins_value=ins(OTHER_MATRICULE, InsKind.TEST),
            birth_name="TEST",
            first_names=("Patient",),
            birth_date=date(1990, 1, 1),
            sex=None,
        ),
    ):
        result = filing.file_message(message, documents(document(who)))
        assert result.status == TEST_INS
    assert everything(root) == {marie.folder, "TEST Patient (1990-01-01)"}
    assert [i.reason for i in filing.queue()] == ["ins-test"]


def test_identical_content_is_a_duplicate(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    first = filing.file_message(put(store, 1, "cr-1@chu.test"), certain())
    again = filing.file_message(put(store, 2, "cr-1-bis@chu.test"), certain())
    assert again.status == DUPLICATE and again.keyword_added
    assert "Déjà classé le " in again.outcomes[0].message
    assert marie.folder in again.outcomes[0].message
    assert len(list((root / marie.folder).iterdir())) == 3
    other = filing.file_message(put(store, 3, "cr-2@chu.test"), certain(pdf=PDF + b"v2"))
    assert other.status == FILED  # other content: filed, under a numbered name
    assert len(list((root / marie.folder).iterdir())) == 6
    assert first.outcomes[0].entry_id != other.outcomes[0].entry_id


def test_an_existing_file_is_never_overwritten(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    (root / marie.folder / NAMES[0]).write_bytes(b"la lettre du patient")
    result = filing.file_message(put(store, 1, "cr-1@chu.test"), certain())
    assert result.status == FILED
    assert (root / marie.folder / NAMES[0]).read_bytes() == b"la lettre du patient"
    assert {Path(f).name for f in result.outcomes[0].files} == {
        n.replace("DURAND", "DURAND (2)") for n in NAMES
    }  # the set keeps one number: readable and originals stay together


def test_a_name_taken_between_plan_and_write_gets_the_next_number(
    filing: Filing, root: Path, marie: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = root / marie.folder
    real = filer.plan

    def racing(*args: object, **kwargs: object) -> list[filer.PlannedFile]:
        planned = real(*args, **kwargs)  # type: ignore[arg-type]
        (folder / planned[0].name).write_bytes(b"someone else")
        return planned

    monkeypatch.setattr(filer, "plan", racing)
    message = MessageSummary(9, ACCOUNT, "INBOX", 9, "race@x", None, "", "", "", (), 1, True, True)
    outcome = filing.file_document(message, certain(), 0, marie)
    assert outcome.status == FILED
    assert (folder / NAMES[0]).read_bytes() == b"someone else"
    renamed = NAMES[0].replace(".pdf", " (2).pdf")
    assert (folder / renamed).read_bytes() == PDF
    entry = filing.journal.entry(outcome.entry_id or 0)
    assert entry is not None and entry.files[0].path == f"{marie.folder}/{renamed}"


@pytest.mark.parametrize("failing_call", [1, 2, 3])
def test_a_failure_mid_write_leaves_no_partial_and_no_temporary_file(
    filing: Filing,
    store: Store,
    root: Path,
    marie: Patient,
    monkeypatch: pytest.MonkeyPatch,
    failing_call: int,
) -> None:
    calls = {"n": 0}
    real_write = os.write

    def disk_full(fd: int, data: bytes | memoryview) -> int:
        calls["n"] += 1
        if calls["n"] == failing_call:
            real_write(fd, bytes(data)[: len(data) // 2])  # half of it, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(filer.os, "write", disk_full)
    message = put(store, 1, "cr-1@chu.test")
    with pytest.raises(FilingError) as error:
        filing.file_message(message, certain())
    assert "Rien n'a été classé" in error.value.user_message
    assert everything(root) == {marie.folder}  # no partial file, no .tmp, nothing half done
    [entry] = [e for e in filing.journal.entries() if e.files]
    assert entry.status == "interrupted"
    assert FILED_KEYWORD not in (store.find("cr-1@chu.test") or message).flags
    monkeypatch.undo()
    assert filing.file_message(message, certain()).status == FILED  # and it can be done again


def test_without_hard_links_files_are_created_exclusively(
    filing: Filing, store: Store, root: Path, marie: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(_src: object, _dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(filer.os, "link", no_links)
    result = filing.file_message(put(store, 1, "cr-1@chu.test"), certain())
    assert result.status == FILED
    assert sorted(p.name for p in (root / marie.folder).iterdir()) == sorted(NAMES)


HOSTILE = [
    "../../../etc/cron.d/x",
    "..\\..\\Windows\\evil",
    "CON",
    "a\x00b",
    "/abs/path",
    "\u202egpj.exe",
    "." * 300,
    "x" * 5000,
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_labels_never_leave_the_patient_folder(
    filing: Filing, store: Store, root: Path, tmp_path: Path, marie: Patient, hostile: str
) -> None:
    before = {str(p) for p in tmp_path.rglob("*") if "profile" not in p.parts}
    docs = documents(
        replace(document(identity(ins_value=ins())), type_label=hostile, author=hostile)
    )
    result = filing.file_message(put(store, 1, "cr-1@chu.test"), docs)
    assert result.status == FILED
    after = {str(p) for p in tmp_path.rglob("*") if "profile" not in p.parts}
    created = {Path(p) for p in after - before}
    assert len(created) == 3 and all(p.parent == root / marie.folder for p in created)
    for path in created:
        assert len(path.name) <= 130 and not path.name.startswith((".", "CON"))
        assert len(str(path)) <= max(250, len(str(root / marie.folder)) + 60)


def test_a_patient_folder_that_leads_outside_is_refused(
    filing: Filing, store: Store, root: Path, tmp_path: Path, marie: Patient
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / marie.folder).rmdir()
    (root / marie.folder).symlink_to(outside)
    with pytest.raises(OutsideRootError):
        filing.file_message(put(store, 1, "cr-1@chu.test"), certain())
    assert list(outside.iterdir()) == []
    filing.db.db.execute("UPDATE patients SET folder = '../outside' WHERE id = ?", (marie.id,))
    with pytest.raises(OutsideRootError):
        filing.file_message(put(store, 2, "cr-2@chu.test"), certain(pdf=PDF + b"2"))
    assert list(outside.iterdir()) == []
    with pytest.raises(OutsideRootError):
        filer.write_new(root, root / marie.folder, "x.pdf", b"x")


def test_the_doctor_cannot_file_a_qualified_ins_to_another_patient(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    other = filing.registry.add(
        birth_name="DURAND",
        first_names="Paul",
        birth_date=date(1975, 3, 13),
        sex="M",
        ins=OTHER_MATRICULE,
    )
    result = filing.file_message(put(store, 1, "cr-1@chu.test"), certain(), patient_id=other.id)
    assert result.status == REFUSED and result.error_code == 904
    assert list((root / other.folder).iterdir()) == []


def test_refused_inputs_and_empty_messages_are_reported(filing: Filing, store: Store) -> None:
    message = put(store, 1, "cr-1@chu.test")
    hostile = MessageDocuments(refused=(RefusedInput("../../IHE_XDM.ZIP", "archive piégée"),))
    assert filing.file_message(message, hostile).status == REFUSED
    assert filing.file_message(message, MessageDocuments()).status == "no-document"
    [entry] = filing.journal.entries()
    assert entry.status == "refused" and "archive piégée" in entry.detail


def test_a_test_ins_document_is_never_filed_into_a_real_patient(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    docs = documents(document(identity(ins_value=ins(kind=InsKind.DEMO))))
    result = filing.file_message(put(store, 1, "cr-1@chu.test"), docs, patient_id=marie.id)
    assert result.status == REFUSED and result.error_code == 905
    assert list((root / marie.folder).iterdir()) == []
    demo = filing.registry.add(
        birth_name="DEMO",
        first_names="Patient",
        birth_date=date(1990, 1, 1),
        sex="U",
        ins=MATRICULE,
        ins_oid=InsKind.DEMO.value,
    )
    assert filing.file_message(put(store, 2, "cr-2@chu.test"), docs, patient_id=demo.id).status == (
        FILED
    )  # the doctor's choice of the demo patient: allowed


def test_undo_removes_the_files_and_the_keyword(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    message = put(store, 1, "cr-1@chu.test")
    entry_id = filing.file_message(message, certain()).outcomes[0].entry_id or 0
    undone = filing.undo(entry_id)
    assert undone.status == "undone" and undone.undone_at
    assert list((root / marie.folder).iterdir()) == []
    assert FILED_KEYWORD not in (store.find("cr-1@chu.test") or message).flags
    [item] = filing.queue()  # back in "À classer"
    assert (item.message_id, item.reason, item.subject) == (
        "cr-1@chu.test",
        "annule",
        message.subject,
    )
    with pytest.raises(UndoRefusedError):
        filing.undo(entry_id)  # once only
    assert filing.file_message(message, certain()).status == FILED  # no longer a duplicate
    assert filing.queue() == []


def test_undo_refuses_when_a_file_was_changed(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    message = put(store, 1, "cr-1@chu.test")
    entry_id = filing.file_message(message, certain()).outcomes[0].entry_id or 0
    (root / marie.folder / NAMES[1]).write_bytes(b"<annoted/>")
    with pytest.raises(UndoRefusedError) as error:
        filing.undo(entry_id)
    assert "modifié" in error.value.user_message
    assert len(list((root / marie.folder).iterdir())) == 3  # nothing removed
    entry = filing.journal.entry(entry_id)
    assert entry is not None and entry.status == "filed"


def test_an_interrupted_filing_is_rolled_back_at_the_next_start(
    tmp_path: Path, store: Store, root: Path, filing: Filing, marie: Patient
) -> None:
    folder = root / marie.folder
    data = b"%PDF written before the crash"
    entry_id = filing.journal.begin(
        Source("dr", ACCOUNT, "crash@x", 0),
        patient_id=marie.id,
        content_hash="h",
        files=[
            (f"{marie.folder}/a.pdf", filer.sha256(data), len(data)),
            (f"{marie.folder}/b.xml", filer.sha256(b"planned"), 7),
        ],
    )
    (folder / "a.pdf").write_bytes(data)
    (folder / "b.xml").write_bytes(b"not ours")  # same name, other content: kept
    (folder / ".caducee-0123456789abcdef.tmp").write_bytes(b"half")
    os.utime(folder / ".caducee-0123456789abcdef.tmp", (0, 1_600_000_000))
    filing.db.db.execute("UPDATE journal SET at = '2020-01-01T00:00:00Z' WHERE id = ?", (entry_id,))
    filing.close()
    again = Filing.open(tmp_path / "profile", root, store)
    try:
        entry = again.journal.entry(entry_id)
        assert entry is not None and entry.status == "interrupted"
        assert sorted(p.name for p in folder.iterdir()) == ["b.xml"]
    finally:
        again.close()
    filing.db = again.db  # the fixture closes it again: harmless


def test_journal_and_queue_survive_reopening(
    tmp_path: Path, store: Store, root: Path, filing: Filing, marie: Patient
) -> None:
    filing.file_message(put(store, 1, "cr-1@chu.test"), certain())
    other = documents(document(identity(), pdf=PDF + b"other"))
    filing.file_message(put(store, 2, "cr-2@chu.test"), other)
    filing.close()
    again = Filing.open(tmp_path / "profile", root, store)
    try:
        assert [e.status for e in again.journal.entries()] == ["queued", "filed"]
        assert [i.message_id for i in again.queue()] == ["cr-2@chu.test"]
    finally:
        again.close()
    filing.db = again.db


def test_reject_leaves_the_queue_and_spares_what_is_already_filed(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    message = put(store, 1, "cr-1@chu.test")
    filed, unsure = document(identity(ins_value=ins())), document(identity(), pdf=PDF + b"2")
    first = filing.file_message(message, documents(filed, unsure))
    assert [o.status for o in first.outcomes] == [FILED, QUEUED] and not first.keyword_added
    assert len(filing.queue()) == 1
    rejected = filing.reject(message, documents(filed, unsure))
    assert [o.status for o in rejected.outcomes] == [DUPLICATE, REFUSED]
    assert rejected.status == REFUSED and rejected.error_code == 903
    assert filing.queue() == [] and len(list((root / marie.folder).iterdir())) == 3


def test_a_failure_just_after_a_link_removes_that_file_too(
    filing: Filing, store: Store, root: Path, marie: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_link, calls = os.link, {"n": 0}

    def link_then_fail(src: str, dst: str) -> None:
        real_link(src, dst)
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.EIO, "Input/output error")  # linked, then the disk fails

    monkeypatch.setattr(filer.os, "link", link_then_fail)
    with pytest.raises(FilingError):
        filing.file_message(put(store, 1, "cr-1@chu.test"), certain())
    assert everything(root) == {marie.folder}


def test_a_temporary_file_that_cannot_be_removed_is_removed_next_time(
    filing: Filing, store: Store, root: Path, marie: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_unlink = Path.unlink

    def held_open(self: Path, missing_ok: bool = False) -> None:
        if self.name.startswith(filer.TEMP_PREFIX):
            raise PermissionError(errno.EACCES, "in use")
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", held_open)
    assert filing.file_message(put(store, 1, "cr-1@chu.test"), certain()).status == FILED
    assert len([p for p in (root / marie.folder).iterdir() if p.suffix == ".tmp"]) == 3
    monkeypatch.undo()
    stuck = [p for p in (root / marie.folder).iterdir() if p.suffix == ".tmp"]
    os.utime(stuck[0], (0, 1_600_000_000))  # old: a crash's; the two others may be live
    second = filing.file_message(put(store, 2, "cr-2@chu.test"), certain(pdf=PDF + b"2"))
    assert second.status == FILED
    assert sorted(p for p in (root / marie.folder).iterdir() if p.suffix == ".tmp") == sorted(
        stuck[1:]
    )


def test_long_names_twice_still_file(filing: Filing, store: Store, root: Path) -> None:
    long = "A" * 150
    first, second = (
        filing.registry.add(
            birth_name=long, first_names="Marie", birth_date=date(1980, 5, 12), sex="F"
        )
        for _ in range(2)
    )
    room = 250 - len(str(root)) - 1 - 70 - len(" (99)")  # the folder name budget
    assert len(first.folder) == min(100, max(30, room))
    assert second.folder == first.folder + " (2)"
    result = filing.file_message(
        put(store, 1, "cr-1@chu.test"), documents(document(identity())), patient_id=second.id
    )
    assert result.status == FILED
    assert len(list((root / second.folder).iterdir())) == 3


def test_two_originals_of_one_kind_and_the_sender_as_author(
    filing: Filing, store: Store, root: Path, marie: Patient
) -> None:
    two_cda = replace(
        document(identity(ins_value=ins()), author=None, act_date=None),
        originals=(
            DocumentFile("DOC0001.XML", "text/xml", b"<a/>"),
            DocumentFile("DOC0002.XML", "text/xml", b"<b/>"),
        ),
    )
    docs = MessageDocuments(documents=(two_cda,))  # no sender from the readers
    result = filing.file_message(put(store, 1, "cr-1@chu.test"), docs)
    assert result.status == FILED
    assert sorted(p.name for p in (root / marie.folder).iterdir()) == [
        "2026-11-16_CR-imagerie_Dr Paul DURAND.pdf",
        "2026-11-16_CR-imagerie_Dr Paul DURAND_CDA-2.xml",
        "2026-11-16_CR-imagerie_Dr Paul DURAND_CDA.xml",
    ]  # the date and the author from the message itself


def test_left_over_temporaries_are_judged_by_the_folder_s_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shared patients folder dates files by the server's clock: a PC whose clock is a day
    ahead must not take a filing running now on another PC for a crash's left-over."""
    live = tmp_path / f"{filer.TEMP_PREFIX}live{filer.TEMP_SUFFIX}"
    crashed = tmp_path / f"{filer.TEMP_PREFIX}crashed{filer.TEMP_SUFFIX}"
    live.write_bytes(b"being written")
    crashed.write_bytes(b"left over")
    os.utime(crashed, (0, live.stat().st_mtime - 3600))
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 86_400)
    assert filer.remove_temporaries(tmp_path) == 1
    assert live.exists() and not crashed.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]  # no probe left

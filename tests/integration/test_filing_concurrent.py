"""Several processes on two "PCs" filing into one patients root at once (issue 19 item 4):
each document lands exactly once, every attempt is in the journal, with who and where.

Two profiles (two PCs: each its own store holding the same six messages, the second PC's
copies packed in other IHE_XDM.ZIP archives), two processes per profile, all started
together, each filing all six messages in its own order with ``--auto``; then ``caducee
journal`` and ``caducee file`` run as separate commands at once on the same message."""

from __future__ import annotations

import json
import multiprocessing
import random
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

from app.filing.service import Filing
from app.mssante.model import InsKind
from app.store.db import Store
from tests.filing_support import (
    MATRICULE,
    OTHER_MATRICULE,
    cda_xml,
    mail_with,
    put_raw,
    xdm_zip,
)

ACCOUNT = "dr@mssante.test"
MESSAGES = 6
WORKERS_PER_PC = 2


def message_id(number: int) -> str:
    return f"cr-{number}@chu.test"


def pdf_of(number: int) -> bytes:
    return f"%PDF-1.4\n% compte rendu {number}\n%%EOF\n".encode()


def raw(number: int, pc: int) -> bytes:
    """Message ``number`` as PC ``pc`` received it: the same CDA, its own packaging."""
    matricule, birth = (MATRICULE, "19800512") if number % 2 else (OTHER_MATRICULE, "19750313")
    cda = cda_xml(
        f"cr-{number}", pdf=pdf_of(number), set_id=f"set-{number}", matricule=matricule, birth=birth
    )
    archive = xdm_zip(cda, stamp=(2026, 11, 16, 9, pc, number), readme=f"PC {pc}")
    return mail_with(message_id(number), ("IHE_XDM.ZIP", "application/zip", archive))


def worker(profile: str, root: str, pc: int, seed: int, start: object) -> list[str]:
    """One process of PC ``pc``: files every message, in its own order."""
    socket.gethostname = lambda: f"PC-{pc}"  # type: ignore[assignment]  # this process's "PC"
    order = list(range(1, MESSAGES + 1))
    random.Random(seed).shuffle(order)
    start.wait()  # type: ignore[attr-defined]
    store = Store.open(Path(profile))
    statuses = []
    try:
        for number in order:
            filing = Filing.open(Path(profile), Path(root), store)  # as one command each
            try:
                message = store.find(message_id(number))
                assert message is not None
                result = filing.file_message(message)
                statuses.append(f"{number}:{result.status}")
            finally:
                filing.close()
    finally:
        store.close()
    return statuses


def test_processes_of_two_pcs_file_each_document_once_and_journal_every_attempt(
    tmp_path: Path, artefacts: Path
) -> None:
    root = tmp_path / "partage" / "Patients"
    root.mkdir(parents=True)
    profiles = [tmp_path / f"pc{pc}" for pc in (1, 2)]
    for pc, profile in enumerate(profiles, start=1):
        store = Store.open(profile)
        for number in range(1, MESSAGES + 1):
            put_raw(store, ACCOUNT, number, raw(number, pc))
        store.close()
    setup = Filing.open(profiles[0], root)
    marie = setup.registry.add(
        birth_name="DUPONT", first_names="Marie Louise", birth_date=date(1980, 5, 12),
        sex="F", ins=MATRICULE, ins_oid=InsKind.NIR.value,
    )  # fmt: skip
    homonym = setup.registry.add(
        birth_name="DUPONT", first_names="Marie Louise", birth_date=date(1975, 3, 13),
        sex="F", ins=OTHER_MATRICULE, ins_oid=InsKind.NIR.value,
    )  # fmt: skip
    setup.close()

    context = multiprocessing.get_context("spawn")
    start = context.Manager().Event()
    jobs = [
        (str(profile), str(root), pc, pc * 10 + n, start)
        for pc, profile in enumerate(profiles, start=1)
        for n in range(WORKERS_PER_PC)
    ]
    with context.Pool(len(jobs)) as pool:
        pending = pool.starmap_async(worker, jobs)
        start.set()
        results = pending.get(timeout=300)
    attempts = [status for statuses in results for status in statuses]
    assert len(attempts) == len(jobs) * MESSAGES

    # Each document exactly once on disk, in its patient's folder: its PDF once, and three
    # files (PDF, CDA, archive) per document
    for patient, numbers in (
        (marie, range(1, MESSAGES + 1, 2)),
        (homonym, range(2, MESSAGES + 1, 2)),
    ):
        files = list((root / patient.folder).iterdir())
        assert len(files) == 3 * len(numbers), sorted(p.name for p in files)
        contents = [p.read_bytes() for p in files]
        for number in numbers:
            assert contents.count(pdf_of(number)) == 1

    journal = caducee(profiles[1], "journal", "--patients-dir", str(root), "--json")
    assert journal.returncode == 0, journal.stderr
    entries = json.loads(journal.stdout)
    assert len(entries) == len(attempts)  # every attempt on record, none lost
    filed = [e for e in entries if e["status"] == "filed"]
    assert sorted(e["message_id"] for e in filed) == sorted(
        message_id(n).strip("<>") for n in range(1, MESSAGES + 1)
    )
    assert len([e for e in entries if e["status"] == "duplicate"]) == len(attempts) - MESSAGES
    assert {e["host"] for e in entries} == {"PC-1", "PC-2"}
    assert all(e["user"] for e in entries)
    printed = caducee(profiles[0], "journal", "--patients-dir", str(root))
    assert printed.returncode == 0
    (artefacts / "concurrent-filing-journal.txt").write_text(printed.stdout, encoding="utf-8")


def caducee(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--profile-dir", str(profile), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_two_file_commands_at_once_on_one_message_file_it_once(tmp_path: Path) -> None:
    root = tmp_path / "Patients"
    root.mkdir()
    profile = tmp_path / "pc1"
    store = Store.open(profile)
    put_raw(store, ACCOUNT, 1, raw(1, 1))
    store.close()
    added = caducee(
        profile, "patients", "add", "--patients-dir", str(root), "--birth-name", "DUPONT",
        "--first-names", "Marie Louise", "--birth-date", "1980-05-12", "--sex", "F",
        "--ins", MATRICULE,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    command = [
        sys.executable, "-m", "app", "--profile-dir", str(profile), "file",
        "--patients-dir", str(root), "--message-id", message_id(1), "--auto", "--json",
    ]  # fmt: skip
    running = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in running]
    assert [process.returncode for process in running] == [0, 0, 0], [e for _, e in outputs]
    statuses = sorted(json.loads(out)["status"] for out, _ in outputs)
    assert statuses == ["duplicate", "duplicate", "filed"]
    (folder,) = [p for p in root.iterdir() if p.name != ".caducee"]
    assert len(list(folder.iterdir())) == 3

"""The documents of stored mail, end to end on a real store (issue 18 items 2-5): the demo's
sample mail synced into a profile gives the list its patient, kind and abnormal count at
ingest; search finds HPRIM results at once and PDF text after the background pass;
``caducee show --json`` lists the documents and ``caducee results`` a filed patient's
results over time."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import pytest

from app.cli.main import main
from app.mssante.model import InsKind
from app.sandbox.mailbox import PARIS
from app.store.db import HeaderRow, Store
from app.store.documents_index import index_pending, pending
from app.store.views import Scope, message_ids
from tests.filing_support import put_demo_mail
from tests.lab_reports import FT4, HB, TSH, lab_report
from tests.unit.test_mssante_documents import message

NOW = datetime(2031, 7, 14, 10, 0, tzinfo=PARIS)  # any day: the same mail, dated before


@pytest.fixture
def demo_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    store = Store.open(tmp_path / "profile")
    put_demo_mail(store, monkeypatch, InsKind.NIR.value, NOW)
    return store


def by_subject(store: Store, words: str) -> int:
    return next(m.id for m in store.messages() if words in m.subject)


def test_the_list_columns_are_filled_at_ingest(demo_store: Store) -> None:
    found = {m.subject: m for m in demo_store.messages()}
    lab = next(m for s, m in found.items() if s.startswith("Résultats d'analyses"))
    assert (lab.kind, lab.results, lab.abnormal) == ("results", 8, 2)
    assert lab.patient == "SCHMITT Maël (01/10/1946)"
    assert lab.patient_ins == "lue"  # the HPRIM header's matricule: read, no OID, not qualified
    # archives are opened by the background pass: until then, the subject and X-MSS-CODECDA
    letter = next(m for s, m in found.items() if "LETTRE DE LIAISON" in s)
    assert letter.kind == "discharge" and letter.patient_ins is None
    assert letter.patient is not None and "BLANCHARD" in letter.patient
    scan = next(m for s, m in found.items() if "SCANNER THORACIQUE" in s)
    assert scan.kind == "imaging"
    index_pending(demo_store, budget=120)
    found = {m.subject: m for m in demo_store.messages()}
    letter = found[letter.subject]
    assert letter.kind == "discharge" and letter.patient_ins == "qualifiée"
    assert found[scan.subject].kind == "imaging"
    assert found[lab.subject].abnormal == 2
    assert any(m.kind == "patient" for m in found.values())
    assert not lab.filed
    ids = message_ids(demo_store, Scope(patient="schmitt"))
    assert lab.id in ids and letter.id not in ids
    assert message_ids(demo_store, Scope(abnormal=True)) == [
        m.id for m in demo_store.messages() if m.abnormal
    ]
    assert message_ids(demo_store, Scope(kind="imaging")) == [scan.id]
    ordered = message_ids(demo_store, Scope(), sort="patient", descending=False)
    assert len(ordered) == len(found)


def test_search_finds_hprim_results_at_once_and_pdf_text_after_the_pass(
    demo_store: Store,
) -> None:
    lab = by_subject(demo_store, "Résultats d'analyses")
    for query in ("hémoglobine", "HEMOGLOBINE", "hemoglob"):
        assert lab in [m.id for m in demo_store.search(query)], query
    # only in its PDF (the other lab's CDA says it too): not read yet
    assert lab not in [m.id for m in demo_store.search("antériorités")]
    assert pending(demo_store) >= 5
    progress = index_pending(demo_store, budget=120)
    assert progress.left == 0 and progress.done >= 5
    hits = [m.id for m in demo_store.search("antériorités")]
    assert lab in hits
    assert [m.id for m in demo_store.search("biotest anteriorite")] == [lab]
    again = index_pending(demo_store, budget=5)
    assert (again.done, again.left) == (0, 0)


def test_mail_stored_before_this_version_is_read_by_the_resumable_pass(
    demo_store: Store,
) -> None:
    with demo_store.transaction() as db:  # as migration 8 leaves mail with attachments
        db.execute(
            "UPDATE messages SET doc_state = NULL, patient = NULL, doc_kind = NULL, "
            "results = 0, abnormal = 0 WHERE has_attachments = 1"
        )
        db.execute("DELETE FROM document_search")
    waiting = pending(demo_store)
    lab = by_subject(demo_store, "Résultats d'analyses")
    assert waiting >= 5 and lab not in [m.id for m in demo_store.search("hémoglobine")]
    first = index_pending(demo_store, budget=0.01, batch=1)  # stops early, resumes later
    assert 1 <= first.done < waiting and first.left == waiting - first.done
    index_pending(demo_store, budget=120)
    read = next(m for m in demo_store.messages() if m.id == lab)
    assert (read.kind, read.abnormal, read.patient) == ("results", 2, "SCHMITT Maël (01/10/1946)")
    assert lab in [m.id for m in demo_store.search("hémoglobine")]


def test_a_hostile_pdf_does_not_stop_the_pass(demo_store: Store) -> None:
    bad = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\n" + b"[" * 200_000
    raw = message([("piege.pdf", bad, "application", "pdf")], subject="PDF piégé")
    inbox = demo_store.folders(demo_store.accounts()[0])[0]
    demo_store.add_headers(inbox, [HeaderRow(50, (), None, len(raw), None, raw.split(b"\n\n")[0])])
    demo_store.add_bodies(inbox, {50: raw})
    started = time.monotonic()
    progress = index_pending(demo_store, budget=300)
    assert progress.left == 0
    assert time.monotonic() - started < 200
    assert demo_store.search("piégé")  # the message itself is still found


def test_show_json_lists_the_documents_with_their_results(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab = by_subject(demo_store, "Résultats d'analyses")
    inbox = demo_store.folders(demo_store.accounts()[0])[0]
    raw = message(
        [("CR-BIO.xml", lab_report([TSH, FT4, HB]), "text", "xml")], subject="CR de biologie"
    )
    demo_store.add_headers(inbox, [HeaderRow(60, (), None, len(raw), None, raw.split(b"\n\n")[0])])
    demo_store.add_bodies(inbox, {60: raw})
    cda_message = by_subject(demo_store, "CR de biologie")
    demo_store.close()
    profile = str(tmp_path / "profile")

    assert main(["--profile-dir", profile, "show", str(lab), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    (results,) = [d for d in shown["documents"] if d["results"]]
    assert len(results["results"]) == 8
    assert sum(1 for r in results["results"] if r["flag"] in ("high", "low")) == 2
    assert results["patient"]["birth_name"] == "SCHMITT"
    assert {"label", "value", "unit", "reference_range", "flag"} <= set(results["results"][0])

    assert main(["--profile-dir", profile, "show", str(cda_message), "--json"]) == 0
    (document,) = json.loads(capsys.readouterr().out)["documents"]
    assert document["type"]["code"] == "11502-2"
    assert [(r["label"], r["flag"]) for r in document["results"]] == [
        ("Thyréostimuline (TSH)", "normal"),
        ("Thyroxine libre (FT4)", "low"),
        ("Hémoglobine", "high"),
    ]

    assert main(["--profile-dir", profile, "show", str(lab)]) == 0
    text = capsys.readouterr().out
    assert "Glycémie à jeun : 1.29 g/L" in text and " ! " in text


def test_results_of_a_filed_patient_over_time(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "Patients"
    root.mkdir()
    inbox = demo_store.folders(demo_store.accounts()[0])[0]
    for uid, (when, hb) in enumerate((("20261001", "13.1"), ("20261118", "17.9")), start=70):
        item = HB.__class__(**{**HB.__dict__, "value": hb, "flag": None})
        report = lab_report([item, TSH]).replace(b"20261118073500", f"{when}073500".encode())
        raw = message([("CR-BIO.xml", report, "text", "xml")], subject=f"Biologie {when}")
        raw = raw.replace(b"<abc@", f"<bio-{uid}@".encode())
        header = raw.split(b"\n\n")[0]
        demo_store.add_headers(inbox, [HeaderRow(uid, (), None, len(raw), None, header)])
        demo_store.add_bodies(inbox, {uid: raw})
    lab = next(m for m in demo_store.messages() if m.subject.startswith("Résultats d'analyses"))
    demo_store.close()
    profile = str(tmp_path / "profile")
    common = ["--profile-dir", profile]
    assert main([
        *common, "patients", "add", "--patients-dir", str(root), "--birth-name", "MARTIN",
        "--first-names", "Élodie Marie", "--birth-date", "1955-08-12", "--sex", "F",
        "--ins", "255081416802538", "--ins-oid", InsKind.NIR.value, "--json",
    ]) == 0  # fmt: skip
    martin = json.loads(capsys.readouterr().out)["id"]
    assert main([
        *common, "patients", "add", "--patients-dir", str(root), "--birth-name", "SCHMITT",
        "--first-names", "Maël", "--birth-date", "1946-10-01", "--sex", "M", "--json",
    ]) == 0  # fmt: skip
    schmitt = json.loads(capsys.readouterr().out)["id"]
    for message_id in ("<bio-70@ch-valmont.mssante.test>", "<bio-71@ch-valmont.mssante.test>"):
        assert main([
            *common, "file", "--patients-dir", str(root), "--message-id", message_id,
            "--patient", martin, "--json",
        ]) == 0, capsys.readouterr()  # fmt: skip
    assert main([
        *common, "file", "--patients-dir", str(root), "--message-id", str(lab.message_id),
        "--patient", schmitt, "--json",
    ]) == 0  # fmt: skip
    capsys.readouterr()

    assert main([*common, "results", "--patients-dir", str(root), "--patient", martin,
                 "--json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["dates"] == ["2026-10-01", "2026-11-18"]
    hb = next(a for a in data["analytes"] if a["label"] == "Hémoglobine")
    assert [(p["value"], p["flag"]) for p in hb["points"]] == [("13.1", "normal"), ("17.9", "high")]
    assert hb["abnormal"] is True
    tsh = next(a for a in data["analytes"] if a["key"] == "3016-3")
    assert len(tsh["points"]) == 2 and tsh["abnormal"] is False

    assert main([*common, "results", "--patients-dir", str(root), "--patient", schmitt]) == 0
    table = capsys.readouterr().out
    assert "Glycémie à jeun (g/L)" in table and "! " in table
    assert main([*common, "results", "--patients-dir", str(root), "--patient", schmitt,
                 "--json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert len(data["analytes"]) == 8
    assert sum(1 for a in data["analytes"] if a["abnormal"]) == 2
    assert main([*common, "results", "--patients-dir", str(root), "--patient", "nobody"]) != 0

"""``caducee patients|file|journal`` on a real profile: store, message files, patients root.

Here :func:`app.filing.reader.read_documents` is replaced in-process by documents built
from the contract (``app/mssante/model.py``), keyed by Message-ID, to reach every outcome
exactly; ``test_filing_real_mail.py`` does the same round trip on real messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli.main import main
from app.filing import reader
from app.mssante.model import InsKind, MessageDocuments, RefusedInput
from app.ops.receipts import MDN_SENT
from app.store.db import HeaderRow, Store
from app.store.outbox import OutboxStore
from tests.filing_support import (
    MATRICULE,
    PDF,
    document,
    documents,
    identity,
    ins,
    raw_message,
)

ACCOUNT = "dr@mssante.test"

DOCS: dict[str, MessageDocuments] = {
    "certain@chu.test": documents(document(identity(ins_value=ins()))),
    "copy@chu.test": documents(document(identity(ins_value=ins()))),  # same content
    "traits@chu.test": documents(document(identity(), pdf=PDF + b"2")),
    "test-ins@chu.test": documents(
        document(identity(ins_value=ins(kind=InsKind.TEST)), pdf=PDF + b"3")
    ),
    "hostile@chu.test": MessageDocuments(
        refused=(RefusedInput("../../IHE_XDM.ZIP", "archive refusée : chemin hors archive"),)
    ),
    "nobody@chu.test": documents(
        document(identity(birth_name="DURAND", first_names=("Paul",)), pdf=PDF + b"4")
    ),
}


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "profile"
    store = Store.open(directory)
    account = store.add_account(ACCOUNT, "password", "imaps://imap.test", "smtps://smtp.test")
    store.upsert_folder(account, "INBOX", "/", "Inbox", True)
    inbox = store.folders(account)[0]
    for uid, message_id in enumerate(DOCS, start=1):
        raw = raw_message(message_id, receipt=message_id in ("certain@chu.test", "nobody@chu.test"))
        head = raw.split(b"\n\n")[0]
        store.add_headers(inbox, [HeaderRow(uid, (), None, len(raw), None, head)])
        store.add_bodies(inbox, {uid: raw})
    store.close()

    def fake_reader(raw: bytes) -> MessageDocuments:
        for message_id, docs in DOCS.items():
            if f"<{message_id}>".encode() in raw:
                return docs
        raise AssertionError("unknown test message")

    monkeypatch.setattr(reader, "read_documents", fake_reader)
    return directory


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "Patients médecin"
    path.mkdir()
    return path


def run(profile: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--profile-dir", str(profile), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def file_json(
    profile: Path, root: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> dict[str, object]:
    code, out, err = run(profile, capsys, "file", "--patients-dir", str(root), *args, "--json")
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


@pytest.fixture
def marie(profile: Path, root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(
        profile, capsys, "patients", "add", "--patients-dir", str(root),
        "--birth-name", "Dupont", "--first-names", "Marie Louise",
        "--birth-date", "1980-05-12", "--sex", "F",
        "--ins", MATRICULE, "--ins-oid", InsKind.NIR.value,
    )  # fmt: skip
    assert code == 0, err
    assert "Patient ajouté" in err
    return out.strip()


def store_of(profile: Path) -> Iterator[Store]:
    store = Store.open(profile)
    try:
        yield store
    finally:
        store.close()


def test_patients_add_and_list(
    profile: Path, root: Path, marie: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(profile, capsys, "patients", "list", "--patients-dir", str(root), "--json")
    assert code == 0
    [patient] = json.loads(out)
    assert patient["id"] == marie and patient["ins"] == MATRICULE
    assert (root / patient["folder"]).is_dir()
    code, out, _ = run(profile, capsys, "patients", "list", "--patients-dir", str(root))
    assert marie in out and "DUPONT Marie Louise, née le 12/05/1980" in out
    code, _, err = run(
        profile, capsys, "patients", "add", "--patients-dir", str(root), "--birth-name", "X",
        "--first-names", "Y", "--birth-date", "2000-01-01", "--sex", "M", "--ins", "123",
    )  # fmt: skip
    assert code == 1 and "INS invalide" in err


def test_patients_import_csv_and_folders(
    profile: Path, root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "export.csv"
    csv.write_bytes(
        "Nom;Prénom;Date de naissance;Sexe\nLefèvre;Zoé;13/03/1975;F\n;;;\nX;;01/01/2000;M\n"
        .encode("cp1252")
    )  # fmt: skip
    code, out, _ = run(
        profile, capsys, "patients", "import", "--patients-dir", str(root), "--csv", str(csv)
    )
    assert code == 0
    assert "ajouté" in out and "ignoré : ligne 4" in out and "1 patient(s) ajouté(s)" in out
    (root / "MARTIN Luc (1990-01-02)").mkdir()
    code, out, _ = run(
        profile, capsys, "patients", "import", "--patients-dir", str(root), "--folders", "--json"
    )
    report = json.loads(out)
    assert [p["folder"] for p in report["added"]] == ["MARTIN Luc (1990-01-02)"]


def test_auto_files_a_certain_match_then_undo(
    profile: Path, root: Path, marie: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = file_json(profile, root, capsys, "--message-id", "certain@chu.test", "--auto")
    assert result["status"] == "filed" and result["keyword"] == "$MSSanteClasse"
    [outcome] = result["documents"]  # type: ignore[misc]
    assert outcome["patient"] == marie and len(outcome["files"]) == 3
    read = outcome["identity"]  # the document's, as the reader gives it to every view
    assert (read["birth_name"], read["birth_date"], read["source"]) == (
        "DUPONT", "1980-05-12", "cda",
    )  # fmt: skip
    assert read["ins"] == {
        "matricule": MATRICULE, "oid": "1.2.250.1.213.1.4.8", "key_ok": True, "qualified": True,
    }  # fmt: skip
    found = outcome["match"]  # existing fields kept, certainty and traits added
    assert (found["level"], found["certainty"]) == ("certain", "certain")
    [best] = found["candidates"]
    assert (best["level"], best["confidence"], best["certainty"]) == ("certain", 1.0, "certain")
    assert [(t["trait"], t["state"]) for t in best["traits"]] == [
        ("birth_name", "agree"), ("first_names", "agree"), ("birth_date", "agree"),
        ("sex", "agree"), ("ins", "agree"),
    ]  # fmt: skip
    assert best["summary"] == "Nom de naissance ✓, Prénom ✓, Date de naissance ✓, Sexe ✓, INS ✓"
    assert all((root / f).is_file() for f in outcome["files"])
    assert result["receipt"] == {  # asked by the sender, offered, not sent
        "requested": True, "to": "paul.durand@chu.mssante.test", "sent": False,
        "kind": "processed",
    }  # fmt: skip
    for store in store_of(profile):
        message = store.find("certain@chu.test")
        assert message is not None and "$MSSanteClasse" in message.flags
    code, out, _ = run(profile, capsys, "journal", "--patients-dir", str(root), "--json")
    [entry] = json.loads(out)
    assert entry["status"] == "filed" and entry["message_id"] == "certain@chu.test"
    assert entry["who"].startswith(ACCOUNT) and len(entry["files"]) == 3
    undone = file_json(profile, root, capsys, "--undo", str(entry["id"]))
    assert undone["status"] == "undone"
    assert not any((root / f).exists() for f in outcome["files"])
    for store in store_of(profile):
        message = store.find("certain@chu.test")
        assert message is not None and "$MSSanteClasse" not in message.flags
    code, _, err = run(profile, capsys, "file", "--patients-dir", str(root), "--undo", "999")
    assert code == 1 and "Aucune entrée 999" in err
    # The audit trail: the filing and its undo by journal entry, never the patient's folder.
    code, out, _ = run(profile, capsys, "audit", "--json")
    filings = [e for e in json.loads(out) if e["action"] == "classement"]
    assert [e["detail"] for e in filings] == [
        f"classement, journal n° {entry['id']}",
        f"annulation, journal n° {entry['id']}",
    ]
    assert filings[0]["result"] == "filed"
    trail = out  # every entry, as recorded (the files are sealed: docs/encryption.md)
    assert "DUPONT" not in trail.upper() and "MARIE" not in trail.upper()
    assert str(root) not in trail and MATRICULE not in trail


def test_auto_says_why_it_did_not_file_and_exits_0(
    profile: Path, root: Path, marie: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["file", "--patients-dir", str(root), "--auto", "--message-id"]
    code, out, _ = run(profile, capsys, *base, "traits@chu.test")
    assert code == 0 and "À classer" in out and f"patient {marie}" in out
    # the document's identity as read, then the certainty in words with its traits
    assert "Patient lu : DUPONT Marie" in out and "né(e) le 12/05/1980" in out
    assert "Identité probable : Nom de naissance ✓" in out and "INS ✗ absente" in out
    assert "%" not in out
    code, out, _ = run(profile, capsys, *base, "test-ins@chu.test")
    assert code == 0 and "INS de test" in out
    code, out, _ = run(profile, capsys, *base, "hostile@chu.test")
    assert code == 0 and "Pièce refusée" in out and "Aucun document lisible" in out
    code, out, _ = run(profile, capsys, *base, "certain@chu.test")
    assert code == 0 and "Classé dans le dossier de DUPONT Marie Louise" in out
    code, out, _ = run(profile, capsys, *base, "copy@chu.test")
    assert code == 0 and "Déjà classé le " in out
    queue = json.loads(run(profile, capsys, "file", "--patients-dir", str(root), "--queue",
                           "--json")[1])  # fmt: skip
    assert sorted((q["message_id"], q["proposal"], q["reason"]) for q in queue) == [
        ("test-ins@chu.test", None, "ins-test"),  # a real patient is never proposed
        ("traits@chu.test", marie, "a-verifier"),
    ]
    chosen = file_json(profile, root, capsys, "--message-id", "<traits@chu.test>", "--patient",
                       marie)  # fmt: skip
    assert chosen["status"] == "filed"
    queue = json.loads(run(profile, capsys, "file", "--patients-dir", str(root), "--queue",
                           "--json")[1])  # fmt: skip
    assert [q["message_id"] for q in queue] == ["test-ins@chu.test"]


def test_receipts_are_queued_in_the_outbox_only_when_asked(
    profile: Path, root: Path, marie: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(profile, capsys, "file", "--patients-dir", str(root), "--auto",
                       "--message-id", "nobody@chu.test")  # fmt: skip
    assert code == 0 and "il sera proposé une fois le document classé ou refusé" in out
    rejected = file_json(profile, root, capsys, "--message-id", "nobody@chu.test", "--reject",
                         "--receipt")  # fmt: skip
    assert rejected["status"] == "refused" and rejected["error_code"] == 903
    assert rejected["receipt"]["sent"] is True  # type: ignore[index]
    filed = file_json(profile, root, capsys, "--message-id", "certain@chu.test", "--auto",
                      "--receipt")  # fmt: skip
    assert filed["receipt"]["sent"] is True  # type: ignore[index]
    for store in store_of(profile):
        outbox = OutboxStore(store)
        subjects = [item.subject for item in outbox.items()]
        ko = next(s for s in subjects if s.startswith("["))
        assert ko.startswith("[KO Intégration système !][903]")
        (ok,) = set(subjects) - {ko}  # ANS: a successful integration's receipt keeps the subject
        assert ko.startswith("[KO Intégration système !][903]")
        certain = store.find("certain@chu.test")
        assert certain is not None and ok == certain.subject
        raws = b"".join(outbox.raw(item) for item in outbox.items())
        assert b"Error: 903^INS absent" in raws
        for message_id in ("certain@chu.test", "nobody@chu.test"):
            message = store.find(message_id)
            assert message is not None and MDN_SENT in message.flags
    again = file_json(profile, root, capsys, "--message-id", "certain@chu.test", "--auto")
    assert again["receipt"]["requested"] is False  # type: ignore[index]


def test_real_errors_exit_non_zero(
    profile: Path, root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(profile, capsys, "file", "--patients-dir", str(root), "--auto",
                       "--message-id", "absent@x")  # fmt: skip
    assert code == 1 and "Aucun message" in err
    code, _, err = run(profile, capsys, "file", "--patients-dir", str(tmp_path / "nope"),
                       "--auto", "--message-id", "certain@chu.test")  # fmt: skip
    assert code == 1 and "n'existe pas" in err
    code, _, err = run(profile, capsys, "file", "--auto", "--message-id", "certain@chu.test")
    assert code == 1 and "--patients-dir" in err
    code, _, err = run(profile, capsys, "file", "--patients-dir", str(root), "--message-id",
                       "certain@chu.test", "--patient", "zzzzzz")  # fmt: skip
    assert code == 1 and "Aucun patient « zzzzzz »" in err
    with pytest.raises(SystemExit) as usage:
        main(["file", "--patients-dir", str(root), "--message-id", "x", "--auto", "--patient",
              "y"])  # fmt: skip
    assert usage.value.code == 2


def test_the_setting_gives_the_patients_root(
    profile: Path, root: Path, marie: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (profile / "config.toml").write_text(
        f"[classement]\ndossier_patients = {json.dumps(str(root))}\n", encoding="utf-8"
    )
    code, out, _ = run(profile, capsys, "patients", "list")
    assert code == 0 and marie in out

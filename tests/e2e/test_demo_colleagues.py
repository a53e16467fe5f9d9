"""The demo operator hosts a few colleagues: mail sent to them is delivered and read back
(``caducee demo --colleague``); they are in the demo's directory; writing to a patient
goes only to a qualified INS of the registry."""

from __future__ import annotations

import json
import time
from pathlib import Path

from app.mssante.ins import key_of
from app.sandbox.colleagues import DEMO_COLLEAGUES
from app.sandbox.operator import DEMO_ADDRESS, DEMO_PASSPHRASE
from tests.e2e.test_demo import caducee, served_demo

NIR = "2800575123456"
MATRICULE = f"{NIR}{key_of(NIR):02d}"


def send(profile: Path, *args: str) -> tuple[int, str]:
    done = caducee(
        profile,
        "send",
        "--from",
        DEMO_ADDRESS,
        "--body",
        "Bonjour",
        *args,
        CADUCEE_PKCS12_PASSPHRASE=DEMO_PASSPHRASE,
    )
    return done.returncode, done.stdout + done.stderr


def test_mail_to_a_demo_colleague_is_delivered_and_read_back(tmp_path: Path) -> None:
    profile = tmp_path / "demo"
    cardiologist, nurse = DEMO_COLLEAGUES[0], DEMO_COLLEAGUES[2]
    subject = f"Avis cardiologique {time.time_ns()}"
    with served_demo(profile):
        status, said = send(
            profile, "--to", cardiologist.address, "--cc", nurse.address, "--subject", subject
        )
        assert status == 0, said
        status, said = send(profile, "--to", "inconnu@medecin.mssante.test", "--subject", "x")
        assert "inconnu@medecin.mssante.test" in said  # still refused: not hosted
    shown = caducee(profile, "demo", "--colleague", cardiologist.address.upper(), "--json")
    assert shown.returncode == 0, shown.stderr
    received = json.loads(shown.stdout)
    assert [m["subject"] for m in received] == [subject]
    assert DEMO_ADDRESS in received[0]["from"]
    text = caducee(profile, "demo", "--colleague", nurse.address)
    assert subject in text.stdout and nurse.display in text.stdout
    empty = caducee(profile, "demo", "--colleague", DEMO_COLLEAGUES[3].address)
    assert "n'a rien reçu" in empty.stdout
    stranger = caducee(profile, "demo", "--colleague", "personne@ailleurs.test")
    assert stranger.returncode == 1 and "n'est pas un confrère" in stranger.stderr
    found = caducee(profile, "directory", "search", "fontaine", "--json")
    assert found.returncode == 0, found.stderr
    assert cardiologist.address in found.stdout


def test_demo_writes_to_a_patient_only_from_a_qualified_ins(tmp_path: Path) -> None:
    profile = tmp_path / "demo"
    address = f"{MATRICULE}@patient.mssante.fr"
    with served_demo(profile):
        status, said = send(profile, "--to", address, "--subject", "Résultats")
        assert status == 1 and "aucun patient de votre registre" in said
        added = caducee(
            profile,
            "patients",
            "add",
            "--birth-name",
            "Dupont",
            "--first-names",
            "Marie",
            "--birth-date",
            "1980-05-12",
            "--sex",
            "F",
            "--ins",
            MATRICULE,
        )
        assert added.returncode == 0, added.stderr
        patient_id = added.stdout.strip()
        status, said = send(profile, "--to-patient", patient_id, "--subject", "Résultats")
        assert status == 1 and "pas qualifiée" in said, said
        qualified = caducee(profile, "patients", "qualify", "--patient", patient_id)
        assert qualified.returncode == 0 and "identité qualifiée" in qualified.stdout
        status, said = send(
            profile, "--to-patient", patient_id, "--no-reply", "--subject", "Résultats"
        )
        # The address is built and accepted; the sandbox has no Mon espace santé: refused there
        assert f"DUPONT Marie, née le 12/05/1980 — Mon espace santé <{address}>" in said
        assert "unknown in the demo sandbox" in said, said
        status, said = send(profile, "--to", f"{MATRICULE}@pаtient.mssante.fr", "--subject", "x")
        assert status == 1 and "trompeurs" in said
        outbox = caducee(profile, "outbox", "--json")
        items = json.loads(outbox.stdout)
        assert [i["recipients"] for i in items] == [[address]]  # nothing else was queued


def test_a_document_sent_from_the_demo_is_read_at_the_colleagues_side(tmp_path: Path) -> None:
    """``send-document`` through the demo operator: the colleague's mailbox holds the XDM
    message, and what Caducée reads there is the same patient, type and letter."""
    profile = tmp_path / "demo"
    colleague = DEMO_COLLEAGUES[0]
    with served_demo(profile):
        listed = caducee(profile, "patients", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        patient = json.loads(listed.stdout)[0]  # a demo patient: test INS
        sent = caducee(
            profile,
            "send-document",
            "--from",
            DEMO_ADDRESS,
            "--to",
            colleague.address,
            "--patient",
            patient["id"],
            "--letter",
            "Cher confrère, je vous adresse ce patient pour avis.",
            "--type",
            "96349-6",
            "--test-ins",
            CADUCEE_PKCS12_PASSPHRASE=DEMO_PASSPHRASE,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
    shown = caducee(profile, "demo", "--colleague", colleague.address, "--json")
    received = json.loads(shown.stdout)
    assert len(received) == 1
    message = received[0]
    assert message["subject"].startswith("XDM/1.0/DDM+")
    # shown decoded and unfolded, as she would read them (accented names, display name)
    assert (
        patient["first_names"].split()[0] in message["subject"] and "\n" not in message["subject"]
    )
    assert message["from"].startswith("Démo CADUCÉE <") and "=?" not in message["from"]
    assert message["mss_headers"]["X-MSS-CODECDA"] == "96349-6"
    assert message["mss_headers"]["X-MSS-INS"] == "N"  # a test INS is never qualified
    document = next(d for d in message["documents"] if d["type_code"] == "96349-6")
    assert document["patient"]["birth_name"] == patient["birth_name"]
    assert document["patient"]["ins"] == patient["ins"]
    text = caducee(profile, "demo", "--colleague", colleague.address)
    assert "Document :" in text.stdout and patient["birth_name"] in text.stdout


def test_a_colleague_reads_and_answers_into_the_demo_mailbox(tmp_path: Path) -> None:
    """``caducee demo --serve --reply-after 0``: mail sent to a colleague with a read
    receipt asked comes back as "lu" in ``caducee receipts`` and as her reply in the list."""
    profile = tmp_path / "demo"
    cardiologist = DEMO_COLLEAGUES[0]
    subject = f"Avis pour M. X {time.time_ns()}"
    with served_demo(profile, options=("--reply-after", "0")):
        status, said = send(profile, "--to", cardiologist.address, "--subject", subject, "--mdn")
        assert status == 0, said
        deadline = time.monotonic() + 60
        replies: list[dict[str, object]] = []
        while not replies and time.monotonic() < deadline:
            synced = caducee(profile, "sync", CADUCEE_PKCS12_PASSPHRASE=DEMO_PASSPHRASE)
            assert synced.returncode == 0, synced.stderr
            listed = caducee(profile, "list", "--json")
            replies = [m for m in json.loads(listed.stdout) if m["subject"] == f"RE: {subject}"]
            time.sleep(0.5)
        assert replies, "no reply from the colleague"
        shown = caducee(profile, "show", str(replies[0]["id"]))
        assert "Cher confrère" in shown.stdout and "Cardiologie" in shown.stdout
        assert "> Bonjour" in shown.stdout  # her message, quoted
        receipts = caducee(profile, "receipts", "--json")
        assert receipts.returncode == 0, receipts.stderr
        (sent,) = [r for r in json.loads(receipts.stdout) if r["subject"] == subject]
        assert [(r["recipient"], r["state"]) for r in sent["recipients"]] == [
            (cardiologist.address, "displayed")
        ], sent
        assert sent["recipients"][0]["read_at"]

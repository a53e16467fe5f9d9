"""Round trip the MSSanté way (issue 15 item 2): Dr Martin sends a patient's document with her
card through the lab's submission server; the colleague's Caducée (another mailbox of the
lab's Dovecot, a PKCS#12 account) syncs it, reads the same patient, type, author and
document, and files it into that patient's folder."""

from __future__ import annotations

import email
import email.policy
import json
import time
from pathlib import Path

import pytest

from app.cli.main import main
from app.mssante import pdfa
from app.mssante.documents import read_message
from app.mssante.ins import key_of
from app.sandbox.submission import Endpoints, SubmissionServer, server_tls_context
from app.store.db import Store
from tests.lab.build import DR_MARTIN, P12_PASSPHRASE, LabAccounts, LabPki
from tests.lab.cards import VirtualCard
from tests.lab.dovecot import Dovecot
from tests.lab.smtp import lmtp_deliverer, sender_policy

pytestmark = pytest.mark.lab

NIR13 = "1840575123456"
MATRICULE = NIR13 + f"{key_of(NIR13):02d}"
NIR_OID = "1.2.250.1.213.1.4.8"


def add_patient(profile: list[str], root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main([
        *profile, "patients", "add", "--patients-dir", str(root), "--birth-name", "LEGRAND",
        "--first-names", "Hélène Rose", "--birth-date", "1984-05-07", "--sex", "F",
        "--ins", MATRICULE, "--ins-oid", NIR_OID, "--json",
    ]) == 0  # fmt: skip
    patient_id: str = json.loads(capsys.readouterr().out)["id"]
    return patient_id


def test_a_document_sent_with_the_card_is_read_and_filed_by_the_colleague(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    full_card: VirtualCard,
    dovecot_mss: Dovecot,
    lab_smtp: Endpoints,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CADUCEE_PIN", full_card.pin)
    monkeypatch.setenv("CADUCEE_PKCS12_PASSPHRASE", P12_PASSPHRASE)
    for name, value in full_card.env.items():
        monkeypatch.setenv(name, value)
    full_card.insert()
    me, colleague = lab_accounts.martin.address, lab_accounts.organisation.address
    sender = ["--profile-dir", str(tmp_path / "sender")]
    receiver = ["--profile-dir", str(tmp_path / "receiver")]
    assert main([
        *sender, "account", "add", "--address", me,
        "--imap", f"imap+starttls://localhost:{dovecot_mss.imap_port}",
        "--smtp", f"smtps://localhost:{lab_smtp.implicit_tls_port}",
        "--auth", "card", "--module", str(full_card.module), "--trust", str(lab_pki.files.root),
    ]) == 0  # fmt: skip
    assert main([
        *receiver, "account", "add", "--address", colleague,
        "--imap", f"imaps://localhost:{dovecot_mss.imaps_port}",
        "--smtp", f"smtp+starttls://localhost:{lab_smtp.starttls_port}",
        "--auth", "pkcs12", "--pkcs12", str(lab_pki.organisation_p12),
        "--trust", str(lab_pki.files.root),
    ]) == 0  # fmt: skip
    sender_root, receiver_root = tmp_path / "mine", tmp_path / "theirs"
    sender_root.mkdir()
    receiver_root.mkdir()
    patient = add_patient(sender, sender_root, capsys)
    title = f"CR biologie {time.time_ns()}"
    document = tmp_path / "resultats.pdf"
    document.write_bytes(pdfa.letter_pdfa("Hémoglobine 13,2 g/dL", "Résultats"))

    not_pdf = tmp_path / "notes.txt"
    not_pdf.write_text("texte")
    base = [*sender, "send-document", "--from", me, "--to", colleague]
    assert main([*base, "--patients-dir", str(sender_root), "--patient", patient,
                 "--document", str(document)]) == 1  # fmt: skip
    assert "espace de confiance MSSanté" in capsys.readouterr().err  # the lab's .test domain
    base.append("--outside-mssante")
    assert main([*base, "--patients-dir", str(sender_root), "--patient", patient,
                 "--document", str(not_pdf)]) == 1  # fmt: skip
    assert "n'est pas un fichier PDF" in capsys.readouterr().err
    assert main([*sender, "outbox", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # refused: nothing queued
    assert main([*base, "--patients-dir", str(sender_root), "--patient", patient,
                 "--document", str(document), "--max-size", "1000"]) == 1  # fmt: skip
    assert "trop volumineux" in capsys.readouterr().err
    refused_by_size(tmp_path, document, full_card, dovecot_mss, lab_pki, lab_accounts, capsys)

    assert main([
        *base, "--patients-dir", str(sender_root), "--patient", patient,
        "--document", str(document), "--type", "11502-2", "--title", title,
        "--date", "2026-11-30", "--body", "Chère consœur, voici les résultats.", "--mdn", "--json",
    ]) == 0  # fmt: skip
    sent = json.loads(capsys.readouterr().out)
    assert sent["message"]["state"] == "sent" and sent["x_mss_ins"] == "O"
    message_id = sent["message"]["message_id"]

    assert main([*receiver, "sync"]) == 0
    store = Store.open(tmp_path / "receiver")
    try:
        [summary] = [m for m in store.messages() if m.message_id == message_id]
        raw = store.raw(summary)
    finally:
        store.close()
    assert raw is not None
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == f"XDM/1.0/DDM+{title} LEGRAND Hélène 07/05/1984"
    assert parsed["X-MSS-CODECDA"] == "11502-2" and parsed["X-MSS-INS"] == "O"
    assert parsed["X-MSS-NIL"]
    assert parsed["Disposition-Notification-To"] == me
    assert parsed["From"] == f"{DR_MARTIN.given_name} {DR_MARTIN.surname} <{me}>"
    read = read_message(raw)
    [received] = read.documents
    assert received.identity is not None and received.identity.ins is not None
    assert received.identity.ins.matricule == MATRICULE and received.identity.ins.qualified
    assert received.type_code == "11502-2" and received.title == title
    assert received.author == f"{DR_MARTIN.given_name} {DR_MARTIN.surname}"
    assert received.readable is not None and pdfa.is_pdfa(received.readable.data)
    assert received.readable.name == f"20261130_CR de biologie_LEGRAND_Hélène_{patient}.pdf"

    add_patient(receiver, receiver_root, capsys)
    assert main([*receiver, "file", "--patients-dir", str(receiver_root),
                 "--message-id", message_id, "--auto", "--json"]) == 0  # fmt: skip
    filed = json.loads(capsys.readouterr().out)
    assert filed["status"] == "filed", filed
    [folder] = [p for p in receiver_root.iterdir() if p.is_dir() and p.name != ".caducee"]
    pdfs = [p for p in folder.iterdir() if p.suffix == ".pdf"]
    assert len(pdfs) == 1 and pdfs[0].name.startswith("2026-11-30_")
    assert pdfa.is_pdfa(pdfs[0].read_bytes())


def refused_by_size(
    tmp_path: Path,
    document: Path,
    card: VirtualCard,
    dovecot: Dovecot,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An operator announcing a small SIZE after EHLO: refused before queuing, in French."""
    chain, key = lab_pki.write_issued("server", lab_pki.server)
    tls = server_tls_context(str(chain), str(key), str(lab_pki.files.ca_with_crls))
    small = SubmissionServer(
        tls,
        sender_policy(lab_accounts.mssante),
        lmtp_deliverer(dovecot.lmtp_socket),
        data_size_limit=20_000,
    )
    endpoints = small.start()
    try:
        me = lab_accounts.martin.address
        profile = ["--profile-dir", str(tmp_path / "small")]
        assert main([
            *profile, "account", "add", "--address", me,
            "--imap", f"imap+starttls://localhost:{dovecot.imap_port}",
            "--smtp", f"smtps://localhost:{endpoints.implicit_tls_port}",
            "--auth", "card", "--module", str(card.module), "--trust", str(lab_pki.files.root),
        ]) == 0  # fmt: skip
        root = tmp_path / "small-root"
        root.mkdir()
        patient = add_patient(profile, root, capsys)
        assert main([
            *profile, "send-document", "--from", me, "--to", lab_accounts.organisation.address,
            "--outside-mssante", "--patients-dir", str(root), "--patient", patient,
            "--document", str(document),
        ]) == 1  # fmt: skip
        error = capsys.readouterr().err
        assert "trop volumineux pour l'opérateur" in error and "limite 20 Ko" in error
        assert main([*profile, "outbox", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == []
    finally:
        small.stop()

"""Sending through the outbox against the lab's submission server and Dovecot."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app.cli.main import main
from app.sandbox.submission import Endpoints
from tests.lab.build import P12_PASSPHRASE, LabAccounts, LabPki
from tests.lab.cards import VirtualCard
from tests.lab.dovecot import Dovecot
from tests.lab.ports import free_ports
from tests.profile_db import open_db

pytestmark = pytest.mark.lab


@pytest.fixture
def profile(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dovecot_mss: Dovecot,
    lab_smtp: Endpoints,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
) -> list[str]:
    monkeypatch.setenv("CADUCEE_PKCS12_PASSPHRASE", P12_PASSPHRASE)
    args = ["--profile-dir", str(tmp_path / "p")]
    assert (
        main(
            [
                *args,
                "account",
                "add",
                "--address",
                lab_accounts.organisation.address,
                "--imap",
                f"imaps://localhost:{dovecot_mss.imaps_port}",
                "--smtp",
                f"smtp+starttls://localhost:{lab_smtp.starttls_port}",
                "--auth",
                "pkcs12",
                "--pkcs12",
                str(lab_pki.organisation_p12),
                "--trust",
                str(lab_pki.files.root),
            ]
        )
        == 0
    )
    return args


def outbox(profile: list[str], capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main([*profile, "outbox", "--json"]) == 0
    items: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return items


def copies(profile: list[str], subject: str, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    """How many copies of ``subject`` each folder holds after a sync."""
    assert main([*profile, "sync"]) == 0
    capsys.readouterr()
    assert main([*profile, "list", "--json"]) == 0
    found: dict[str, int] = {}
    for message in json.loads(capsys.readouterr().out):
        if message["subject"] == subject:
            found[message["folder"]] = found.get(message["folder"], 0) + 1
    return found


def test_send_delivers_once_and_keeps_one_copy_in_sent(
    profile: list[str],
    lab_accounts: LabAccounts,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    me = lab_accounts.organisation.address
    subject = f"Compte rendu {time.time_ns()}"
    letter = tmp_path / "compte-rendu.txt"
    letter.write_text("Consultation du 22/11.")
    assert (
        main(
            [
                *profile,
                "send",
                "--from",
                me,
                "--to",
                me,
                "--subject",
                subject,
                "--body",
                "Bonjour,\nci-joint le compte rendu.",
                "--attach",
                str(letter),
                "--mdn",
                "--dsn",
            ]
        )
        == 0
    )
    output = capsys.readouterr()
    assert f"Envoyé : « {subject} »" in output.out
    assert "accusés de remise (DSN)" not in output.err  # the lab server offers DSN
    assert copies(profile, subject, capsys) == {"INBOX": 1, "Sent": 1}
    assert main([*profile, "search", subject.split()[-1], "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    inbox = next(m for m in found if m["folder"] == "INBOX")
    assert main([*profile, "show", str(inbox["id"]), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["headers"]["Disposition-Notification-To"] == me  # read receipt requested
    assert shown["attachments"][0]["filename"] == "compte-rendu.txt"


def test_offline_sending_waits_then_goes_once_back_online(
    profile: list[str],
    lab_accounts: LabAccounts,
    lab_smtp: Endpoints,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    me = lab_accounts.organisation.address
    database = tmp_path / "p" / "store.sqlite3"
    dead = free_ports(1)[0]
    with open_db(database) as db:  # the submission server is down
        db.execute("UPDATE accounts SET smtp_url = ?", (f"smtp+starttls://localhost:{dead}",))
    subject = f"Envoi hors ligne {time.time_ns()}"
    assert (
        main(
            [
                *profile,
                "send",
                "--from",
                me,
                "--to",
                me,
                "--subject",
                subject,
                "--body",
                "En attente.",
            ]
        )
        == 0
    )
    assert "En attente" in capsys.readouterr().out
    [waiting] = outbox(profile, capsys)
    assert waiting["state"] == "queued" and waiting["attempts"] == 1
    assert "injoignable" in str(waiting["last_error"])
    assert waiting["next_attempt_at"]

    with open_db(database) as db:  # the server is back
        db.execute(
            "UPDATE accounts SET smtp_url = ?",
            (f"smtp+starttls://localhost:{lab_smtp.starttls_port}",),
        )
    assert main([*profile, "outbox", "--flush"]) == 0
    assert main([*profile, "outbox", "--flush"]) == 0  # and again: nothing more is sent
    [sent] = outbox(profile, capsys)
    assert sent["state"] == "sent" and sent["attempts"] == 2
    assert copies(profile, subject, capsys) == {"INBOX": 1, "Sent": 1}


def test_a_send_interrupted_by_a_crash_is_never_repeated_on_its_own(
    profile: list[str],
    lab_accounts: LabAccounts,
    lab_smtp: Endpoints,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    me = lab_accounts.organisation.address
    database = tmp_path / "p" / "store.sqlite3"
    subject = f"Envoi interrompu {time.time_ns()}"
    with open_db(database) as db:  # the app died during the SMTP transaction
        db.execute("UPDATE accounts SET smtp_url = ?", ("smtp+starttls://localhost:1",))
    main([*profile, "send", "--from", me, "--to", me, "--subject", subject, "--body", "x"])
    with open_db(database) as db:  # crash after the end of DATA; the server is fine now
        db.execute("UPDATE outbox SET state = 'sending', data_sent = 1")
        db.execute(
            "UPDATE accounts SET smtp_url = ?",
            (f"smtp+starttls://localhost:{lab_smtp.starttls_port}",),
        )
    [item] = outbox(profile, capsys)
    assert item["state"] == "uncertain"  # recovered: outcome unknown, not resent
    assert main([*profile, "outbox", "--flush"]) == 0
    assert outbox(profile, capsys)[0]["state"] == "uncertain"
    assert copies(profile, subject, capsys) == {}  # a resend would have arrived
    assert main([*profile, "outbox", "--retry", str(item["id"])]) == 1  # not without her say
    assert "--confirm-resend" in capsys.readouterr().err
    assert outbox(profile, capsys)[0]["state"] == "uncertain"
    resend = [*profile, "outbox", "--retry", str(item["id"]), "--confirm-resend"]
    assert main(resend) == 0  # the user decides
    assert copies(profile, subject, capsys) == {"INBOX": 1, "Sent": 1}


def test_a_message_over_the_server_size_limit_is_refused_before_sending(
    profile: list[str],
    lab_accounts: LabAccounts,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    me = lab_accounts.organisation.address
    scan = tmp_path / "irm.dcm"
    scan.write_bytes(b"\0" * (25 * 1024 * 1024))  # 25 MiB: over 32 MiB once in base64
    assert (
        main(
            [
                *profile,
                "send",
                "--from",
                me,
                "--to",
                me,
                "--subject",
                "IRM",
                "--body",
                "Images jointes.",
                "--attach",
                str(scan),
            ]
        )
        == 1
    )
    assert "trop volumineux" in capsys.readouterr().err
    [item] = outbox(profile, capsys)
    assert item["state"] == "failed"  # kept, with the reason, for the user to decide


def test_account_add_without_servers_uses_the_operator_profile(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dovecot_mss: Dovecot,
    lab_smtp: Endpoints,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The installer's operator profile (here the user's operators.toml) gives the servers."""
    monkeypatch.setenv("CADUCEE_PKCS12_PASSPHRASE", P12_PASSPHRASE)
    directory = tmp_path / "p"
    directory.mkdir()
    (directory / "operators.toml").write_text(
        '[[operator]]\nname = "Opérateur du laboratoire"\ndomains = ["mssante.test"]\n'
        f'imap = "imaps://localhost:{dovecot_mss.imaps_port}"\n'
        f'smtp = "smtp+starttls://localhost:{lab_smtp.starttls_port}"\n',
        encoding="utf-8",
    )
    assert (
        main(
            [
                "--profile-dir",
                str(directory),
                "account",
                "add",
                "--address",
                lab_accounts.organisation.address,
                "--auth",
                "pkcs12",
                "--pkcs12",
                str(lab_pki.organisation_p12),
                "--trust",
                str(lab_pki.files.root),
            ]
        )
        == 0
    )
    assert "profil opérateur « Opérateur du laboratoire »" in capsys.readouterr().out
    assert main(["--profile-dir", str(directory), "account", "list", "--json"]) == 0
    [account] = json.loads(capsys.readouterr().out)
    assert account["imap_url"] == f"imaps://localhost:{dovecot_mss.imaps_port}"


def test_the_doctor_with_her_card_adds_her_account_syncs_and_sends(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    full_card: VirtualCard,
    dovecot_mss: Dovecot,
    lab_smtp: Endpoints,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The main scenario: one card, its PIN once per command, mutual TLS everywhere."""
    monkeypatch.setenv("CADUCEE_PIN", full_card.pin)
    for name, value in full_card.env.items():
        monkeypatch.setenv(name, value)
    full_card.insert()
    me = lab_accounts.martin.address
    profile = ["--profile-dir", str(tmp_path / "p")]
    assert (
        main(
            [
                *profile,
                "account",
                "add",
                "--address",
                me,
                "--imap",
                f"imap+starttls://localhost:{dovecot_mss.imap_port}",
                "--smtp",
                f"smtps://localhost:{lab_smtp.implicit_tls_port}",
                "--auth",
                "card",
                "--module",
                str(full_card.module),
                "--trust",
                str(lab_pki.files.root),
            ]
        )
        == 0
    )
    subject = f"Lettre de liaison {time.time_ns()}"
    assert (
        main(
            [
                *profile,
                "send",
                "--from",
                me,
                "--to",
                me,
                "--subject",
                subject,
                "--body",
                "Chère consœur, …",
            ]
        )
        == 0
    )
    assert copies(profile, subject, capsys) == {"INBOX": 1, "Sent": 1}
    assert main([*profile, "search", "consœur"]) == 0
    assert subject in capsys.readouterr().out


@pytest.mark.parametrize("security", ["smtp+starttls", "smtps"])
def test_a_password_account_sends_with_smtp_auth(
    security: str,
    dovecot_password: Dovecot,
    lab_smtp_password: Endpoints,
    lab_pki: LabPki,
    lab_accounts: LabAccounts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The other mailbox a doctor keeps: password login, an ordinary provider's CA."""
    account = lab_accounts.generic
    trust = tmp_path / "provider-root.pem"
    trust.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    port = (
        lab_smtp_password.starttls_port
        if security == "smtp+starttls"
        else lab_smtp_password.implicit_tls_port
    )
    monkeypatch.setenv("CADUCEE_PASSWORD", account.password or "")
    profile = ["--profile-dir", str(tmp_path / "p")]
    added = main(
        [
            *profile, "account", "add", "--address", account.address,
            "--imap", f"imaps://localhost:{dovecot_password.imaps_port}",
            "--smtp", f"{security}://localhost:{port}",
            "--auth", "password", "--username", account.login, "--trust", str(trust),
        ]
    )  # fmt: skip
    assert added == 0
    subject = f"Rendez-vous {security} {time.time_ns()}"
    sent = main(
        [*profile, "send", "--from", account.address, "--to", account.address,
         "--subject", subject, "--body", "À mardi."]
    )  # fmt: skip
    assert sent == 0, capsys.readouterr().err
    assert copies(profile, subject, capsys) == {"INBOX": 1, "Sent": 1}

    monkeypatch.setenv("CADUCEE_PASSWORD", "not-the-password")
    main([*profile, "send", "--from", account.address, "--to", account.address,
          "--subject", "Refusé", "--body", "x"])  # fmt: skip
    refused = next(i for i in outbox(profile, capsys) if i["subject"] == "Refusé")
    assert refused["state"] == "failed"  # not retried in a loop with a wrong password
    assert "mot de passe refusé" in str(refused["last_error"])

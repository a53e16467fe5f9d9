"""``caducee card info`` and ``caducee diagnose`` as subprocesses against the lab."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.sandbox.submission import Endpoints
from tests.lab.build import P12_PASSPHRASE, LabAccounts, LabPki
from tests.lab.cards import VirtualCard
from tests.lab.dovecot import Dovecot

pytestmark = pytest.mark.lab


def caducee(args: list[str], profile: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CADUCEE_")}
    return subprocess.run(
        [sys.executable, "-m", "app", "--profile-dir", str(profile), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
        stdin=subprocess.DEVNULL,
    )


def test_card_info_shows_the_holder(full_card: VirtualCard, tmp_path: Path) -> None:
    result = caducee(["card", "info", "--module", str(full_card.module)], tmp_path, **full_card.env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Titulaire : Alice MARTIN" in out
    assert "Profession : Médecin" in out
    assert "RPPS : 10001234567 (identifiant national 810001234567)" in out
    assert "Code PIN : aucun code erroné" in out

    data = json.loads(
        caducee(
            ["card", "info", "--module", str(full_card.module), "--json"], tmp_path, **full_card.env
        ).stdout
    )
    holder = data["card"]["holder"]
    assert (holder["rpps"], holder["id_nat"], holder["surname"], holder["given_name"]) == (
        "10001234567",
        "810001234567",
        "MARTIN",
        "Alice",
    )
    assert data["card"]["certificate"]["issuer"].startswith("CN=TEST AC IGC-SANTE FORT PERSONNES")
    assert data["card"]["pin"]["tries_left"] == 3


def test_card_info_without_cryptolib_says_what_to_install(tmp_path: Path) -> None:
    result = caducee(["card", "info"], tmp_path)
    assert result.returncode == 1
    assert "Cryptolib CPS" in result.stderr
    missing = caducee(["card", "info", "--module", str(tmp_path / "absent.so")], tmp_path)
    assert missing.returncode == 1
    assert "n'existe pas" in missing.stderr


@pytest.mark.parametrize("name", ["full_card", "cps3_card"])
def test_diagnose_with_the_card(
    request: pytest.FixtureRequest,
    name: str,
    dovecot_mss: Dovecot,
    lab_smtp: Endpoints,
    lab_pki: LabPki,
    tmp_path: Path,
) -> None:
    card: VirtualCard = request.getfixturevalue(name)
    args = [
        "diagnose",
        "--imap",
        f"imap+starttls://localhost:{dovecot_mss.imap_port}",
        "--smtp",
        f"smtps://localhost:{lab_smtp.implicit_tls_port}",
        "--auth",
        "card",
        "--module",
        str(card.module),
        "--trust",
        str(lab_pki.files.root),
    ]
    result = caducee(args, tmp_path, CADUCEE_PIN=card.pin, **card.env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Résultat : tout fonctionne." in result.stdout
    assert "Authentification SASL EXTERNAL : acceptée" in result.stdout
    version = "TLSv1.2" if card.pkcs1_only else "TLSv1.3"
    assert f"Connexion sécurisée (TLS) : {version}" in result.stdout
    assert "non révoqué" in result.stdout
    assert not re.search(rf"\b{card.pin}\b", result.stdout + result.stderr)  # PIN never shown


def test_diagnose_wrong_pin_fails_once_with_tries_left(
    cps3_card: VirtualCard, dovecot_mss: Dovecot, lab_pki: LabPki, tmp_path: Path
) -> None:
    args = [
        "diagnose",
        "--imap",
        f"imaps://localhost:{dovecot_mss.imaps_port}",
        "--auth",
        "card",
        "--module",
        str(cps3_card.module),
        "--trust",
        str(lab_pki.files.root),
        "--json",
    ]
    try:
        result = caducee(args, tmp_path, CADUCEE_PIN="0000", **cps3_card.env)
        assert result.returncode == 1
        report = json.loads(result.stdout)
        failed = [step for step in report["steps"] if not step["ok"]]
        assert [step["step"] for step in failed] == ["pin"]
        assert failed[0]["error"]["class"] == "PinIncorrectError"
        assert failed[0]["error"]["message"] == "Code incorrect. Il reste 2 essais."
        assert cps3_card.pin_tries_used() == 1
    finally:
        cps3_card.reset_pin()


def test_diagnose_with_a_pkcs12_certificate(
    dovecot_mss: Dovecot, lab_smtp: Endpoints, lab_pki: LabPki, tmp_path: Path
) -> None:
    args = [
        "diagnose",
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
    result = caducee(args, tmp_path, CADUCEE_PKCS12_PASSPHRASE=P12_PASSPHRASE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Certificat logiciel (PKCS#12) : SECRETARIAT CABINET TEST" in result.stdout

    wrong = caducee(args, tmp_path, CADUCEE_PKCS12_PASSPHRASE="nope")
    assert wrong.returncode == 1
    assert "phrase secrète incorrecte" in wrong.stdout


def test_diagnose_with_a_password_account(
    dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts, tmp_path: Path
) -> None:
    account = lab_accounts.generic
    assert account.password is not None
    public_root = lab_pki.directory / "public-root.pem"
    public_root.write_bytes(lab_pki.public_ca.root.issued.cert_pem())
    args = [
        "diagnose",
        "--imap",
        f"imap+starttls://localhost:{dovecot_password.imap_port}",
        "--auth",
        "password",
        "--username",
        account.login,
        "--trust",
        str(public_root),
    ]
    result = caducee(args, tmp_path, CADUCEE_PASSWORD=account.password)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Connexion par mot de passe : acceptée" in result.stdout
    refused = caducee(args, tmp_path, CADUCEE_PASSWORD="mauvais")
    assert refused.returncode == 1
    assert "mot de passe refusé" in refused.stdout


def test_diagnose_against_a_server_outside_igc_sante(
    dovecot_password: Dovecot, tmp_path: Path
) -> None:
    """No --trust: the shipped IGC-Santé anchors only, so the lab's other CA is refused."""
    result = caducee(
        [
            "diagnose",
            "--imap",
            f"imaps://localhost:{dovecot_password.imaps_port}",
            "--auth",
            "pkcs12",
            "--pkcs12",
            str(tmp_path / "none.p12"),
        ],
        tmp_path,
    )
    assert result.returncode == 1
    assert "ÉCHEC" in result.stdout


def test_diagnose_rejects_a_malformed_url(tmp_path: Path) -> None:
    result = caducee(["diagnose", "--imap", "http://example.test", "--auth", "card"], tmp_path)
    assert result.returncode == 2
    assert "Formes acceptées" in result.stderr


def test_diagnose_with_an_unusable_trust_file(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    for trust in (garbage, tmp_path / "missing.pem"):
        result = caducee(
            ["diagnose", "--imap", "imaps://localhost:1", "--auth", "card", "--trust", str(trust)],
            tmp_path,
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert "Autorités de confiance : Le fichier d'autorités de confiance" in result.stdout


def test_after_a_wrong_pin_the_environment_pin_is_not_used(
    cps3_card: VirtualCard, dovecot_mss: Dovecot, lab_pki: LabPki, tmp_path: Path
) -> None:
    """Automation must never be what locks a card: after one wrong PIN, a human types it."""
    args = [
        "diagnose",
        "--imap",
        f"imaps://localhost:{dovecot_mss.imaps_port}",
        "--auth",
        "card",
        "--module",
        str(cps3_card.module),
        "--trust",
        str(lab_pki.files.root),
    ]
    try:
        assert caducee(args, tmp_path, CADUCEE_PIN="0000", **cps3_card.env).returncode == 1
        again = caducee(args, tmp_path, CADUCEE_PIN=cps3_card.pin, **cps3_card.env)
        assert again.returncode == 1
        assert "n'est pas utilisé" in again.stderr
        assert cps3_card.pin_tries_used() == 1
    finally:
        cps3_card.reset_pin()


def test_a_profile_directory_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("")
    result = caducee(["diagnose", "--imap", "imaps://localhost:1", "--auth", "card"], blocker)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Choisissez un autre dossier de profil" in result.stderr

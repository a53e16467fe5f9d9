"""Changing an account after adding it: servers, login, signature (store migration 11), and
removing it, from ``app/ops/account_settings.py`` and ``caducee account edit|remove``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli.main import main
from app.ops.account_settings import (
    AccountChange,
    AccountSettingsError,
    edit_account,
    remove_account,
)
from app.ops.sync import SyncBusyError, sync_lock
from app.store import account_settings
from app.store.db import Store

CARD = "dr.martin@medecin.mssante.fr"
PASSWORD = "cabinet@example.org"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(tmp_path / "profile")
    opened.add_account(CARD, "card", "imaps://imap.mssante.test:993", "smtps://smtp.test:465")
    opened.add_account(PASSWORD, "password", "imaps://imap.example.org:993", username="old")
    return opened


def test_the_signature_is_kept_trimmed_and_per_account(store: Store) -> None:
    card = store.account(CARD)
    assert card is not None
    assert account_settings.signature(store, card) == ""
    kept = account_settings.set_signature(
        store, card, "\r\nDr Martin   \r\nMédecin généraliste\n\n"
    )
    assert kept == "Dr Martin\nMédecin généraliste"
    assert account_settings.signature(store, card) == kept
    other = store.account(PASSWORD)
    assert other is not None and account_settings.signature(store, other) == ""
    account_settings.set_signature(store, card, "x" * 10_000)
    assert len(account_settings.signature(store, card)) == account_settings.MAX_SIGNATURE


def test_servers_login_and_signature_change_together_or_not_at_all(store: Store) -> None:
    with pytest.raises(AccountSettingsError) as refused:
        edit_account(
            store, CARD, AccountChange(imap="imaps://new.test:993", smtp="imaps://wrong:993")
        )
    assert "SMTP" in refused.value.user_message
    card = store.account(CARD)
    assert card is not None and card.imap_url == "imaps://imap.mssante.test:993"  # untouched
    changed = edit_account(
        store, CARD, AccountChange(imap="imaps://new.test:993", signature="Dr Martin")
    )
    assert changed.imap_url == "imaps://new.test:993"
    assert changed.smtp_url == "smtps://smtp.test:465"
    assert account_settings.signature(store, changed) == "Dr Martin"
    assert edit_account(store, CARD, AccountChange(smtp="")).smtp_url is None  # receive only


def test_only_a_password_account_has_a_login_to_change(store: Store) -> None:
    with pytest.raises(AccountSettingsError) as refused:
        edit_account(store, CARD, AccountChange(username="someone"))
    assert "mot de passe" in refused.value.user_message
    assert edit_account(store, PASSWORD, AccountChange(username=" new ")).username == "new"
    with pytest.raises(AccountSettingsError, match="no such account"):
        edit_account(store, "nobody@example.org", AccountChange())


def test_removing_waits_for_no_sync_and_takes_the_settings_with_it(
    store: Store, tmp_path: Path
) -> None:
    card = store.account(CARD)
    assert card is not None
    account_settings.set_signature(store, card, "Dr Martin")
    data_dir = tmp_path / "profile"
    elsewhere = sync_lock(data_dir / "locks", CARD)
    assert elsewhere.acquire(timeout=0)
    try:
        with pytest.raises(SyncBusyError):
            remove_account(store, data_dir, CARD)
        assert store.account(CARD) is not None
    finally:
        elsewhere.release()
    remove_account(store, data_dir, CARD)
    assert store.account(CARD) is None
    rows = store.db.execute("SELECT count(*) FROM account_settings").fetchone()[0]
    assert rows == 0  # ON DELETE CASCADE


def test_the_command_line_edits_and_shows_an_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = ["--profile-dir", str(tmp_path / "p")]
    add = ["account", "add", "--address", PASSWORD, "--auth", "password", "--no-check"]
    assert main([*profile, *add, "--imap", "imaps://imap.example.org:993"]) == 0
    signature = tmp_path / "signature.txt"
    signature.write_text("Cabinet médical\nTél. 01 02 03 04 05\n", encoding="utf-8")
    capsys.readouterr()
    edit = ["account", "edit", "--address", PASSWORD]
    assert main([*profile, *edit, "--signature-file", str(signature), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["signature"] == "Cabinet médical\nTél. 01 02 03 04 05"
    assert shown["imap_url"] == "imaps://imap.example.org:993"
    assert main([*profile, *edit, "--smtp", "ftp://nope"]) == 1
    assert "Erreur" in capsys.readouterr().err
    assert main([*profile, *edit, "--smtp", "smtps://smtp.example.org:465"]) == 0
    out = capsys.readouterr().out
    assert "SMTP smtps://smtp.example.org:465" in out and "Cabinet médical" in out
    assert main([*profile, "account", "remove", "--address", PASSWORD]) == 0
    assert main([*profile, *edit]) == 1
    assert f"Aucun compte {PASSWORD}" in capsys.readouterr().err

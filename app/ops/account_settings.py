"""Changing or removing an account after it was added ("Paramètres du compte", ``caducee
account edit|remove``).

What can be changed without adding the account again: its servers (IMAP, SMTP), the login of
a password account, and its signature. Its address and how it signs in are its identity
(the card's certificate names her; the local copy belongs to that mailbox): to change those,
the account is removed and added again. Removing takes the account's sync lock, so that no
sync in another process writes into a copy being removed, and forgets its password in the
keyring.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import CaduceeError, Scope
from app.core.keychain import delete_secret, password_key
from app.ops.sync import SyncBusyError, collect_files, sync_lock
from app.store import account_settings
from app.store.db import Account, Store
from app.transport.endpoints import Endpoint, EndpointError, Protocol

log = logging.getLogger(__name__)


class AccountSettingsError(CaduceeError, ValueError):
    scope = Scope.ACCOUNT
    default_message = "Ces paramètres du compte ne sont pas valables."


@dataclass(frozen=True)
class AccountChange:
    """What to change (None: unchanged). ``smtp = ""`` removes the sending server."""

    imap: str | None = None
    smtp: str | None = None
    username: str | None = None
    signature: str | None = None


def find_account(store: Store, address: str) -> Account:
    account = store.account(address)
    if account is None:
        raise AccountSettingsError(
            "no such account", user_message=f"Aucun compte {address} dans ce profil."
        )
    return account


def server_url(url: str, protocol: Protocol) -> str:
    """``url`` in its normal form, if it is a server address of ``protocol`` (French error
    otherwise)."""
    try:
        endpoint = Endpoint.parse(url)
    except EndpointError as error:
        raise AccountSettingsError(str(error), user_message=str(error)) from error
    if endpoint.protocol is not protocol:
        message = f"« {url} » n'est pas une adresse {protocol.value.upper()}."
        raise AccountSettingsError(message, user_message=message)
    return endpoint.url()


def edit_account(store: Store, address: str, change: AccountChange) -> Account:
    """Apply ``change`` to the account (all of it or nothing: every field is checked first);
    returns the account as stored now."""
    account = find_account(store, address)
    imap = server_url(change.imap, Protocol.IMAP) if change.imap is not None else None
    smtp = (
        (server_url(change.smtp, Protocol.SMTP) if change.smtp.strip() else "")
        if change.smtp is not None
        else None
    )
    username = change.username.strip() if change.username is not None else None
    if username is not None and account.auth != "password":
        raise AccountSettingsError(
            "username of a non-password account",
            user_message="Seul un compte à mot de passe a un identifiant à modifier.",
        )
    if imap is not None or smtp is not None:
        store.update_servers(
            account,
            imap if imap is not None else account.imap_url,
            (smtp or None) if smtp is not None else account.smtp_url,
        )
    if username is not None:
        with store.transaction() as db:
            db.execute(
                "UPDATE accounts SET username = ? WHERE id = ?", (username or None, account.id)
            )
    if change.signature is not None:
        account_settings.set_signature(store, account, change.signature)
    changed = [
        name
        for name, value in (
            ("imap", imap),
            ("smtp", smtp),
            ("username", username),
            ("signature", change.signature),
        )
        if value is not None
    ]
    log.info("account settings changed: %s", ", ".join(changed) or "nothing")  # no values
    return find_account(store, address)


def remove_account(store: Store, data_dir: Path, address: str, *, wait: float = 0) -> None:
    """Remove the account and its local copy (its message files, its saved password).
    ``SyncBusyError`` when another process still syncs it after ``wait`` seconds."""
    account = find_account(store, address)
    lock = sync_lock(data_dir / "locks", account.address)
    if not lock.acquire(timeout=wait):
        raise SyncBusyError(lock.holder())
    try:
        files = store.remove_account(account)
        collect_files(store, data_dir / "locks", account.address, at_once=files)
    finally:
        lock.release()
    if account.auth == "password":
        delete_secret(password_key(account.address))
    log.info("account removed with its local copy")

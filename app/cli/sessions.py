"""The profile's store and an account's session, as every command that connects opens them.

Kept apart from the commands' own modules: ``caducee sync`` needs these and nothing of
``account add`` (discovery, PSC sign-in, settings dialogs' operations).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli import secrets
from app.core.audit import AuditTrail
from app.core.keychain import password_key
from app.core.paths import Profile
from app.core.settings import Settings
from app.ops.accounts import AccountSession
from app.store.db import Account, Store

if TYPE_CHECKING:
    from app.psc.keeper import TokenKeeper


def open_store(profile: Profile) -> Store:
    profile.ensure()
    return Store.open(profile.data_dir)


def session_for(
    account: Account,
    profile: Profile,
    *,
    timeout: float = 30.0,
    psc_sign_in: Callable[[Account], TokenKeeper] | None = None,
) -> AccountSession:
    if account.auth == "pkcs12":
        ask_secret = secrets.passphrase_asker(Path(account.pkcs12) if account.pkcs12 else None)
    else:
        ask_secret = secrets.password_asker(password_key(account.address))
    return AccountSession(
        account,
        profile.cache_dir,
        secrets.ask_pin,
        ask_secret,
        Settings.load(profile.config_file).card_module,
        timeout=timeout,
        audit=AuditTrail.of(profile.data_dir),
        psc_sign_in=psc_sign_in,
    )

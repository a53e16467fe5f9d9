"""Secrets in the operating system's keyring (and nowhere else).

Keys are namespaced: ``pkcs12:<absolute path>``, later ``password:<account>``,
``esante-api-key``. When no keyring is available (a headless Linux without a Secret
Service), reading returns None and writing says so: the caller then asks the user.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

# keyring is imported where it is used: ~60 ms (its backends, jaraco, urllib) that a sync
# with a card, or with the password in the environment, never needs.

SERVICE = "Caducée"
log = logging.getLogger(__name__)

# The backend keyring would find for each system, named so that it is not searched for: its
# search reads every installed package's entry points and tries each backend it finds (on
# Linux, D-Bus for Secret Service and KWallet): ~100 ms of every command that reads a key.
PLATFORM_BACKENDS = {
    "win32": "keyring.backends.Windows.WinVaultKeyring",  # Credential Manager
    "darwin": "keyring.backends.macOS.Keyring",  # the login Keychain
    "linux": "keyring.backends.SecretService.Keyring",  # GNOME Keyring, KeePassXC...
}


def _keyring() -> ModuleType:
    """``keyring``, its backend chosen at the first use of this process: the one set already
    (``use_no_keyring``, a test's), else the one the user configured (keyring's own
    ``PYTHON_KEYRING_BACKEND`` variable or ``keyringrc.cfg``), else the system's
    (``PLATFORM_BACKENDS``) when it answers; else keyring's own search."""
    import keyring
    import keyring.core

    # keyring has no public "is a backend set?": its module's own variable, None until then
    # (tests/unit/test_keychain.py pins this).
    if keyring.core._keyring_backend is None:
        backend = keyring.core.load_env() or keyring.core.load_config() or _platform_backend()
        if backend is not None:
            keyring.core.set_keyring(backend)
    return keyring


def _platform_backend() -> KeyringBackend | None:
    """The system's backend, or None when there is none or it does not answer here
    (priority raises: no Secret Service on this Linux session, say)."""
    import keyring.core

    name = PLATFORM_BACKENDS.get(sys.platform)
    if name is None:
        return None
    try:
        return keyring.core.load_keyring(name)
    except Exception as error:  # noqa: BLE001 - any failure: keyring's own search decides
        log.info("keyring backend %s unavailable: %s", name, type(error).__name__)
        return None


def get_secret(key: str) -> str | None:
    keyring = _keyring()
    from keyring.errors import KeyringError

    try:
        value: str | None = keyring.get_password(SERVICE, key)
    except (KeyringError, RuntimeError) as error:
        log.info("keyring unavailable for reading: %s", type(error).__name__)
        return None
    return value


def set_secret(key: str, value: str) -> bool:
    """Store ``value``; False when no keyring is available."""
    keyring = _keyring()
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, key, value)
        kept: bool = keyring.get_password(SERVICE, key) == value  # the null one keeps nothing
    except (KeyringError, RuntimeError) as error:
        log.info("keyring unavailable for writing: %s", type(error).__name__)
        return False
    return kept


def delete_secret(key: str) -> None:
    keyring = _keyring()
    from keyring.errors import KeyringError

    with contextlib.suppress(KeyringError, RuntimeError):
        keyring.delete_password(SERVICE, key)


def pkcs12_key(path: str) -> str:
    return f"pkcs12:{path}"


def password_key(account: str) -> str:
    return f"password:{account.lower()}"


def esante_api_key() -> str:
    """The Annuaire Santé FHIR API key (one per user, not per account)."""
    return "esante-api-key"


def use_no_keyring() -> None:
    """This process neither reads nor writes the OS keyring from now on (the demo, which
    touches nothing outside its profile): reading gives None, as with no keyring."""
    import keyring
    from keyring.backends import null

    keyring.set_keyring(null.Keyring())  # type: ignore[no-untyped-call]

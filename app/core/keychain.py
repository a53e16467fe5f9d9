"""Secrets in the operating system's keyring (and nowhere else).

Keys are namespaced: ``pkcs12:<absolute path>``, later ``password:<account>``,
``esante-api-key``. When no keyring is available (a headless Linux without a Secret
Service), reading returns None and writing says so: the caller then asks the user.
"""

from __future__ import annotations

import contextlib
import logging

# keyring is imported where it is used: ~60 ms (its backends, jaraco, urllib) that a sync
# with a card, or with the password in the environment, never needs.

SERVICE = "Caducée"
log = logging.getLogger(__name__)


def get_secret(key: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        value: str | None = keyring.get_password(SERVICE, key)
    except (KeyringError, RuntimeError) as error:
        log.info("keyring unavailable for reading: %s", type(error).__name__)
        return None
    return value


def set_secret(key: str, value: str) -> bool:
    """Store ``value``; False when no keyring is available."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, key, value)
        kept = keyring.get_password(SERVICE, key) == value  # the null backend keeps nothing
    except (KeyringError, RuntimeError) as error:
        log.info("keyring unavailable for writing: %s", type(error).__name__)
        return False
    return kept


def delete_secret(key: str) -> None:
    import keyring
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

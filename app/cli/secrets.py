"""Asking the PIN, a password or a passphrase on the command line.

For automation, the environment: ``CADUCEE_PIN``, ``CADUCEE_PASSWORD``,
``CADUCEE_PKCS12_PASSPHRASE``; otherwise a hidden prompt when a terminal is attached.
Never asked twice: a wrong PIN ends the command (the CPS locks after 3 wrong tries).
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.keychain import get_secret, pkcs12_key

if TYPE_CHECKING:
    from app.cps.card import PinPrompt

PIN_ENV = "CADUCEE_PIN"
PASSWORD_ENV = "CADUCEE_PASSWORD"  # noqa: S105 - a variable name, not a secret
PASSPHRASE_ENV = "CADUCEE_PKCS12_PASSPHRASE"  # noqa: S105 - idem


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def ask_pin(prompt: PinPrompt) -> str | None:
    if prompt.pin_pad:
        print(prompt.message(), file=sys.stderr)
        return ""
    from_env = os.environ.get(PIN_ENV)
    if from_env is not None:
        if prompt.status.count_low:
            # A wrong PIN was already entered: an automated PIN could lock the card.
            print(
                f"Un code erroné a déjà été saisi sur cette carte : le code de {PIN_ENV} "
                "n'est pas utilisé, pour ne pas risquer de bloquer la carte. Saisissez le "
                "code dans un terminal (il remettra le compteur à zéro).",
                file=sys.stderr,
            )
            return None
        return from_env
    if not _interactive():
        print(
            f"Code PIN requis : définissez {PIN_ENV} ou lancez la commande dans un terminal.",
            file=sys.stderr,
        )
        return None
    if prompt.status.count_low:
        print(prompt.status.describe().capitalize() + ".", file=sys.stderr)
    try:
        return getpass.getpass(prompt.message() + " ")
    except (EOFError, KeyboardInterrupt):
        return None


def secret_asker(env_name: str) -> Callable[[str], str | None]:
    def ask(prompt: str) -> str | None:
        from_env = os.environ.get(env_name)
        if from_env is not None:
            return from_env
        if not _interactive():
            return None
        try:
            return getpass.getpass(prompt)
        except (EOFError, KeyboardInterrupt):
            return None

    return ask


def passphrase_asker(pkcs12: Path | None) -> Callable[[str], str | None]:
    """Environment first, then the OS keyring (when the user chose to keep it), then ask."""
    stored = get_secret(pkcs12_key(str(pkcs12.resolve()))) if pkcs12 else None
    env_or_prompt = secret_asker(PASSPHRASE_ENV)

    def ask(prompt: str) -> str | None:
        if os.environ.get(PASSPHRASE_ENV) is None and stored is not None:
            return stored
        return env_or_prompt(prompt)

    return ask


def password_asker(key: str) -> Callable[[str], str | None]:
    """Environment, then the OS keyring entry ``key`` (if the user chose to keep it), then ask."""
    env_or_prompt = secret_asker(PASSWORD_ENV)

    def ask(prompt: str) -> str | None:
        if os.environ.get(PASSWORD_ENV) is None and (stored := get_secret(key)) is not None:
            return stored
        return env_or_prompt(prompt)

    return ask

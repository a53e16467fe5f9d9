"""Pro Santé Connect on the command line: ``--psc browser|qr:FICHIER.png|ciba:ID_NATIONAL``
on every command that connects, and the sign-in it stands for.

Tokens never outlive the process (ECO.1.2.5), so each command signs in again, once for all
the PSC accounts of the same provider and client. What is printed (on stderr: ``--json``
output stays clean) is the URL, the user code and the identity: never a token.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.core.paths import Profile
from app.psc.signin import SignInMethod

if TYPE_CHECKING:  # imported when a PSC account signs in, not by every command that has --psc
    from app.psc.config import PscConfig
    from app.psc.keeper import TokenKeeper
    from app.store.db import Account

PSC_HELP = (
    "connexion Pro Santé Connect des comptes qui l'utilisent : browser (navigateur, par "
    "défaut), qr:FICHIER.png (code QR à flasher avec l'application e-CPS, valable deux "
    "minutes) ou ciba:ID_NATIONAL (validation sur le téléphone)"
)


def method(text: str) -> SignInMethod:
    try:
        return SignInMethod.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_option(parser: Any) -> None:
    parser.add_argument(
        "--psc", type=method, default=SignInMethod(), metavar="MÉTHODE", help=PSC_HELP
    )


def add_provider_options(parser: Any) -> None:
    parser.add_argument(
        "--psc-issuer",
        metavar="URL",
        help="fournisseur Pro Santé Connect (par défaut : config.toml [psc] ou l'édition "
        "de l'opérateur)",
    )
    parser.add_argument(
        "--psc-client-id", metavar="ID", help="identifiant client de Caducée chez ce fournisseur"
    )


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def config_for(
    profile: Profile,
    *,
    issuer: str | None = None,
    client_id: str | None = None,
    account: Account | None = None,
) -> PscConfig:
    from app.core.edition import embedded_edition
    from app.core.settings import Settings
    from app.psc.config import resolve

    return resolve(
        issuer=issuer,
        client_id=client_id,
        account_issuer=account.psc_issuer if account else None,
        account_client_id=account.psc_client_id if account else None,
        settings=Settings.load(profile.config_file),
        edition=embedded_edition(),
    )


def sign_in_with(chosen: SignInMethod, profile: Profile) -> Callable[[Account], TokenKeeper]:
    """The ``psc_sign_in`` of the command's sessions: one sign-in per provider and client."""
    keepers: dict[tuple[str, str], TokenKeeper] = {}

    def sign_in(account: Account) -> TokenKeeper:
        config = config_for(profile, account=account)
        key = (config.issuer, config.client_id)
        keeper = keepers.get(key)
        if keeper is None or not keeper.active:
            from app.psc.client import PscClient

            keeper = chosen.sign_in(PscClient(config), say)
            keepers[key] = keeper
            identity = keeper.identity
            if identity is not None:
                say(f"Connecté à Pro Santé Connect : {identity.name} ({identity.national_id}).")
        return keeper

    return sign_in

"""``caducee demo``: the real client against an embedded sandbox operator on loopback.

The demo has its own profile (``--profile-dir``, else ``<user data dir>/demo``), never the
real one: its account is the demo card's, its operator (``app.sandbox.operator``) runs in
this process while the window is open, and the OS keyring is left alone. Qt is imported only
when the window opens.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core import logs
from app.core.keychain import use_no_keyring
from app.core.paths import Profile
from app.store.db import Store

if TYPE_CHECKING:
    from app.sandbox.operator import OperatorEndpoints, SandboxOperator

DEMO_SOURCE = "démo"


def register(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="essayer Caducée avec un opérateur MSSanté de démonstration (local)",
        description="Ouvre Caducée sur un opérateur MSSanté de démonstration qui tourne sur "
        "cet ordinateur seulement (IMAP et SMTP sécurisés par certificat client), avec une "
        "carte de démonstration et des messages d'exemple : résultats de laboratoire, lettre "
        "de liaison, compte rendu d'imagerie, message de patient. Les messages envoyés dans "
        "la démonstration y sont distribués. Rien n'est écrit hors du profil de démonstration "
        "(par défaut : le dossier « demo » des données de Caducée).",
    )
    demo.add_argument(
        "--screenshot",
        metavar="FICHIER",
        type=Path,
        help="enregistrer une image PNG de la fenêtre après la première relève, puis quitter",
    )
    demo.add_argument(
        "--serve",
        action="store_true",
        help="démarrer seulement l'opérateur de démonstration, sans fenêtre, jusqu'à Ctrl-C "
        "(pour essayer les commandes de caducee sur le profil de démonstration)",
    )
    demo.set_defaults(run=run)


def demo_profile(profile: Profile) -> Profile:
    """The profile the demo uses: the one given, else a ``demo`` folder of the data dir."""
    return profile if profile.explicit else Profile.from_dir(profile.data_dir / "demo")


def run(args: argparse.Namespace, profile: Profile) -> int:
    from app.sandbox.operator import DEMO_ADDRESS, SandboxOperator  # pymap only when used

    started = time.monotonic()
    profile = demo_profile(profile)
    profile.ensure()
    logs.setup(profile.log_dir)  # main() pointed the log at the real profile's
    use_no_keyring()
    if not _only_demo_accounts(profile):
        print(
            f"Erreur : le profil {profile.data_dir} contient d'autres comptes que celui de la "
            "démonstration. Choisissez un autre dossier avec --profile-dir.",
            file=sys.stderr,
        )
        return 1
    if not args.serve:  # no window possible: say so before starting the operator
        from app.ui.display import require_display  # Qt only from here

        require_display()
    operator = SandboxOperator(profile.data_dir / "demo", DEMO_ADDRESS)
    try:
        endpoints = operator.start()
        _set_up_account(profile, operator, endpoints)
        from app.sandbox.patients import set_up_patients

        set_up_patients(profile, operator.address)
        seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
        print(
            f"Démonstration : opérateur local prêt en {seconds} s "
            f"(IMAP {endpoints.imap_url}, SMTP {endpoints.smtp_url}), "
            f"compte {operator.address}, profil {profile.data_dir}",
            flush=True,
        )
        _print_psc(operator, endpoints)
        if args.serve:
            return _serve(profile, operator)
        return _window(args, profile)
    finally:
        operator.stop()


def _print_psc(operator: SandboxOperator, endpoints: OperatorEndpoints) -> None:
    """The API LPS side of the demo operator: what a Pro Santé Connect account needs."""
    print(
        "Pro Santé Connect de démonstration : émetteur "
        f"{endpoints.psc_issuer}, identifiant client {endpoints.psc_client_id} "
        f"(IMAP {endpoints.psc_imap_url}, SMTP {endpoints.psc_smtp_url}) ; "
        f"e-CPS de démonstration : {endpoints.psc_issuer}/device ; "
        f"identifiant national {operator.holder.id_nat} ; "
        f"réglages : {operator.files.psc}",
        flush=True,
    )


def _only_demo_accounts(profile: Profile) -> bool:
    from app.sandbox.operator import DEMO_ADDRESS

    store = Store.open(profile.data_dir)
    try:
        return all(a.address.lower() == DEMO_ADDRESS for a in store.accounts())
    finally:
        store.close()


def _set_up_account(
    profile: Profile, operator: SandboxOperator, endpoints: OperatorEndpoints
) -> None:
    """The demo account on first run; later, pointed at this run's ports and files."""
    files = operator.files
    store = Store.open(profile.data_dir)
    try:
        account = store.account(operator.address)
        if account is None:
            store.add_account(
                operator.address,
                "pkcs12",
                endpoints.imap_url,
                endpoints.smtp_url,
                pkcs12=str(files.pkcs12),
                trust=str(files.trust),
                source=DEMO_SOURCE,
            )
            return
        # The sandbox listens on new ports, with a new PKI, at every start.
        store.update_servers(
            account,
            endpoints.imap_url,
            endpoints.smtp_url,
            pkcs12=str(files.pkcs12),
            trust=str(files.trust),
        )
    finally:
        store.close()


def _serve(profile: Profile, operator: SandboxOperator) -> int:
    from app.sandbox.operator import DEMO_PASSPHRASE

    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    print(
        "L'opérateur de démonstration reste démarré (Ctrl-C pour l'arrêter). Dans un autre "
        "terminal, par exemple :\n"
        f"  export CADUCEE_PROFILE_DIR={profile.data_dir} "
        f"CADUCEE_PKCS12_PASSPHRASE={DEMO_PASSPHRASE}\n"
        "  caducee sync\n"
        f"  caducee send --from {operator.address} --to {operator.address} "
        '--subject "Essai" --body "Bonjour"',
        flush=True,
    )
    try:
        while not stop.wait(0.5):  # a timed wait: Ctrl-C is seen at once on every platform
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("Opérateur de démonstration arrêté.", file=sys.stderr)
    return 0


def _window(args: argparse.Namespace, profile: Profile) -> int:
    from app.sandbox.operator import DEMO_LABEL, DEMO_PASSPHRASE
    from app.ui.application import run as run_gui  # Qt only from here

    def answer(_question: object) -> str:
        return DEMO_PASSPHRASE  # the only question the demo account asks: its passphrase

    return run_gui(
        profile,
        args.screenshot,
        label=f"DÉMO — {DEMO_LABEL}",
        answerer=answer,
        screenshot_after_sync=True,
    )

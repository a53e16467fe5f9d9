"""The ``caducee`` command line: the engine without Qt, for automation and support.

User-visible text is in French, the product's language.
"""

from __future__ import annotations

import argparse
import faulthandler
import multiprocessing
import os
import sys
from collections.abc import Sequence

from app import APP_NAME
from app.cli import (
    accounts,
    audit,
    card,
    demo,
    diagnose,
    directory,
    drafts,
    encryption,
    filing,
    gui,
    info,
    mail,
    organize,
    receipts,
    results,
    send,
    send_document,
)
from app.cli.parser import CaduceeParser, add_to_every_command, name_types_in_french
from app.core import crashes, logs, private, profile_encrypt
from app.core.errors import CaduceeError
from app.core.paths import PROFILE_ENV, Profile

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = CaduceeParser(
        prog="caducee",
        description=f"{APP_NAME} — messagerie sécurisée de santé (MSSanté).",
        epilog=f"Variable d'environnement : {PROFILE_ENV} (équivaut à --profile-dir).",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=info.version_line(),
        help="afficher la version et quitter",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMANDE", title="commandes", parser_class=CaduceeParser
    )
    info.register(commands)
    card.register(commands)
    diagnose.register(commands)
    accounts.register(commands)
    mail.register(commands)
    organize.register(commands)
    gui.register(commands)
    demo.register(commands)
    send.register(commands)
    send_document.register(commands)
    directory.register(commands)
    filing.register(commands)
    audit.register(commands)
    drafts.register(commands)
    receipts.register(commands)
    results.register(commands)
    encryption.register(commands)
    # Once every command exists: the option then goes on each, so it may follow any of them.
    add_to_every_command(
        parser,
        "--profile-dir",
        metavar="DIR",
        help="garder tous les fichiers de l'application dans DIR (par défaut : les dossiers "
        "de l'utilisateur) ; se place avant ou après la commande, et si elle est donnée aux "
        "deux endroits, la valeur après la commande l'emporte",
    )
    name_types_in_french(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # a sync worker of a frozen build stops here (no-op else)
    private.restrict_umask()  # everything this process creates is the user's alone
    for stream in (sys.stdout, sys.stderr):  # a console or file that cannot show "é" or "«"
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if not faulthandler.is_enabled():  # pytest's own stays as it is
        crashes.trace_to_stderr()  # the window replaces it by a report in the log folder
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # the desktop application, as a double-click would start it
        args.run = gui.run
    profile = Profile.resolve(args.profile_dir)
    logs.setup(profile.log_dir)  # the file appears with the first record only
    profile_encrypt.report_progress_to(encryption.StderrProgress())  # a clear profile's first use
    try:
        result: int = args.run(args, profile)
    except CaduceeError as error:
        print(f"Erreur : {error.user_message}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a defect: say so plainly, details for support
        if os.environ.get("CADUCEE_DEBUG"):
            raise
        print(
            f"Erreur inattendue (défaut de Caducée, merci de le signaler au support) : "
            f"{type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    return result


if __name__ == "__main__":
    sys.exit(main())

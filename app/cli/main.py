"""The ``caducee`` command line: the engine without Qt, for automation and support.

User-visible text is in French, the product's language.
"""

from __future__ import annotations

import argparse
import atexit
import faulthandler
import gc
import importlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

from app import APP_NAME
from app.cli import encryption  # its imports are the store's own (keys, SQLCipher)
from app.cli.parser import CaduceeParser, add_to_every_command, name_types_in_french
from app.core import crashes, logs, private, profile_encrypt
from app.core.errors import CaduceeError
from app.core.paths import PROFILE_ENV, Profile

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Each command and the module of ``app.cli`` that registers and runs it, in the help's order.
# Only the module of the command given is imported (``caducee sync`` does not load the
# directory, filing, documents, PSC or the window's code: a sync that finds nothing new is
# mostly start-up); the help, the version, no command or an unknown one build them all.
COMMANDS: dict[str, str] = {
    "info": "info",
    "card": "card",
    "diagnose": "diagnose",
    "account": "accounts",
    "sync": "sync",
    "list": "mail",
    "show": "mail",
    "mark": "mail",
    "search": "mail",
    "move": "organize",
    "copy": "organize",
    "archive": "organize",
    "delete": "organize",
    "folder": "organize",
    "gui": "gui",
    "demo": "demo",
    "send": "send",
    "outbox": "send",
    "send-document": "send_document",
    "directory": "directory",
    "patients": "filing",
    "file": "filing",
    "journal": "filing",
    "audit": "audit",
    "drafts": "drafts",
    "receipts": "receipts",
    "results": "results",
    "index-documents": "results",
    "key": "encryption",
    "profile": "encryption",
}
PROFILE_OPTION = "--profile-dir"
# Commands whose process ends without the interpreter's teardown of every module (``leave``):
# what they open they close themselves (the store, the connections, the files), and their
# exit is part of a sync that finds nothing new (issue 22, item 2).
QUICK_EXIT = frozenset({"sync"})


class _VersionAction(argparse._VersionAction):
    """``--version``, its line made when asked (the edition is read then, not at every start)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from app.cli.info import version_line

        self.version = version_line()
        super().__call__(parser, *args, **kwargs)


def command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names, when it can be told without the parser: the first word
    not an option, only ``--profile-dir`` before it; None otherwise (help, version, no
    command, an unknown one, another option first)."""
    words = iter(argv)
    for word in words:
        if word == PROFILE_OPTION:
            next(words, None)
        elif not word.startswith(f"{PROFILE_OPTION}="):
            return word if word in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of the one ``argv`` names (``command_in``)."""
    parser = CaduceeParser(
        prog="caducee",
        description=f"{APP_NAME} — messagerie sécurisée de santé (MSSanté).",
        epilog=f"Variable d'environnement : {PROFILE_ENV} (équivaut à --profile-dir).",
    )
    parser.add_argument("--version", action=_VersionAction, help="afficher la version et quitter")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMANDE", title="commandes", parser_class=CaduceeParser
    )
    named = command_in(argv) if argv is not None else None
    for module in dict.fromkeys(COMMANDS.values() if named is None else [COMMANDS[named]]):
        importlib.import_module(f"app.cli.{module}").register(commands)
    # Once every command exists: the option then goes on each, so it may follow any of them.
    add_to_every_command(
        parser,
        PROFILE_OPTION,
        metavar="DIR",
        help="garder tous les fichiers de l'application dans DIR (par défaut : les dossiers "
        "de l'utilisateur) ; se place avant ou après la commande, et si elle est donnée aux "
        "deux endroits, la valeur après la commande l'emporte",
    )
    name_types_in_french(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # a sync worker of a frozen build stops here
        import multiprocessing  # (a no-op elsewhere: not even imported)

        multiprocessing.freeze_support()
    command = argv is None  # this process is the command (not a caller's, e.g. a test's)
    if command:
        gc.disable()  # the imports make few cycles: no collection walks them as they load
    private.restrict_umask()  # everything this process creates is the user's alone
    for stream in (sys.stdout, sys.stderr):  # a console or file that cannot show "é" or "«"
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if not faulthandler.is_enabled():  # pytest's own stays as it is
        crashes.trace_to_stderr()  # the window replaces it by a report in the log folder
    words = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(words).parse_args(words)
    finally:
        if command:
            # What the imports made lives as long as the process: moved out of the
            # collector's way, no collection (nor the one at exit) walks it again — tens
            # of ms of a command. The collector then works as usual (a full sync's cycles).
            gc.freeze()
            gc.enable()
    if args.command is None:  # the desktop application, as a double-click would start it
        from app.cli import gui

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


def leave(code: int, argv: Sequence[str]) -> NoReturn:
    """End this process, the command ``argv`` names, with ``code``. A ``QUICK_EXIT`` command
    skips the interpreter's teardown (each module's objects freed one by one: ~10 ms of
    CPU) once what must happen at exit has happened: the functions registered with
    ``atexit`` (the log flushed and closed, temporary folders removed...) and the output
    flushed. Another thread still running (it would be waited for), or output that cannot
    be flushed: the usual exit, which says so."""
    if command_in(argv) in QUICK_EXIT and threading.active_count() == 1:
        atexit._run_exitfuncs()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed pipe, a closed stream: the usual report
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    sys.exit(main())

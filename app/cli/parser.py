"""An argparse parser whose own wording (usage, help, section titles) is in French."""

from __future__ import annotations

import argparse
from typing import Any


class FrenchHelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None
    ) -> None:
        super().add_usage(
            usage, actions, groups, prefix if prefix is not None else "Utilisation : "
        )


class CaduceeParser(argparse.ArgumentParser):
    """Used for the main parser and, through ``add_subparsers``, for every sub-command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help="afficher cette aide et quitter",
        )

    def error(self, message: str) -> Any:
        self.print_usage()
        self.exit(2, f"{self.prog} : erreur : {message}\n")

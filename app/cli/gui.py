"""``caducee gui``: the desktop window (Qt is imported only when it runs)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.core.paths import Profile


def register(commands: Any) -> None:
    gui = commands.add_parser(
        "gui",
        help="ouvrir la fenêtre de Caducée (par défaut sans commande)",
        description="Ouvre la fenêtre principale sur les comptes du profil.",
    )
    gui.add_argument(
        "--screenshot",
        metavar="FICHIER",
        type=Path,
        help="enregistrer une image PNG de la fenêtre une fois remplie, puis quitter",
    )
    gui.add_argument(
        "--wizard",
        action="store_true",
        help="ouvrir l'assistant de configuration d'un compte (carte CPS, certificat, "
        "mot de passe) avant la fenêtre",
    )
    gui.set_defaults(run=run)


def run(args: argparse.Namespace, profile: Profile) -> int:
    from app.ui.application import run as run_gui  # Qt only from here

    return run_gui(
        profile, getattr(args, "screenshot", None), wizard=getattr(args, "wizard", False)
    )

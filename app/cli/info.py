"""``caducee info``: what support asks first (versions, TLS library, where the files are)."""

from __future__ import annotations

import argparse
import json
import platform
import ssl
from typing import Any

from app import __version__
from app.core.edition import embedded_edition
from app.core.paths import Profile


def version_line() -> str:
    """``caducee --version``: the version, and the operator's edition when one is embedded."""
    edition = embedded_edition()
    line = f"caducee {__version__}"
    return line if edition is None else f"{line} — édition {edition.name}"


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "info",
        help="versions et emplacement des fichiers",
        description="Affiche les versions (Caducée, Python, TLS) et où sont les fichiers.",
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    parser.set_defaults(run=run)


def collect(profile: Profile) -> dict[str, Any]:
    return {
        "version": __version__,
        "edition": None if (edition := embedded_edition()) is None else edition.name,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "openssl": ssl.OPENSSL_VERSION,
        "tls_1_3": ssl.HAS_TLSv1_3,
        "profile": profile.describe(),
    }


def run(args: argparse.Namespace, profile: Profile) -> int:
    facts = collect(profile)
    if args.json:
        print(json.dumps(facts, ensure_ascii=False, indent=2))
        return 0
    print(f"Caducée {facts['version']}")
    if facts["edition"] is not None:
        print(f"Édition : {facts['edition']}")
    print(f"Python {facts['python']} — {facts['platform']}")
    print(
        f"Bibliothèque TLS : {facts['openssl']} (TLS 1.3 : {'oui' if facts['tls_1_3'] else 'non'})"
    )
    labels = {
        "data": "Données",
        "config": "Réglages",
        "cache": "Cache",
        "logs": "Journaux",
        "tmp": "Temporaires",
    }
    for key, label in labels.items():
        print(f"{label} : {facts['profile'][key]}")
    return 0

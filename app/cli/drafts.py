"""``caducee drafts``: her drafts, where they are (here, on the server), and their removal."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.cli.sessions import open_store, session_for
from app.core.errors import CaduceeError
from app.core.paths import Profile
from app.ops import drafts
from app.store.drafts import DraftStore


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "drafts",
        help="brouillons",
        description="Les brouillons : enregistrés sur ce poste d'abord, puis copiés dans le "
        "dossier Brouillons du serveur quand le compte en a un (à chaque relève, ou avec "
        "--push).",
    )
    parser.add_argument(
        "--push",
        action="store_true",
        help="copier maintenant les brouillons modifiés sur le serveur (et y retirer ceux "
        "envoyés ou supprimés)",
    )
    parser.add_argument(
        "--delete", metavar="CLÉ", help="supprimer un brouillon (ici et sur le serveur)"
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    status = 0
    try:
        drafts.import_files(store, profile.data_dir / "drafts")
        if args.delete:
            row = DraftStore(store).get(args.delete)
            if row is None or row.gone:
                print(f"Erreur : aucun brouillon « {args.delete} ».", file=sys.stderr)
                return 1
            drafts.discard(store, args.delete)
        if args.push or args.delete:
            for account in store.accounts():
                session = session_for(account, profile)
                try:
                    report = drafts.push(store, session)
                except CaduceeError as error:
                    print(f"{account.address} : ÉCHEC — {error.user_message}", file=sys.stderr)
                    status = 1
                    continue
                finally:
                    session.close()
                for warning in report.warnings:
                    print(f"{account.address} : {warning}", file=sys.stderr)
                if not args.json and (report.uploaded or report.removed):
                    print(
                        f"{account.address} : {report.uploaded} brouillon(s) copié(s) dans "
                        f"« {report.folder} », {report.removed} ancienne(s) copie(s) retirée(s)."
                    )
        rows = DraftStore(store).items()
    finally:
        store.close()
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
        return status
    if not rows:
        print("Aucun brouillon.")
    for row in rows:
        where = f"aussi sur le serveur (« {row.server_folder} »)" if row.on_server else "ici"
        to = ", ".join(row.recipients) or "(aucun destinataire)"
        print(f"{row.key}  {row.updated_at}  « {row.subject} » → {to}  [{where}]")
    return status

"""``caducee receipts``: the sent messages and, per recipient, what their receipts said."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.cli.sessions import open_store
from app.core.paths import Profile
from app.store.receipts import ReceiptStore

FILTERS = {"en-attente": ("pending", "delayed"), "echec": ("failed", "refused")}


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "receipts",
        help="suivi des envois (accusés de remise et de lecture)",
        description="Les messages envoyés et, pour chaque destinataire, ce qu'en disent les "
        "accusés reçus : en attente, différé, remis, lu, intégré, refusé (code et "
        "signification), échec. Les accusés sont lus à chaque synchronisation (caducee sync).",
    )
    parser.add_argument(
        "--message-id", metavar="M", help="un seul message, par son Message-ID (avec ou sans <>)"
    )
    parser.add_argument("--account", metavar="ADRESSE", help="un seul compte")
    parser.add_argument(
        "--state",
        choices=sorted(FILTERS),
        help="seulement les messages dont un destinataire est en attente, ou en échec/refusé",
    )
    parser.add_argument(
        "--json", action="store_true", help="sortie JSON (champs : docs/receipts.md)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        receipts = ReceiptStore(store)
        receipts.apply_pending()  # reports synced before this version, or left over
        sent = receipts.sent(
            args.account, args.message_id, FILTERS[args.state] if args.state else ()
        )
    finally:
        store.close()
    if args.json:
        print(json.dumps([m.to_json() for m in sent], ensure_ascii=False, indent=2))
        return 0
    if not sent:
        wanted = f" {args.message_id}" if args.message_id else ""
        print(f"Aucun envoi suivi{wanted}.", file=sys.stderr)
        return 1 if args.message_id else 0
    for message in sent:
        print(f"« {message.subject} » ({message.message_id})")
        for recipient in message.recipients:
            print(f"  {recipient.recipient} : {recipient.label(message.sent_at, message.asked)}")
    return 0

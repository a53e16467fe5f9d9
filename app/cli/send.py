"""``caducee send`` and ``caducee outbox``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli.accounts import open_store, session_for
from app.core.paths import Profile
from app.ops.outbox import DeliveryReport, Draft, deliver, enqueue, recover, retry
from app.store.outbox import STATES_FR, OutboxStore


def _addresses(values: list[str] | None) -> list[str]:
    return [a.strip() for value in values or [] for a in value.split(",") if a.strip()]


def register(commands: Any) -> None:
    send = commands.add_parser(
        "send",
        help="envoyer un message (via la boîte d'envoi)",
        description="Place le message dans la boîte d'envoi, puis l'envoie. Sans réseau, il "
        "attend et repart tout seul à la prochaine synchronisation.",
    )
    send.add_argument(
        "--from", dest="sender", required=True, metavar="ADRESSE", help="compte d'envoi"
    )
    send.add_argument(
        "--to",
        action="append",
        required=True,
        metavar="X",
        help="destinataire (option répétable, ou adresses séparées par des virgules)",
    )
    send.add_argument("--cc", action="append", metavar="Y", help="copie")
    send.add_argument("--subject", required=True, metavar="OBJET")
    body = send.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", metavar="TEXTE")
    body.add_argument("--body-file", type=Path, metavar="FICHIER")
    send.add_argument(
        "--attach",
        action="append",
        type=Path,
        default=[],
        metavar="FICHIER",
        help="pièce jointe (option répétable)",
    )
    send.add_argument("--dsn", action="store_true", help="demander un accusé de remise")
    send.add_argument("--mdn", action="store_true", help="demander un accusé de lecture")
    send.add_argument("--json", action="store_true", help="sortie JSON")
    send.set_defaults(run=run_send)

    outbox = commands.add_parser(
        "outbox", help="boîte d'envoi", description="Les messages de la boîte d'envoi et leur état."
    )
    outbox.add_argument(
        "--retry",
        type=int,
        metavar="ID",
        help="renvoyer un message en échec ou interrompu (décision de l'utilisateur)",
    )
    outbox.add_argument(
        "--flush",
        action="store_true",
        help="envoyer maintenant ce qui attend, sans attendre le délai",
    )
    outbox.add_argument("--json", action="store_true", help="sortie JSON")
    outbox.set_defaults(run=run_outbox)


def _print_report(report: DeliveryReport) -> None:
    for item in report.sent:
        print(f"Envoyé : « {item.subject} » à {', '.join(item.recipients)}")
    for item in report.queued:
        print(
            f"En attente : « {item.subject} » — {item.last_error} Nouvel essai après "
            f"{item.next_attempt_at}."
        )
    for item in report.failed:
        print(f"Échec : « {item.subject} » — {item.last_error}", file=sys.stderr)
    for item in report.uncertain:
        print(
            f"Envoi interrompu : « {item.subject} » (n° {item.id}) — vérifiez, puis "
            f"« caducee outbox --retry {item.id} » pour le renvoyer.",
            file=sys.stderr,
        )
    for warning in report.warnings:
        print(f"Attention : {warning}", file=sys.stderr)


def run_send(args: argparse.Namespace, profile: Profile) -> int:
    to, cc = _addresses(args.to), _addresses(args.cc)
    for path in [*args.attach, *([args.body_file] if args.body_file else [])]:
        if not path.is_file():
            print(f"Erreur : fichier introuvable : {path}", file=sys.stderr)
            return 1
    text = args.body if args.body is not None else args.body_file.read_text(encoding="utf-8")
    store = open_store(profile)
    try:
        account = store.account(args.sender)
        if account is None:
            print(f"Erreur : aucun compte {args.sender} (caducee account add).", file=sys.stderr)
            return 1
        item = enqueue(
            store,
            account,
            Draft(
                args.sender,
                to,
                args.subject,
                text,
                cc=cc,
                attachments=args.attach,
                dsn=args.dsn,
                mdn=args.mdn,
            ),
        )
        session = session_for(account, profile)
        try:
            report = deliver(store, session)
        finally:
            session.close()
        final = OutboxStore(store).get(item.id)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                {"message": final.to_json() if final else None, "warnings": report.warnings},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        _print_report(report)
    return 0 if final is not None and final.state in ("sent", "queued") else 1


def run_outbox(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    status = 0
    try:
        if args.retry is not None and retry(store, args.retry) is None:
            print(f"Erreur : aucun message n° {args.retry} à renvoyer.", file=sys.stderr)
            return 1
        recover(store)
        if args.flush or args.retry is not None:
            for account in store.accounts():
                session = session_for(account, profile)
                try:
                    report = deliver(store, session, force=True)
                finally:
                    session.close()
                if not args.json:
                    _print_report(report)
                status |= int(bool(report.failed))
        items = OutboxStore(store).items()
    finally:
        store.close()
    if args.json:
        print(json.dumps([i.to_json() for i in items], ensure_ascii=False, indent=2))
        return status
    if not items:
        print("La boîte d'envoi est vide.")
    for item in items:
        error = f" — {item.last_error}" if item.last_error and item.state != "sent" else ""
        print(
            f"{item.id:>4}  {STATES_FR[item.state]:<30} {item.created_at}  "
            f"« {item.subject} » → {', '.join(item.recipients)}{error}"
        )
    return status

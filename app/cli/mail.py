"""``caducee list``, ``caducee show`` and ``caducee search``: reading from the local store."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

from app.cli.sessions import open_store
from app.core.audit import Action
from app.core.paths import Profile
from app.mssante.documents import read_message
from app.mssante.model import MessageDocuments
from app.mssante.overview import documents_json, identity_line
from app.store import threads
from app.store.db import MessageSummary, Store
from app.store.mime import parse_message
from app.store.views import Scope, summaries, threaded_rows


def register(commands: Any) -> None:
    listing = commands.add_parser(
        "list",
        help="lister les messages (copie locale)",
        description="Les messages de la copie locale, du plus récent au plus ancien.",
    )
    listing.add_argument("--account", metavar="ADRESSE", help="un seul compte")
    listing.add_argument("--folder", metavar="DOSSIER", help="un seul dossier (ex. INBOX)")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    listing.add_argument(
        "--threads",
        action="store_true",
        help="par fil de discussion, comme la fenêtre (Affichage > Fils de discussion) : "
        "les fils du plus récent au plus ancien, les messages d'un fil du plus ancien au plus "
        "récent ; JSON : thread, depth, thread_size, thread_unread en plus",
    )
    listing.set_defaults(run=run_list)

    show = commands.add_parser(
        "show", help="afficher un message", description="Affiche un message de la copie locale."
    )
    show.add_argument("message", metavar="MESSAGE", help="identifiant local ou Message-ID")
    show.add_argument("--json", action="store_true", help="sortie JSON")
    show.set_defaults(run=run_show)

    mark = commands.add_parser(
        "mark",
        help="marquer un message lu, non lu, suivi…",
        description="Change les indicateurs d'un message, tout de suite dans la copie locale "
        "(même hors ligne) ; la prochaine synchronisation les reporte sur le serveur.",
    )
    mark.add_argument("message", metavar="MESSAGE", help="identifiant local ou Message-ID")
    read = mark.add_mutually_exclusive_group()
    read.add_argument("--read", action="store_true", help="lu")
    read.add_argument("--unread", action="store_true", help="non lu")
    flagged = mark.add_mutually_exclusive_group()
    flagged.add_argument("--flagged", action="store_true", help="suivi (drapeau)")
    flagged.add_argument("--unflagged", action="store_true", help="sans drapeau")
    mark.set_defaults(run=run_mark)

    search = commands.add_parser(
        "search",
        help="rechercher dans les messages",
        description="Recherche dans l'objet, les adresses, le texte, les noms des pièces "
        "jointes et ce que disent les documents (texte des CDA, résultats HPRIM, texte des "
        "PDF une fois lus : caducee index-documents), sans tenir compte des majuscules ni "
        "des accents ; les mots peuvent être des débuts de mots.",
    )
    search.add_argument("query", metavar="RECHERCHE")
    search.add_argument("--folder", metavar="DOSSIER", help="un seul dossier")
    search.add_argument("--limit", type=int, metavar="N", help="au plus N résultats")
    search.add_argument(
        "--json", action="store_true", help="sortie JSON (tous les résultats sauf --limit)"
    )
    search.set_defaults(run=run_search)


def _print_table(messages: list[MessageSummary]) -> None:
    for m in messages:
        mark = (
            ("●" if m.unread else " ")
            + ("⚑" if "\\Flagged" in m.flags else " ")
            + ("📎" if m.has_attachments else "  ")
        )
        date = (m.date or "")[:10]
        sender = (m.sender or "")[:30]
        print(f"{m.id:>6} {mark} {date}  {sender:<30}  {m.subject}")


def _output(messages: list[MessageSummary], *, as_json: bool, counted: str) -> None:
    if as_json:
        print(json.dumps([m.to_json() for m in messages], ensure_ascii=False, indent=2))
    else:
        _print_table(messages)
        print(f"{len(messages)} {counted}")


def run_list(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        if args.threads:
            return _list_threads(store, args)
        messages = store.messages(account=args.account, folder=args.folder)
    finally:
        store.close()
    _output(messages, as_json=args.json, counted="message(s)")
    return 0


def _list_threads(store: Store, args: argparse.Namespace) -> int:
    """The same messages as ``list``, by conversation as the window shows them; rows stored
    before conversations were kept are placed first (their files' headers read)."""
    while (progress := threads.backfill(store, budget=5.0)).left and progress.done:
        pass
    scope = Scope(account=args.account, folder=args.folder, reports=True)
    shown = threaded_rows(store, scope)
    found = summaries(store, shown.ids)
    rows = [(row, found[i]) for row, i in enumerate(shown.ids) if i in found]
    if args.json:
        data = [
            {
                **message.to_json(),
                "thread": shown.threads[row],
                "depth": shown.indent(row),
                "thread_size": shown.sizes[row],
                "thread_unread": shown.unread[row],
            }
            for row, message in rows
        ]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for row, message in rows:
        size = shown.sizes[row]
        if shown.head(row):
            counted = f"  ({size}, {shown.unread[row]} non lu(s))" if size > 1 else ""
            message = replace(message, subject=f"{message.subject}{counted}")
        else:
            message = replace(message, subject=f"{'  ' * shown.indent(row)}↳ {message.subject}")
        _print_table([message])
    heads = sum(1 for row in range(len(shown.ids)) if shown.head(row))
    print(f"{len(rows)} message(s), {heads} fil(s)")
    return 0


def run_search(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        messages = store.search(args.query, folder=args.folder, limit=args.limit)
    finally:
        store.close()
    _output(messages, as_json=args.json, counted="résultat(s)")
    return 0


def run_show(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        message = store.find(args.message)
        raw = store.raw(message) if message is not None else None
        if message is not None:
            store.audited_message(
                Action.READ,
                message,
                request="copie locale (caducee show)",
                result="ok" if raw is not None else "pas encore téléchargé",
            )
    finally:
        store.close()
    if message is None:
        print(f"Erreur : aucun message « {args.message} » dans la copie locale.", file=sys.stderr)
        return 1
    parsed = parse_message(raw) if raw is not None else None
    if args.json:
        data = message.to_json()
        data["body_text"] = parsed.body_text if parsed else None
        data["attachments"] = (
            [
                {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                for a in parsed.attachments
            ]
            if parsed
            else []
        )
        data["headers"] = parsed.headers if parsed else {}
        documents = read_message(raw) if raw is not None else None
        data["documents"] = documents_json(documents) if documents else []
        data["refused"] = (
            [{"name": r.name, "reason": r.reason} for r in documents.refused] if documents else []
        )
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"De : {message.sender}")
    print(f"À : {message.recipients}")
    print(f"Date : {message.date or ''}")
    print(f"Objet : {message.subject}")
    print(f"Dossier : {message.folder} ({message.account})")
    if parsed is None:
        print("\n(Message pas encore téléchargé : lancez « caducee sync ».)")
        return 0
    for attachment in parsed.attachments:
        print(
            f"Pièce jointe : {attachment.filename} ({attachment.content_type}, "
            f"{attachment.size} octets)"
        )
    if raw is not None:
        _print_documents(read_message(raw))
    print()
    print(parsed.body_text)
    return 0


def _print_documents(documents: MessageDocuments) -> None:
    for number, document in enumerate(documents.documents, 1):
        identity = identity_line(document.identity) if document.identity else None
        kind = document.type_name or document.type_label or "Document"
        print(f"Document {number} : {kind} — patient : {identity or 'inconnu'}")
        for row in document.results:
            mark = " !" if row.abnormal else "  "
            print(
                f"  {mark} {row.label} : {row.value} {row.unit or ''}"
                f"  ({row.reference_range or 'sans référence'})"
            )
        for notice in document.notices:
            print(f"  Attention : {notice}")
    for refused in documents.refused:
        print(f"Non lu : {refused.name} — {refused.reason}")


def run_mark(args: argparse.Namespace, profile: Profile) -> int:
    add = [f for f, on in (("\\Seen", args.read), ("\\Flagged", args.flagged)) if on]
    remove = [f for f, on in (("\\Seen", args.unread), ("\\Flagged", args.unflagged)) if on]
    if not add and not remove:
        print(
            "caducee : erreur : indiquez --read, --unread, --flagged ou --unflagged.",
            file=sys.stderr,
        )
        return 2
    store = open_store(profile)
    try:
        message = store.find(args.message)
        if message is None:
            print(
                f"Erreur : aucun message « {args.message} » dans la copie locale.", file=sys.stderr
            )
            return 1
        store.change_flags(message, add, remove)
    finally:
        store.close()
    return 0

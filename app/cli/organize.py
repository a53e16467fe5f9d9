"""``caducee move|copy|archive|delete`` and ``caducee folder …``: filing mail, offline too.

Every change is made at once in the local copy and replayed on the server by the next
``caducee sync`` (backed out there if the server refuses it).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.cli.sessions import open_store
from app.core.errors import LocalChangeError
from app.core.paths import Profile
from app.store.archive import Archiver
from app.store.changes import LocalChanges, NoTrashError
from app.store.db import Account, Folder, MessageSummary, Store

LATER = "(reporté sur le serveur à la prochaine synchronisation)"


def register(commands: Any) -> None:
    for name, verb in (("move", "déplacer"), ("copy", "copier")):
        command = commands.add_parser(
            name,
            help=f"{verb} un message vers un autre dossier",
            description=f"{verb.capitalize()} un message vers un autre dossier du même compte, "
            f"tout de suite dans la copie locale (même hors ligne) {LATER}.",
        )
        command.add_argument("message", metavar="MESSAGE", help="identifiant local ou Message-ID")
        command.add_argument("folder", metavar="DOSSIER", help="dossier de destination")
        command.set_defaults(run=run_move if name == "move" else run_copy)

    archive = commands.add_parser(
        "archive",
        help="archiver des messages (Archives/AAAA)",
        description="Range chaque message dans Archives/AAAA (l'année de sa date), comme "
        f"Thunderbird, en créant le dossier s'il manque {LATER}.",
    )
    archive.add_argument(
        "messages", metavar="MESSAGE", nargs="+", help="identifiant local ou Message-ID"
    )
    archive.set_defaults(run=run_archive)

    delete = commands.add_parser(
        "delete",
        help="supprimer un message (vers la corbeille)",
        description=f"Met un message à la corbeille, ou le supprime définitivement s'il y est "
        f"déjà (ou avec --permanent) {LATER}.",
    )
    delete.add_argument("message", metavar="MESSAGE", help="identifiant local ou Message-ID")
    delete.add_argument(
        "--permanent", action="store_true", help="supprimer définitivement, sans corbeille"
    )
    delete.set_defaults(run=run_delete)

    folder = commands.add_parser(
        "folder",
        help="lister, créer, renommer, supprimer des dossiers",
        description=f"Les dossiers d'un compte ; les changements sont faits tout de suite dans "
        f"la copie locale {LATER}.",
    )
    actions = folder.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="lister les dossiers")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    create = actions.add_parser("create", help="créer un dossier")
    create.add_argument("name", metavar="NOM")
    rename = actions.add_parser("rename", help="renommer un dossier (et ses sous-dossiers)")
    rename.add_argument("name", metavar="NOM")
    rename.add_argument("new_name", metavar="NOUVEAU_NOM")
    remove = actions.add_parser("delete", help="supprimer un dossier et ses messages")
    remove.add_argument("name", metavar="NOM")
    remove.add_argument(
        "--force", action="store_true", help="confirmer la suppression d'un dossier non vide"
    )
    move = actions.add_parser("move", help="mettre un dossier dans un autre (ou au premier niveau)")
    move.add_argument("name", metavar="NOM")
    move.add_argument("parent", metavar="PARENT", nargs="?", help="sans PARENT : premier niveau")
    read = actions.add_parser("read", help="marquer tous les messages du dossier comme lus")
    read.add_argument("name", metavar="NOM")
    for action in (listing, create, rename, remove, move, read):
        action.add_argument(
            "--account", metavar="ADRESSE", help="le compte (s'il y en a plusieurs)"
        )
    folder.set_defaults(run=run_folder)


def _message(store: Store, reference: str) -> MessageSummary:
    message = store.find(reference)
    if message is None:
        raise LocalChangeError(
            "no such message",
            user_message=f"Aucun message « {reference} » dans la copie locale.",
        )
    return message


def _account(store: Store, address: str | None) -> Account:
    accounts = store.accounts()
    if address is not None:
        accounts = [a for a in accounts if a.address.lower() == address.lower()]
        if not accounts:
            raise LocalChangeError("no such account", user_message=f"Aucun compte {address}.")
    if len(accounts) != 1:
        raise LocalChangeError(
            "which account",
            user_message="Aucun compte."
            if not accounts
            else "Plusieurs comptes : précisez lequel avec --account.",
        )
    return accounts[0]


def _folder(store: Store, account: Account, name: str, *, exact: bool = False) -> Folder:
    folders = store.folders(account)
    found = next((f for f in folders if f.name == name), None)
    if not exact:  # typing "inbox" for INBOX is fine, except to delete
        found = found or next((f for f in folders if f.name.casefold() == name.casefold()), None)
    if found is None:
        raise LocalChangeError(
            "no such folder",
            user_message=f"Aucun dossier « {name} » dans le compte {account.address}.",
        )
    return found


def _message_and_target(store: Store, args: argparse.Namespace) -> tuple[MessageSummary, Folder]:
    message = _message(store, args.message)
    account = _account(store, message.account)
    return message, _folder(store, account, args.folder)


def run_move(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        message, target = _message_and_target(store, args)
        LocalChanges(store).move(message.id, target)
    finally:
        store.close()
    print(f"Message {message.id} déplacé vers « {target.name} » {LATER}.")
    return 0


def run_copy(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        message, target = _message_and_target(store, args)
        copy_id = LocalChanges(store).copy(message.id, target)
    finally:
        store.close()
    print(f"Message copié vers « {target.name} » sous l'identifiant {copy_id} {LATER}.")
    return 0


def run_archive(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        ids = [_message(store, reference).id for reference in args.messages]
        moved = Archiver(store).archive(ids)
    finally:
        store.close()
    for name, count in moved.items():
        print(f"{count} message(s) archivé(s) dans « {name} » {LATER}.")
    return 0


def run_delete(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        message = _message(store, args.message)
        try:
            LocalChanges(store).delete(message.id, permanent=args.permanent)
        except NoTrashError as error:
            print(
                f"Erreur : {error.user_message} Ajoutez --permanent pour le confirmer.",
                file=sys.stderr,
            )
            return 1
        moved = store.find(str(message.id))
    finally:
        store.close()
    where = f"mis dans « {moved.folder} »" if moved is not None else "supprimé définitivement"
    print(f"Message {message.id} {where} {LATER}.")
    return 0


def run_folder(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        account = _account(store, args.account)
        changes = LocalChanges(store)
        if args.action == "list":
            _list(store, account, as_json=args.json)
        elif args.action == "create":
            changes.create_folder(account, args.name)
            print(f"Dossier « {args.name.strip()} » créé {LATER}.")
        elif args.action == "move":
            parent = _folder(store, account, args.parent) if args.parent else None
            name = changes.move_folder(_folder(store, account, args.name), parent)
            print(f"Dossier « {args.name} » déplacé : « {name} » {LATER}.")
        elif args.action == "read":
            count = changes.mark_folder_read(_folder(store, account, args.name))
            print(f"{count} message(s) de « {args.name} » marqué(s) comme lu(s) {LATER}.")
        elif args.action == "rename":
            changes.rename_folder(_folder(store, account, args.name), args.new_name)
            print(f"Dossier « {args.name} » renommé en « {args.new_name.strip()} » {LATER}.")
        else:
            folder = _folder(store, account, args.name, exact=True)
            count = len(store.messages(account=account.address, folder=folder.name))
            if count and not args.force:
                print(
                    f"Erreur : le dossier « {folder.name} » contient {count} message(s), "
                    "qui seraient supprimés avec lui : ajoutez --force pour confirmer.",
                    file=sys.stderr,
                )
                return 1
            changes.delete_folder(folder)
            print(f"Dossier « {folder.name} » supprimé {LATER}.")
    finally:
        store.close()
    return 0


def _list(store: Store, account: Account, *, as_json: bool) -> None:
    counts: dict[str, int] = {}
    unread: dict[str, int] = {}
    for message in store.messages(account=account.address):
        counts[message.folder] = counts.get(message.folder, 0) + 1
        unread[message.folder] = unread.get(message.folder, 0) + message.unread
    folders = store.folders(account)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "name": f.name,
                        "special_use": f.special_use,
                        "selectable": f.selectable,
                        "messages": counts.get(f.name, 0),
                        "unread": unread.get(f.name, 0),
                    }
                    for f in folders
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for f in folders:
        special = f" ({f.special_use})" if f.special_use else ""
        print(f"{f.name}{special} — {counts.get(f.name, 0)} message(s)")

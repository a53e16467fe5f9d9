"""``caducee account add|list|remove|edit`` (``caducee sync``: ``app.cli.sync``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli import psc
from app.cli.parser import CaduceeParser
from app.cli.sessions import open_store, session_for
from app.cli.sync import SYNC_WAIT_SECONDS
from app.core.errors import CaduceeError
from app.core.paths import Profile
from app.ops.account_settings import AccountChange, edit_account, remove_account
from app.ops.accounts import (
    AccountExistsError,
    AccountSession,
    check_account,
    ensure_new,
    new_account,
    save_account,
)
from app.ops.sync import SyncBusyError
from app.store import account_settings
from app.transport.endpoints import Endpoint, EndpointError, Protocol

AUTH_MODES = ("card", "pkcs12", "password", "psc")


def register(commands: Any) -> None:
    account = commands.add_parser(
        "account", help="comptes de messagerie", description="Les comptes de messagerie."
    )
    actions = account.add_subparsers(
        dest="account_command",
        metavar="ACTION",
        title="actions",
        parser_class=CaduceeParser,
        required=True,
    )
    add = actions.add_parser(
        "add",
        help="ajouter un compte",
        description="Ajoute un compte. Sans --imap, les serveurs sont trouvés automatiquement "
        "(profil de l'opérateur, DNS SRV, autoconfiguration). La connexion est vérifiée.",
    )
    add.add_argument("--address", required=True, metavar="ADRESSE", help="adresse de messagerie")
    add.add_argument("--imap", metavar="URL", help="imaps://serveur:993 ou imap+starttls://…")
    add.add_argument("--smtp", metavar="URL", help="smtps://serveur:465 ou smtp+starttls://…")
    add.add_argument(
        "--auth",
        required=True,
        choices=AUTH_MODES,
        help="carte CPS, certificat logiciel PKCS#12, mot de passe ou Pro Santé Connect "
        "(carte CPS ou e-CPS, jeton XOAUTH2)",
    )
    psc.add_provider_options(add)
    psc.add_option(add)
    add.add_argument("--module", metavar="CHEMIN", help="module PKCS#11 de la carte")
    add.add_argument("--pkcs12", metavar="FICHIER", type=Path, help="certificat logiciel .p12")
    add.add_argument("--username", metavar="U", help="identifiant (par défaut : l'adresse)")
    add.add_argument(
        "--trust",
        metavar="PEM",
        type=Path,
        help="autorités de confiance : ajoutées à l'IGC-Santé fournie pour un serveur "
        "MSSanté (tests seulement), à la place du magasin du système sinon",
    )
    add.add_argument(
        "--remember",
        action="store_true",
        help="garder le mot de passe ou la phrase secrète dans le trousseau du "
        "système (jamais le code de la carte)",
    )
    add.add_argument(
        "--no-check",
        action="store_true",
        help="ne pas tester la connexion (configuration hors ligne)",
    )
    add.set_defaults(run=run_add)
    listing = actions.add_parser("list", help="lister les comptes", description="Les comptes.")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    listing.set_defaults(run=run_list)
    remove = actions.add_parser(
        "remove",
        help="retirer un compte et sa copie locale",
        description="Retire le compte et sa copie locale des messages.",
    )
    remove.add_argument("--address", required=True, metavar="ADRESSE")
    remove.set_defaults(run=run_remove)
    edit = actions.add_parser(
        "edit",
        help="modifier un compte (serveurs, identifiant, signature)",
        description="Modifie les serveurs, l'identifiant (compte à mot de passe) ou la "
        "signature d'un compte ; sans option, affiche ses paramètres. L'adresse et le mode "
        "de connexion ne se modifient pas : retirez le compte et ajoutez-le à nouveau.",
    )
    edit.add_argument("--address", required=True, metavar="ADRESSE")
    edit.add_argument("--imap", metavar="URL", help="imaps://serveur:993 ou imap+starttls://…")
    edit.add_argument(
        "--smtp", metavar="URL", help='smtps://serveur:465 ou smtp+starttls://… ("" : aucun)'
    )
    edit.add_argument("--username", metavar="U", help="identifiant d'un compte à mot de passe")
    signature = edit.add_mutually_exclusive_group()
    signature.add_argument("--signature", metavar="TEXTE", help='signature ("" : aucune)')
    signature.add_argument(
        "--signature-file", metavar="FICHIER", type=Path, help="signature lue dans un fichier"
    )
    edit.add_argument("--json", action="store_true", help="sortie JSON")
    edit.set_defaults(run=run_edit)


def _endpoint(url: str | None, protocol: Protocol) -> str | None:
    if url is None:
        return None
    endpoint = Endpoint.parse(url)
    if endpoint.protocol is not protocol:
        raise EndpointError(f"« {url} » n'est pas une adresse {protocol.value.upper()}.")
    return endpoint.url()


def run_add(args: argparse.Namespace, profile: Profile) -> int:
    if args.auth == "pkcs12" and args.pkcs12 is None:
        print("caducee : erreur : --auth pkcs12 demande --pkcs12 FICHIER.", file=sys.stderr)
        return 2
    psc_issuer, psc_client_id = args.psc_issuer, args.psc_client_id
    if args.auth == "psc":
        config = psc.config_for(profile, issuer=psc_issuer, client_id=psc_client_id)
        psc_issuer, psc_client_id = config.issuer, config.client_id
    elif psc_issuer or psc_client_id:
        print("caducee : erreur : --psc-issuer et --psc-client-id vont avec --auth psc.",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        imap_url = _endpoint(args.imap, Protocol.IMAP)
        smtp_url = _endpoint(args.smtp, Protocol.SMTP)
    except EndpointError as error:
        print(f"caducee : erreur : {error}", file=sys.stderr)
        return 2
    source = "saisie"
    if imap_url is None:
        from app.ops.discovery import discover_servers

        found = discover_servers(args.address, profile)
        if found is None:
            print(
                "Erreur : serveurs introuvables automatiquement pour cette adresse. "
                "Indiquez-les avec --imap (et --smtp).",
                file=sys.stderr,
            )
            return 1
        imap_url, smtp_url, source = (
            found.imap.url(),
            (smtp_url or (found.smtp.url() if found.smtp else None)),
            found.source,
        )
    store = open_store(profile)
    try:
        try:
            ensure_new(store, args.address)
        except AccountExistsError:
            print(f"Erreur : le compte {args.address} existe déjà.", file=sys.stderr)
            return 1
        account = new_account(
            args.address,
            args.auth,
            imap_url,
            smtp_url,
            username=args.username,
            module=args.module,
            pkcs12=args.pkcs12,
            trust=args.trust,
            source=source,
            psc_issuer=psc_issuer,
            psc_client_id=psc_client_id,
        )
        if not args.no_check:
            session = session_for(account, profile, psc_sign_in=psc.sign_in_with(args.psc, profile))
            try:
                check_account(session)
            finally:
                session.close()
            if args.remember:
                _remember(session)
        save_account(store, account)  # the fields that were just checked
    finally:
        store.close()
    print(
        f"Compte {args.address} ajouté ({source}) : IMAP {imap_url}"
        + (f", SMTP {smtp_url}" if smtp_url else "")
    )
    return 0


def _remember(session: AccountSession) -> None:
    if session.account.auth != "card" and not session.remember_secret():
        print(
            "Attention : aucun trousseau du système disponible, le secret n'a pas été gardé.",
            file=sys.stderr,
        )


def run_list(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        accounts = store.accounts()
    finally:
        store.close()
    if args.json:
        print(json.dumps([a.to_json() for a in accounts], ensure_ascii=False, indent=2))
    elif not accounts:
        print("Aucun compte. Ajoutez-en un avec : caducee account add --address … --auth …")
    for account in accounts if not args.json else []:
        smtp = f", SMTP {account.smtp_url}" if account.smtp_url else ""
        print(f"{account.address} — {account.auth} — IMAP {account.imap_url}{smtp}")
    return 0


def run_remove(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        try:
            remove_account(store, profile.data_dir, args.address)
        except SyncBusyError:  # not while it syncs elsewhere
            print(
                f"{args.address} : synchronisation en cours dans un autre processus, "
                f"attente (au plus {SYNC_WAIT_SECONDS} s)…",
                file=sys.stderr,
                flush=True,
            )
            remove_account(store, profile.data_dir, args.address, wait=SYNC_WAIT_SECONDS)
    except CaduceeError as error:
        print(f"Erreur : {error.user_message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"Compte {args.address} retiré, avec sa copie locale.")
    return 0


def run_edit(args: argparse.Namespace, profile: Profile) -> int:
    signature = args.signature
    if args.signature_file is not None:
        try:
            signature = args.signature_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            print(f"Erreur : fichier de signature illisible : {error}", file=sys.stderr)
            return 1
    change = AccountChange(
        imap=args.imap, smtp=args.smtp, username=args.username, signature=signature
    )
    store = open_store(profile)
    try:
        account = edit_account(store, args.address, change)
        kept = account_settings.signature(store, account)
    except CaduceeError as error:
        print(f"Erreur : {error.user_message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if args.json:
        print(json.dumps({**account.to_json(), "signature": kept}, ensure_ascii=False, indent=2))
        return 0
    smtp = account.smtp_url or "aucun"
    print(f"{account.address} — IMAP {account.imap_url}, SMTP {smtp}")
    print("Signature :" + ("\n" + kept if kept else " aucune"))
    return 0

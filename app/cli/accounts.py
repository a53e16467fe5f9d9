"""``caducee account add|list|remove|edit`` and ``caducee sync``."""

from __future__ import annotations

import argparse
import json
import queue
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.cli import psc, secrets
from app.cli.parser import CaduceeParser
from app.core.audit import AuditTrail
from app.core.errors import CaduceeError
from app.core.keychain import password_key
from app.core.paths import Profile
from app.core.settings import Settings
from app.ops.account_settings import AccountChange, edit_account, remove_account
from app.ops.accounts import (
    AccountExistsError,
    AccountSession,
    check_account,
    ensure_new,
    new_account,
    save_account,
)
from app.ops.drafts import push_after_sync
from app.ops.outbox import deliver
from app.ops.sync import SyncBusyError, sync_account
from app.psc.keeper import TokenKeeper
from app.store import account_settings
from app.store.db import Account, Store
from app.sync.idle import IdleWatcher
from app.transport.endpoints import Endpoint, EndpointError, Protocol

AUTH_MODES = ("card", "pkcs12", "password", "psc")
SYNC_WAIT_SECONDS = 60  # a sync of the account in another process: waited for this long
WATCH_RETRY_SECONDS = 30.0  # --watch: the next try after finding another process's sync


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

    sync = commands.add_parser(
        "sync",
        help="synchroniser les messages",
        description="Récupère les dossiers, les en-têtes puis les messages complets, pour "
        "une lecture sans réseau.",
    )
    sync.add_argument("--account", metavar="ADRESSE", help="un seul compte")
    sync.add_argument("--json", action="store_true", help="sortie JSON")
    sync.add_argument(
        "--watch",
        action="store_true",
        help="rester connecté et synchroniser dès qu'un message arrive (IDLE)",
    )
    sync.add_argument(
        "--wait",
        type=int,
        default=SYNC_WAIT_SECONDS,
        metavar="SECONDES",
        help="si ce compte est déjà en cours de synchronisation dans un autre processus "
        f"(la fenêtre de Caducée, un autre « caducee sync »), attendre au plus SECONDES "
        f"secondes qu'elle finisse ({SYNC_WAIT_SECONDS} par défaut ; 0 : ne pas attendre), "
        "puis abandonner avec le code de sortie 1 (avec --watch : pas d'attente, nouvelle "
        f"tentative toutes les {WATCH_RETRY_SECONDS:.0f} s)",
    )
    psc.add_option(sync)
    sync.set_defaults(run=run_sync)


def open_store(profile: Profile) -> Store:
    profile.ensure()
    return Store.open(profile.data_dir)


def session_for(
    account: Account,
    profile: Profile,
    *,
    timeout: float = 30.0,
    psc_sign_in: Callable[[Account], TokenKeeper] | None = None,
) -> AccountSession:
    if account.auth == "pkcs12":
        ask_secret = secrets.passphrase_asker(Path(account.pkcs12) if account.pkcs12 else None)
    else:
        ask_secret = secrets.password_asker(password_key(account.address))
    return AccountSession(
        account,
        profile.cache_dir,
        secrets.ask_pin,
        ask_secret,
        Settings.load(profile.config_file).card_module,
        timeout=timeout,
        audit=AuditTrail.of(profile.data_dir),
        psc_sign_in=psc_sign_in,
    )


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


def _size(value: int) -> str:
    return f"{value / (1024 * 1024):.1f} Mo".replace(".", ",")


def _sync_one(
    store: Store,
    account: Account,
    session: AccountSession,
    args: argparse.Namespace,
    profile: Profile,
    *,
    wait: float,
    quiet_busy: bool = False,
) -> dict[str, Any]:
    """Sync one account (then send what is due) and say how it went. ``wait``: seconds to
    wait for a sync of this account running in another process; ``quiet_busy``: say
    nothing when it still runs (``--watch`` says it once and tries again later)."""
    started = time.monotonic()

    def waiting(pid: int | None) -> None:  # on stderr, with --json too
        holder = f" (pid {pid})" if pid is not None else ""
        print(
            f"{account.address} : synchronisation déjà en cours dans un autre "
            f"processus{holder}, attente (au plus {wait:.0f} s)…",
            file=sys.stderr,
            flush=True,
        )

    try:
        report = sync_account(
            store, session, profile.data_dir / "locks", wait=wait, waiting=waiting
        )
        report.sent = len(deliver(store, session).sent)  # what waited in the outbox, if due
        for warning in push_after_sync(store, session):  # drafts to the server's Drafts
            print(f"{account.address} : {warning}", file=sys.stderr)
    except CaduceeError as error:
        if not args.json and not (quiet_busy and isinstance(error, SyncBusyError)):
            print(f"{account.address} : ÉCHEC — {error.user_message}", file=sys.stderr)
        failed: dict[str, Any] = {
            "account": account.address,
            "ok": False,
            "error": {"class": type(error).__name__, "message": error.user_message},
        }
        if isinstance(error, SyncBusyError):
            failed["busy"] = True
            failed["pid"] = error.pid
        return failed
    seconds = time.monotonic() - started
    if not args.json:
        duration = f"{seconds:.1f}".replace(".", ",")
        print(
            f"{account.address} : {report.folders} dossiers, {report.new} nouveaux, "
            f"{report.removed} supprimés, {report.flag_changes} indicateurs modifiés, "
            f"{report.bodies} messages téléchargés ({_size(report.bytes)}) en {duration} s",
            flush=True,
        )
        if report.changes_replayed:
            print(f"  {report.changes_replayed} modifications locales reportées sur le serveur")
        for refused in report.refused:
            print(f"  Attention : {refused}", flush=True)
        if report.flags_refused:
            print(
                f"{account.address} : {report.flags_refused} changement(s) d'indicateurs "
                "refusé(s) par le serveur, annulé(s) sur cet ordinateur.",
                flush=True,
            )
    return {
        "account": account.address,
        "ok": True,
        "seconds": round(seconds, 3),
        **report.to_json(),
    }


def run_sync(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    sessions: dict[str, AccountSession] = {}
    try:
        accounts = store.accounts()
        if args.account:
            accounts = [a for a in accounts if a.address.lower() == args.account.lower()]
            if not accounts:
                print(f"Erreur : aucun compte {args.account}.", file=sys.stderr)
                return 1
        if args.wait < 0:
            print("caducee : erreur : --wait attend un nombre positif.", file=sys.stderr)
            return 2
        sign_in = psc.sign_in_with(args.psc, profile)
        sessions = {a.address: session_for(a, profile, psc_sign_in=sign_in) for a in accounts}
        if args.watch:  # a sync running elsewhere is not an error: tried again later
            results = [
                _sync_one(store, a, sessions[a.address], args, profile, wait=0, quiet_busy=True)
                for a in accounts
            ]
        else:
            results = [
                _sync_one(store, a, sessions[a.address], args, profile, wait=args.wait)
                for a in accounts
            ]
        if args.json:
            print(json.dumps(results, ensure_ascii=False, indent=2))
        if args.watch:
            busy = [(a, r["pid"]) for a, r in zip(accounts, results, strict=True) if r.get("busy")]
            _watch(store, accounts, sessions, args, profile, busy)
            return 0 if all(r["ok"] or r.get("busy") for r in results) else 1
    finally:
        for session in sessions.values():
            session.close()
        store.close()
    return 0 if all(r["ok"] for r in results) else 1


def _notify(changed: queue.Queue[Account], account: Account) -> Callable[[str], None]:
    def on_change(_folder: str) -> None:
        changed.put(account)

    return on_change


def _say_busy(account: Account, pid: int | None, args: argparse.Namespace) -> None:
    if not args.json:
        holder = f" (pid {pid})" if pid is not None else ""
        print(
            f"{account.address} : synchronisation en cours dans un autre processus{holder} ; "
            f"nouvelle tentative toutes les {WATCH_RETRY_SECONDS:.0f} s.",
            file=sys.stderr,
            flush=True,
        )


def _watch(
    store: Store,
    accounts: list[Account],
    sessions: dict[str, AccountSession],
    args: argparse.Namespace,
    profile: Profile,
    busy: list[tuple[Account, int | None]],
) -> None:
    """IDLE on each account's INBOX (own connection) and sync on every change, until Ctrl-C.

    An account whose sync runs in another process (``busy``, or found so later) is tried
    again every ``WATCH_RETRY_SECONDS``; that is said once, not at every try.
    """
    changed: queue.Queue[Account] = queue.Queue()
    retry_at: dict[str, tuple[Account, float]] = {}

    def sync(account: Account) -> None:
        result = _sync_one(
            store, account, sessions[account.address], args, profile, wait=0, quiet_busy=True
        )
        if not result.get("busy"):
            retry_at.pop(account.address, None)
            return
        if account.address not in retry_at:
            _say_busy(account, result.get("pid"), args)
        retry_at[account.address] = (account, time.monotonic() + WATCH_RETRY_SECONDS)

    for account, pid in busy:
        _say_busy(account, pid, args)
        retry_at[account.address] = (account, time.monotonic() + WATCH_RETRY_SECONDS)
    watchers = []
    for session in sessions.values():
        session.keep_fresh()
    for account in accounts:
        watcher = IdleWatcher(
            sessions[account.address].imap,
            _notify(changed, account),
            on_error=lambda error: print(f"Attention : {error.user_message}", file=sys.stderr),
            catch_up=True,
        )
        watcher.start()
        watchers.append(watcher)
    if not args.json:
        print("En attente de nouveaux messages (Ctrl-C pour arrêter)…", flush=True)
    try:
        while True:
            now = time.monotonic()
            for address, (account, when) in list(retry_at.items()):
                if when <= now:
                    retry_at[address] = (account, float("inf"))  # until this try says
                    sync(account)
            due = min((when for _account, when in retry_at.values()), default=None)
            try:
                account = changed.get(timeout=None if due is None else max(0.0, due - now))
            except queue.Empty:
                continue
            sync(account)
    except KeyboardInterrupt:
        pass
    finally:
        for watcher in watchers:
            watcher.stop()

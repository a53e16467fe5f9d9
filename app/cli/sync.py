"""``caducee sync``: the accounts' mail into the local store, once or on every change.

A sync that finds nothing new is mostly this process's start-up, so this module imports
what every sync needs and no more: sending the outbox, copying drafts, Pro Santé Connect
and IDLE are imported when there is something for them to do (``app.cli.main`` imports
only the module of the command given).
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import time
from collections.abc import Callable
from typing import Any

from app.cli import psc
from app.cli.sessions import open_store, session_for
from app.core.errors import CaduceeError
from app.core.paths import Profile
from app.ops.accounts import AccountSession
from app.ops.sync import SyncBusyError, sync_account
from app.store.db import Account, Store
from app.store.drafts import DraftStore
from app.store.outbox import OutboxStore

SYNC_WAIT_SECONDS = 60  # a sync of the account in another process: waited for this long
WATCH_RETRY_SECONDS = 30.0  # --watch: the next try after finding another process's sync


def register(commands: Any) -> None:
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


def _size(value: int) -> str:
    return f"{value / (1024 * 1024):.1f} Mo".replace(".", ",")


def _send_and_push(store: Store, session: AccountSession) -> int:
    """After the sync: send what waits in the outbox (if due), copy the drafts to the server's
    Drafts; returns how many were sent. The sending and MIME code is loaded only when the
    store has something for it (most syncs find nothing new and nothing to send)."""
    account = session.account
    sent = 0
    if OutboxStore(store).has_work(account):
        from app.ops.outbox import deliver

        sent = len(deliver(store, session).sent)
    if DraftStore(store).has_work(account.address):
        from app.ops.drafts import push_after_sync

        for warning in push_after_sync(store, session):
            print(f"{account.address} : {warning}", file=sys.stderr)
    return sent


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
        report.sent = _send_and_push(store, session)
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
    from app.sync.idle import IdleWatcher

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

"""``caducee send`` and ``caducee outbox``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.cli import psc
from app.cli.sessions import open_store, session_for
from app.core.errors import CaduceeError
from app.core.paths import Profile
from app.core.settings import Settings
from app.filing.db import FilingDb
from app.filing.errors import FilingError
from app.filing.patients import Registry, open_root_db
from app.ops import outbox_actions
from app.ops.accounts import AccountSession
from app.ops.outbox import (
    DeliveryReport,
    Draft,
    check_uncertain,
    deliver,
    enqueue,
    recover,
    retry,
    uncertain_facts,
)
from app.ops.patient_mail import PatientMailError, address_of
from app.psc.signin import SignInMethod
from app.store.db import Account, Store
from app.store.outbox import STATES_FR, OutboxItem, OutboxStore

LOCK_WAIT_SECONDS = 300  # another process sending the same account's outbox: waited for


def _addresses(values: list[str] | None) -> list[str]:
    return [a.strip() for value in values or [] for a in value.split(",") if a.strip()]


def register(commands: Any) -> None:
    send = commands.add_parser(
        "send",
        help="envoyer un message (via la boîte d'envoi)",
        description="Place le message dans la boîte d'envoi, puis l'envoie. Sans réseau, ou si "
        "la connexion est coupée avant la fin de l'envoi, il attend et repart tout seul à une "
        "prochaine synchronisation, ou avec caducee outbox --flush (délais croissants : 1, 5 "
        "et 15 minutes, 1 et 3 heures, puis toutes les 6 heures). Si la connexion est perdue "
        "juste après l'envoi complet, avant la réponse du serveur, il est marqué incertain : "
        "Caducée cherche s'il est arrivé et ne le renvoie jamais sans votre accord (caducee "
        "outbox --retry ID). Un seul envoi à la fois par compte : si la fenêtre ou une autre "
        "commande envoie déjà, celle-ci attend qu'elle ait fini (au plus "
        f"{LOCK_WAIT_SECONDS // 60} minutes).",
    )
    send.add_argument(
        "--from", dest="sender", required=True, metavar="ADRESSE", help="compte d'envoi"
    )
    send.add_argument(
        "--to",
        action="append",
        metavar="X",
        help="destinataire (option répétable, ou adresses séparées par des virgules)",
    )
    send.add_argument(
        "--to-patient",
        metavar="ID",
        help="écrire au patient ID du registre sur Mon espace santé : l'adresse "
        "<matricule INS>@patient.mssante.fr est faite de son INS (NIR, clé valide, identité "
        "qualifiée : caducee patients qualify)",
    )
    send.add_argument(
        "--patients-dir",
        metavar="DIR",
        type=Path,
        help="dossier des patients (par défaut : [classement] dossier_patients de "
        "config.toml) ; une adresse …@patient.mssante.fr n'est acceptée que pour un INS "
        "qualifié de ce registre",
    )
    send.add_argument(
        "--no-reply",
        action="store_true",
        help="message à un patient : lui interdire de répondre (X-MSS-MES: FIN)",
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
    psc.add_option(send)
    send.set_defaults(run=run_send)

    outbox = commands.add_parser(
        "outbox", help="boîte d'envoi", description="Les messages de la boîte d'envoi et leur état."
    )
    outbox.add_argument(
        "--retry",
        type=int,
        metavar="ID",
        help="renvoyer un message en échec ou incertain (votre décision) ; pour un message "
        "incertain, Caducée vérifie d'abord s'il est arrivé, puis demande confirmation",
    )
    outbox.add_argument(
        "--confirm-resend",
        action="store_true",
        help="avec --retry : renvoyer un message incertain sans poser la question (il a "
        "peut-être déjà été reçu ; sans terminal, cette option est obligatoire)",
    )
    outbox.add_argument(
        "--delete",
        type=int,
        metavar="ID",
        help="retirer un message de la boîte d'envoi (jamais pendant son envoi)",
    )
    outbox.add_argument(
        "--flush",
        action="store_true",
        help="envoyer maintenant ce qui attend, sans attendre le délai",
    )
    outbox.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDES",
        help="délai de réponse du serveur d'envoi (30 s par défaut ; la réponse à la fin du "
        "message est attendue 4 fois plus longtemps)",
    )
    outbox.add_argument("--json", action="store_true", help="sortie JSON")
    psc.add_option(outbox)
    outbox.set_defaults(run=run_outbox)


def _print_report(report: DeliveryReport, address: str) -> None:
    if report.busy:
        holder = f" (pid {report.holder})" if report.holder else ""
        print(
            f"{address} : un autre envoi est en cours dans un autre processus{holder} ; les "
            "messages en attente partent avec lui ou au prochain envoi.",
            file=sys.stderr,
        )
    for item in report.sent:
        print(f"Envoyé : « {item.subject} » à {', '.join(item.recipients)}")
    for item in report.confirmed:
        print(f"Remis (vérifié) : « {item.subject} » (n° {item.id}) — {item.check_note}")
    for item in report.queued:
        print(
            f"En attente : « {item.subject} » — {item.last_error} Nouvel essai après "
            f"{item.next_attempt_at}."
        )
    for item in report.failed:
        print(f"Échec : « {item.subject} » — {item.last_error}", file=sys.stderr)
    for item in report.uncertain:
        checked = f" {item.check_note}" if item.check_note else ""
        print(
            f"Incertain : « {item.subject} » (n° {item.id}) — {item.last_error}{checked} Il "
            f"ne sera pas renvoyé sans votre décision : « caducee outbox --retry {item.id} ».",
            file=sys.stderr,
        )
    for warning in report.warnings:
        print(f"Attention : {warning}", file=sys.stderr)


def deliver_now(store: Store, session: AccountSession, address: str) -> DeliveryReport | None:
    """The outbox delivered now for ``send`` and ``send-document``; None (said in French)
    when the connection failed: the message stays queued for the next delivery."""
    try:
        return deliver(store, session, wait=LOCK_WAIT_SECONDS, waiting=_waiting(address))
    except CaduceeError as error:
        print(
            f"Erreur : {error.user_message}\nLe message reste dans la boîte d'envoi ; il "
            "partira au prochain envoi.",
            file=sys.stderr,
        )
        return None


def _waiting(address: str) -> Callable[[int | None], None]:
    def say(pid: int | None) -> None:
        holder = f" (pid {pid})" if pid is not None else ""
        print(
            f"{address} : un autre processus{holder} envoie déjà les messages de ce compte ; "
            f"attente de sa fin (au plus {LOCK_WAIT_SECONDS} s)…",
            file=sys.stderr,
            flush=True,
        )

    return say


def _patients(
    args: argparse.Namespace, profile: Profile
) -> tuple[FilingDb | None, Registry | None]:
    """The registry patient recipients are checked against: ``--patients-dir`` or the
    setting; none configured is no registry (only then), a root that moved is an error."""
    root = args.patients_dir or Settings.load(profile.config_file).patients_dir
    if root is None:
        if args.to_patient:
            raise FilingError(
                "no patients root",
                user_message="Indiquez le dossier des patients (--patients-dir) ou réglez "
                "[classement] dossier_patients dans config.toml.",
            )
        return None, None
    profile.ensure()
    db = open_root_db(root, profile.data_dir)
    try:
        return db, Registry(db, root)
    except BaseException:
        db.close()
        raise


def run_send(args: argparse.Namespace, profile: Profile) -> int:
    if not args.to and not args.to_patient:
        print("caducee send : erreur : indiquez --to ou --to-patient.", file=sys.stderr)
        return 2
    try:
        filing_db, registry = _patients(args, profile)
    except CaduceeError as error:
        print(f"Erreur : {error.user_message}", file=sys.stderr)
        return 1
    try:
        return _send(args, profile, registry)
    finally:
        if filing_db is not None:
            filing_db.close()


def _send(args: argparse.Namespace, profile: Profile, registry: Registry | None) -> int:
    to, cc = _addresses(args.to), _addresses(args.cc)
    if args.to_patient and registry is not None:
        try:
            patient = registry.get(args.to_patient)
            to.insert(0, address_of(patient))
        except CaduceeError as error:
            print(f"Erreur : {error.user_message} Rien n'est envoyé.", file=sys.stderr)
            return 1
        print(f"À : {patient.display} — Mon espace santé <{to[0]}>", file=sys.stderr)
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
        try:
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
                    end_conversation=args.no_reply,
                ),
                patients=registry.by_matricule if registry is not None else None,
            )
        except PatientMailError as error:
            print(f"Erreur : {error.user_message} Rien n'est envoyé.", file=sys.stderr)
            return 1
        session = session_for(account, profile, psc_sign_in=psc.sign_in_with(args.psc, profile))
        try:
            report = deliver_now(store, session, account.address)
        finally:
            session.close()
        if report is None:
            return 1
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
        _print_report(report, account.address)
    return 0 if final is not None and final.state in ("sent", "queued") else 1


def _confirmed_resend(item: OutboxItem, args: argparse.Namespace) -> bool | None:
    """Her answer about sending an uncertain message again: True, False, or None when she
    cannot be asked (no terminal, no --confirm-resend)."""
    print("Ce message a peut-être déjà été remis :", file=sys.stderr)
    for fact in uncertain_facts(item):
        print(f"  {fact}", file=sys.stderr)
    if args.confirm_resend:
        return True
    if sys.stdin is None or not sys.stdin.isatty():
        return None
    try:
        answer = input("Le renvoyer quand même (il pourrait arriver en double) ? [o/N] ")
    except (EOFError, KeyboardInterrupt):
        return False
    return answer.strip().lower() in ("o", "oui", "y", "yes")


class _Sessions:
    """One session per account for the whole command: a PIN or passphrase asked once."""

    def __init__(self, profile: Profile, timeout: float, psc_method: SignInMethod) -> None:
        self.profile = profile
        self.timeout = timeout
        self.opened: dict[str, AccountSession] = {}
        self.sign_in = psc.sign_in_with(psc_method, profile)

    def get(self, account: Account) -> AccountSession:
        if account.address not in self.opened:
            self.opened[account.address] = session_for(
                account, self.profile, timeout=self.timeout, psc_sign_in=self.sign_in
            )
        return self.opened[account.address]

    def close(self) -> None:
        for session in self.opened.values():
            session.close()


def _retry(store: Store, args: argparse.Namespace, sessions: _Sessions) -> int | None:
    """``--retry ID``: None when the message is back in the queue (the flush sends it), else
    the exit status."""
    item = OutboxStore(store).get(args.retry)
    if item is None or item.state in ("sent", "sending"):
        reason = {
            "sent": "il a déjà été envoyé",
            "sending": "il est en cours d'envoi",
        }.get(item.state if item else "", "il n'existe pas")
        print(f"Erreur : le message n° {args.retry} ne peut pas être renvoyé : {reason}.",
              file=sys.stderr)  # fmt: skip
        return 1
    if item.state != "uncertain":
        if retry(store, item.id) is None:
            print(f"Erreur : aucun message n° {args.retry} à renvoyer.", file=sys.stderr)
            return 1
        return None
    account = store.account(item.account)
    if account is not None:  # first what can be checked: perhaps it did arrive
        try:
            item = check_uncertain(store, sessions.get(account), item.id) or item
        except CaduceeError as error:
            print(f"Vérification sur le serveur impossible : {error.user_message}", file=sys.stderr)
    if item.state == "sent":
        print(f"Déjà remis : « {item.subject} » — {item.check_note} Il n'est pas renvoyé.")
        return 0
    decision = _confirmed_resend(item, args)
    if decision is None:
        print(
            "Erreur : renvoi non confirmé. Ce message a peut-être déjà été reçu ; il n'est "
            "renvoyé qu'avec votre accord : relancez dans un terminal pour répondre à la "
            f"question, ou ajoutez --confirm-resend (caducee outbox --retry {item.id} "
            "--confirm-resend) après avoir vérifié qu'il n'est pas arrivé.",
            file=sys.stderr,
        )
        return 1
    if not decision:
        print("Message non renvoyé.")
        return 0
    if retry(store, item.id, resend_uncertain=True) is None:
        print(f"Erreur : le message n° {item.id} ne peut plus être renvoyé.", file=sys.stderr)
        return 1
    return None


def run_outbox(args: argparse.Namespace, profile: Profile) -> int:
    if args.timeout <= 0:
        print("caducee : erreur : --timeout attend un nombre positif.", file=sys.stderr)
        return 2
    store = open_store(profile)
    sessions = _Sessions(profile, args.timeout, args.psc)
    status = 0
    try:
        if args.delete is not None:
            removed = outbox_actions.delete(store, args.delete)
            if removed is None:
                print(
                    f"Erreur : le message n° {args.delete} n'est pas dans la boîte d'envoi, ou "
                    "il est en cours d'envoi.",
                    file=sys.stderr,
                )
                return 1
            print(f"Retiré de la boîte d'envoi : « {removed.subject} » (n° {removed.id}).")
        if args.retry is not None:
            done = _retry(store, args, sessions)
            if done is not None:
                return done
        recover(store)
        if args.flush or args.retry is not None:
            for account in store.accounts():
                try:
                    report = deliver(
                        store,
                        sessions.get(account),
                        force=True,
                        wait=LOCK_WAIT_SECONDS,
                        waiting=_waiting(account.address),
                    )
                except CaduceeError as error:
                    print(f"{account.address} : ÉCHEC — {error.user_message}", file=sys.stderr)
                    status = 1
                    continue
                if not args.json:
                    _print_report(report, account.address)
                status |= int(bool(report.failed or report.busy))
        items = OutboxStore(store).items()
    finally:
        sessions.close()
        store.close()
    if args.json:
        rows = [
            {**i.to_json(), "explanation": outbox_actions.explain(i.last_error)}
            if i.state == "failed"
            else i.to_json()
            for i in items
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return status
    if not items:
        print("La boîte d'envoi est vide.")
    for item in items:
        problem = f" — {item.last_error}" if item.last_error and item.state != "sent" else ""
        meaning = outbox_actions.explain(item.last_error) if item.state == "failed" else None
        problem += f" — {meaning}" if meaning else ""
        checked = f" {item.check_note}" if item.check_note and item.state == "uncertain" else ""
        print(
            f"{item.id:>4}  {STATES_FR[item.state]:<30} {item.created_at}  "
            f"« {item.subject} » → {', '.join(item.recipients)}{problem}{checked}"
        )
    return status

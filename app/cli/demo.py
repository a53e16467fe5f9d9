"""``caducee demo``: the real client against an embedded sandbox operator on loopback.

The demo has its own profile (``--profile-dir``, else ``<user data dir>/demo``), never the
real one: its one account is the demo mailbox, signed in with the demo card, or with the
operator's Pro Santé Connect with ``--psc`` (same mailbox, same local copy: only the way in
changes, and ``caducee demo`` without ``--psc`` goes back to the card); its operator
(``app.sandbox.operator``) runs in this process while the window is open, and the OS keyring
is left alone. Qt is imported only when the window opens.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core import logs
from app.core.keychain import use_no_keyring
from app.core.paths import Profile
from app.core.profile_key import use_demo_key
from app.sandbox.colleagues import DEMO_COLLEAGUES, colleague, received, set_up_directory
from app.store.db import Store

if TYPE_CHECKING:
    from app.sandbox.operator import OperatorEndpoints, SandboxOperator

DEMO_SOURCE = "démo"


def register(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="essayer Caducée avec un opérateur MSSanté de démonstration (local)",
        description="Ouvre Caducée sur un opérateur MSSanté de démonstration qui tourne sur "
        "cet ordinateur seulement (IMAP et SMTP sécurisés par certificat client), avec une "
        "carte de démonstration et des messages d'exemple : résultats de laboratoire, lettre "
        "de liaison, compte rendu d'imagerie, message de patient. Les messages envoyés dans "
        "la démonstration y sont distribués ; ses confrères (annuaire de la démonstration) "
        "lisent ce qu'on leur envoie et répondent de temps en temps. Rien n'est écrit hors "
        "du profil de démonstration (par défaut : le dossier « demo » des données de "
        "Caducée).",
    )
    demo.add_argument(
        "--screenshot",
        metavar="FICHIER",
        type=Path,
        help="enregistrer une image PNG de la fenêtre après la première relève, puis quitter",
    )
    demo.add_argument(
        "--serve",
        action="store_true",
        help="démarrer seulement l'opérateur de démonstration, sans fenêtre, jusqu'à Ctrl-C "
        "(pour essayer les commandes de caducee sur le profil de démonstration)",
    )
    demo.add_argument(
        "--colleague",
        metavar="ADRESSE",
        help="montrer ce qu'un confrère de la démonstration a reçu (sa boîte sur l'opérateur "
        "de démonstration) et ce que Caducée en lit : documents, patient, type ; sans démarrer "
        "l'opérateur. Confrères : " + ", ".join(c.address for c in DEMO_COLLEAGUES),
    )
    demo.add_argument(
        "--psc",
        action="store_true",
        help="se connecter à la boîte de démonstration avec Pro Santé Connect (code QR à "
        "valider sur la page « e-CPS de démonstration », navigateur ou CIBA) au lieu de la "
        "carte de démonstration ; la même boîte, les mêmes messages",
    )
    demo.add_argument(
        "--reply-after",
        metavar="SECONDES",
        type=_seconds,
        help="délai avant qu'un confrère de la démonstration réponde à un message qu'on lui "
        "envoie (par défaut : 20 à 60 secondes ; il lit toujours un premier message, et "
        "répond une fois sur trois ensuite)",
    )
    demo.add_argument("--json", action="store_true", help="avec --colleague : sortie JSON")
    demo.set_defaults(run=run)


def _seconds(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} : un nombre de secondes de 0 à 3600")
    return value


def demo_profile(profile: Profile) -> Profile:
    """The profile the demo uses: the one given, else a ``demo`` folder of the data dir."""
    return profile if profile.explicit else Profile.from_dir(profile.data_dir / "demo")


def run(args: argparse.Namespace, profile: Profile) -> int:
    from app.sandbox.operator import DEMO_ADDRESS, SandboxOperator  # pymap only when used

    started = time.monotonic()
    profile = demo_profile(profile)
    if args.colleague is not None:
        return show_colleague(profile, args.colleague, as_json=args.json)
    profile.ensure()
    logs.setup(profile.log_dir)  # main() pointed the log at the real profile's
    use_no_keyring()
    use_demo_key()  # fictitious patients: the demo's key stays in its profile
    if not _only_demo_accounts(profile):
        print(
            f"Erreur : le profil {profile.data_dir} contient d'autres comptes que celui de la "
            "démonstration. Choisissez un autre dossier avec --profile-dir.",
            file=sys.stderr,
        )
        return 1
    if not args.serve:  # no window possible: say so before starting the operator
        from app.ui.display import require_display  # Qt only from here

        require_display()
    operator = SandboxOperator(
        profile.data_dir / "demo", DEMO_ADDRESS, reply_after=args.reply_after
    )
    try:
        endpoints = operator.start()
        set_up_account(profile, operator, endpoints, psc=args.psc)
        from app.sandbox.patients import set_up_patients

        set_up_patients(profile, operator.address)
        set_up_directory(profile, operator.address)
        seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
        print(
            f"Démonstration : opérateur local prêt en {seconds} s "
            f"(IMAP {endpoints.psc_imap_url if args.psc else endpoints.imap_url}, "
            f"SMTP {endpoints.psc_smtp_url if args.psc else endpoints.smtp_url}), "
            f"compte {operator.address}"
            + (" (connexion Pro Santé Connect)" if args.psc else " (carte de démonstration)")
            + f", profil {profile.data_dir}",
            flush=True,
        )
        _print_psc(operator, endpoints)
        if args.serve:
            return _serve(profile, operator, psc=args.psc)
        return _window(args, profile)
    finally:
        operator.stop()


def _print_psc(operator: SandboxOperator, endpoints: OperatorEndpoints) -> None:
    """The API LPS side of the demo operator: what a Pro Santé Connect account needs."""
    print(
        "Pro Santé Connect de démonstration : émetteur "
        f"{endpoints.psc_issuer}, identifiant client {endpoints.psc_client_id} "
        f"(IMAP {endpoints.psc_imap_url}, SMTP {endpoints.psc_smtp_url}) ; "
        f"e-CPS de démonstration : {endpoints.psc_issuer}/device ; "
        f"identifiant national {operator.holder.id_nat} ; "
        f"réglages : {operator.files.psc}",
        flush=True,
    )


def _only_demo_accounts(profile: Profile) -> bool:
    from app.sandbox.operator import DEMO_ADDRESS

    store = Store.open(profile.data_dir)
    try:
        return all(a.address.lower() == DEMO_ADDRESS for a in store.accounts())
    finally:
        store.close()


def set_up_account(
    profile: Profile, operator: SandboxOperator, endpoints: OperatorEndpoints, *, psc: bool = False
) -> None:
    """The demo account on first run; later, pointed at this run's ports and files, signed in
    with the demo card, or with the operator's Pro Santé Connect (``psc``: its API LPS
    servers, which serve the same mailbox)."""
    files = operator.files
    if psc:
        sign_in: dict[str, Any] = {
            "auth": "psc",
            "imap_url": endpoints.psc_imap_url,
            "smtp_url": endpoints.psc_smtp_url,
            "trust": str(files.trust),
            "psc_issuer": endpoints.psc_issuer,
            "psc_client_id": endpoints.psc_client_id,
        }
    else:
        sign_in = {
            "auth": "pkcs12",
            "imap_url": endpoints.imap_url,
            "smtp_url": endpoints.smtp_url,
            "pkcs12": str(files.pkcs12),
            "trust": str(files.trust),
        }
    store = Store.open(profile.data_dir)
    try:
        account = store.account(operator.address)
        if account is None:
            store.add_account(operator.address, source=DEMO_SOURCE, **sign_in)
        else:  # the sandbox listens on new ports, with a new PKI, at every start
            store.change_sign_in(account, **sign_in)
    finally:
        store.close()


def _serve(profile: Profile, operator: SandboxOperator, *, psc: bool = False) -> int:
    from app.sandbox.operator import DEMO_PASSPHRASE

    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    print(
        "L'opérateur de démonstration reste démarré (Ctrl-C pour l'arrêter). Dans un autre "
        "terminal, par exemple :\n"
        f"  export CADUCEE_PROFILE_DIR={profile.data_dir} "
        f"CADUCEE_PKCS12_PASSPHRASE={DEMO_PASSPHRASE}\n"
        "  caducee sync\n"
        f"  caducee send --from {operator.address} --to {operator.address} "
        '--subject "Essai" --body "Bonjour"'
        + (
            "\n(connexion Pro Santé Connect dans le navigateur, ou avec --psc qr:FICHIER.png "
            "puis la page e-CPS de démonstration, qui s'ouvre sur cet ordinateur seulement)"
            if psc
            else ""
        ),
        flush=True,
    )
    try:
        while not stop.wait(0.5):  # a timed wait: Ctrl-C is seen at once on every platform
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("Opérateur de démonstration arrêté.", file=sys.stderr)
    return 0


def _window(args: argparse.Namespace, profile: Profile) -> int:
    from app.sandbox.operator import DEMO_LABEL, DEMO_PASSPHRASE, DEMO_PSC_LABEL
    from app.ui.application import run as run_gui  # Qt only from here

    def answer(_question: object) -> str:
        return DEMO_PASSPHRASE  # the only question the demo account asks: its passphrase

    return run_gui(
        profile,
        args.screenshot,
        label=f"DÉMO — {DEMO_PSC_LABEL if args.psc else DEMO_LABEL}",
        answerer=answer,
        screenshot_after_sync=True,
    )


def _received_json(raw: bytes) -> dict[str, Any]:
    """One message a colleague received: its headers and what Caducée reads from it."""
    from email import policy
    from email.parser import BytesHeaderParser

    from app.mssante.documents import read_message

    # the default policy decodes RFC 2047 words and unfolds: shown as a person reads them
    headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    docs = read_message(raw)
    documents = []
    for document in docs.documents:
        identity = document.identity
        documents.append(
            {
                "title": document.title,
                "type_code": document.type_code,
                "author": document.author,
                "file": document.readable.name if document.readable else None,
                "patient": None
                if identity is None
                else {
                    "birth_name": identity.birth_name,
                    "first_names": list(identity.first_names),
                    "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
                    "ins": identity.ins.matricule if identity.ins else None,
                },
            }
        )
    return {
        "date": str(headers["Date"] or ""),
        "from": str(headers["From"] or ""),
        "to": str(headers["To"] or ""),
        "subject": str(headers["Subject"] or ""),
        "message_id": str(headers["Message-ID"] or ""),
        "mss_headers": {k: str(v) for k, v in headers.items() if k.upper().startswith("X-MSS-")},
        "documents": documents,
        "refused": [{"name": r.name, "reason": r.reason} for r in docs.refused],
    }


def show_colleague(profile: Profile, address: str, *, as_json: bool) -> int:
    """``--colleague``: what a demo colleague received, read from the sandbox's files."""
    import json

    found = colleague(address)
    if found is None:
        print(
            f"Erreur : {address} n'est pas un confrère de la démonstration ("
            + ", ".join(c.address for c in DEMO_COLLEAGUES)
            + ").",
            file=sys.stderr,
        )
        return 1
    messages = [
        _received_json(raw) for raw in received(profile.data_dir / "demo" / "boites", found.address)
    ]
    if as_json:
        print(json.dumps(messages, ensure_ascii=False, indent=2))
        return 0
    if not messages:
        print(f"{found.display} <{found.address}> n'a rien reçu dans la démonstration.")
        return 0
    print(f"Reçu par {found.display} <{found.address}> ({len(messages)} message(s)) :")
    for message in messages:
        print(f"\n  {message['date']}  de {message['from']}\n  Objet : {message['subject']}")
        for name, value in message["mss_headers"].items():
            print(f"  {name}: {value}")
        for document in message["documents"]:
            patient = document["patient"] or {}
            who = " ".join([patient.get("birth_name") or "", *(patient.get("first_names") or [])])
            ins = f", INS {patient['ins']}" if patient.get("ins") else ""
            print(
                f"  Document : {document['title'] or document['file'] or 'sans titre'}"
                f" (type {document['type_code'] or '?'}) — patient : {who.strip() or '?'}{ins}"
            )
        for refused in message["refused"]:
            print(f"  Pièce refusée : {refused['name']} — {refused['reason']}")
    return 0

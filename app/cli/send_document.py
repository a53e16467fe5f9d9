"""``caducee send-document``: a registry patient's documents to a colleague, the MSSanté way
(IHE_XDM.ZIP with CDA R2 level 1 documents, the same documents as PDF/A, the XDM subject and
the X-MSS headers), through the outbox like ``caducee send``. The steps and their checks are
``app.ops.send_documents``'s; nothing is queued when one refuses."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from app.cli import psc
from app.cli.filing import root_of
from app.cli.send import _addresses, _print_report, deliver_now
from app.cli.sessions import open_store, session_for
from app.core.paths import Profile
from app.filing.errors import PatientsRootError
from app.filing.patients import open_root_db
from app.mssante.outgoing import DEFAULT_TYPE, DOCUMENT_TYPES, document_type
from app.ops import send_documents as ops
from app.store.outbox import OutboxStore

TYPES_HELP = ", ".join(f"{t.code} {t.short}" for t in DOCUMENT_TYPES)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("date attendue au format AAAA-MM-JJ") from None


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "send-document",
        help="adresser des documents d'un patient à un confrère (MSSanté)",
        description="Envoie des documents d'un patient du registre à la manière MSSanté : "
        "archive IHE_XDM.ZIP (documents CDA avec l'INS du patient et votre identité), les "
        "mêmes documents en PDF/A, l'objet « XDM/1.0/DDM+… » et les en-têtes X-MSS. Le "
        "message passe par la boîte d'envoi, comme « caducee send ». Rien n'est envoyé si "
        "une vérification échoue (patient sans INS, fichier qui n'est pas un PDF, message "
        "trop gros, destinataire hors MSSanté…).",
    )
    parser.add_argument("--from", dest="sender", required=True, metavar="ADRESSE")
    parser.add_argument("--to", action="append", required=True, metavar="X")
    parser.add_argument("--cc", action="append", metavar="Y")
    parser.add_argument("--patients-dir", metavar="DIR", type=Path, help="dossier des patients")
    parser.add_argument("--patient", required=True, metavar="ID", help="patient du registre")
    parser.add_argument(
        "--document",
        action="append",
        type=Path,
        default=[],
        metavar="FICHIER.pdf",
        help="document PDF à envoyer (option répétable) ; converti en PDF/A",
    )
    parser.add_argument(
        "--letter", metavar="TEXTE", help="un court courrier tapé, envoyé comme document PDF/A"
    )
    parser.add_argument(
        "--type", default=DEFAULT_TYPE, metavar="CODE_LOINC", help=f"type : {TYPES_HELP}"
    )
    parser.add_argument("--title", metavar="TEXTE", help="titre (par défaut : le type)")
    parser.add_argument(
        "--date", type=_iso_date, metavar="AAAA-MM-JJ", help="date de l'acte (aujourd'hui)"
    )
    parser.add_argument("--body", metavar="TEXTE", help="texte du message")
    parser.add_argument("--dsn", action="store_true", help="demander un accusé de remise")
    parser.add_argument("--mdn", action="store_true", help="demander un accusé de lecture")
    parser.add_argument(
        "--without-ins",
        action="store_true",
        help="confirmer l'envoi pour un patient sans INS (sans identifiant national, X-MSS-INS: N)",
    )
    parser.add_argument(
        "--test-ins",
        action="store_true",
        help="accepter un INS de test ou de démonstration (démo et essais uniquement)",
    )
    parser.add_argument(
        "--outside-mssante",
        action="store_true",
        help="confirmer l'envoi à un destinataire hors de l'espace de confiance MSSanté",
    )
    parser.add_argument(
        "--author-name",
        metavar="« Prénom NOM »",
        help="auteur, pour un compte sans carte ni certificat",
    )
    parser.add_argument("--author-id", metavar="ID", help="identifiant national de l'auteur")
    parser.add_argument(
        "--max-size",
        type=int,
        metavar="OCTETS",
        help="taille maximale du message (par défaut : celle que le serveur annonce)",
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    psc.add_option(parser)
    parser.set_defaults(run=run_send_document)


def _choices(args: argparse.Namespace) -> list[ops.DocumentChoice]:
    kind = document_type(args.type)
    if kind is None:
        raise ops.SendRefused(
            "unknown type", user_message=f"Type de document inconnu : {args.type} ({TYPES_HELP})."
        )
    act = args.date or date.today()
    title = (args.title or kind.short).strip()
    choices = [ops.DocumentChoice(kind, title, act, path=p) for p in args.document]
    if args.letter is not None:
        choices.append(ops.DocumentChoice(kind, title, act, letter=args.letter))
    if not choices:
        raise ops.SendRefused(
            "no document",
            user_message="Indiquez un document (--document) ou un courrier (--letter).",
        )
    return choices


def run_send_document(args: argparse.Namespace, profile: Profile) -> int:
    to, cc = _addresses(args.to), _addresses(args.cc)
    choices = _choices(args)
    root = root_of(args, profile)
    profile.ensure()
    try:
        db = open_root_db(root, profile.data_dir)
    except PatientsRootError as error:
        raise ops.SendRefused("patients root", user_message=error.user_message) from error
    try:
        _registry, patient = ops.open_patient(db, root, args.patient)
    finally:
        db.close()
    request = ops.SendRequest(
        to=to,
        cc=cc,
        patient=patient,
        choices=choices,
        body=args.body or "",
        mdn=args.mdn,
        without_ins=args.without_ins,
        test_ins=args.test_ins,
        outside_mssante=args.outside_mssante,
        author_name=args.author_name,
        author_id=args.author_id,
        max_size=args.max_size,
    )
    store = open_store(profile)
    try:
        account = store.account(args.sender)
        if account is None:
            print(f"Erreur : aucun compte {args.sender} (caducee account add).", file=sys.stderr)
            return 1
        session = session_for(account, profile, psc_sign_in=psc.sign_in_with(args.psc, profile))
        try:
            prepared = ops.prepare(request, session, profile.cache_dir)
            item = ops.queue(store, account, prepared.message, dsn=args.dsn)
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
                {
                    "message": final.to_json() if final else None,
                    "documents": len(prepared.shipment.documents),
                    "x_mss_ins": "O" if prepared.shipment.qualified_ins else "N",
                    "size": prepared.size,
                    "warnings": report.warnings,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        _print_report(report, account.address)
    return 0 if final is not None and final.state in ("sent", "queued") else 1

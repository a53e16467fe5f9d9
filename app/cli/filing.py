"""``caducee patients …``, ``caducee file …`` and ``caducee journal``: filing documents.

The patients root is ``--patients-dir`` or else the setting ``[classement]
dossier_patients``. See docs/filing.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from app.cli.parser import CaduceeParser
from app.cli.sessions import open_store
from app.core.errors import LocalChangeError
from app.core.paths import Profile
from app.core.settings import Settings
from app.filing.db import FilingDb
from app.filing.errors import FilingError
from app.filing.identity import identity_line
from app.filing.patients import ImportReport, Patient, Registry, open_root_db
from app.filing.patients_refresh import is_due, refresh
from app.filing.practice_import import FORMATS, destination_for, registry_root
from app.filing.service import (
    FILED,
    QUEUED,
    TEST_INS,
    Filing,
    FilingResult,
)
from app.mssante.model import InsKind
from app.ops.filing_receipt import NOT_ASKED, receipt_offer, send_receipt
from app.store.db import MessageSummary, Store

ROOT_HELP = "dossier des patients (par défaut : [classement] dossier_patients de config.toml)"


def register(commands: Any) -> None:
    patients = commands.add_parser(
        "patients",
        help="le registre des patients (dossiers de classement)",
        description="Les patients d'un dossier des patients : un sous-dossier chacun.",
    )
    actions = patients.add_subparsers(
        dest="patients_command",
        metavar="ACTION",
        title="actions",
        parser_class=CaduceeParser,
        required=True,
    )
    add = actions.add_parser(
        "add", help="ajouter un patient", description="Ajoute un patient et crée son dossier."
    )
    add.add_argument("--patients-dir", metavar="DIR", type=Path, help=ROOT_HELP)
    add.add_argument("--birth-name", required=True, metavar="N", help="nom de naissance")
    add.add_argument("--used-name", metavar="N", help="nom utilisé, s'il diffère")
    add.add_argument("--first-names", required=True, metavar="F", help="prénoms, dans l'ordre")
    add.add_argument("--birth-date", required=True, metavar="AAAA-MM-JJ", type=_iso_date)
    add.add_argument("--sex", required=True, choices=("F", "M", "U"), help="F, M (U : inconnu)")
    add.add_argument("--ins", metavar="MATRICULE", help="matricule INS (15 caractères)")
    add.add_argument(
        "--ins-oid",
        metavar="OID",
        help=f"OID de l'INS (par défaut {InsKind.NIR.value}, NIR ; {InsKind.NIA.value} NIA)",
    )
    add.add_argument(
        "--qualified",
        action="store_true",
        help="identité qualifiée (INS vérifié par le téléservice INSi et une pièce "
        "d'identité) : permet d'écrire au patient sur Mon espace santé",
    )
    add.add_argument("--json", action="store_true", help="sortie JSON")
    add.set_defaults(run=run_patients_add)

    qualify = actions.add_parser(
        "qualify",
        help="marquer l'identité d'un patient comme qualifiée (ou non)",
        description="Enregistre que vous avez qualifié l'identité du patient (INS vérifié "
        "par le téléservice INSi et une pièce d'identité) ; seule une identité qualifiée "
        "permet de lui écrire sur Mon espace santé (caducee send --to-patient).",
    )
    qualify.add_argument("--patients-dir", metavar="DIR", type=Path, help=ROOT_HELP)
    qualify.add_argument("--patient", required=True, metavar="ID", help="le patient")
    qualify.add_argument(
        "--undo", action="store_true", help="l'identité n'est plus considérée comme qualifiée"
    )
    qualify.add_argument("--json", action="store_true", help="sortie JSON")
    qualify.set_defaults(run=run_patients_qualify)

    listing = actions.add_parser("list", help="lister les patients")
    listing.add_argument("--patients-dir", metavar="DIR", type=Path, help=ROOT_HELP)
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    listing.set_defaults(run=run_patients_list)

    imports = actions.add_parser(
        "import",
        help="importer des patients (CSV du logiciel métier, dossiers existants)",
        description="Importe des patients depuis l'export CSV du logiciel métier (colonnes : "
        "nom_naissance;nom_utilise;prenoms;date_naissance;sexe;ins;ins_oid;statut_identite — voir "
        "docs/filing.md) ou depuis les sous-dossiers existants nommés « NOM Prénom "
        "(AAAA-MM-JJ) ».",
    )
    imports.add_argument("--patients-dir", metavar="DIR", type=Path, help=ROOT_HELP)
    source = imports.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", metavar="FICHIER", type=Path, help="export CSV")
    source.add_argument("--folders", action="store_true", help="adopter les dossiers existants")
    source.add_argument(
        "--export",
        action="store_true",
        help="l'export du logiciel métier réglé dans [classement] export_patients (relu "
        "seulement s'il a changé)",
    )
    imports.add_argument(
        "--if-due",
        action="store_true",
        help="avec --export : seulement si le rafraîchissement est dû ([classement] "
        "rafraichir : au_demarrage ou quotidien)",
    )
    imports.add_argument("--json", action="store_true", help="sortie JSON")
    imports.set_defaults(run=run_patients_import)

    file = commands.add_parser(
        "file",
        help="classer les documents d'un message dans le dossier du patient",
        description="Classe les documents reçus (PDF, CDA, IHE_XDM) dans le dossier du "
        "patient. --auto ne classe que si le patient est certain (même INS qualifié, traits "
        "concordants) ; sinon le message va dans « À classer » et la raison est indiquée "
        "(code de sortie 0).",
    )
    file.add_argument("--patients-dir", metavar="DIR", type=Path, help=ROOT_HELP)
    file.add_argument("--message-id", metavar="MSGID", help="Message-ID ou identifiant local")
    file.add_argument(
        "--import-dir",
        metavar="DIR",
        type=Path,
        help="déposer dans le dossier d'import du logiciel métier plutôt que dans le dossier "
        "du patient (par défaut : [classement] destination et dossier_import)",
    )
    file.add_argument(
        "--import-format",
        choices=FORMATS,
        help="hprim : le PDF et un fichier HPRIM Santé nommant le patient ; xdm : "
        "l'IHE_XDM.ZIP reçu tel quel (par défaut : [classement] format)",
    )
    mode = file.add_mutually_exclusive_group(required=True)
    mode.add_argument("--auto", action="store_true", help="classer seulement si certain")
    mode.add_argument("--patient", metavar="ID", help="classer chez ce patient (choix du médecin)")
    mode.add_argument(
        "--reject", action="store_true", help="renoncer à classer (identité non résolue)"
    )
    mode.add_argument("--queue", action="store_true", help="lister les messages « À classer »")
    mode.add_argument("--undo", metavar="ENTREE", type=int, help="annuler un classement")
    file.add_argument(
        "--receipt",
        action="store_true",
        help="envoyer l'accusé de traitement demandé par l'expéditeur (ou l'accusé d'erreur "
        "902-906 avec --reject ou un refus)",
    )
    file.add_argument("--json", action="store_true", help="sortie JSON")
    file.set_defaults(run=run_file)

    journal = commands.add_parser(
        "journal", help="le journal des classements", description="Qui a classé quoi, où."
    )
    journal.add_argument("--patients-dir", metavar="DIR", type=Path, help=ROOT_HELP)
    journal.add_argument("--limit", type=int, default=100, metavar="N")
    journal.add_argument("--json", action="store_true", help="sortie JSON")
    journal.set_defaults(run=run_journal)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("date attendue au format AAAA-MM-JJ") from None


def root_of(args: argparse.Namespace, profile: Profile) -> Path:
    root: Path | None = args.patients_dir or registry_root(
        Settings.load(profile.config_file), profile.data_dir
    )
    if root is None:
        raise FilingError(
            "no patients root",
            user_message="Indiquez le dossier des patients (--patients-dir) ou réglez "
            "[classement] dossier_patients dans config.toml.",
        )
    return root


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# -- patients ---------------------------------------------------------------------------------


def _registry(args: argparse.Namespace, profile: Profile) -> tuple[FilingDb, Registry]:
    root = root_of(args, profile)
    profile.ensure()
    db = open_root_db(root, profile.data_dir)
    try:
        return db, Registry(db, root)
    except BaseException:
        db.close()
        raise


def run_patients_add(args: argparse.Namespace, profile: Profile) -> int:
    db, registry = _registry(args, profile)
    try:
        patient = registry.add(
            birth_name=args.birth_name,
            used_name=args.used_name,
            first_names=args.first_names,
            birth_date=args.birth_date,
            sex=args.sex,
            ins=args.ins,
            ins_oid=args.ins_oid,
            identity_qualified=args.qualified,
        )
    finally:
        db.close()
    if args.json:
        _print_json(patient.to_json())
    else:
        print(patient.id)
        print(
            f"Patient ajouté : {patient.display} — dossier « {patient.folder} ».", file=sys.stderr
        )
    return 0


def run_patients_qualify(args: argparse.Namespace, profile: Profile) -> int:
    db, registry = _registry(args, profile)
    try:
        patient = registry.set_identity_qualified(args.patient, not args.undo)
    finally:
        db.close()
    if args.json:
        _print_json(patient.to_json())
    else:
        state = "qualifiée" if patient.identity_qualified else "non qualifiée"
        print(f"{patient.display} : identité {state}.")
    return 0


def _patient_line(patient: Patient) -> str:
    ins = f" INS {patient.ins}" if patient.ins else ""
    if patient.ins_oid in (InsKind.TEST.value, InsKind.DEMO.value):
        ins += " (test)"
    if patient.identity_qualified:
        ins += " (identité qualifiée)"
    return f"{patient.id}  {patient.display}{ins} — « {patient.folder} »"


def run_patients_list(args: argparse.Namespace, profile: Profile) -> int:
    db, registry = _registry(args, profile)
    try:
        patients = registry.patients()
    finally:
        db.close()
    if args.json:
        _print_json([p.to_json() for p in patients])
    elif not patients:
        print("Aucun patient enregistré dans ce dossier.")
    else:
        for patient in patients:
            print(_patient_line(patient))
    return 0


def run_patients_import(args: argparse.Namespace, profile: Profile) -> int:
    if args.export:
        return _import_export(args, profile)
    db, registry = _registry(args, profile)
    try:
        if args.csv is not None:
            try:
                data = args.csv.read_bytes()
            except OSError as error:
                raise FilingError(
                    "cannot read CSV",
                    user_message=f"Impossible de lire {args.csv} ({error.strerror}).",
                ) from error
            report = registry.import_csv(data)
        else:
            report = registry.import_folders()
    finally:
        db.close()
    _print_import(report, as_json=args.json)
    return 0


def _import_export(args: argparse.Namespace, profile: Profile) -> int:
    """``patients import --export [--if-due]``: the scheduled refresh, run by hand."""
    settings = Settings.load(profile.config_file)
    export = settings.patients_export
    if export is None:
        raise FilingError(
            "no patients export",
            user_message="Aucun export des patients réglé : [classement] export_patients "
            "(ou Classement > Destination…).",
        )
    if args.if_due and not is_due(settings, profile.data_dir, datetime.now(UTC)):
        message = "Rafraîchissement pas encore dû (quotidien)."
        print(json.dumps({"ran": False, "message": message}) if args.json else message)
        return 0
    db, registry = _registry(args, profile)
    try:
        outcome = refresh(registry, export, profile.data_dir)
    finally:
        db.close()
    if args.json:
        _print_json(outcome.to_json())
        return 0
    if outcome.report is not None:
        _print_import(outcome.report, as_json=False)
    print(outcome.message)
    return 0


def _print_import(report: ImportReport, *, as_json: bool) -> None:
    if as_json:
        _print_json(
            {
                "added": [p.to_json() for p in report.added],
                "skipped": [{"line": where, "reason": why} for where, why in report.skipped],
            }
        )
        return
    for patient in report.added:
        print(f"ajouté : {_patient_line(patient)}")
    for where, why in report.skipped:
        label = f"ligne {where}" if isinstance(where, int) else f"« {where} »"
        print(f"ignoré : {label} : {why}")
    print(f"{len(report.added)} patient(s) ajouté(s), {len(report.skipped)} ignoré(s).")


# -- filing -----------------------------------------------------------------------------------


def _message(store: Store, reference: str | None) -> MessageSummary:
    if not reference:
        raise LocalChangeError("message id missing", user_message="Indiquez --message-id.")
    message = store.find(reference)
    if message is None:
        raise LocalChangeError(
            "no such message",
            user_message=f"Aucun message « {reference} » dans la copie locale.",
        )
    return message


def run_file(args: argparse.Namespace, profile: Profile) -> int:
    root = root_of(args, profile)
    destination = destination_for(
        Settings.load(profile.config_file), args.import_dir, args.import_format
    )
    store = open_store(profile)
    try:
        filing = Filing.open(profile.data_dir, root, store, destination)
        try:
            return _file(args, store, filing)
        finally:
            filing.close()
    finally:
        store.close()


def _file(args: argparse.Namespace, store: Store, filing: Filing) -> int:
    if args.queue:
        items = filing.queue()
        if args.json:
            _print_json([i.to_json() for i in items])
        elif not items:
            print("Rien à classer.")
        for item in [] if args.json else items:
            proposal = f" — proposition : patient {item.proposal}" if item.proposal else ""
            print(
                f"{item.message_id} [document {item.document + 1}] {item.subject} : "
                f"{item.explanation}{proposal}"
            )
        return 0
    if args.undo is not None:
        entry = filing.undo(args.undo)
        if args.json:
            _print_json(entry.to_json())
        else:
            print(f"Classement {entry.id} annulé : {len(entry.files)} fichier(s) retiré(s).")
        return 0
    message = _message(store, args.message_id)
    docs = filing.documents(message)
    if args.reject:
        result = filing.reject(message, docs)
    else:
        result = filing.file_message(message, docs, patient_id=args.patient)
    receipt = _receipt(args, store, message, result)
    if args.json:
        _print_json({**result.to_json(), "receipt": receipt})
    else:
        _print_result(result, receipt)
    return 0


def _receipt(
    args: argparse.Namespace, store: Store, message: MessageSummary, result: FilingResult
) -> dict[str, Any]:
    """Offer (or with --receipt send) the MDN: processed, or the 90x error on a refusal."""
    offer = receipt_offer(store, message, result)
    if offer is None:
        return dict(NOT_ASKED)
    if args.receipt and offer.kind is not None:
        send_receipt(store, message, offer)
        return offer.to_json(sent=True)
    return offer.to_json()


def _print_result(result: FilingResult, receipt: dict[str, Any]) -> None:
    for outcome in result.outcomes:
        print(f"Document {outcome.index + 1} : {outcome.message}")
        print(f"  Patient lu : {identity_line(outcome.identity)}")
        best = outcome.match.best if outcome.match else None
        if outcome.match is not None and best is not None:
            print(f"  Identité {outcome.match.certainty} : {best.summary}")
        if outcome.entry_id is not None and outcome.status == FILED:
            print(f"  (annulable : caducee file --undo {outcome.entry_id})")
    for refused in result.refused:
        print(f"Pièce refusée : « {refused.name} » : {refused.reason}")
    if not result.outcomes:
        print(
            "Aucun document à classer dans ce message."
            if not result.refused
            else "Aucun document lisible : les pièces ont été refusées."
        )
    if result.keyword_added:
        print("Message marqué « classé » (reporté sur le serveur à la prochaine synchronisation).")
    if result.status in (QUEUED, TEST_INS):
        print("Le message attend dans « À classer » (caducee file --queue).")
    if receipt["sent"]:
        print(f"Accusé de traitement mis dans la boîte d'envoi pour {receipt['to']}.")
    elif receipt["kind"]:
        print(
            f"L'expéditeur demande un accusé ({receipt['to']}) : ajoutez --receipt pour l'envoyer."
        )
    elif receipt["requested"]:
        print(
            f"L'expéditeur demande un accusé ({receipt['to']}) : il sera proposé une fois "
            "le document classé ou refusé."
        )


def run_journal(args: argparse.Namespace, profile: Profile) -> int:
    root = root_of(args, profile)
    profile.ensure()
    filing = Filing.open(profile.data_dir, root)
    try:
        entries = filing.journal.entries(args.limit)
    finally:
        filing.close()
    if args.json:
        _print_json([e.to_json() for e in entries])
        return 0
    if not entries:
        print("Journal vide.")
    for entry in entries:
        patient = f" patient {entry.patient_id}" if entry.patient_id else ""
        replaced = f" (remplacé par {entry.replaced_by})" if entry.replaced_by else ""
        print(
            f"{entry.id}  {entry.at}  {entry.status}{replaced}{patient}  {entry.message_id} "
            f"[document {entry.document + 1}]  par {entry.who} sur {entry.host or '?'}"
        )
        for item in entry.files:
            print(f"      {item.path}")
    return 0

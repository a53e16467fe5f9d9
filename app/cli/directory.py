"""``caducee directory …``: the offline MSSanté directory, the Annuaire Santé FHIR API
(``--online``, key stored by ``api-key``) and the liste blanche."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from app.core.keychain import delete_secret, esante_api_key, set_secret
from app.core.paths import Profile
from app.directory import fhir, trusted
from app.directory.download import EXTRACTION_URL
from app.directory.index import DirectoryIndex, ImportReport, Mailbox, build_index
from app.directory.trusted import LISTE_BLANCHE_URL, MAX_BYTES
from app.directory.update import update_index
from app.transport.tls import TrustPolicy


def register(commands: Any) -> None:
    directory = commands.add_parser(
        "directory",
        help="annuaire MSSanté hors ligne et liste blanche",
        description="L'annuaire des adresses MSSanté (fichier d'extraction public de l'ANS), "
        "consultable hors ligne, et la liste blanche des domaines MSSanté.",
    )
    actions = directory.add_subparsers(dest="action", metavar="ACTION", required=True)

    importing = actions.add_parser(
        "import",
        help="importer un fichier d'extraction (zip ou txt)",
        description="Construit l'annuaire hors ligne à partir d'un fichier "
        "Extraction_Correspondance_MSSante (zip ou txt). L'annuaire actuel n'est remplacé "
        "qu'une fois le nouveau complet.",
    )
    importing.add_argument("file", metavar="FICHIER")
    importing.add_argument(
        "--force", action="store_true", help="importer même un fichier qui semble tronqué"
    )
    importing.add_argument("--json", action="store_true", help="sortie JSON")
    importing.set_defaults(run=run_import)

    search = actions.add_parser(
        "search",
        help="chercher dans l'annuaire",
        description="Cherche par nom, prénom, profession, spécialité, structure, ville, code "
        "postal, département ou adresse ; les mots, dans n'importe quel ordre, peuvent être "
        "des débuts de mots ; majuscules et accents indifférents.",
    )
    search.add_argument("query", metavar="RECHERCHE")
    search.add_argument("--profession", metavar="P", help="profession (libellé ou code)")
    search.add_argument("--department", metavar="D", help="département (ex. 75, 2A, 974)")
    search.add_argument(
        "--type",
        choices=["PER", "ORG", "APP", "CAB"],
        dest="bal_type",
        help="type de BAL (personnelle, organisationnelle, applicative, de cabinet)",
    )
    search.add_argument("--limit", type=int, default=20, metavar="N", help="au plus N (20)")
    search.add_argument("--json", action="store_true", help="sortie JSON")
    _online_arguments(search)
    search.set_defaults(run=run_search)

    update = actions.add_parser(
        "update",
        help="télécharger l'annuaire s'il a changé",
        description="Télécharge le fichier d'extraction de l'ANS (TLS IGC-Santé) s'il a "
        "changé depuis le dernier import, puis l'importe.",
    )
    update.add_argument("--url", metavar="URL", default=EXTRACTION_URL, help="autre adresse")
    update.add_argument(
        "--force",
        action="store_true",
        help="télécharger et importer même si inchangé ou suspect",
    )
    update.set_defaults(run=run_update)

    whoami = actions.add_parser(
        "whoami",
        help="les adresses MSSanté d'une personne",
        description="Les BAL MSSanté d'un professionnel, par son RPPS ou son identifiant "
        "national (annuaire hors ligne, ou l'API Annuaire Santé avec --online).",
    )
    whoami.add_argument("rpps_value", nargs="?", metavar="RPPS")
    whoami.add_argument("--rpps", metavar="RPPS", help="idem (ancienne forme)")
    whoami.add_argument("--json", action="store_true", help="sortie JSON")
    _online_arguments(whoami)
    whoami.set_defaults(run=run_whoami)

    key = actions.add_parser(
        "api-key",
        help="enregistrer la clé d'API Annuaire Santé",
        description="Enregistre dans le trousseau du système la clé de l'API Annuaire Santé "
        f"(portail portal.api.esante.gouv.fr), lue dans {fhir.API_KEY_ENV} ou demandée.",
    )
    key.add_argument("--remove", action="store_true", help="retirer la clé du trousseau")
    key.set_defaults(run=run_api_key)

    check = actions.add_parser(
        "trusted",
        help="l'adresse est-elle d'un domaine MSSanté ? (code 0 oui, 1 non)",
        description="Vérifie que le domaine de l'adresse figure dans la liste blanche "
        "MSSanté (copie locale ; voir trusted-update). Code de sortie 0 : domaine de "
        "confiance ; 1 : non (ou liste absente).",
    )
    check.add_argument("address", metavar="ADRESSE")
    check.set_defaults(run=run_trusted)

    refresh = actions.add_parser(
        "trusted-update",
        help="mettre à jour la liste blanche",
        description="Télécharge la liste blanche MSSanté (TLS IGC-Santé), ou la lit dans un "
        "fichier, et en garde une copie locale.",
    )
    source = refresh.add_mutually_exclusive_group()
    source.add_argument("--url", metavar="URL", default=LISTE_BLANCHE_URL, help="autre adresse")
    source.add_argument("--file", metavar="FICHIER", help="fichier XML local")
    refresh.set_defaults(run=run_trusted_update)


def _online_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--online", action="store_true", help="chercher dans l'API Annuaire Santé (en ligne)"
    )
    parser.add_argument("--api-url", metavar="URL", help=f"adresse de l'API ({fhir.DEFAULT_URL})")
    parser.add_argument(
        "--api-trust", metavar="PEM", help="autorités de confiance de l'API (sinon le système)"
    )


def _online(args: argparse.Namespace, profile: Profile) -> fhir.FhirDirectory:
    client = fhir.from_profile(
        profile,
        base_url=args.api_url,
        trust_file=Path(args.api_trust) if args.api_trust else None,
    )
    if client is None:
        raise fhir.FhirNoKeyError("no API key")
    return client


def _policy(profile: Profile) -> TrustPolicy:
    return TrustPolicy.for_mssante(profile.cache_dir / "crl")


def _print_report(report: ImportReport, as_json: bool = False) -> None:
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.french())


def run_import(args: argparse.Namespace, profile: Profile) -> int:
    profile.ensure()
    report = build_index(Path(args.file), profile.data_dir, force=args.force)
    _print_report(report, args.json)
    return 0


def run_update(args: argparse.Namespace, profile: Profile) -> int:
    profile.ensure()
    result = update_index(
        profile.data_dir, profile.tmp_dir, _policy(profile), url=args.url, force=args.force
    )
    if result.report is None:
        version = result.remote.filename or result.remote.last_modified or "version installée"
        print(f"L'annuaire est déjà à jour ({version}).")
    else:
        _print_report(result.report)
    return 0


def _print_mailboxes(found: list[Mailbox], as_json: bool) -> None:
    if as_json:
        print(json.dumps([m.to_json() for m in found], ensure_ascii=False, indent=2))
        return
    for m in found:
        what = ", ".join(p for p in (m.profession, m.specialty) if p) or m.service
        where = " ".join(p for p in (m.postcode, m.city) if p)
        print(f"{m.bal_type}  {m.display_name:<32}  {m.address}")
        details = " · ".join(p for p in (what, m.organisation, where) if p)
        if details:
            print(f"     {details}")
        phone = f"tél. {m.phone}" if m.phone else ""
        responsible = f"responsable : {m.responsible}" if m.responsible else ""
        about = " · ".join(p for p in (m.description, responsible, phone) if p)
        if about:
            print(f"     {about}")
    print(f"{len(found)} résultat(s)")


def run_search(args: argparse.Namespace, profile: Profile) -> int:
    if args.online:
        found = _online(args, profile).search(
            args.query,
            max(args.limit, 1),
            profession=args.profession,
            department=args.department,
            bal_type=args.bal_type,
        )
        _print_mailboxes(found, args.json)
        return 0
    with DirectoryIndex(profile.data_dir) as index:
        found = index.search(
            args.query,
            profession=args.profession,
            department=args.department,
            bal_type=args.bal_type,
            limit=max(args.limit, 1),
        )
    _print_mailboxes(found, args.json)
    return 0


def run_whoami(args: argparse.Namespace, profile: Profile) -> int:
    rpps = args.rpps or args.rpps_value
    if not rpps:
        print("Indiquez le RPPS : caducee directory whoami RPPS.", file=sys.stderr)
        return 2
    if args.online:
        found = _online(args, profile).whoami(rpps)
    else:
        with DirectoryIndex(profile.data_dir) as index:
            found = index.whoami(rpps)
    if not found and not args.json:
        where = "l'API Annuaire Santé" if args.online else "l'annuaire"
        print(f"Aucune adresse MSSanté pour l'identifiant {rpps} dans {where}.")
        return 1
    _print_mailboxes(found, args.json)
    return 0 if found else 1


def run_trusted(args: argparse.Namespace, profile: Profile) -> int:
    liste = trusted.load(profile.cache_dir)
    if liste is None:
        print(
            "Liste blanche absente : lancez « caducee directory trusted-update ».",
            file=sys.stderr,
        )
        return 1
    if liste.is_trusted(args.address):
        print(f"{args.address} : domaine MSSanté de confiance.")
        return 0
    print(f"{args.address} : domaine absent de la liste blanche MSSanté.")
    return 1


def run_trusted_update(args: argparse.Namespace, profile: Profile) -> int:
    profile.ensure()
    if args.file:
        data = Path(args.file).read_bytes()[: MAX_BYTES + 1]
        liste = trusted.store(data, profile.cache_dir)
    else:
        liste = trusted.download(profile.cache_dir, _policy(profile), profile.tmp_dir, args.url)
    generated = f", générée le {liste.generated}" if liste.generated else ""
    print(f"Liste blanche enregistrée : {len(liste.domains)} domaines{generated}.")
    if liste.skipped:
        print(f"{liste.skipped} nom(s) de domaine invalide(s) ignoré(s).")
    return 0


def run_api_key(args: argparse.Namespace, profile: Profile) -> int:
    if args.remove:
        delete_secret(esante_api_key())
        print("Clé d'API Annuaire Santé retirée du trousseau.")
        return 0
    key = os.environ.get(fhir.API_KEY_ENV, "").strip()
    if not key and sys.stdin is not None and sys.stdin.isatty():
        try:
            key = getpass.getpass("Clé d'API Annuaire Santé : ").strip()
        except (EOFError, KeyboardInterrupt):
            key = ""
    if not key:
        print(
            f"Aucune clé fournie : définissez {fhir.API_KEY_ENV} ou lancez la commande dans "
            "un terminal.",
            file=sys.stderr,
        )
        return 1
    if not set_secret(esante_api_key(), key):
        print(
            "Aucun trousseau n'est disponible sur ce système : la clé n'a pas été "
            f"enregistrée (elle peut être donnée par {fhir.API_KEY_ENV}).",
            file=sys.stderr,
        )
        return 1
    print("Clé d'API Annuaire Santé enregistrée dans le trousseau.")
    return 0

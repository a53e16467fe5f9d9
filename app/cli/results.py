"""``caducee results`` (one patient's lab results over time) and ``caducee index-documents``
(the background reading of stored messages' documents, run to the end)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli.filing import ROOT_HELP, root_of
from app.cli.sessions import open_store
from app.core.paths import Profile
from app.filing.results import PatientResults, patient_results
from app.filing.service import Filing
from app.store.documents_index import index_pending, pending


def register(commands: Any) -> None:
    results = commands.add_parser(
        "results",
        help="les résultats de biologie d'un patient dans le temps",
        description="Les résultats de biologie classés pour un patient (HPRIM, comptes rendus "
        "CDA), par analyse et par date ; les valeurs anormales sont marquées « ! ».",
    )
    results.add_argument("--patients-dir", metavar="DIR", type=Path, help=ROOT_HELP)
    results.add_argument("--patient", required=True, metavar="ID", help="identifiant du patient")
    results.add_argument("--json", action="store_true", help="sortie JSON")
    results.set_defaults(run=run_results)

    index = commands.add_parser(
        "index-documents",
        help="lire les documents des messages déjà téléchargés (recherche, liste)",
        description="Lit les documents des messages de la copie locale qui ne le sont pas "
        "encore : patient, type, résultats, texte des PDF pour la recherche. Reprend où il "
        "s'était arrêté.",
    )
    index.add_argument(
        "--budget", type=float, metavar="SECONDES", help="s'arrêter après ce temps (défaut : tout)"
    )
    index.add_argument("--json", action="store_true", help="sortie JSON")
    index.set_defaults(run=run_index)


def run_results(args: argparse.Namespace, profile: Profile) -> int:
    root = root_of(args, profile)
    profile.ensure()
    filing = Filing.open(profile.data_dir, root)
    try:
        found = patient_results(filing, args.patient)
    finally:
        filing.close()
    if args.json:
        print(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
        return 0
    _print_table(found)
    return 0


def _print_table(found: PatientResults) -> None:
    print(f"Résultats de {found.patient.display}")
    if not found.analytes:
        print("Aucun résultat classé pour ce patient.")
    for analyte in found.analytes:
        unit = f" ({analyte.unit})" if analyte.unit else ""
        print(f"{analyte.label}{unit}")
        for point in analyte.points:
            row = point.row
            day = f"{row.date:%d/%m/%Y}" if row.date else "date inconnue"
            mark = "!" if row.abnormal else " "
            reference = f"  [{row.reference_range}]" if row.reference_range else ""
            print(f"  {mark} {day}  {row.value} {row.unit or ''}{reference}")
    for notice in found.notices:
        print(f"Attention : {notice}", file=sys.stderr)


def run_index(args: argparse.Namespace, profile: Profile) -> int:
    store = open_store(profile)
    try:
        done = 0
        budget = args.budget if args.budget is not None else 3600.0 * 24
        progress = index_pending(store, budget=budget)
        done += progress.done
        left = pending(store)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"done": done, "left": left}))
    else:
        print(f"{done} message(s) lu(s), {left} en attente.")
    return 0

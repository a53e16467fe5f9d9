"""``caducee audit``: the audit trail, shown, exported (CSV, JSON) or verified."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime
from typing import Any

from app.core.audit import FIELDS, AuditTrail
from app.core.paths import Profile


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "audit",
        help="journal d'audit (consulter, exporter, vérifier)",
        description="Affiche le journal d'audit du profil : connexions, lectures, envois, "
        "accusés, déplacements, copies, suppressions, marques, dossiers, classements et "
        "exports, avec la requête envoyée au serveur et son résultat. Ni objet, ni contenu, "
        "ni nom de patient n'y figure.",
    )
    parser.add_argument(
        "--since", metavar="DATE", help="seulement depuis DATE (AAAA-MM-JJ ou date et heure ISO)"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="sortie JSON")
    output.add_argument("--csv", action="store_true", help="sortie CSV (export)")
    output.add_argument(
        "--verify",
        action="store_true",
        help="vérifier que le journal est complet et non modifié (code de sortie 1 sinon)",
    )
    parser.set_defaults(run=run)


def trail_of(profile: Profile) -> AuditTrail:
    return AuditTrail.of(profile.data_dir)


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(
            f"Erreur : date « {text} » non reconnue (attendu : AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)."
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def run(args: argparse.Namespace, profile: Profile) -> int:
    trail = trail_of(profile)
    if args.verify:
        result = trail.verify()
        if result.ok:
            print(f"Journal d'audit intact : {result.count} entrée(s).")
            print(f"Empreinte de la dernière entrée : {result.head}")
            return 0
        print(f"Journal d'audit NON intègre : {result.problem}.", file=sys.stderr)
        print(f"{result.count} entrée(s) vérifiée(s) avant ce point.", file=sys.stderr)
        return 1
    entries = trail.entries(_since(args.since))
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    elif args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(entries)
    else:
        for entry in entries:
            print(describe(entry))
        print(f"{len(entries)} entrée(s).")
    return 0


def describe(entry: dict[str, Any]) -> str:
    """One line: when, who, what, the request and its result."""
    what = [str(entry.get("action", ""))]
    if entry.get("message") is not None:
        what.append(f"message {entry['message']}")
    if entry.get("folder"):
        what.append(f"dans « {entry['folder']} »")
    if entry.get("target"):
        what.append(f"vers « {entry['target']} »")
    if entry.get("detail"):
        what.append(f"({entry['detail']})")
    who = str(entry.get("account") or "-")
    if entry.get("national_id"):
        who += f" [{entry['national_id']}]"
    return (
        f"{entry.get('seq')}  {entry.get('time')}  {who} ({entry.get('os_user') or '?'})  "
        f"{' '.join(what)} — {entry.get('request') or '-'} : {entry.get('result')}"
    )

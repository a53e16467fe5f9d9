"""``caducee diagnose``: each step from the card to the servers, with a French verdict."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli import psc, secrets
from app.core.paths import Profile
from app.core.settings import Settings
from app.ops.diagnose import AuthMode, DiagnoseRequest, Step, diagnose
from app.psc.client import PscClient
from app.transport.endpoints import Endpoint, EndpointError, Protocol


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "diagnose",
        help="tester la connexion à un serveur, étape par étape",
        description="Teste chaque étape de la connexion (module, carte, code PIN, TCP, TLS, "
        "certificat du serveur et révocation, certificat client, authentification, EHLO) et "
        "affiche un rapport. Code de sortie 0 seulement si tout fonctionne.",
        epilog="Adresses : imaps://serveur:993, imap+starttls://serveur:143, "
        "smtps://serveur:465, smtp+starttls://serveur:587. Secrets pour l'automatisation : "
        "CADUCEE_PIN, CADUCEE_PASSWORD, CADUCEE_PKCS12_PASSPHRASE.",
    )
    parser.add_argument("--imap", required=True, metavar="URL", help="serveur IMAP")
    parser.add_argument("--smtp", metavar="URL", help="serveur SMTP (envoi)")
    parser.add_argument(
        "--auth",
        required=True,
        choices=[m.value for m in AuthMode],
        help="carte CPS, certificat logiciel PKCS#12, mot de passe ou Pro Santé Connect",
    )
    parser.add_argument("--address", metavar="ADRESSE", help="adresse de messagerie (psc)")
    psc.add_provider_options(parser)
    psc.add_option(parser)
    parser.add_argument("--module", metavar="CHEMIN", help="module PKCS#11 de la carte")
    parser.add_argument("--pkcs12", metavar="FICHIER", type=Path, help="certificat logiciel (.p12)")
    parser.add_argument("--username", metavar="U", help="identifiant (mot de passe)")
    parser.add_argument(
        "--trust",
        metavar="PEM",
        type=Path,
        help="autorités de confiance : ajoutées à l'IGC-Santé fournie pour un serveur "
        "MSSanté (tests, plateformes de formation), à la place du magasin du système sinon",
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    parser.set_defaults(run=run)


def _endpoint(url: str, protocol: Protocol) -> Endpoint:
    endpoint = Endpoint.parse(url)
    if endpoint.protocol is not protocol:
        raise EndpointError(f"« {url} » n'est pas une adresse {protocol.value.upper()}.")
    return endpoint


def _print_step(step: Step) -> None:
    if step.key == "endpoint":
        print(f"\n{step.title}")
        return
    mark = "OK    " if step.ok else "ÉCHEC "
    print(f"  {mark} {step.title} : {step.detail}", flush=True)


def run(args: argparse.Namespace, profile: Profile) -> int:
    try:
        imap_endpoint = _endpoint(args.imap, Protocol.IMAP)
        smtp_endpoint = _endpoint(args.smtp, Protocol.SMTP) if args.smtp else None
    except EndpointError as error:
        print(f"caducee : erreur : {error}", file=sys.stderr)
        return 2
    auth = AuthMode(args.auth)
    psc_client = None
    if auth is AuthMode.PSC:
        if not args.address:
            print("caducee : erreur : --auth psc demande --address ADRESSE.", file=sys.stderr)
            return 2
        psc_client = PscClient(
            psc.config_for(profile, issuer=args.psc_issuer, client_id=args.psc_client_id)
        )
    if auth is AuthMode.PKCS12:
        ask_secret = secrets.passphrase_asker(args.pkcs12)
    else:
        ask_secret = secrets.secret_asker(secrets.PASSWORD_ENV)
    profile.ensure()
    request = DiagnoseRequest(
        imap=imap_endpoint,
        smtp=smtp_endpoint,
        auth=auth,
        cache_dir=profile.cache_dir / "crl",
        module=args.module,
        settings_module=Settings.load(profile.config_file).card_module,
        pkcs12=args.pkcs12,
        username=args.username,
        trust=args.trust,
        ask_pin=secrets.ask_pin,
        ask_secret=ask_secret,
        address=args.address,
        psc_client=psc_client,
        psc_method=args.psc,
        say=psc.say,
    )
    if args.json:
        report = diagnose(request)
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print("Diagnostic Caducée")
        report = diagnose(request, on_step=_print_step)
        failed = [s for s in report.steps if not s.ok]
        print(
            "\nRésultat : "
            + (
                "tout fonctionne."
                if report.ok
                else f"{len(failed)} étape(s) en échec — {failed[0].title}."
            )
        )
    return 0 if report.ok else 1

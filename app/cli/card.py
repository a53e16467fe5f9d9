"""``caducee card info``: readers, the card, its holder, certificate and PIN status."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cryptography import x509

from app.cli.parser import CaduceeParser
from app.core.paths import Profile
from app.core.settings import Settings
from app.cps.card import CardInfo, CardModule
from app.cps.modules import find_module


def register(commands: Any) -> None:
    card = commands.add_parser("card", help="carte CPS", description="La carte CPS.")
    actions = card.add_subparsers(
        dest="card_command",
        metavar="ACTION",
        title="actions",
        parser_class=CaduceeParser,
        required=True,
    )
    info = actions.add_parser(
        "info",
        help="lecteurs, carte, titulaire, certificat et état du code PIN",
        description="Lit la carte sans demander le code : lecteurs, carte, titulaire "
        "(certificat d'authentification), état du code PIN.",
    )
    info.add_argument(
        "--module",
        metavar="CHEMIN",
        help="module PKCS#11 de la carte (par défaut : Cryptolib CPS détecté)",
    )
    info.add_argument("--json", action="store_true", help="sortie JSON")
    info.set_defaults(run=run_info)


def _date(value: Any) -> str:
    return str(value.strftime("%d/%m/%Y"))


def _certificate_json(certificate: x509.Certificate) -> dict[str, Any]:
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "serial": format(certificate.serial_number, "x"),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
    }


def run_info(args: argparse.Namespace, profile: Profile) -> int:
    choice = find_module(args.module, Settings.load(profile.config_file).card_module)
    module = CardModule(choice.path)
    slots = module.slots()
    cards = module.cards()
    card = cards[0] if cards else None
    if args.json:
        facts: dict[str, Any] = {
            "module": {"path": str(choice.path), "source": choice.source.name.lower()},
            "slots": [
                {
                    "id": s.slot_id,
                    "reader": s.description,
                    "token_present": s.token_present,
                    "token_label": s.token_label,
                }
                for s in slots
            ],
            "card": None,
        }
        if card is not None:
            facts["card"] = card.to_json()
            if card.auth_certificate is not None:
                facts["card"]["certificate"] = _certificate_json(card.auth_certificate)
        print(json.dumps(facts, ensure_ascii=False, indent=2))
        return 0 if card is not None else 1
    print(f"Module : {choice.path} ({choice.source.value})")
    print("Lecteurs :" if slots else "Lecteurs : aucun lecteur détecté")
    for slot in slots:
        if not slot.token_present:
            content = "vide"
        elif slot.token_label:
            content = f"carte « {slot.token_label} »"
        else:
            content = "carte sans nom (non initialisée ?)"
        print(f"  - emplacement {slot.slot_id} « {slot.description} » : {content}")
    if card is None:
        print("Carte CPS : aucune carte CPS détectée. Insérez votre carte dans le lecteur.")
        return 1
    _print_card(card)
    return 0


def _print_card(card: CardInfo) -> None:
    print(f"Carte : « {card.token_label} » (n° de série {card.serial}, {card.manufacturer})")
    holder = card.holder
    certificate = card.auth_certificate
    if holder is not None:
        print(f"Titulaire : {holder.display_name}")
        if holder.profession:
            print(f"  Profession : {holder.profession}")
        if holder.rpps:
            print(f"  RPPS : {holder.rpps} (identifiant national {holder.id_nat})")
        elif holder.adeli:
            print(f"  ADELI : {holder.adeli} (identifiant national {holder.id_nat})")
        elif holder.id_nat:
            print(f"  Identifiant national : {holder.id_nat}")
        if holder.organisation:
            print(f"  Structure : {holder.organisation}")
        if not (holder.surname or holder.given_name):
            print(f"  Sujet du certificat : {holder.raw_subject}")
    if certificate is not None:
        issuer = certificate.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        issuer_name = issuer[0].value if issuer else certificate.issuer.rfc4514_string()
        print(
            f"Certificat d'authentification : émis par {issuer_name!s}, valable du "
            f"{_date(certificate.not_valid_before_utc)} au "
            f"{_date(certificate.not_valid_after_utc)}"
        )
    pad = " ; saisie sur le clavier du lecteur" if card.pin.pin_pad else ""
    print(f"Code PIN : {card.pin.describe()}{pad}")
    if card.tls13_client_auth:
        print("Signature : RSA-PSS disponible — TLS 1.3 possible")
    elif card.pkcs1_only:
        print("Signature : PKCS#1 v1.5 seulement (type CPS3) — connexions en TLS 1.2")
    else:
        print("Signature : RSA-PSS sans RSA brut — connexions en TLS 1.2")

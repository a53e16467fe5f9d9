"""``caducee key export|import`` and ``caducee profile status|protect|check``: the profile's
encryption key and what it protects (docs/encryption.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.core import crypto, keychain, profile_key, sqlite
from app.core.audit import AuditTrail
from app.core.errors import CaduceeError
from app.core.paths import Profile
from app.core.profile_encrypt import DATABASES, FAVOURITES, SEALED_DIRECTORIES, protect

EXPORT_ENV = "CADUCEE_KEY_PASSPHRASE"
EXPORT_FORMAT = "caducee-profile-key"


def register(commands: Any) -> None:
    key = commands.add_parser(
        "key",
        help="clé de chiffrement du profil (copie de secours)",
        description="La clé qui chiffre les données de santé du profil est gardée dans le "
        "trousseau du système. « export » en écrit une copie protégée par une phrase de "
        "passe, à imprimer ou à garder hors de l'ordinateur ; « import » la remet dans le "
        f"trousseau (trousseau perdu, nouvel ordinateur). Phrase de passe : tapée, ou "
        f"{EXPORT_ENV}.",
    )
    actions = key.add_subparsers(dest="key_action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="écrire la copie de secours de la clé")
    export.add_argument("file", metavar="FICHIER", type=Path)
    export.set_defaults(run=run_export)
    restore = actions.add_parser("import", help="remettre la clé dans le trousseau")
    restore.add_argument("file", metavar="FICHIER", type=Path)
    restore.set_defaults(run=run_import)

    profile = commands.add_parser(
        "profile",
        help="chiffrement du profil (état, chiffrer maintenant, vérifier)",
        description="Le profil (messages, index de recherche, classement, favoris, boîte "
        "d'envoi, journal d'audit) est chiffré avec une clé gardée dans le trousseau du "
        "système.",
    )
    steps = profile.add_subparsers(dest="profile_action", metavar="ACTION", required=True)
    steps.add_parser("status", help="mode et état du chiffrement").set_defaults(run=run_status)
    protect_parser = steps.add_parser(
        "protect",
        help="chiffrer le profil maintenant (reprend un chiffrement interrompu)",
    )
    protect_parser.add_argument(
        "--passphrase",
        action="store_true",
        help="sans trousseau : protéger la clé par une phrase de passe tapée à chaque "
        f"démarrage (protection plus faible ; {profile_key.PASSPHRASE_ENV})",
    )
    protect_parser.set_defaults(run=run_protect)
    steps.add_parser(
        "check", help="vérifier qu'aucun fichier chiffré n'a été modifié (code 1 sinon)"
    ).set_defaults(run=run_check)


def run_export(args: argparse.Namespace, profile: Profile) -> int:
    profile.ensure()
    master = profile_key.master_for(profile.data_dir)
    passphrase = profile_key.ask_passphrase(
        confirm=True, env=EXPORT_ENV, prompt="Phrase de passe de la copie : "
    )
    record = {"format": EXPORT_FORMAT, "version": 1, **crypto.wrap(master, passphrase)}
    try:
        args.file.write_text(json.dumps(record, indent=1) + "\n", encoding="ascii")
    except OSError as error:
        raise CaduceeError(
            str(error), user_message=f"Impossible d'écrire {args.file} ({error.strerror})."
        ) from None
    print(f"Copie de la clé écrite dans {args.file}.")
    print(
        "Imprimez-la ou gardez-la hors de cet ordinateur, et la phrase de passe ailleurs : "
        "sans elles, un trousseau perdu rend le profil illisible."
    )
    return 0


def run_import(args: argparse.Namespace, profile: Profile) -> int:
    try:
        record = json.loads(args.file.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("format") != EXPORT_FORMAT:
            raise ValueError("not an export")
    except (OSError, ValueError):
        raise CaduceeError(
            "unreadable key export",
            user_message=f"{args.file} n'est pas une copie de clé de Caducée lisible.",
        ) from None
    passphrase = profile_key.ask_passphrase(env=EXPORT_ENV, prompt="Phrase de passe de la copie : ")
    try:
        master = crypto.unwrap(record, passphrase)
    except crypto.WrongPassphraseError:
        raise
    except ValueError:
        raise CaduceeError(
            "malformed key export", user_message=f"{args.file} est une copie de clé abîmée."
        ) from None
    data_dir = profile.data_dir
    marker = profile_key.read_marker(data_dir)
    if marker is not None and marker["key_id"] != crypto.key_id(master):
        raise CaduceeError(
            "key of another profile",
            user_message="Cette copie est la clé d'un autre profil : rien n'a été changé.",
        )
    if not keychain.set_secret(profile_key.keyring_entry(data_dir), crypto.encode_key(master)):
        raise profile_key.ProfileKeyError("no usable keyring")
    if marker is not None and marker.get("mode") != profile_key.KEYRING:
        marker.pop("wrapped", None)
        marker["mode"] = profile_key.KEYRING
        profile_key.write_marker(data_dir, marker)
    profile_key.forget(data_dir)
    print("Clé remise dans le trousseau du système : le profil est de nouveau lisible.")
    return 0


class StderrProgress:
    """A migration's progress on stderr, every tenth (the command line's default:
    ``profile_encrypt.report_progress_to``); nothing for a profile with nothing to encrypt."""

    def __init__(self) -> None:
        self.tenth = -1

    def __call__(self, done: int, total: int) -> None:
        if total == 0:
            return
        if done == 0:
            print(
                "Chiffrement des données du profil (une seule fois ; s'il est interrompu, il "
                "reprendra où il en était)…",
                file=sys.stderr,
            )
            self.tenth = -1
        tenth = 10 * done // total
        if tenth != self.tenth:
            self.tenth = tenth
            print(f"  {10 * tenth} %", file=sys.stderr, flush=True)


def run_status(args: argparse.Namespace, profile: Profile) -> int:
    marker = profile_key.read_marker(profile.data_dir)
    if marker is None:
        print("Profil pas encore chiffré (il le sera à la prochaine ouverture).")
        return 0
    modes = {
        profile_key.KEYRING: "clé dans le trousseau du système",
        profile_key.PASSPHRASE: "clé protégée par une phrase de passe (protection plus faible)",
        profile_key.DEMO: "démonstration : clé gardée dans le profil (patients fictifs)",
    }
    print(f"Chiffrement : {modes.get(marker.get('mode', ''), 'mode inconnu')}.")
    state = "terminé" if marker.get("state") == "done" else "interrompu, à reprendre"
    print(f"État : {state}. Identifiant de la clé : {marker['key_id']}.")
    return 0


def run_protect(args: argparse.Namespace, profile: Profile) -> int:
    profile.ensure()
    data_dir = profile.data_dir
    marker = profile_key.read_marker(data_dir)
    if args.passphrase and marker is not None and marker.get("mode") == profile_key.KEYRING:
        master = profile_key.master_for(data_dir)
        marker.update(
            mode=profile_key.PASSPHRASE,
            wrapped=crypto.wrap(master, profile_key.ask_passphrase(confirm=True)),
        )
        profile_key.write_marker(data_dir, marker)
        keychain.delete_secret(profile_key.keyring_entry(data_dir))
        print("La clé du profil est désormais protégée par la phrase de passe.")
        return 0
    passphrase = profile_key.ask_passphrase(confirm=True) if args.passphrase else None
    if marker is None or marker.get("state") != "done":
        profile_key.remember(data_dir, protect(data_dir, passphrase))
    print("Profil chiffré.")
    return 0


def run_check(args: argparse.Namespace, profile: Profile) -> int:
    """Every database page (its HMAC) and every sealed file opened with the key."""
    data_dir = profile.data_dir
    keys = profile_key.keys_for(data_dir)
    problems: list[str] = []
    for name in DATABASES:
        path = data_dir / name
        if not path.exists():
            continue
        try:
            connection = sqlite.connect(path, keys.database)
            try:
                found = [row[0] for row in connection.execute("PRAGMA cipher_integrity_check")]
                found += [
                    row[0] for row in connection.execute("PRAGMA integrity_check") if row[0] != "ok"
                ]
            finally:
                connection.close()
        except (CaduceeError, sqlite.Error):
            found = ["illisible"]
        if found:
            problems.append(f"base {name} : modifiée en dehors de Caducée ({len(found)} page(s))")
    from app.store.blobs import BlobStore

    for directory in SEALED_DIRECTORIES:
        if (data_dir / directory).is_dir():
            bad = BlobStore(data_dir / directory, key=keys.files).damaged()
            if bad:
                problems.append(f"{directory}/ : {len(bad)} fichier(s) modifié(s) ou déplacé(s)")
    favourites = data_dir / FAVOURITES
    if favourites.exists():
        try:
            crypto.unseal(keys.files, favourites.read_bytes(), FAVOURITES.encode())
        except (OSError, crypto.TamperedError):
            problems.append(f"{FAVOURITES} : modifié en dehors de Caducée")
    trail = AuditTrail.of(data_dir, keys.audit).verify()
    if not trail.ok:
        problems.append(f"journal d'audit : {trail.problem}")
    for problem in problems:
        print(f"Problème : {problem}.", file=sys.stderr)
    if problems:
        print(crypto.TamperedError.default_message, file=sys.stderr)
        return 1
    print("Profil chiffré intact : bases et fichiers ouverts avec sa clé.")
    return 0

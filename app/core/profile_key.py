"""Where the profile key is kept, and the profile's ``encryption.json``.

``<data dir>/encryption.json`` (clear, not secret) says the profile is encrypted: the mode,
the key's id (``crypto.key_id``: tells the right key from another) and the state of the
migration of a clear profile (``"migrating"`` until every file is encrypted). Modes:

- ``keyring`` (the normal one): the key is in the OS keyring (Windows Credential Manager,
  macOS Keychain, Secret Service), entry ``profile-key:<data dir>``, never in a file;
- ``passphrase`` (chosen explicitly, weaker: worth what the passphrase is worth against a
  guess): the key sealed with a passphrase typed at start (on the terminal, or in the
  window's dialog: ``unlock``) is in the file (``crypto.wrap``);
- ``demo`` (``caducee demo`` only, fictitious patients, touches nothing outside its
  profile): the key is in ``demo-key`` beside it — encrypted the same way, protected by
  nothing.

The first use of a profile with no ``encryption.json`` creates the key and encrypts what is
there (``app.core.profile_encrypt``): a new profile starts encrypted, an older clear one is
migrated in place. No usable keyring: :class:`ProfileKeyError`, in French, and no health
data is written.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core import crypto, keychain
from app.core.crypto import ProfileKeys
from app.core.errors import CaduceeError
from app.core.private import write_atomically

if TYPE_CHECKING:
    from app.core.profile_encrypt import Progress

MARKER = "encryption.json"
DEMO_KEY = "demo-key"
PASSPHRASE_ENV = "CADUCEE_PROFILE_PASSPHRASE"  # noqa: S105 — a name, not a secret
KEYRING = "keyring"
PASSPHRASE = "passphrase"  # noqa: S105 — a mode's name
DEMO = "demo"

_known: dict[str, ProfileKeys] = {}  # per data dir, for this process: read the keyring once
_unlocked: dict[str, bytes] = {}  # per data dir: a key the window's passphrase opened (unlock)
_lock = threading.Lock()
_demo = False


class ProfileKeyError(CaduceeError):
    default_message = (
        "Aucun trousseau du système n'est disponible (Gestionnaire d'identification "
        "Windows, Trousseau macOS, Secret Service) : Caducée ne peut pas y garder la clé qui "
        "chiffre les données de santé, et ne les enregistre donc pas. Ouvrez une session qui "
        "dispose d'un trousseau, ou choisissez une phrase de passe à taper à chaque démarrage "
        "(protection plus faible) : caducee profile protect --passphrase."
    )


class KeyLostError(ProfileKeyError):
    default_message = (
        "La clé de chiffrement de ce profil est introuvable dans le trousseau du système "
        "(trousseau réinitialisé, autre session, autre ordinateur ?). Les données du profil "
        "ne peuvent pas être lues sans elle. Importez la copie de la clé que vous avez "
        "gardée : caducee key import FICHIER (voir la documentation « chiffrement »)."
    )


def keyring_entry(data_dir: Path) -> str:
    return f"profile-key:{_name(data_dir)}"


def _name(data_dir: Path) -> str:
    return os.path.abspath(data_dir)  # noqa: PTH100 — no resolve(): the keyring name stays


def use_demo_key() -> None:
    """This process (``caducee demo``) keeps the keys of new profiles in the profile."""
    global _demo
    _demo = True


def read_marker(data_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((data_dir / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise ProfileKeyError(
            f"unreadable {MARKER}: {type(error).__name__}",
            user_message=f"Le fichier {data_dir / MARKER} est illisible : Caducée ne sait pas "
            "comment ce profil est chiffré. Restaurez-le depuis une sauvegarde ou contactez "
            "le support.",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("key_id"), str):
        raise ProfileKeyError(
            f"malformed {MARKER}", user_message=f"{data_dir / MARKER} est invalide."
        )
    return data


def write_marker(data_dir: Path, data: dict[str, Any]) -> None:
    write_atomically(data_dir / MARKER, json.dumps(data, indent=1, sort_keys=True).encode())


def keys_for(data_dir: Path, progress: Progress | None = None) -> ProfileKeys:
    """The keys of the profile in ``data_dir``: from this process's memory, else its
    keyring entry (or passphrase); a profile not yet encrypted is encrypted first
    (``progress``: how far, see ``profile_encrypt.Progress``)."""
    name = _name(data_dir)
    with _lock:
        known = _known.get(name)
        if known is not None:
            return known
        from app.core.profile_encrypt import protect  # the migration needs the key first

        marker = read_marker(data_dir)
        if marker is None or marker.get("state") != "done":
            keys = protect(data_dir, progress=progress)
        else:
            keys = _open(data_dir, marker)
        _known[name] = keys
        return keys


def remember(data_dir: Path, keys: ProfileKeys) -> None:
    with _lock:
        _known[_name(data_dir)] = keys


def forget(data_dir: Path) -> None:
    with _lock:
        _known.pop(_name(data_dir), None)
        _unlocked.pop(_name(data_dir), None)


def needs_passphrase(data_dir: Path) -> bool:
    """Whether the window must ask the profile's passphrase before opening it: its key is
    sealed with one, this process has not opened it yet, and ``PASSPHRASE_ENV`` does not
    give it (the variable wins: automation)."""
    if os.environ.get(PASSPHRASE_ENV):
        return False
    with _lock:
        if _name(data_dir) in _known or _name(data_dir) in _unlocked:
            return False
    marker = read_marker(data_dir)
    return marker is not None and marker.get("mode") == PASSPHRASE


def unlock(data_dir: Path, passphrase: str) -> None:
    """Open the profile's key with ``passphrase`` (typed in the window) and keep it for
    this process: nothing asks it again until it ends. :class:`WrongPassphraseError` when
    it is not the right one (scrypt: about half a second per try)."""
    marker = read_marker(data_dir)
    if marker is None or marker.get("mode") != PASSPHRASE:
        raise ProfileKeyError("not a passphrase profile")
    master = _unwrap(data_dir, marker, passphrase)
    with _lock:
        _unlocked[_name(data_dir)] = master


def _unwrap(data_dir: Path, marker: dict[str, Any], passphrase: str) -> bytes:
    wrapped = marker.get("wrapped")
    try:
        if not isinstance(wrapped, dict):
            raise ValueError("no wrapped key")
        return crypto.unwrap(wrapped, passphrase)
    except crypto.WrongPassphraseError:
        raise
    except ValueError as error:
        raise ProfileKeyError(
            f"{MARKER}: {error}", user_message=f"{data_dir / MARKER} est invalide."
        ) from None


def _open(data_dir: Path, marker: dict[str, Any]) -> ProfileKeys:
    return ProfileKeys.derive(master_of(data_dir, marker))


def master_for(data_dir: Path) -> bytes:
    """The profile key itself (its export), the profile encrypted first if it was not."""
    keys_for(data_dir)
    marker = read_marker(data_dir)
    if marker is None:
        raise ProfileKeyError(f"no {MARKER}")
    return master_of(data_dir, marker)


def master_of(data_dir: Path, marker: dict[str, Any]) -> bytes:
    """The key ``marker`` describes (its mode), checked against its key id: a resumed
    migration goes on with the key it started with, never a second one."""
    mode = marker.get("mode")
    if mode == PASSPHRASE:
        given = _unlocked.get(_name(data_dir))  # no lock: keys_for holds it
        return given if given is not None else _unwrap(data_dir, marker, ask_passphrase())
    if mode == DEMO:
        try:
            master = crypto.decode_key((data_dir / DEMO_KEY).read_text().strip())
        except OSError:
            master = None
    else:
        value = keychain.get_secret(keyring_entry(data_dir))
        master = crypto.decode_key(value) if value else None
    if master is None or crypto.key_id(master) != marker["key_id"]:
        raise KeyLostError("the key found is not this profile's")
    return master


def store_new(data_dir: Path, master: bytes, passphrase: str | None = None) -> dict[str, Any]:
    """Keep a new key where its mode says; the marker to write (state "migrating")."""
    marker: dict[str, Any] = {"version": 1, "key_id": crypto.key_id(master), "state": "migrating"}
    if passphrase is not None:
        marker.update(mode=PASSPHRASE, wrapped=crypto.wrap(master, passphrase))
    elif _demo:
        if any((data_dir / name).exists() for name in ("store.sqlite3", "filing.sqlite3")):
            raise ProfileKeyError(  # a real profile's data would get a key kept beside it
                "demo on a clear profile",
                user_message=f"Le dossier {data_dir} contient déjà des données : la "
                "démonstration ne s'y installe pas. Choisissez un autre dossier avec "
                "--profile-dir.",
            )
        write_atomically(data_dir / DEMO_KEY, crypto.encode_key(master).encode())
        marker["mode"] = DEMO
    else:
        if not keychain.set_secret(keyring_entry(data_dir), crypto.encode_key(master)):
            raise ProfileKeyError("no usable keyring")
        marker["mode"] = KEYRING
    return marker


def ask_passphrase(
    confirm: bool = False,
    *,
    env: str = PASSPHRASE_ENV,
    prompt: str = "Phrase de passe du profil : ",
) -> str:
    """A passphrase: the environment variable ``env`` (automation), else typed on the
    terminal (twice when ``confirm``: a new one, at least 12 characters)."""
    given = os.environ.get(env)
    if given:
        first = given
    elif not sys.stdin or not sys.stdin.isatty():
        raise ProfileKeyError(
            "no passphrase",
            user_message="Une phrase de passe est nécessaire : lancez cette commande depuis "
            f"un terminal pour la taper, ou donnez-la dans la variable {env}.",
        )
    else:
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("La même, encore une fois : ") != first:
            raise ProfileKeyError("passphrases differ", user_message="Les deux saisies diffèrent.")
    if confirm and len(first) < 12:
        raise ProfileKeyError(
            "passphrase too short",
            user_message="Choisissez une phrase de passe d'au moins 12 caractères.",
        )
    return first

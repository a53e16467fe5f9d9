"""The cryptography of the profile: its key's sub-keys, sealed files, wrapped keys.

One *profile key* (256 random bits, :mod:`app.core.profile_key` keeps it) protects the
health data in the profile. Two sub-keys are derived from it (HKDF-SHA256), so that no key
serves two purposes:

- ``database``: the raw SQLCipher key of every profile database (``app.core.sqlite``);
- ``files``: AES-256-GCM for the message files and the other sealed files;
- ``audit``: AES-256-GCM for the audit trail's entries, its head and its identities
  (``app.core.audit``: each entry's position and the trail's id are its associated data).

A sealed file is ``MAGIC`` + a random 96-bit nonce + the ciphertext and its 128-bit tag.
The file's identity (a message file's SHA-256 name, ``b"favourites"``…) is the associated
data: a sealed file moved under another name, or altered by one bit, does not open
(:class:`TamperedError`), it is never read as if valid.

A *wrapped* key (the passphrase mode, the printed export) is the profile key sealed with a
key derived from a passphrase by scrypt (``SCRYPT_N``, ``SCRYPT_R``, ``SCRYPT_P``: 2^17 × 8
× 128 bytes = 128 MiB and about half a second per try, OWASP's minimum for scrypt being
2^17 / 8 / 1), with a random 128-bit salt kept beside it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.core.errors import CaduceeError

KEY_BYTES = 32
NONCE_BYTES = 12
MAGIC = b"\x00CDC1"  # no mail, JSON or text file starts with a NUL byte
OVERHEAD = len(MAGIC) + NONCE_BYTES + 16
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
SALT_BYTES = 16


class TamperedError(CaduceeError, ValueError):
    default_message = (
        "Un fichier chiffré du profil a été modifié ou remplacé en dehors de Caducée : il "
        "n'est pas affiché. Les messages reçus seront téléchargés de nouveau ; pour le "
        "reste, restaurez une sauvegarde du profil ou contactez le support."
    )


class WrongPassphraseError(CaduceeError, ValueError):
    default_message = "La phrase de passe ne correspond pas : la clé n'a pas pu être ouverte."


@dataclass(frozen=True)
class ProfileKeys:
    """What is derived from one profile key; ``key_id`` names it (kept in clear in the
    profile, it tells the right key from another one, and reveals nothing of it)."""

    database: bytes
    files: bytes
    audit: bytes
    key_id: str

    @classmethod
    def derive(cls, master: bytes) -> ProfileKeys:
        if len(master) != KEY_BYTES:
            raise ValueError("a profile key is 32 bytes")
        return cls(
            database=_hkdf(master, b"caducee sqlcipher v1"),
            files=_hkdf(master, b"caducee files v1"),
            audit=_hkdf(master, b"caducee audit v1"),
            key_id=key_id(master),
        )


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def key_id(master: bytes) -> str:
    return hmac.new(master, b"caducee key id v1", hashlib.sha256).hexdigest()[:32]


def _hkdf(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def seal(key: bytes, data: bytes, identity: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, data, identity)


def unseal(key: bytes, sealed: bytes, identity: bytes) -> bytes:
    """The content; :class:`TamperedError` if it was changed, cut or moved."""
    if not is_sealed(sealed) or len(sealed) < OVERHEAD:
        raise TamperedError("not a sealed file")
    nonce = sealed[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    ciphertext = memoryview(sealed)[len(MAGIC) + NONCE_BYTES :]  # a whole message: no copy
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, identity)
    except InvalidTag:
        raise TamperedError("authentication failed") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _passphrase_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    kdf = Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p)
    return kdf.derive(passphrase.encode("utf-8"))


def wrap(master: bytes, passphrase: str) -> dict[str, Any]:
    """The profile key sealed with ``passphrase`` (JSON-ready: salt, scrypt parameters)."""
    salt = os.urandom(SALT_BYTES)
    kek = _passphrase_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return {
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": _b64(salt),
        "key_id": key_id(master),
        "wrapped": _b64(seal(kek, master, b"caducee profile key")),
    }


def unwrap(wrapped: dict[str, Any], passphrase: str) -> bytes:
    """The profile key of :func:`wrap`; ValueError if the record is not one,
    :class:`WrongPassphraseError` if the passphrase does not open it."""
    try:
        if wrapped.get("kdf") != "scrypt":
            raise ValueError("unknown key derivation")
        n, r, p = (int(wrapped[name]) for name in ("n", "r", "p"))
        if not (2**14 <= n <= 2**22 and 1 <= r <= 32 and 1 <= p <= 16):
            raise ValueError("scrypt parameters out of range")
        salt, sealed = _unb64(wrapped["salt"]), _unb64(wrapped["wrapped"])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"not a wrapped key: {error}") from None
    kek = _passphrase_key(passphrase, salt, n, r, p)
    try:
        master = unseal(kek, sealed, b"caducee profile key")
    except TamperedError:
        raise WrongPassphraseError("wrong passphrase") from None
    if len(master) != KEY_BYTES:
        raise ValueError("not a profile key")
    return master


def encode_key(master: bytes) -> str:
    return _b64(master)


def decode_key(text: str) -> bytes | None:
    try:
        master = _unb64(text)
    except ValueError:
        return None
    return master if len(master) == KEY_BYTES else None

"""Virtual CPS cards on SoftHSM2.

A card is a SoftHSM2 token in its own directory, with its own configuration file and its own
copy of the SoftHSM2 module. SoftHSM2 reads its configuration (``SOFTHSM2_CONF``) once, when
the module is initialised; a separate copy per card lets a full card and a "CPS3-like" card
(mechanisms restricted to PKCS#1 v1.5, see shared/cps-mtls.md) live in one process.

``card.module`` is not that copy but a PKCS#11 shim over it (``p11shim.c``, compiled when
the card is created) that makes the token behave like a real CPS card: the user PIN locks
after 3 wrong PINs (counter shared by all processes, unblocked by the SO with
``reset_pin()``), an optional PIN pad, and the card can be pulled out (``remove()``,
``reinsert()``), which invalidates the sessions open on it.

``VirtualCard.insert()`` initialises the card's module with the card's configuration; any
later ``pkcs11.lib(card.module)`` in the process gets that same initialised module. A
subprocess is given ``card.env``.

Each card has two RSA key pairs generated on the token (sensitive, never extractable): one
for authentication, one for signature, each with its certificate from the "personnes"
authority. The signature pair is created first and the labels/ids differ between cards, so
that code choosing "the first key" or a hard-coded label is caught.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import Attribute, KeyType, ObjectClass
from pkcs11.util.x509 import decode_x509_certificate

from app.sandbox.pki import CardHolder, CardKeyUse, TestPki
from tests.lab import p11shim

SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)
# What a CPS3 can do through Cryptolib: PKCS#1 v1.5 only, no RSA-PSS and no raw RSA.
CPS3_MECHANISMS = (
    "CKM_RSA_PKCS,CKM_SHA1_RSA_PKCS,CKM_SHA256_RSA_PKCS,CKM_RSA_PKCS_KEY_PAIR_GEN,"
    "CKM_SHA_1,CKM_SHA256"
)
_env_lock = threading.Lock()
# Run in a child process by VirtualCard.reset_pin(): the SO unblocks the user PIN.
_UNBLOCK_SCRIPT = """
import sys, pkcs11
module, label, so_pin, pin = sys.argv[1:]
token = pkcs11.lib(module).get_token(token_label=label)
with token.open(so_pin=so_pin, rw=True) as session:
    session.init_pin(pin)
"""


def find_softhsm_module() -> str | None:
    return next((m for m in SOFTHSM_MODULES if Path(m).is_file()), None)


@dataclass(frozen=True)
class KeySlot:
    """Where a key pair sits on the card: its CKA_ID and CKA_LABEL.

    ``certificate_id``: the certificate's CKA_ID when a middleware does not give it the key's
    (default: the key's, as PKCS#11 recommends).
    """

    key_id: bytes
    label: str
    certificate_id: bytes | None = None


@dataclass
class VirtualCard:
    name: str
    token_label: str
    holder: CardHolder
    pin: str
    so_pin: str
    pkcs1_only: bool
    directory: Path
    module: Path  # the shim: what applications load
    softhsm_module: Path  # the card's copy of SoftHSM2, wrapped by the shim
    conf: Path
    token_dir: Path
    keys: dict[CardKeyUse, KeySlot]
    certificates: dict[CardKeyUse, x509.Certificate] = field(default_factory=dict)
    pin_pad: bool = False  # the reader has a keypad: log in with user_pin=PROTECTED_AUTH

    @property
    def env(self) -> dict[str, str]:
        """Environment for a subprocess that uses this card."""
        return {"SOFTHSM2_CONF": str(self.conf)}

    @property
    def auth_certificate(self) -> x509.Certificate:
        return self.certificates[CardKeyUse.AUTHENTICATION]

    @property
    def sign_certificate(self) -> x509.Certificate:
        return self.certificates[CardKeyUse.SIGNATURE]

    def insert(self) -> pkcs11.lib:
        """Initialise this card's module (once per process) with this card's configuration."""
        with _env_lock:
            previous = os.environ.get("SOFTHSM2_CONF")
            os.environ["SOFTHSM2_CONF"] = str(self.conf)
            try:
                return pkcs11.lib(str(self.module))
            finally:
                if previous is None:
                    os.environ.pop("SOFTHSM2_CONF", None)
                else:
                    os.environ["SOFTHSM2_CONF"] = previous

    def token(self) -> pkcs11.Token:
        return self.insert().get_token(token_label=self.token_label)

    @contextmanager
    def session(self, rw: bool = False) -> Iterator[pkcs11.Session]:
        with self.token().open(user_pin=self.pin, rw=rw) as session:
            yield session

    @property
    def present(self) -> bool:
        """Whether the card is in its reader."""
        return not (self.directory / p11shim.REMOVED_MARKER).exists()

    def remove(self) -> None:
        """Pull the card out: every process's sessions on it become invalid."""
        removals = self.directory / p11shim.REMOVALS_FILE
        count = int(removals.read_text()) if removals.exists() else 0
        scratch = removals.with_suffix(".new")
        scratch.write_text(f"{count + 1}\n")
        scratch.replace(removals)
        (self.directory / p11shim.REMOVED_MARKER).touch()

    def reinsert(self) -> None:
        """Put the card back (a no-op if it is in): new sessions and logins are needed."""
        (self.directory / p11shim.REMOVED_MARKER).unlink(missing_ok=True)

    @contextmanager
    def removed(self) -> Iterator[None]:
        """The card is out of its reader inside the block, back in after it, whatever happens."""
        self.remove()
        try:
            yield
        finally:
            self.reinsert()

    def pin_tries_used(self) -> int:
        """Wrong user PINs since the last successful login (locked at 3)."""
        return p11shim.read_pin_tries(self.directory)

    def reset_pin(self) -> None:
        """Unblock the user PIN as the SO would: SO login, C_InitPIN with the card's PIN.

        Done in a child process, as an administration tool would: in this process the SO
        could not log in while a read-only session is open on the token (and python-pkcs11
        leaves one open after each failed login).
        """
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                _UNBLOCK_SCRIPT,
                str(self.module),
                self.token_label,
                self.so_pin,
                self.pin,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, **self.env},
            timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"unblocking card {self.name} failed:\n{result.stderr}")


def create_card(
    base: Path,
    name: str,
    *,
    holder: CardHolder,
    pki: TestPki,
    token_label: str,
    keys: dict[CardKeyUse, KeySlot],
    pkcs1_only: bool,
    pin_pad: bool = False,
    pin: str = "1234",
    so_pin: str = "12345678",
) -> VirtualCard:
    source_module = find_softhsm_module()
    if source_module is None:
        raise FileNotFoundError("SoftHSM2 module not found (Debian package softhsm2)")
    directory = base / name
    token_dir = directory / "tokens"
    token_dir.mkdir(parents=True)
    softhsm_module = directory / "libsofthsm2.so"
    shutil.copyfile(source_module, softhsm_module)
    module = p11shim.build_shim(softhsm_module, directory, pin_pad_pin=pin if pin_pad else None)
    conf = directory / "softhsm2.conf"
    lines = [
        f"directories.tokendir = {token_dir}",
        "objectstore.backend = file",
        "log.level = ERROR",
        "slots.removable = true",
    ]
    if pkcs1_only:
        lines.append(f"slots.mechanisms = {CPS3_MECHANISMS}")
    conf.write_text("\n".join(lines) + "\n")
    card = VirtualCard(
        name=name,
        token_label=token_label,
        holder=holder,
        pin=pin,
        so_pin=so_pin,
        pkcs1_only=pkcs1_only,
        directory=directory,
        module=module,
        softhsm_module=softhsm_module,
        conf=conf,
        token_dir=token_dir,
        keys=keys,
        pin_pad=pin_pad,
    )
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            token_label,
            "--so-pin",
            so_pin,
            "--pin",
            pin,
        ],
        check=True,
        capture_output=True,
        env={**os.environ, **card.env},
    )
    with card.session(rw=True) as session:
        # Signature first: "the first key on the card" must not be mistaken for the auth key.
        for use in (CardKeyUse.SIGNATURE, CardKeyUse.AUTHENTICATION):
            card.certificates[use] = _provision_key_pair(session, pki, holder, use, keys[use])
    return card


def _provision_key_pair(
    session: pkcs11.Session, pki: TestPki, holder: CardHolder, use: CardKeyUse, slot: KeySlot
) -> x509.Certificate:
    public, _private = session.generate_keypair(
        KeyType.RSA,
        2048,
        id=slot.key_id,
        label=slot.label,
        store=True,
        private_template={
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.PRIVATE: True,
            Attribute.SIGN: True,
            Attribute.DECRYPT: use is CardKeyUse.AUTHENTICATION,
        },
    )
    public_key = rsa.RSAPublicNumbers(
        int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
        int.from_bytes(public[Attribute.MODULUS], "big"),
    ).public_key()
    certificate = pki.card_certificate(public_key, holder, use)
    attributes = decode_x509_certificate(certificate.public_bytes(serialization.Encoding.DER))
    attributes.update(
        {
            Attribute.TOKEN: True,
            Attribute.ID: slot.certificate_id or slot.key_id,
            Attribute.LABEL: slot.label,
            Attribute.PRIVATE: False,
            Attribute.CLASS: ObjectClass.CERTIFICATE,
        }
    )
    session.create_object(attributes)
    return certificate

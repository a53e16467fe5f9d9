"""Patients' MSSanté addresses (Mon espace santé): ``<matricule INS>@patient.mssante.fr``.

Notes §4.5: a professional writes to a patient only at the address made of the patient's
qualified INS (ECO.2.2.6, ECO.3.1.5); mail from such an address is a patient's (ECO.3.1.1).
This module reads and checks an address as text, whatever was typed or pasted: it says
whether the address is aimed at the patients' domain, and if so whether its local part is a
well-formed matricule with a valid key. Whether that INS belongs to a patient of hers with a
qualified identity is the registry's question (``app/ops/patient_mail.py``).

Hostile text is expected: upper case (the domain is case-insensitive), a trailing dot,
letters of other scripts that look like Latin ones (``pаtient`` with a Cyrillic ``а``),
full-width or invisible characters, an IDNA ``xn--`` spelling, digits of other scripts. An
address whose domain only *looks like* the patients' domain is refused, never taken for an
ordinary professional address nor silently corrected.

``patient.mssante.test`` is the sandbox's patients' domain (the demo and the lab use
``.mssante.test`` for every address). ``.test`` is reserved (RFC 2606) and never resolves,
so recognising it in production cannot mislead.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from email.utils import parseaddr

from app.core.errors import CaduceeError
from app.mssante.ins import key_of

PATIENT_DOMAIN = "patient.mssante.fr"
PATIENT_DOMAINS = frozenset({PATIENT_DOMAIN, "patient.mssante.test"})
MAX_ADDRESS = 320  # RFC 5321: 64 + 1 + 255; anything longer is not an address

_MATRICULE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}\Z")
# Letters of other scripts drawn like the Latin letters of "patient.mssante.fr/test"
# (Unicode's confusables, the few that matter here); NFKC already folds full-width forms.
_CONFUSABLES = str.maketrans(
    {
        "а": "a",  # Cyrillic
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "ѕ": "s",
        "і": "i",
        "ї": "i",
        "т": "t",
        "һ": "h",
        "ո": "n",  # Armenian
        "α": "a",  # Greek
        "ε": "e",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "ι": "i",
        "ν": "v",
        "ı": "i",  # Latin dotless i
        "ŀ": "l",
        "。": ".",  # ideographic and other full stops
        "．": ".",
        "｡": ".",
        "․": ".",
    }
)


class PatientAddressError(CaduceeError, ValueError):
    """A patient address refused; ``user_message`` says why, in French."""


@dataclass(frozen=True)
class PatientAddress:
    """A well-formed patient address: its matricule (key checked) and normalised form."""

    matricule: str
    domain: str

    @property
    def address(self) -> str:
        return f"{self.matricule}@{self.domain}"


def _skeleton(domain: str) -> str:
    """The domain as it looks: compatibility forms, accents and invisible characters
    dropped, lookalikes folded,
    ``xn--`` labels decoded, lower case, no trailing dot."""
    text = unicodedata.normalize("NFKD", domain)  # accents apart, then dropped
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Zs", "Cc", "Mn"))
    text = unicodedata.normalize("NFKC", text).casefold().translate(_CONFUSABLES)
    labels = []
    for label in text.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError, ValueError):
                label = label.encode("ascii").decode("idna").casefold().translate(_CONFUSABLES)
        labels.append(label)
    return ".".join(labels).rstrip(".")


def split_address(text: str) -> tuple[str, str]:
    """(local part, domain) of one address, as typed (``Name <a@b>`` accepted)."""
    text = text.strip()
    _name, address = parseaddr(text)
    address = address or text
    local, _at, domain = address.rpartition("@")
    return local.strip().strip('"'), domain.strip()


def aimed_at_patient(text: str) -> bool:
    """Whether ``text`` is, or pretends to be, an address of the patients' domain."""
    if len(text) > MAX_ADDRESS * 4:
        return False
    _local, domain = split_address(text)
    return bool(domain) and _skeleton(domain) in PATIENT_DOMAINS


def _refused(address: str, reason: str) -> PatientAddressError:
    shown = address if len(address) <= 80 else address[:77] + "…"
    return PatientAddressError(
        f"patient address refused: {reason}",
        user_message=f"Adresse de patient refusée ({shown}) : {reason}",
    )


def read_patient_address(text: str) -> PatientAddress | None:
    """None when ``text`` is not aimed at the patients' domain; the address checked when
    it is; :class:`PatientAddressError` (reason in French) when it only looks like one or
    its local part is not a matricule INS with a valid key."""
    if len(text) > MAX_ADDRESS * 4:
        return None  # not an address at all (the outbox refuses it on its own terms)
    local, domain = split_address(text)
    if not domain or _skeleton(domain) not in PATIENT_DOMAINS:
        return None
    exact = domain.rstrip(".")
    if not exact.isascii() or exact.lower() not in PATIENT_DOMAINS:
        raise _refused(
            text.strip(),
            "le domaine imite celui des patients (patient.mssante.fr) avec des caractères "
            "trompeurs (lettres d'une autre écriture, caractères invisibles ou codés). "
            "Écrivez au patient depuis son dossier (« Écrire au patient »).",
        )
    if not local.isascii():
        raise _refused(
            text.strip(),
            "la partie avant « @ » contient des caractères qui ne sont pas des chiffres "
            "ordinaires ; elle doit être le matricule INS du patient (15 caractères).",
        )
    matricule = local.upper()
    if not _MATRICULE.match(matricule):
        raise _refused(
            text.strip(),
            "la partie avant « @ » doit être le matricule INS du patient : 15 caractères "
            "(13 chiffres, ou 2A/2B pour la Corse, puis la clé à 2 chiffres), sans espace.",
        )
    if key_of(matricule[:13]) != int(matricule[13:]):
        raise _refused(
            text.strip(),
            "la clé de contrôle du matricule INS est fausse (erreur de saisie ?).",
        )
    return PatientAddress(matricule, exact.lower())


def patient_address(matricule: str, domain: str = PATIENT_DOMAIN) -> str:
    """The address of a matricule (checked by the caller): ``<matricule>@<domain>``."""
    return f"{matricule.upper()}@{domain}"

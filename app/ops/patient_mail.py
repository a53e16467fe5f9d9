"""Writing to a patient (Mon espace santé) and recognising a patient's mail.

Rules (notes §4.3, §4.5; ECO.2.2.6, ECO.2.2.8, ECO.3.1.1, ECO.3.1.2, ECO.3.1.5):

- "Écrire au patient" builds ``<matricule>@patient.mssante.fr`` from a patient of the
  registry only when the INS is a NIR (OID 1.2.250.1.213.1.4.8: not a provisional NIA, not a
  test or demo INS), its key checks out, and she recorded the identity as qualified.
- Any ``@patient.mssante.fr`` recipient, typed or pasted, goes through the same check when
  the message is put in the outbox (:func:`check_recipients`): the address must be
  well-formed (``app/mssante/patient_address.py``), and its INS must be such a patient of
  the registry. One exception: an answer to a message that patient wrote or received
  (the conversation exists; the address came from Mon espace santé) is allowed when the
  registry does not know the INS — the registry still refuses an INS it holds as a test
  INS or an unqualified identity.
- She may forbid the patient's reply: ``X-MSS-MES: FIN`` (only on a message to a patient).
- A message from a patient's address is shown as a patient's, with birth name, first
  names and INS from the registry when it knows the INS, else what the message says
  (its display name), labelled so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr
from pathlib import Path

from app.core.errors import CaduceeError
from app.filing.errors import PatientsRootError
from app.filing.patients import Patient, Registry, open_root_db
from app.mssante.ins import key_ok
from app.mssante.model import InsKind
from app.mssante.patient_address import (
    PATIENT_DOMAIN,
    PatientAddress,
    PatientAddressError,
    aimed_at_patient,
    patient_address,
    read_patient_address,
)

END_CONVERSATION = ("X-MSS-MES", "FIN")  # ECO.2.2.8: the patient may not reply

# A lookup of registered patients by matricule (any OID): ``Registry.by_matricule``.
PatientLookup = Callable[[str], list[Patient]]


class PatientMailError(CaduceeError, ValueError):
    """Writing to a patient refused; ``user_message`` says why, in French."""


def _refused(reason: str) -> PatientMailError:
    return PatientMailError(f"patient recipient refused: {reason}", user_message=reason)


def why_not_writable(patient: Patient) -> str | None:
    """Why "Écrire au patient" is impossible for this patient (French), or None."""
    if not patient.ins:
        return (
            "Ce patient n'a pas d'INS enregistré : on ne peut lui écrire sur Mon espace santé "
            "qu'avec son INS qualifié."
        )
    kind = {k.value: k for k in InsKind}.get(patient.ins_oid or "")
    if kind is InsKind.TEST or kind is InsKind.DEMO:
        return (
            "L'INS de ce patient est un INS de test ou de démonstration : ce n'est pas une "
            "vraie personne, on ne peut pas lui écrire."
        )
    if kind is InsKind.NIA:
        return (
            "L'INS de ce patient est un numéro provisoire (NIA) : Mon espace santé n'accepte "
            "que le NIR d'une identité qualifiée."
        )
    if kind is not InsKind.NIR:
        return "L'identifiant enregistré pour ce patient n'est pas un INS (OID inconnu)."
    if not key_ok(patient.ins):
        return "La clé de contrôle de l'INS de ce patient est fausse : vérifiez son matricule."
    if not patient.identity_qualified:
        return (
            "L'identité de ce patient n'est pas qualifiée : vérifiez-la (téléservice INSi et "
            "pièce d'identité) et marquez-la « identité qualifiée » avant de lui écrire."
        )
    return None


def address_of(patient: Patient, domain: str = PATIENT_DOMAIN) -> str:
    """The patient's Mon espace santé address; :class:`PatientMailError` with the reason
    when the INS does not allow it."""
    reason = why_not_writable(patient)
    if reason is not None or not patient.ins:
        raise _refused(reason or "INS absent.")
    return patient_address(patient.ins, domain)


def registry_lookup(registry: Registry) -> PatientLookup:
    return registry.by_matricule


def _checked(
    found: PatientAddress, lookup: PatientLookup | None, answering: set[str]
) -> Patient | None:
    patients = lookup(found.matricule) if lookup is not None else []
    nir = [p for p in patients if p.ins_oid == InsKind.NIR.value]
    if nir:
        reason = why_not_writable(nir[0])
        if reason is not None:
            raise _refused(f"{found.address} : {reason}")
        return nir[0]
    if patients:
        reason = why_not_writable(patients[0]) or "INS non qualifié."
        raise _refused(f"{found.address} : {reason}")
    if found.address.lower() in answering:
        return None  # her answer in a conversation with this patient
    raise _refused(
        f"{found.address} : cet INS n'est celui d'aucun patient de votre registre. On "
        "n'écrit à un patient qu'à partir de son dossier, avec son INS qualifié (« Écrire "
        "au patient »)."
        + ("" if lookup is not None else " Aucun dossier des patients n'est configuré.")
    )


@dataclass(frozen=True)
class PatientRecipients:
    """The patients among a message's recipients (checked); their registry entry, when
    known (None: an answer to a patient the registry does not hold)."""

    found: tuple[tuple[PatientAddress, Patient | None], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.found)


def check_recipients(
    addresses: Iterable[str], lookup: PatientLookup | None, answering: Iterable[str] = ()
) -> PatientRecipients:
    """Every recipient aimed at the patients' domain checked (the first refusal raised,
    reason in French); ``answering``: the addresses of the conversation she answers."""
    answered = {a.strip().lower() for a in answering}
    found = []
    for text in addresses:
        try:
            address = read_patient_address(text)
        except PatientAddressError as error:
            raise _refused(error.user_message) from None
        if address is not None:
            found.append((address, _checked(address, lookup, answered)))
    return PatientRecipients(tuple(found))


def conversation_addresses(headers: Iterable[str]) -> list[str]:
    """Addresses of the answered message's From/To/Cc values."""
    return [address for _name, address in getaddresses(list(headers)) if address]


# -- reading: a patient's mail ----------------------------------------------------------


@dataclass(frozen=True)
class PatientSender:
    """Who the patient of a received message is, and where that was read."""

    matricule: str
    birth_name: str
    first_names: str
    from_registry: bool  # False: the message's display name, not checked
    patient_id: str | None = None

    def label(self) -> str:
        """ "Patient · DUPONT Marie · INS 2800512345678 91" for the list and the reader."""
        name = " ".join(p for p in (self.birth_name, self.first_names) if p) or "nom inconnu"
        return f"Patient · {name} · INS {self.matricule}"

    def source(self) -> str:
        if self.from_registry:
            return "identité du registre des patients (INS connu)"
        return "nom donné par le message, non vérifié (INS absent du registre)"


def _split_display(display: str) -> tuple[str, str]:
    """Mon espace santé's display name, "Léo Dupond" or "DUPOND Léo": (NOM, prénoms)."""
    words = display.split()
    upper = [w for w in words if w.isupper() and len(w) > 1]
    if upper:
        names = [w for w in words if w not in upper]
        return " ".join(upper), " ".join(names)
    if len(words) >= 2:
        return words[-1].upper(), " ".join(words[:-1])
    return (words[0].upper() if words else ""), ""


def patient_sender(sender: str, lookup: PatientLookup | None) -> PatientSender | None:
    """The patient behind a ``From`` value (``Name <addr>``), or None when it is not a
    well-formed patient address. Never raises on hostile text."""
    if len(sender) > 2000 or not aimed_at_patient(sender):
        return None
    try:
        address = read_patient_address(sender)
    except PatientAddressError:
        return None
    if address is None:
        return None
    if lookup is not None:
        try:
            known = lookup(address.matricule)
        except (CaduceeError, OSError):
            known = []
        for patient in sorted(known, key=lambda p: p.ins_oid != InsKind.NIR.value):
            return PatientSender(
                address.matricule, patient.birth_name, patient.first_names, True, patient.id
            )
    display, _address = parseaddr(sender)
    display = " ".join("".join(c for c in display if c.isprintable()).split())[:120]
    birth_name, first_names = _split_display(display)
    return PatientSender(address.matricule, birth_name, first_names, False)


class PatientBook:
    """The registry's patients by matricule, read once (and again on ``reload``), for the
    message list, the reader and the composer: no SQLite query per row painted.

    ``load`` returns the registry's patients (``registry_patients``), or an empty list
    when no patients folder is set; a failure reads as empty (logged by the caller)."""

    def __init__(self, load: Callable[[], list[Patient]]) -> None:
        self._load = load
        self._by_matricule: dict[str, list[Patient]] | None = None
        self._senders: dict[str, PatientSender | None] = {}

    def reload(self) -> None:
        self._by_matricule = None
        self._senders.clear()

    def _index(self) -> dict[str, list[Patient]]:
        if self._by_matricule is None:
            try:
                patients = self._load()
            except (CaduceeError, OSError, ValueError):
                patients = []
            index: dict[str, list[Patient]] = {}
            for patient in patients:
                if patient.ins:
                    index.setdefault(patient.ins.upper(), []).append(patient)
            self._by_matricule = index
        return self._by_matricule

    def lookup(self, matricule: str) -> list[Patient]:
        return list(self._index().get(matricule.strip().upper(), []))

    def sender(self, value: str) -> PatientSender | None:
        """The patient behind a stored sender (``Name <address>``), cached per value."""
        if value not in self._senders:
            if len(self._senders) > 20_000:
                self._senders.clear()
            self._senders[value] = patient_sender(value, self.lookup)
        return self._senders[value]


def registry_patients(data_dir: Path, root: Path | None) -> list[Patient]:
    """The patients of ``root`` (the configured patients folder), [] when there is none or
    it moved: marking a patient's mail must never stop the window."""
    if root is None or not root.is_dir():
        return []
    try:
        db = open_root_db(root, data_dir)
    except PatientsRootError:
        return []
    try:
        return Registry(db, root).patients()
    finally:
        db.close()

"""The patient registry of one patients root, and its imports (CSV, existing folders).

A :class:`Registry` is bound to one root (``--patients-dir`` or ``[classement]
dossier_patients``): patients are keyed by root, their ``folder`` is one component relative
to it. Ids are six lower-case characters (``--patient k7q2mx``), random, never reused.
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from app.core import sqlite
from app.core.private import set_mode, shared_modes
from app.filing.db import ROOT_DIR, FilingDb
from app.filing.errors import InvalidPatientError, PatientsRootError, UnknownPatientError
from app.filing.names import (
    FILE_ROOM,
    PATH_BUDGET,
    folder_name,
    parse_folder_name,
    safe_component,
)
from app.mssante.ins import key_ok, make_ins, normalise_matricule
from app.mssante.model import Ins, InsKind, PatientIdentity

_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed back
SEXES = ("F", "M", "U")
_NAME = re.compile(r"[^\W\d_]+(?:[ '’.-]+[^\W\d_]+)*\.?")  # letters; space ' - . between


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _under_lock(
    method: Callable[Concatenate[Registry, _P], _R],
) -> Callable[Concatenate[Registry, _P], _R]:
    """The whole method under the root's lock (two PCs adding the same patient at once:
    one is added, the other is told she exists)."""

    def locked(self: Registry, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self.db.locked():
            return method(self, *args, **kwargs)

    return locked


def new_patient_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))


@dataclass(frozen=True)
class Patient:
    id: str
    birth_name: str
    first_names: str  # space separated, in order
    birth_date: date | None
    sex: str  # "F", "M", "U"
    folder: str  # relative to the root
    used_name: str | None = None
    ins: str | None = None
    ins_oid: str | None = None
    identity_qualified: bool = False  # "identité qualifiée": the INS may be used to write

    @property
    def ins_value(self) -> Ins | None:
        if not self.ins or not self.ins_oid:
            return None
        return make_ins(self.ins, self.ins_oid)

    @property
    def display(self) -> str:
        """ "DUPONT (MARTIN) Marie, née le 12/05/1980" — for the doctor, never for logs."""
        used = (
            f" ({self.used_name})" if self.used_name and self.used_name != self.birth_name else ""
        )
        born = ""
        if self.birth_date:
            word = "née" if self.sex == "F" else "né"
            born = f", {word} le {self.birth_date.strftime('%d/%m/%Y')}"
        return f"{self.birth_name}{used} {self.first_names}{born}"

    def identity(self) -> PatientIdentity:
        return PatientIdentity(
            ins=self.ins_value,
            birth_name=self.birth_name,
            used_name=self.used_name,
            first_names=tuple(self.first_names.split()),
            birth_date=self.birth_date,
            sex=self.sex,
            source="registry",
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "birth_name": self.birth_name,
            "used_name": self.used_name,
            "first_names": self.first_names,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "ins": self.ins,
            "ins_oid": self.ins_oid,
            "identity_qualified": self.identity_qualified,
            "folder": self.folder,
        }


@dataclass
class ImportReport:
    added: list[Patient] = field(default_factory=list)
    skipped: list[tuple[int | str, str]] = field(default_factory=list)  # (line or folder, why)


def check_root(root: Path) -> Path:
    """The resolved patients root; a missing or unwritable one is a real error."""
    try:
        resolved = root.expanduser().resolve(strict=True)
    except (OSError, RuntimeError) as error:
        raise PatientsRootError(
            "patients root missing",
            user_message=f"Le dossier des patients {root} n'existe pas. Créez-le ou "
            "indiquez-en un autre (--patients-dir).",
        ) from error
    if not resolved.is_dir():
        raise PatientsRootError(
            "patients root is not a directory",
            user_message=f"{root} n'est pas un dossier.",
        )
    if not os.access(resolved, os.W_OK | os.X_OK):
        raise PatientsRootError(
            "patients root not writable",
            user_message=f"Le dossier des patients {root} n'est pas accessible en écriture.",
        )
    return resolved


def open_root_db(root: Path, profile_dir: Path | None = None) -> FilingDb:
    """The registry and journal of a patients root (checked): its own database, created on
    first use with ``profile_dir``'s old registry of that root imported."""
    return FilingDb.open_root(check_root(root), profile_dir)


def _row(row: sqlite3.Row) -> Patient:
    return Patient(
        id=row["id"],
        birth_name=row["birth_name"],
        first_names=row["first_names"],
        birth_date=date.fromisoformat(row["birth_date"]) if row["birth_date"] else None,
        sex=row["sex"],
        folder=row["folder"],
        used_name=row["used_name"],
        ins=row["ins"],
        ins_oid=row["ins_oid"],
        identity_qualified=bool(row["identity_qualified"]),
    )


def _key(text: str) -> str:
    """Case, accents and punctuation ignored (the matching's own folding)."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


class Registry:
    """The patients of one root. ``root`` must exist (see :func:`check_root`)."""

    def __init__(self, db: FilingDb, root: Path) -> None:
        self.db = db
        self.root = check_root(root)
        if db.root is not None and db.root.resolve() != self.root:
            raise PatientsRootError("another root's database")  # a bug, not her doing
        self.root_id = db.root_id(self.root)

    # -- reading --------------------------------------------------------------------------

    def patients(self) -> list[Patient]:
        rows = self.db.db.execute(
            "SELECT * FROM patients WHERE root_id = ? ORDER BY birth_name, first_names, id",
            (self.root_id,),
        )
        return [_row(r) for r in rows]

    def get(self, patient_id: str) -> Patient:
        row = self.db.db.execute(
            "SELECT * FROM patients WHERE root_id = ? AND id = ?",
            (self.root_id, patient_id.strip().lower()),
        ).fetchone()
        if row is None:
            raise UnknownPatientError(
                "no such patient",
                user_message=f"Aucun patient « {patient_id} » dans le dossier {self.root}.",
            )
        return _row(row)

    def by_ins(self, matricule: str, oid: str) -> Patient | None:
        row = self.db.db.execute(
            "SELECT * FROM patients WHERE root_id = ? AND ins = ? AND ins_oid = ?",
            (self.root_id, matricule, oid),
        ).fetchone()
        return _row(row) if row else None

    def folder_path(self, patient: Patient) -> Path:
        return self.root / patient.folder

    # -- adding ---------------------------------------------------------------------------

    @_under_lock
    def add(
        self,
        *,
        birth_name: str,
        first_names: str,
        birth_date: date | None,
        sex: str,
        used_name: str | None = None,
        ins: str | None = None,
        ins_oid: str | None = None,
        folder: str | None = None,
        create_folder: bool = True,
        identity_qualified: bool = False,
    ) -> Patient:
        """Register a patient; the folder is created (a new name if taken on disk).

        ``folder`` adopts an existing sub-folder of the root instead (``import --folders``).
        """
        birth_name, first_names = _words(birth_name).upper(), _words(first_names)
        used_name = _words(used_name).upper() or None
        sex = (sex or "U").strip().upper()[:1] or "U"
        if not birth_name or not first_names:
            raise InvalidPatientError(
                "name missing", user_message="Le nom de naissance et le prénom sont obligatoires."
            )
        for name in (birth_name, used_name or "X", first_names):
            if not _NAME.fullmatch(name):
                raise InvalidPatientError(
                    "bad characters in a name",
                    user_message="Nom ou prénom invalide : lettres, espaces, tirets et "
                    "apostrophes seulement.",
                )
        if sex not in SEXES:
            raise InvalidPatientError("bad sex", user_message="Sexe : F, M ou U (inconnu).")
        if birth_date is not None and not date(1880, 1, 1) <= birth_date <= date.today():
            raise InvalidPatientError("bad date", user_message="Date de naissance invalide.")
        matricule, oid = self._checked_ins(ins, ins_oid)
        if identity_qualified and not matricule:
            raise InvalidPatientError(
                "qualified without INS",
                user_message="Une identité qualifiée a un INS : indiquez son matricule.",
            )
        if matricule and self.by_ins(matricule, oid or ""):
            raise InvalidPatientError(
                "duplicate INS", user_message="Un patient avec cet INS existe déjà."
            )
        for _attempt in range(20):
            patient_id = new_patient_id()
            room = PATH_BUDGET - len(str(self.root)) - 1 - FILE_ROOM - len(" (99)")
            wanted = folder_name(birth_name, first_names, birth_date, room)
            chosen = folder or self._free_folder(wanted)
            try:
                with self.db.transaction() as db:
                    db.execute(
                        "INSERT INTO patients (id, root_id, ins, ins_oid, birth_name, used_name, "
                        "first_names, birth_date, sex, folder, identity_qualified) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            patient_id,
                            self.root_id,
                            matricule,
                            oid,
                            birth_name,
                            used_name,
                            first_names,
                            birth_date.isoformat() if birth_date else None,
                            sex,
                            chosen,
                            int(identity_qualified),
                        ),
                    )
                    if create_folder and folder is None:
                        try:
                            (self.root / chosen).mkdir(mode=0o700)
                            set_mode(self.root / chosen, shared_modes(self.root)[0])
                        except FileExistsError:
                            raise  # taken meanwhile: next attempt, another name
                        except OSError as error:
                            raise PatientsRootError(
                                "cannot create patient folder",
                                user_message=f"Impossible de créer le dossier du patient dans "
                                f"{self.root} ({error.strerror}).",
                            ) from error
            except (sqlite.IntegrityError, FileExistsError):
                if folder is not None:
                    raise InvalidPatientError(
                        "folder already registered",
                        user_message="Ce dossier appartient déjà à un patient enregistré.",
                    ) from None
                continue
            return self.get(patient_id)
        raise InvalidPatientError("no free id or folder name")  # pragma: no cover

    def set_identity_qualified(self, patient_id: str, qualified: bool) -> Patient:
        """Record that she qualified (or no longer vouches for) the patient's identity."""
        patient = self.get(patient_id)
        if qualified and not patient.ins:
            raise InvalidPatientError(
                "qualified without INS",
                user_message="Ce patient n'a pas d'INS enregistré : son identité ne peut pas "
                "être qualifiée ici.",
            )
        with self.db.transaction() as db:
            db.execute(
                "UPDATE patients SET identity_qualified = ? WHERE root_id = ? AND id = ?",
                (int(qualified), self.root_id, patient.id),
            )
        return self.get(patient.id)

    def by_matricule(self, matricule: str) -> list[Patient]:
        """Patients whose INS has this matricule, whatever its OID (NIR, test...)."""
        rows = self.db.db.execute(
            "SELECT * FROM patients WHERE root_id = ? AND ins = ? ORDER BY ins_oid",
            (self.root_id, normalise_matricule(matricule)),
        )
        return [_row(r) for r in rows]

    @staticmethod
    def _checked_ins(ins: str | None, oid: str | None) -> tuple[str | None, str | None]:
        if not ins:
            return None, None
        matricule = normalise_matricule(ins)
        oid = (oid or InsKind.NIR.value).strip()
        if not key_ok(matricule):
            raise InvalidPatientError(
                "bad INS key",
                user_message="INS invalide : 15 caractères attendus, clé de contrôle fausse.",
            )
        if oid not in {kind.value for kind in InsKind}:
            raise InvalidPatientError(
                "unknown INS OID",
                user_message="OID de l'INS inconnu (attendu : 1.2.250.1.213.1.4.8 NIR, "
                ".9 NIA, .10 test, .11 démo).",
            )
        return matricule, oid

    def _already(self, birth_name: str, first_names: str, born: date) -> Patient | None:
        """A registered patient with that birth name, first first name and birth date."""
        name, first = _key(birth_name), _key(first_names.split()[0] if first_names else "")
        return next(
            (
                p
                for p in self.patients()
                if p.birth_date == born
                and _key(p.birth_name) == name
                and _key(p.first_names.split()[0]) == first
            ),
            None,
        )

    def _free_folder(self, wanted: str) -> str:
        taken = {p.folder.casefold() for p in self.patients()}
        name, number = wanted, 1
        while name.casefold() in taken or (self.root / name).exists():
            number += 1
            name = f"{wanted} ({number})"
        return name

    # -- imports --------------------------------------------------------------------------

    def import_folders(self) -> ImportReport:
        """Adopt sub-folders named like "DUPONT Marie (1980-05-12)" not registered yet."""
        report = ImportReport()
        registered = {p.folder.casefold() for p in self.patients()}
        for entry in sorted(self.root.iterdir(), key=lambda p: p.name):
            if entry.name.casefold() in registered or entry.name == ROOT_DIR:
                continue  # ROOT_DIR: the root's own database and lock
            if entry.is_symlink() or not entry.is_dir():
                report.skipped.append((entry.name, "pas un dossier"))
                continue
            parsed = parse_folder_name(entry.name)
            if safe_component(entry.name, "_", 255) != entry.name:
                report.skipped.append((entry.name, "nom de dossier non portable (Windows)"))
                continue
            if parsed is None:
                report.skipped.append(
                    (entry.name, "nom non reconnu (attendu : NOM Prénom (AAAA-MM-JJ))")
                )
                continue
            birth_name, first_names, born = parsed
            try:
                report.added.append(
                    self.add(
                        birth_name=birth_name,
                        first_names=first_names,
                        birth_date=born,
                        sex="U",
                        folder=entry.name,
                    )
                )
            except InvalidPatientError as error:
                report.skipped.append((entry.name, error.user_message))
        return report

    def import_csv(self, data: bytes) -> ImportReport:
        """The practice software's export: see docs/filing.md for the columns accepted."""
        report = ImportReport()
        text = _decode(data)
        lines = text.splitlines()
        if not lines:
            return report
        delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        header = [_column(h) for h in next(reader, [])]
        missing = {"nom_naissance", "prenoms", "date_naissance"} - set(header)
        if missing:
            report.skipped.append(
                (1, "colonnes manquantes : " + ", ".join(sorted(missing)) + " (rien importé)")
            )
            return report
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            row = dict(zip(header, (v.strip() for v in values), strict=False))
            try:
                born = _parse_date(row.get("date_naissance", ""))
                known = self._already(row.get("nom_naissance", ""), row.get("prenoms", ""), born)
                if known is not None:  # the same export imported again, or an update of it
                    report.skipped.append((number, f"déjà enregistré (patient {known.id})"))
                    continue
                report.added.append(
                    self.add(
                        birth_name=row.get("nom_naissance", ""),
                        used_name=row.get("nom_utilise") or None,
                        first_names=row.get("prenoms", ""),
                        birth_date=born,
                        sex=_sex(row.get("sexe", "")),
                        ins=row.get("ins") or None,
                        ins_oid=row.get("ins_oid") or None,
                        identity_qualified=_qualified(row.get("identite", "")),
                    )
                )
            except InvalidPatientError as error:
                report.skipped.append((number, error.user_message))
        return report


_ALIASES = {
    "nom": "nom_naissance",
    "nom_de_naissance": "nom_naissance",
    "nom_usage": "nom_utilise",
    "nom_d_usage": "nom_utilise",
    "nom_utilisé": "nom_utilise",
    "prenom": "prenoms",
    "prénoms": "prenoms",
    "prénom": "prenoms",
    "date_de_naissance": "date_naissance",
    "ddn": "date_naissance",
    "sex": "sexe",
    "matricule_ins": "ins",
    "oid": "ins_oid",
    "statut_identite": "identite",
    "statut": "identite",
    "identite_qualifiee": "identite",
    "identité": "identite",
    "identité_qualifiée": "identite",
}


def _column(name: str) -> str:
    key = name.strip().lstrip("\ufeff").lower().replace(" ", "_").replace("'", "_")
    return _ALIASES.get(key, key)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _parse_date(text: str) -> date:
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InvalidPatientError(
        "bad date", user_message="date de naissance illisible (JJ/MM/AAAA ou AAAA-MM-JJ)"
    )


def _qualified(text: str) -> bool:
    """The identity status column: "QUAL"/"qualifiée"/"oui"/"1" is qualified; anything
    else (PROV, VALI, RECUP, empty) is not (notes §4.3: only a qualified identity's INS is
    used to exchange)."""
    value = unicodedata.normalize("NFKD", text.strip().casefold())
    value = "".join(c for c in value if not unicodedata.combining(c))
    return value in ("qual", "qualifiee", "identite qualifiee", "oui", "o", "1", "vrai", "true")


def _sex(text: str) -> str:
    value = text.strip().upper()
    if value in ("F", "FEMME", "FEMININ", "FÉMININ", "2"):
        return "F"
    if value in ("M", "H", "HOMME", "MASCULIN", "1"):
        return "M"
    if value in ("", "U", "I", "INCONNU", "INDETERMINE", "INDÉTERMINÉ", "0", "9"):
        return "U"
    raise InvalidPatientError("bad sex", user_message=f"sexe non reconnu « {text} »")

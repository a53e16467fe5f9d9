"""Which registered patient a document is about, and how sure we are.

- CERTAIN: the document's INS is qualified (NIR or NIA OID, key valid) and equals a
  registered patient's INS with the same OID, and the identity traits the document gives do
  not contradict the patient's (birth date, birth name, first first name, sex). Only this
  level is ever filed without review.
- Same INS but a trait clearly differs: not certain — "incohérence", MDN error 904.
- PROBABLE / POSSIBLE: identity traits only (accents, case, hyphens and compound names
  ignored; birth name against birth or used name; the first of the first names), with a
  confidence between 0 and 1. The doctor confirms.
- NONE: nothing close; the doctor chooses or creates the patient.

Test and demo INS (OIDs ...4.10 and ...4.11) are never CERTAIN: a test message must never
land in a real patient's record. Only a patient registered with that same test/demo OID can
be proposed (a test set-up), and even then the doctor confirms: filing without review is
reserved to the production identity chain (qualified INS, notes §4.3).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from app.filing.patients import Patient
from app.mssante.model import InsKind, PatientIdentity


class Level(Enum):
    CERTAIN = "certain"
    PROBABLE = "probable"
    POSSIBLE = "possible"
    NONE = "none"


# MDN error codes (notes §4.6) for a document that cannot be filed for identity reasons
UNKNOWN_PATIENT = 902
INS_ABSENT = 903
INS_MISMATCH = 904
INS_INCOMPLETE = 905


# What the doctor reads instead of a percentage (Level → French word)
CERTAINTY = {
    Level.CERTAIN: "certain",
    Level.PROBABLE: "probable",
    Level.POSSIBLE: "à vérifier",
    Level.NONE: "à vérifier",
}

AGREE, DIFFER, ABSENT, PARTIAL = "agree", "differ", "absent", "partial"
_MARKS = {AGREE: "✓", DIFFER: "✗", ABSENT: "✗", PARTIAL: "~"}


@dataclass(frozen=True)
class Trait:
    """One identity trait of the document against a registered patient's."""

    key: str  # birth_name, first_names, birth_date, sex, ins
    label: str  # French: "Nom de naissance"
    state: str  # AGREE, DIFFER, ABSENT (the document does not give it), PARTIAL
    note: str = ""  # French: "absente", "sans OID", "non renseignée chez le patient"

    @property
    def text(self) -> str:
        """ "Nom de naissance ✓", "INS ✗ absente"."""
        return f"{self.label} {_MARKS[self.state]}" + (f" {self.note}" if self.note else "")

    def to_json(self) -> dict[str, Any]:
        return {"trait": self.key, "state": self.state, "text": self.text}


@dataclass(frozen=True)
class Candidate:
    patient: Patient
    level: Level
    confidence: float
    reasons: tuple[str, ...]  # French, for the doctor
    traits: tuple[Trait, ...] = ()  # filled by match(): each trait, agreeing or not

    @property
    def certainty(self) -> str:
        """ "certain", "probable" or "à vérifier"."""
        return CERTAINTY[self.level]

    @property
    def summary(self) -> str:
        """ "Nom de naissance ✓, Date de naissance ✓, INS ✗ absente"."""
        return ", ".join(t.text for t in self.traits)

    def to_json(self) -> dict[str, Any]:
        return {
            "patient": self.patient.id,
            "level": self.level.value,
            "confidence": round(self.confidence, 2),
            "reasons": list(self.reasons),
            "certainty": self.certainty,
            "traits": [t.to_json() for t in self.traits],
            "summary": self.summary,
        }


@dataclass(frozen=True)
class MatchResult:
    level: Level
    candidates: tuple[Candidate, ...] = ()  # best first
    error_code: int | None = None  # for an error MDN when not filed (None when CERTAIN)
    test_ins: bool = False
    conflict: bool = False  # same INS, traits differ
    explanation: str = ""  # French

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def certain(self) -> Patient | None:
        best = self.best
        return best.patient if self.level is Level.CERTAIN and best is not None else None

    @property
    def certainty(self) -> str:
        """ "certain", "probable" or "à vérifier" (a test INS is never certain)."""
        return CERTAINTY[self.level]

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "certainty": self.certainty,
            "candidates": [c.to_json() for c in self.candidates],
            "error_code": self.error_code,
            "test_ins": self.test_ins,
            "conflict": self.conflict,
            "explanation": self.explanation,
        }


# -- comparing names --------------------------------------------------------------------------


def fold(text: str | None) -> str:
    """ "Jean-Pierre", "JEAN PIERRE", "jéan  pierre" -> "jean pierre"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = plain.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _names_equal(a: str | None, b: str | None) -> bool:
    fa, fb = fold(a), fold(b)
    return bool(fa) and fa == fb


def _first_given(names: Iterable[str] | str | None) -> str:
    """The first first name: "Jean-Pierre Louis" -> "jean pierre" (a compound stays whole)."""
    if names is None:
        return ""
    items = names.split() if isinstance(names, str) else list(names)
    return fold(items[0]) if items else ""


def _given_level(identity: PatientIdentity, patient: Patient) -> int:
    """2: the first first names agree; 1: the document's is one of the patient's; 0: no."""
    wanted = _first_given(identity.first_names)
    if not wanted:
        return 0
    first = _first_given(patient.first_names)
    joined = fold(" ".join(identity.first_names))
    # "JEAN PIERRE" (a space, or two first names) for "Jean-Pierre" registered, and back
    if wanted == first or joined == first or joined.startswith(first + " "):
        return 2
    if first.startswith(wanted + " ") and fold(patient.first_names).startswith(joined):
        return 2  # "Jean" "Pierre" in the document, "Jean-Pierre Louis" registered
    return 1 if wanted in (fold(n) for n in patient.first_names.split()) else 0


def _given_matches(identity: PatientIdentity, patient: Patient) -> bool:
    return _given_level(identity, patient) > 0


def _family_matches(identity: PatientIdentity, patient: Patient) -> bool:
    theirs = {fold(patient.birth_name), fold(patient.used_name)} - {""}
    ours = {fold(identity.birth_name), fold(identity.used_name)} - {""}
    return bool(theirs & ours)


def _inverted(identity: PatientIdentity, patient: Patient) -> bool:
    """Name and first name swapped ("MARIE Dupont" for DUPONT Marie)."""
    return bool(identity.birth_name and identity.first_names) and (
        fold(identity.birth_name) == _first_given(patient.first_names)
        and _first_given(identity.first_names) == fold(patient.birth_name)
    )


def _traits_contradict(identity: PatientIdentity, patient: Patient) -> list[str]:
    """Clear differences between what the document says and the registry (French)."""
    problems = []
    if identity.birth_date and patient.birth_date and identity.birth_date != patient.birth_date:
        problems.append("date de naissance différente")
    if (identity.birth_name or identity.used_name) and not _family_matches(identity, patient):
        problems.append("nom différent")
    if identity.first_names and not _given_matches(identity, patient):
        problems.append("prénom différent")
    if identity.sex in ("F", "M") and patient.sex in ("F", "M") and identity.sex != patient.sex:
        problems.append("sexe différent")
    return problems


def _score(identity: PatientIdentity, patient: Patient) -> Candidate | None:
    same_date = bool(identity.birth_date) and identity.birth_date == patient.birth_date
    family, level = _family_matches(identity, patient), _given_level(identity, patient)
    given = level == 2
    sex_ok = identity.sex not in ("F", "M") or patient.sex not in ("F", "M")
    sex_ok = sex_ok or identity.sex == patient.sex
    reasons = []
    if same_date:
        reasons.append("même date de naissance")
    if family:
        reasons.append("même nom")
    if given:
        reasons.append("même premier prénom")
    elif level == 1:
        reasons.append("prénom parmi les prénoms (pas le premier)")
    if same_date and family and given and sex_ok:
        return Candidate(patient, Level.PROBABLE, 0.9, (*reasons,))
    if same_date and family and given:
        return Candidate(patient, Level.POSSIBLE, 0.6, (*reasons, "sexe différent"))
    if same_date and _inverted(identity, patient):
        return Candidate(patient, Level.POSSIBLE, 0.6, ("même date", "nom et prénom inversés"))
    if same_date and (family or level):
        return Candidate(patient, Level.POSSIBLE, 0.5, (*reasons,))
    if family and given and identity.birth_date and patient.birth_date:
        a, b = identity.birth_date, patient.birth_date
        if (a.year, a.month, a.day) == (b.year, b.day, b.month):
            return Candidate(patient, Level.POSSIBLE, 0.4, (*reasons, "jour et mois inversés"))
    if family and given and not identity.birth_date:
        return Candidate(patient, Level.POSSIBLE, 0.4, (*reasons, "date de naissance absente"))
    return None


def traits(identity: PatientIdentity | None, patient: Patient) -> tuple[Trait, ...]:
    """Each identity trait of the document against the patient's: agrees, differs, absent."""
    doc = identity or PatientIdentity()

    def trait(key: str, label: str, given: bool, same: bool, missing: str) -> Trait:
        if not given:
            return Trait(key, label, ABSENT, missing)
        return Trait(key, label, AGREE if same else DIFFER)

    found = [
        trait(
            "birth_name",
            "Nom de naissance",
            bool(doc.birth_name or doc.used_name),
            _family_matches(doc, patient),
            "absent",
        ),
        trait(
            "first_names", "Prénom", bool(doc.first_names), _given_matches(doc, patient), "absent"
        ),
    ]
    if doc.birth_date and not patient.birth_date:
        found.append(Trait("birth_date", "Date de naissance", PARTIAL, "non renseignée (patient)"))
    else:
        found.append(
            trait(
                "birth_date",
                "Date de naissance",
                doc.birth_date is not None,
                doc.birth_date == patient.birth_date,
                "absente",
            )
        )
    if doc.sex in ("F", "M") and patient.sex in ("F", "M"):
        found.append(trait("sex", "Sexe", True, doc.sex == patient.sex, ""))
    elif doc.sex not in ("F", "M"):
        found.append(Trait("sex", "Sexe", ABSENT, "absent"))
    ins = doc.ins
    if ins is None:
        found.append(Trait("ins", "INS", ABSENT, "absente"))
    elif not patient.ins:
        found.append(Trait("ins", "INS", PARTIAL, "non renseignée (patient)"))
    elif ins.matricule != patient.ins:
        found.append(Trait("ins", "INS", DIFFER))
    elif ins.kind is None:
        found.append(Trait("ins", "INS", PARTIAL, "même matricule, sans OID"))
    elif ins.oid != patient.ins_oid:
        found.append(Trait("ins", "INS", PARTIAL, "même matricule, autre OID"))
    elif not ins.key_ok:
        found.append(Trait("ins", "INS", PARTIAL, "clé invalide"))
    else:
        found.append(Trait("ins", "INS", AGREE))
    return tuple(found)


# -- matching ---------------------------------------------------------------------------------


def match(identity: PatientIdentity | None, patients: Iterable[Patient]) -> MatchResult:
    """Compare the document's identity with every registered patient of the root; each
    candidate comes with its traits (what agrees and what does not)."""
    found = _match(identity, patients)
    if not found.candidates:
        return found
    listed = tuple(replace(c, traits=traits(identity, c.patient)) for c in found.candidates)
    return replace(found, candidates=listed)


def _match(identity: PatientIdentity | None, patients: Iterable[Patient]) -> MatchResult:
    registered = list(patients)
    if identity is None or not (
        identity.ins or identity.birth_name or identity.used_name or identity.first_names
    ):
        return MatchResult(
            Level.NONE,
            error_code=INS_ABSENT,
            explanation="Le document n'indique pas l'identité du patient.",
        )
    ins = identity.ins
    kind = ins.kind if ins else None
    test = kind in (InsKind.TEST, InsKind.DEMO)
    by_traits = sorted(
        (c for c in (_score(identity, p) for p in registered) if c is not None),
        key=lambda c: -c.confidence,
    )

    if ins is not None and ins.key_ok and kind is not None:
        same = next(
            (p for p in registered if p.ins == ins.matricule and p.ins_oid == ins.oid), None
        )
        if same is not None:
            problems = _traits_contradict(identity, same)
            if problems:
                return MatchResult(
                    Level.POSSIBLE,
                    (Candidate(same, Level.POSSIBLE, 0.5, ("même INS", *problems)),),
                    error_code=INS_MISMATCH,
                    conflict=True,
                    test_ins=test,
                    explanation="Incohérence : même INS mais " + ", ".join(problems) + ".",
                )
            if test:
                return MatchResult(
                    Level.PROBABLE,
                    (Candidate(same, Level.PROBABLE, 0.8, ("même INS de test",)),),
                    error_code=INS_INCOMPLETE,
                    test_ins=True,
                    explanation="INS de test ou de démonstration : jamais classé sans "
                    "vérification.",
                )
            return MatchResult(
                Level.CERTAIN,
                (Candidate(same, Level.CERTAIN, 1.0, ("même INS qualifié",)),),
                explanation="Même INS qualifié, traits d'identité concordants.",
            )
        # An INS nobody has: a candidate holding another qualified INS is not that patient.
        by_traits = [
            Candidate(
                c.patient,
                Level.POSSIBLE,
                min(c.confidence, 0.3),
                (*c.reasons, "INS différent"),
            )
            if c.patient.ins and not test and c.patient.ins_oid == ins.oid
            else c
            for c in by_traits
        ]
        by_traits.sort(key=lambda c: -c.confidence)
    if test:  # never a real patient: only those registered with this test/demo OID
        by_traits = [c for c in by_traits if ins is not None and c.patient.ins_oid == ins.oid]
        return MatchResult(
            by_traits[0].level if by_traits else Level.NONE,
            tuple(by_traits),
            error_code=INS_INCOMPLETE,
            test_ins=True,
            explanation="INS de test ou de démonstration : ce document ne concerne pas un "
            "patient réel ; il n'est jamais classé sans vérification.",
        )
    if ins is None:
        code, why = INS_ABSENT, "Pas d'INS dans le document"
    elif not ins.oid:
        code, why = INS_INCOMPLETE, "INS lu sans OID (non vérifiable)"
    elif not ins.key_ok or kind is None:
        code, why = INS_INCOMPLETE, "INS incomplet ou invalide (clé ou OID)"
    else:
        code, why = UNKNOWN_PATIENT, "INS inconnu du registre"
    if by_traits:
        best = by_traits[0]
        return MatchResult(
            best.level,
            tuple(by_traits),
            error_code=code,
            explanation=f"{why} : proposition {CERTAINTY[best.level]}.",
        )
    return MatchResult(
        Level.NONE,
        error_code=code,
        explanation=f"{why} ; aucun patient ne correspond : choisissez ou créez le patient.",
    )

"""Matching a document's identity to the registry: only a qualified INS is certain."""

from __future__ import annotations

from datetime import date

import pytest

from app.filing.matching import (
    INS_ABSENT,
    INS_INCOMPLETE,
    INS_MISMATCH,
    UNKNOWN_PATIENT,
    Level,
    fold,
    match,
)
from app.filing.patients import Patient
from app.mssante.model import Ins, InsKind
from tests.filing_support import MATRICULE, OTHER_MATRICULE, identity, ins, with_key

MARIE = Patient(
    id="marie1",
    birth_name="DUPONT",
    used_name="MARTIN",
    first_names="Marie Louise",
    birth_date=date(1980, 5, 12),
    sex="F",
    folder="DUPONT Marie (1980-05-12)",
    ins=MATRICULE,
    ins_oid=InsKind.NIR.value,
)
JP = Patient(
    id="jeanp2",
    birth_name="LEFÈVRE",
    first_names="Jean-Pierre",
    birth_date=date(1975, 3, 13),
    sex="M",
    folder="LEFÈVRE Jean-Pierre (1975-03-13)",
)
TESTER = Patient(
    id="test03",
    birth_name="TEST",
    first_names="Patient",
    birth_date=date(1990, 1, 1),
    sex="U",
    folder="TEST Patient (1990-01-01)",
    ins=OTHER_MATRICULE,
    ins_oid=InsKind.TEST.value,
)
JP_SPLIT = Patient(
    id="jp2sep",
    birth_name="LEFEVRE",
    first_names="Jean Pierre",
    birth_date=date(1975, 3, 13),
    sex="M",
    folder="LEFEVRE Jean (1975-03-13)",
)
REGISTRY = [MARIE, JP, TESTER]


def test_fold_ignores_case_accents_and_separators() -> None:
    assert fold("Jean-Pierre") == fold("JEAN PIERRE") == fold("jéan   pierre") == "jean pierre"
    assert fold("LEFÈVRE") == "lefevre" and fold("Œdipe") == "oedipe"
    assert fold("O'Neil") == "o neil"


CASES = [
    # (case, identity, level, patient id or None, error code, test, conflict)
    ("same qualified INS, traits agree", identity(ins_value=ins()),
     Level.CERTAIN, "marie1", None, False, False),
    ("same INS, no traits given", identity(ins_value=ins(), birth_name=None, first_names=(),
     birth_date=None, sex=None), Level.CERTAIN, "marie1", None, False, False),
    ("same INS (NIA OID) is another INS", identity(ins_value=ins(kind=InsKind.NIA)),
     Level.PROBABLE, "marie1", UNKNOWN_PATIENT, False, False),
    ("same INS, used name given as birth name", identity(ins_value=ins(), birth_name="MARTIN"),
     Level.CERTAIN, "marie1", None, False, False),
    ("same INS, other birth date", identity(ins_value=ins(), birth_date=date(1981, 5, 12)),
     Level.POSSIBLE, "marie1", INS_MISMATCH, False, True),
    ("same INS, other name", identity(ins_value=ins(), birth_name="DURAND"),
     Level.POSSIBLE, "marie1", INS_MISMATCH, False, True),
    ("same INS, other sex", identity(ins_value=ins(), sex="M"),
     Level.POSSIBLE, "marie1", INS_MISMATCH, False, True),
    ("same INS, other first name", identity(ins_value=ins(), first_names=("Paul",)),
     Level.POSSIBLE, "marie1", INS_MISMATCH, False, True),
    ("INS with a bad key", identity(ins_value=Ins(MATRICULE, InsKind.NIR.value, False)),
     Level.PROBABLE, "marie1", INS_INCOMPLETE, False, False),
    ("INS with an unknown OID", identity(ins_value=Ins(MATRICULE, "1.2.3", True)),
     Level.PROBABLE, "marie1", INS_INCOMPLETE, False, False),
    ("traits only, accents and case", identity(birth_name="dupont", first_names=("MARIE",)),
     Level.PROBABLE, "marie1", INS_ABSENT, False, False),
    ("traits only, compound with a space", identity(birth_name="Lefevre",
     first_names=("JEAN PIERRE",), birth_date=date(1975, 3, 13), sex="M"),
     Level.PROBABLE, "jeanp2", INS_ABSENT, False, False),
    ("traits only, compound registered split", identity(birth_name="LEFEVRE",
     first_names=("Jean-Pierre",), birth_date=date(1975, 3, 13), sex="M"),
     Level.PROBABLE, "jp2sep", INS_ABSENT, False, False),
    ("traits only, compound split in two", identity(birth_name="LEFEVRE",
     first_names=("Jean", "Pierre"), birth_date=date(1975, 3, 13), sex="M"),
     Level.PROBABLE, "jeanp2", INS_ABSENT, False, False),
    ("traits only, used name", identity(birth_name=None, used_name="Martin"),
     Level.PROBABLE, "marie1", INS_ABSENT, False, False),
    ("traits only, second first name", identity(first_names=("Louise",)),
     Level.POSSIBLE, "marie1", INS_ABSENT, False, False),
    ("inverted name and first name", identity(birth_name="MARIE", first_names=("Dupont",)),
     Level.POSSIBLE, "marie1", INS_ABSENT, False, False),
    ("day and month swapped", identity(birth_date=date(1980, 12, 5)),
     Level.POSSIBLE, "marie1", INS_ABSENT, False, False),
    ("same date, name only", identity(first_names=("Sophie",)),
     Level.POSSIBLE, "marie1", INS_ABSENT, False, False),
    ("other sex, all else equal", identity(sex="M"),
     Level.POSSIBLE, "marie1", INS_ABSENT, False, False),
    ("nobody close", identity(birth_name="DURAND", first_names=("Paul",)),
     Level.NONE, None, INS_ABSENT, False, False),
    ("unknown qualified INS, nobody close", identity(ins_value=ins(OTHER_MATRICULE),
     birth_name="DURAND", first_names=("Paul",)), Level.NONE, None, UNKNOWN_PATIENT, False, False),
    ("unknown qualified INS, traits of a patient holding another INS",
     identity(ins_value=ins(with_key("2800575999999"))),
     Level.POSSIBLE, "marie1", UNKNOWN_PATIENT, False, False),
    ("test INS never matches a real patient", identity(ins_value=ins(kind=InsKind.TEST)),
     Level.NONE, None, INS_INCOMPLETE, True, False),
    ("demo INS likewise", identity(ins_value=ins(kind=InsKind.DEMO)),
     Level.NONE, None, INS_INCOMPLETE, True, False),
    ("test INS, traits of the test patient, other test INS", identity(
     ins_value=ins(MATRICULE, InsKind.TEST), birth_name="TEST",
     first_names=("Patient",), birth_date=date(1990, 1, 1)),
     Level.PROBABLE, "test03", INS_INCOMPLETE, True, False),
    ("test INS of a test patient: proposed, not certain", identity(
     ins_value=ins(OTHER_MATRICULE, InsKind.TEST), birth_name="TEST",
     first_names=("Patient",), birth_date=date(1990, 1, 1)),
     Level.PROBABLE, "test03", INS_INCOMPLETE, True, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "level", "patient", "code", "test", "conflict"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_match_table(
    who: object,
    level: Level,
    patient: str | None,
    code: int | None,
    test: bool,
    conflict: bool,
) -> None:
    registry = [JP_SPLIT, MARIE, TESTER] if patient == "jp2sep" else REGISTRY
    result = match(who, registry)  # type: ignore[arg-type]
    assert result.level is level, result.explanation
    assert (result.best.patient.id if result.best else None) == patient
    assert result.error_code == code
    assert (result.test_ins, result.conflict) == (test, conflict)
    assert (result.certain is not None) == (level is Level.CERTAIN)
    assert result.explanation


def test_a_probable_match_holding_another_ins_is_demoted() -> None:
    no_ins = Patient(**{**MARIE.__dict__, "ins": None, "ins_oid": None})
    result = match(identity(ins_value=ins(with_key("2800575999999"))), [no_ins])
    assert result.level is Level.PROBABLE and result.best is not None
    assert result.best.confidence == pytest.approx(0.9)  # she may have no INS registered yet
    demoted = match(identity(ins_value=ins(with_key("2800575999999"))), [MARIE])
    assert demoted.best is not None and demoted.best.confidence <= 0.3
    assert "INS différent" in demoted.best.reasons


def test_no_identity_at_all() -> None:
    assert match(None, REGISTRY).level is Level.NONE
    assert match(identity(birth_name=None, first_names=()), REGISTRY).error_code == INS_ABSENT


def test_candidates_are_best_first() -> None:
    twin = Patient(**{**MARIE.__dict__, "id": "twin01", "first_names": "Sophie", "ins": None})
    result = match(identity(), [twin, MARIE])
    assert [c.patient.id for c in result.candidates] == ["marie1", "twin01"]
    assert result.candidates[0].confidence > result.candidates[1].confidence


def test_each_candidate_says_which_traits_agree_in_words() -> None:
    """Not a bare percentage: certain / probable / à vérifier, and every trait."""
    certain = match(identity(ins_value=ins()), REGISTRY)
    assert certain.certainty == "certain" and certain.best is not None
    assert certain.best.summary == (
        "Nom de naissance ✓, Prénom ✓, Date de naissance ✓, Sexe ✓, INS ✓"
    )
    near = match(identity(first_names=("Marie",)), REGISTRY)
    assert near.certainty == "probable" and near.best is not None
    assert near.best.summary.endswith("INS ✗ absente") and "%" not in near.explanation
    hprim = Ins(MATRICULE, "", True)  # the HPRIM header's matricule: no OID
    read = match(identity(ins_value=hprim, sex=None), REGISTRY)
    assert read.level is Level.PROBABLE and read.error_code == INS_INCOMPLETE
    assert read.explanation.startswith("INS lu sans OID")
    assert read.best is not None and read.best.certainty == "probable"
    assert "INS ~ même matricule, sans OID" in read.best.summary
    assert "Sexe ✗ absent" in read.best.summary
    off = match(identity(birth_date=date(1980, 12, 5)), REGISTRY)  # day and month swapped
    assert off.certainty == "à vérifier" and off.best is not None
    states = {t.key: t.state for t in off.best.traits}
    assert states == {
        "birth_name": "agree",
        "first_names": "agree",
        "birth_date": "differ",
        "sex": "agree",
        "ins": "absent",
    }
    assert off.to_json()["candidates"][0]["traits"][2] == {
        "trait": "birth_date",
        "state": "differ",
        "text": "Date de naissance ✗",
    }

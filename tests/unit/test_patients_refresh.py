"""The patient list refreshed from the practice software's export: when, and what it does.

A real registry (SQLite) and a real CSV file that the "practice software" rewrites between
runs; the clock is passed in (never today's date).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.core.settings import Settings
from app.filing.db import FilingDb
from app.filing.errors import FilingError
from app.filing.patients import Registry
from app.filing.patients_refresh import STATE_FILE, is_due, refresh
from tests.filing_support import MATRICULE

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
HEADER = "nom_naissance;nom_utilise;prenoms;date_naissance;sexe;ins;ins_oid;statut_identite\n"
MARIE = f"DUPONT;;Marie Louise;12/05/1980;F;{MATRICULE};1.2.250.1.213.1.4.8;QUAL\n"
PAUL = "MARTIN;;Paul;03/02/1975;M;;;\n"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    (tmp_path / "P").mkdir()
    db = FilingDb.open(tmp_path / "data")
    yield Registry(db, tmp_path / "P")
    db.close()


def test_a_changing_export_adds_the_new_patients_and_an_unchanged_one_is_not_read(
    tmp_path: Path, registry: Registry
) -> None:
    export, data = tmp_path / "export.csv", tmp_path / "data"
    export.write_text(HEADER + MARIE, encoding="cp1252")
    first = refresh(registry, export, data, T0)
    assert first.ran and [p.birth_name for p in first.report.added] == ["DUPONT"]  # type: ignore[union-attr]
    assert registry.patients()[0].identity_qualified
    same = refresh(registry, export, data, T0 + timedelta(hours=1))
    assert not same.ran and "inchangé" in same.message
    export.write_text(HEADER + MARIE + PAUL, encoding="cp1252")  # the software exports again
    second = refresh(registry, export, data, T0 + timedelta(days=1))
    assert second.ran and second.report is not None
    assert [p.birth_name for p in second.report.added] == ["MARTIN"]
    assert second.report.skipped == [(2, f"déjà enregistré (patient {registry.patients()[0].id})")]
    assert sorted(p.birth_name for p in registry.patients()) == ["DUPONT", "MARTIN"]
    state = (data / STATE_FILE).read_text(encoding="utf-8")
    assert "DUPONT" not in state and "MARTIN" not in state  # no patient data kept there
    assert second.to_json()["added"][0]["birth_name"] == "MARTIN"


def test_an_unreadable_export_is_a_clear_error(tmp_path: Path, registry: Registry) -> None:
    with pytest.raises(FilingError) as error:
        refresh(registry, tmp_path / "absent.csv", tmp_path / "data", T0)
    assert "Impossible de lire l'export" in error.value.user_message
    assert registry.patients() == []


def test_when_a_refresh_is_due(tmp_path: Path, registry: Registry) -> None:
    export, data = tmp_path / "export.csv", tmp_path / "data"
    export.write_text(HEADER + MARIE, encoding="utf-8")
    daily = Settings(patients_export=export, refresh="quotidien")
    at_start = Settings(patients_export=export, refresh="au_demarrage")
    assert not is_due(Settings(), data, T0)  # no export set: never
    assert is_due(daily, data, T0) and is_due(at_start, data, T0)  # never run yet
    refresh(registry, export, data, T0)
    assert not is_due(daily, data, T0 + timedelta(hours=23))
    assert is_due(daily, data, T0 + timedelta(hours=24))
    assert is_due(daily, data, T0 - timedelta(hours=1))  # the clock went back: run again
    assert is_due(at_start, data, T0 + timedelta(minutes=1))  # every start

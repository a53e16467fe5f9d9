"""The demo's patients folder and registry: made once, from the sample mail's documents."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from app.core.paths import Profile
from app.core.settings import Settings
from app.filing.service import Filing
from app.mssante.model import InsKind
from app.sandbox.mailbox import PARIS
from app.sandbox.patients import FOLDER, set_up_patients

ME = "docteur.demo@medecin.mssante.test"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)

Registered = tuple[str, str, date | None, str, str | None, str | None]


def registered(profile: Profile, root: Path) -> set[Registered]:
    filing = Filing.open(profile.data_dir, root)
    try:
        return {
            (p.birth_name, p.first_names, p.birth_date, p.sex, p.ins, p.ins_oid)
            for p in filing.registry.patients()
        }
    finally:
        filing.close()


def test_the_demo_knows_its_sample_patients_once(tmp_path: Path) -> None:
    profile = Profile.from_dir(tmp_path / "demo")
    profile.data_dir.mkdir(parents=True)
    root = set_up_patients(profile, ME, NOW)
    assert root == profile.data_dir / FOLDER and root.is_dir()
    assert Settings.load(profile.config_file).patients_dir == root
    patients = registered(profile, root)
    assert {p[0] for p in patients} == {"BLANCHARD", "GARNIER", "JEAN", "SCHMITT"}
    with_ins = [p for p in patients if p[4]]
    assert len(with_ins) == 2 and {p[5] for p in with_ins} == {InsKind.TEST.value}
    assert set_up_patients(profile, ME, NOW) == root  # a later start changes nothing
    assert registered(profile, root) == patients


@pytest.mark.parametrize(
    "now",
    [
        datetime(2020, 2, 29, 10, 0, tzinfo=PARIS),
        datetime(2026, 3, 29, 3, 30, tzinfo=PARIS),  # just after the change to summer time
        datetime(2026, 12, 7, 9, 15, tzinfo=PARIS),
        datetime(2027, 1, 1, 0, 30, tzinfo=PARIS),
        datetime(2031, 7, 14, 23, 59, tzinfo=PARIS),
    ],
    ids=lambda now: now.strftime("%Y-%m-%d"),
)
def test_the_same_patients_whatever_the_day(tmp_path: Path, now: datetime) -> None:
    expected = Profile.from_dir(tmp_path / "expected")
    expected.data_dir.mkdir(parents=True)
    profile = Profile.from_dir(tmp_path / "demo")
    profile.data_dir.mkdir(parents=True)
    assert registered(profile, set_up_patients(profile, ME, now)) == registered(
        expected, set_up_patients(expected, ME, NOW)
    )

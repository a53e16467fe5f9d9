"""The demo's patients folder and registry: made once, from the sample mail's documents."""

from __future__ import annotations

from pathlib import Path

from app.core.paths import Profile
from app.core.settings import Settings
from app.filing.service import Filing
from app.mssante.model import InsKind
from app.sandbox.patients import FOLDER, set_up_patients

ME = "docteur.demo@medecin.mssante.test"


def test_the_demo_knows_its_sample_patients_once(tmp_path: Path) -> None:
    profile = Profile.from_dir(tmp_path / "demo")
    profile.data_dir.mkdir(parents=True)
    root = set_up_patients(profile, ME)
    assert root == profile.data_dir / FOLDER and root.is_dir()
    assert Settings.load(profile.config_file).patients_dir == root
    filing = Filing.open(profile.data_dir, root)
    try:
        patients = filing.registry.patients()
        assert {p.birth_name for p in patients} == {"BLANCHARD", "GARNIER", "JEAN", "SCHMITT"}
        with_ins = [p for p in patients if p.ins]
        assert len(with_ins) == 2 and {p.ins_oid for p in with_ins} == {InsKind.TEST.value}
    finally:
        filing.close()
    assert set_up_patients(profile, ME) == root  # a later start changes nothing
    filing = Filing.open(profile.data_dir, root)
    try:
        assert len(filing.registry.patients()) == 4
    finally:
        filing.close()

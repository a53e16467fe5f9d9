"""The demo's patients: a patients folder in the demo profile and the sample mail's
patients registered, so that "Classer" files a discharge letter at once (their INS are
test INS: the dialog says so, and the doctor's click does the filing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from app.core.paths import Profile
from app.core.settings import Settings
from app.filing.patients import Registry
from app.filing.service import Filing
from app.mssante.documents import read_message
from app.mssante.model import PatientIdentity
from app.sandbox.samples import sample_mail

FOLDER = "Patients (démo)"


def set_up_patients(profile: Profile, address: str, now: dt.datetime | None = None) -> Path:
    """The demo's patients root (made and put in config.toml at the first start), with the
    patients of ``address``'s sample mail (as dated at ``now``, default: the current time)
    registered."""
    settings = Settings.load(profile.config_file)
    if settings.patients_dir is not None:
        return settings.patients_dir  # set up by an earlier start (or changed by her)
    root = profile.data_dir / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    raws = [sample.raw for sample in sample_mail(address, now)]
    filing = Filing.open(profile.data_dir, root)
    try:
        for raw in raws:
            for document in read_message(raw).documents:
                _register(filing.registry, document.identity)
    finally:
        filing.close()
    replace(settings, patients_dir=root).save(profile.config_file)  # last: done once
    return root


def _register(registry: Registry, identity: PatientIdentity | None) -> None:
    if identity is None or not identity.birth_name or not identity.first_names:
        return
    if identity.birth_date is None:
        return
    for patient in registry.patients():  # one patient, several documents
        if (patient.birth_name, patient.birth_date) == (
            identity.birth_name.upper(),
            identity.birth_date,
        ):
            return
    read = identity.ins  # an INS read without its OID (HPRIM) is not registered as one
    ins = read if read is not None and read.key_ok and read.kind is not None else None
    registry.add(
        birth_name=identity.birth_name,
        first_names=" ".join(identity.first_names),
        birth_date=identity.birth_date,
        sex=identity.sex or "U",
        ins=ins.matricule if ins else None,
        ins_oid=ins.oid if ins else None,
    )

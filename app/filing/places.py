"""Where a message's documents were filed: the day and the patient's folder, for the reader
("Classé le 22/11/2026 dans le dossier de DUPONT Marie", the folder a click away)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.filing.errors import FilingError
from app.filing.service import Filing, message_key
from app.store.db import MessageSummary


@dataclass(frozen=True)
class FiledPlace:
    day: str  # "22/11/2026", local time
    patient: str  # the patient's display name (for the doctor, never for logs)
    folder: Path


def filed_places(filing: Filing, message: MessageSummary) -> list[FiledPlace]:
    """Each patient folder the message's documents are filed in (live entries), once."""
    places: dict[str, FiledPlace] = {}
    for entry in filing.journal.filed_for_message(message.account, message_key(message)):
        if entry.patient_id is None or entry.patient_id in places:
            continue
        try:
            patient = filing.registry.get(entry.patient_id)
        except FilingError:
            continue  # removed from the registry since: nothing to point to
        folder = filing.registry.folder_path(patient)
        places[entry.patient_id] = FiledPlace(entry.day, patient.display, folder)
    return list(places.values())

"""What the window's "Adresser des documents" needs around ``app.ops.send_documents``.

- ``patient_files(registry, patient)``: the PDFs of the patient's folder she can pick.
- ``filed_documents(db, root, account, message_id)``: the patient and the PDFs of a received
  message already filed (journal), to send them on.

The checks, the build and the queueing are ``app.ops.send_documents``'s (``prepare``,
``queue``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.filing.db import FilingDb
from app.filing.journal import Journal
from app.filing.patients import Patient, Registry

MAX_LISTED_FILES = 500
MAX_DEPTH = 3  # the patient's folder and a few sub-folders (filing writes at the top)


def patient_files(registry: Registry, patient: Patient) -> list[Path]:
    """PDFs in the patient's folder (newest first, bounded); none when it is missing."""
    folder = registry.folder_path(patient)
    found: list[tuple[float, Path]] = []

    def walk(directory: Path, depth: int) -> None:
        try:
            entries = list(directory.iterdir())
        except OSError:
            return
        for entry in entries:
            if len(found) >= MAX_LISTED_FILES:
                return
            if entry.is_symlink():
                continue
            if entry.is_dir() and depth < MAX_DEPTH:
                walk(entry, depth + 1)
            elif entry.suffix.lower() == ".pdf" and entry.is_file():
                try:
                    found.append((entry.stat().st_mtime, entry))
                except OSError:
                    continue

    walk(folder, 1)
    return [path for _when, path in sorted(found, key=lambda pair: pair[0], reverse=True)]


@dataclass(frozen=True)
class FiledDocuments:
    patient_id: str
    files: tuple[Path, ...]  # the PDFs written for the message, under the patients root


def filed_documents(
    db: FilingDb, registry: Registry, account: str, message_id: str
) -> FiledDocuments | None:
    """The patient and PDFs of a received message already filed, or None."""
    journal = Journal(db, registry.root_id)
    for entry in reversed(journal.filed_for_message(account, message_id)):
        if entry.patient_id is None:
            continue
        files = tuple(
            registry.root / f.path
            for f in entry.files
            if f.path.lower().endswith(".pdf") and (registry.root / f.path).is_file()
        )
        if files:
            return FiledDocuments(entry.patient_id, files)
    return None

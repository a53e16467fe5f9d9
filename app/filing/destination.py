"""Where the filing's write step puts a document: a patient's folder, or the practice
software's import folder (``app.filing.practice_import``).

The service plans, journals and writes the same way for both (``filer.write_new``: atomic,
never overwriting, the journal's pending/written/filed steps, undo, crash recovery); a
destination only says where and under which names:

```python
placement = destination.place(root, patient, document, message_day, sender)
placement.base, placement.folder   # write_new(base, folder, name, data): folder is below base
placement.files                    # PlannedFile list, written in this order
placement.journal_path(name)       # the path the journal keeps for a file written there
```

Journal paths are relative to the patients root for its patients' folders, absolute for an
import folder (outside the root): :func:`locate` turns either back into a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePath
from typing import Protocol

from app.filing import filer
from app.filing.patients import Patient
from app.mssante.model import ReceivedDocument


@dataclass(frozen=True)
class Placement:
    base: Path  # write_new's root: folder is checked to be below it
    folder: Path
    files: list[filer.PlannedFile]
    prefix: str  # journal path of a file = prefix + its name
    where: str  # French, after "Classé dans " / "Déposé dans ": for the doctor
    modes_from: Path | None = None  # whose rights the files get (None: base's)

    def journal_path(self, name: str) -> str:
        return f"{self.prefix}{name}"


class Destination(Protocol):
    kind: str  # "dossiers" or "logiciel" (the [classement] destination setting)

    def place(
        self,
        root: Path,
        patient: Patient,
        document: ReceivedDocument,
        message_day: date | None,
        sender: str | None,
    ) -> Placement: ...

    def done(self, patient: Patient, placement: Placement, names: list[str]) -> str:
        """French outcome text once written."""
        ...

    def target(self, root: Path, patient: Patient) -> Path:
        """The folder the patient's documents go to (shown before filing)."""
        ...


class PatientFolders:
    """The default: the patient's sub-folder of the patients root (docs/filing.md)."""

    kind = "dossiers"

    def place(
        self,
        root: Path,
        patient: Patient,
        document: ReceivedDocument,
        message_day: date | None,
        sender: str | None,
    ) -> Placement:
        folder = filer.patient_folder(root, patient.folder)
        filer.remove_temporaries(folder)
        planned = filer.plan(folder, document, message_day, sender)
        return Placement(root, folder, planned, f"{patient.folder}/", patient.folder)

    def done(self, patient: Patient, placement: Placement, names: list[str]) -> str:
        return f"Classé dans le dossier de {patient.display} : " + ", ".join(names)

    def target(self, root: Path, patient: Patient) -> Path:
        return root / patient.folder


def locate(root: Path, journal_path: str) -> tuple[Path, Path]:
    """``(base, file)`` of a journal path: below the patients root when relative, else the
    import folder file it names (its base is the folder's parent, for ``filer.inside``)."""
    if PurePath(journal_path).is_absolute():
        path = Path(journal_path)
        return path.parent.parent, path
    return root, root / journal_path

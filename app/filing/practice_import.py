"""The practice software's import folder as filing destination (docs/practice-software.md).

Two formats, chosen per installation (``[classement] format``, ``--import-format``):

- ``hprim``: the document's readable file (its PDF, else what the doctor opens) and, beside
  it with the same base name, an HPRIM Santé file naming the patient
  (``app.mssante.hprim_writer``). The document is written first, the ``.hpr`` last: a
  software that picks up ``.hpr`` files finds the document already complete there.
- ``xdm``: the ``IHE_XDM.ZIP`` as received, untouched. A document that did not come in one
  is refused (nothing written). An archive already deposited (the same bytes, for another
  document of the same message) is not deposited twice.

Same journal, duplicates and atomic writes as the patients' folders: this is a
:class:`~app.filing.destination.Destination` for the one write step of
:class:`~app.filing.service.Filing`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from app.core.private import private_directory
from app.core.settings import Settings
from app.filing import filer
from app.filing.destination import Placement
from app.filing.errors import FilingError
from app.filing.names import MAX_FILE_CHARS, PATH_BUDGET, safe_file_name
from app.filing.patients import Patient
from app.mssante.hprim_writer import EXTENSION, hprim_file
from app.mssante.model import DocumentFile, ReceivedDocument

FORMATS = ("hprim", "xdm")
XDM_MARK = "_IHE_XDM"  # "<date>_<type>_<author>_IHE_XDM.zip"
_SCAN_LIMIT = 5000  # entries looked at for an archive already deposited


class ImportFolderError(FilingError):
    default_message = "Le dossier d'import du logiciel métier est inutilisable."


def check_import_dir(folder: Path) -> Path:
    """The resolved import folder; missing, not a folder or not writable is a clear error."""
    try:
        resolved = folder.expanduser().resolve(strict=True)
    except (OSError, RuntimeError) as error:
        raise ImportFolderError(
            "import folder missing",
            user_message=f"Le dossier d'import du logiciel métier {folder} n'existe pas. "
            "Créez-le ou choisissez-en un autre (Classement > Destination…).",
        ) from error
    if not resolved.is_dir() or resolved.parent == resolved:
        raise ImportFolderError(
            "import folder not a folder",
            user_message=f"{folder} n'est pas un dossier utilisable comme dossier d'import.",
        )
    if not os.access(resolved, os.W_OK | os.X_OK):
        raise ImportFolderError(
            "import folder not writable",
            user_message=f"Le dossier d'import {folder} n'est pas accessible en écriture.",
        )
    return resolved


class PracticeImport:
    """Deposit documents into the practice software's import folder."""

    kind = "logiciel"

    def __init__(
        self,
        folder: Path,
        fmt: str = "hprim",
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC).astimezone(),
    ) -> None:
        if fmt not in FORMATS:
            raise ImportFolderError(
                f"unknown import format {fmt!r}",
                user_message=f"Format d'import inconnu « {fmt} » : hprim ou xdm.",
            )
        self.folder = folder
        self.format = fmt
        self.clock = clock

    def place(
        self,
        root: Path,
        patient: Patient,
        document: ReceivedDocument,
        message_day: date | None,
        sender: str | None,
    ) -> Placement:
        folder = check_import_dir(self.folder)
        filer.remove_temporaries(folder)
        stem = self._stem(folder, document, message_day, sender)
        if self.format == "xdm":
            files = self._xdm(folder, document, stem)
        else:
            files = self._hprim(folder, patient, document, stem)
        where = "le dossier d'import du logiciel métier"
        return Placement(folder.parent, folder, files, f"{folder}{os.sep}", where, folder)

    def done(self, patient: Patient, placement: Placement, names: list[str]) -> str:
        if not names:
            return (
                f"Déjà déposé pour {patient.display} dans le dossier d'import du logiciel "
                "métier (la même archive IHE_XDM.ZIP, avec un autre document du message)."
            )
        return (
            f"Déposé pour {patient.display} dans le dossier d'import du logiciel métier : "
            + ", ".join(names)
        )

    def target(self, root: Path, patient: Patient) -> Path:
        return self.folder

    # -- the two formats ------------------------------------------------------------------

    def _hprim(
        self, folder: Path, patient: Patient, document: ReceivedDocument, stem: str
    ) -> list[filer.PlannedFile]:
        item = document.pdf or document.readable or next(iter(document.originals), None)
        if item is None:
            raise FilingError("nothing to deposit", user_message="Document vide : rien à déposer.")
        extension = self._extension(item)
        for number in range(1, 1000):
            tagged = stem if number == 1 else f"{stem} ({number})"
            name = safe_file_name(tagged, extension, "document", MAX_FILE_CHARS + 10)
            label = safe_file_name(tagged, EXTENSION, "document", MAX_FILE_CHARS + 10)
            if not (folder / name).exists() and not (folder / label).exists():
                break
        else:
            raise FilingError("no free file name", user_message="Trop de documents du même nom.")
        header = hprim_file(patient.identity(), written_at=self.clock())
        return [
            filer.PlannedFile(name, item.data, filer.sha256(item.data)),
            filer.PlannedFile(label, header, filer.sha256(header)),  # last: the signal
        ]

    def _xdm(self, folder: Path, document: ReceivedDocument, stem: str) -> list[filer.PlannedFile]:
        archive = next((o for o in document.originals if o.media_type == "application/zip"), None)
        if archive is None:
            raise FilingError(
                "not received as IHE_XDM",
                user_message="Ce document n'est pas arrivé dans une archive IHE_XDM.ZIP : "
                "l'import XDM du logiciel métier ne peut pas le recevoir. Choisissez le "
                "format HPRIM (Classement > Destination…) ou classez-le dans un dossier patient.",
            )
        digest = filer.sha256(archive.data)
        if self._already_there(folder, digest):
            return []
        name = safe_file_name(stem + XDM_MARK, ".zip", "document", MAX_FILE_CHARS + 10)
        if (folder / name).exists():
            name = filer.plan_again(folder, name)
        return [filer.PlannedFile(name, archive.data, digest)]

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _extension(item: DocumentFile) -> str:
        media = item.media_type.lower()
        known = {"application/pdf": ".pdf", "text/html": ".html", "text/xml": ".xml"}
        if media in known:
            return known[media]
        suffix = Path(item.name).suffix.lower()
        return suffix if suffix[1:].isalnum() else ".bin"

    @staticmethod
    def _stem(
        folder: Path, document: ReceivedDocument, message_day: date | None, sender: str | None
    ) -> str:
        room = min(MAX_FILE_CHARS, max(30, PATH_BUDGET - len(str(folder)) - 1))
        room -= len(XDM_MARK) + len(".zip (99)")
        base = filer.base_name(document, message_day, sender)
        return base[: max(20, room)].rstrip(" ._-")

    @staticmethod
    def _already_there(folder: Path, digest: str) -> bool:
        for count, entry in enumerate(folder.iterdir()):
            if count >= _SCAN_LIMIT:
                return False
            xdm = XDM_MARK in entry.name and entry.suffix.lower() == ".zip"
            if xdm and filer.same_content(entry, digest):
                return True
        return False


REGISTRY_DIR = "patients-logiciel"  # the registry's root when there are no patients folders


def destination_for(
    settings: Settings, import_dir: Path | None = None, import_format: str | None = None
) -> PracticeImport | None:
    """The import folder destination the command line or the settings ask for, or None for
    the patients' folders (``--import-dir`` wins over ``[classement] destination``)."""
    if import_dir is not None:
        return PracticeImport(import_dir, import_format or settings.import_format)
    if settings.destination != "logiciel":
        if import_format is not None:
            raise ImportFolderError(
                "import format without import folder",
                user_message="--import-format va avec --import-dir (ou la destination "
                "« logiciel » des réglages).",
            )
        return None
    if settings.import_dir is None:
        raise ImportFolderError(
            "no import folder",
            user_message="La destination est le logiciel métier mais son dossier d'import "
            "n'est pas réglé : Classement > Destination…, ou [classement] dossier_import.",
        )
    return PracticeImport(settings.import_dir, import_format or settings.import_format)


def registry_root(settings: Settings, data_dir: Path) -> Path | None:
    """Where the patient registry lives when documents go to the practice software and no
    patients folder is set: a folder of the profile (she is never asked for one)."""
    if settings.patients_dir is not None or settings.destination != "logiciel":
        return settings.patients_dir
    root = data_dir / REGISTRY_DIR
    private_directory(root)
    return root

"""The patient list refreshed from the practice software's export, on a schedule.

``[classement] export_patients`` names the CSV file the practice software exports (columns:
docs/filing.md, "patients import"); ``rafraichir`` says when it is read again:

- ``au_demarrage``: each time Caducée starts (the window; ``caducee patients import
  --export --if-due`` in a logon script does the same);
- ``quotidien``: at start and then once a day, when the last run is 24 hours old.

A run is the same import as ``caducee patients import --csv`` (``Registry.import_csv``:
new patients added, known ones left as they are). An export whose bytes did not change
since the last run is not read again. The last run (time, export hash) is kept in
``<profile>/export-patients.json`` (no patient data in it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.core.private import create_private
from app.core.settings import Settings
from app.filing.errors import FilingError
from app.filing.patients import ImportReport, Registry

log = logging.getLogger(__name__)

STATE_FILE = "export-patients.json"
DAY = timedelta(hours=24)


@dataclass(frozen=True)
class RefreshOutcome:
    ran: bool  # the export was read and imported
    message: str  # French, for the doctor
    report: ImportReport | None = None

    def to_json(self) -> dict[str, Any]:
        report = self.report or ImportReport()
        return {
            "ran": self.ran,
            "message": self.message,
            "added": [p.to_json() for p in report.added],
            "skipped": [{"line": where, "reason": why} for where, why in report.skipped],
        }


def _load_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_state(path: Path, state: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    create_private(temporary)
    with temporary.open("w", encoding="utf-8") as out:
        json.dump(state, out)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def _last_run(state: dict[str, Any]) -> datetime | None:
    """The last run's time; None when missing, unreadable or without its time zone."""
    value = state.get("last_run")
    with contextlib.suppress(TypeError, ValueError):
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        return moment if moment is not None and moment.tzinfo is not None else None
    return None


def is_due(settings: Settings, data_dir: Path, now: datetime) -> bool:
    """Whether a scheduled run is due now (``au_demarrage``: at every start, so always)."""
    if settings.patients_export is None:
        return False
    if settings.refresh != "quotidien":
        return True
    last = _last_run(_load_state(data_dir / STATE_FILE))
    return last is None or now - last >= DAY or last > now  # a clock set back: run


def refresh(
    registry: Registry, export: Path, data_dir: Path, now: datetime | None = None
) -> RefreshOutcome:
    """Import ``export`` into ``registry`` unless it is unchanged since the last run."""
    now = now or datetime.now(UTC)
    try:
        data = export.read_bytes()
    except OSError as error:
        raise FilingError(
            "cannot read the patients export",
            user_message=f"Impossible de lire l'export des patients du logiciel métier "
            f"{export} ({error.strerror}). Vérifiez le chemin (Classement > Destination…).",
        ) from error
    digest = hashlib.sha256(data).hexdigest()
    state_path = data_dir / STATE_FILE
    state = _load_state(state_path)
    same = state.get("sha256") == digest and state.get("root") == str(registry.root)
    if same:
        outcome = RefreshOutcome(False, "Export des patients inchangé depuis la dernière fois.")
    else:
        report = registry.import_csv(data)
        outcome = RefreshOutcome(
            True,
            f"Liste des patients mise à jour depuis le logiciel métier : "
            f"{len(report.added)} ajouté(s), {len(report.skipped)} ignoré(s).",
            report,
        )
        log.info(
            "patients export imported (%d added, %d skipped)",
            len(report.added),
            len(report.skipped),
        )
    _save_state(
        state_path,
        {"last_run": now.isoformat(), "sha256": digest, "root": str(registry.root)},
    )
    return outcome

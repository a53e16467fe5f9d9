"""User settings, in ``config.toml`` of the profile: typed, versioned, documented.

```toml
version = 1

[carte]
# PKCS#11 module of the card; empty = automatic detection of Cryptolib CPS
module = ""

[session]
# minutes without use before the window locks (0 = never); unlocking asks the PIN again
verrouillage_minutes = 120

[classement]
# folder holding one sub-folder per patient (default of --patients-dir); empty = none
dossier_patients = ""
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import CaduceeError

SETTINGS_VERSION = 1
DEFAULT_LOCK_MINUTES = 120


class SettingsError(CaduceeError, ValueError):
    default_message = "Le fichier de réglages (config.toml) est illisible."


@dataclass(frozen=True)
class Settings:
    card_module: str | None = None
    lock_minutes: int = DEFAULT_LOCK_MINUTES
    patients_dir: Path | None = None

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise SettingsError(
                f"cannot read {path}: {error}",
                user_message=f"Le fichier de réglages {path} est illisible : {error}",
            ) from error
        card = data.get("carte", {})
        module = card.get("module") if isinstance(card, dict) else None
        session = data.get("session", {})
        minutes = session.get("verrouillage_minutes") if isinstance(session, dict) else None
        filing = data.get("classement", {})
        patients = filing.get("dossier_patients") if isinstance(filing, dict) else None
        return cls(
            patients_dir=Path(patients).expanduser()
            if isinstance(patients, str) and patients
            else None,
            card_module=module if isinstance(module, str) and module else None,
            lock_minutes=minutes
            if isinstance(minutes, int) and not isinstance(minutes, bool) and minutes >= 0
            else DEFAULT_LOCK_MINUTES,
        )

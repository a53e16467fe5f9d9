"""User settings, in ``config.toml`` of the profile: typed, versioned, documented.

```toml
version = 1

[carte]
# PKCS#11 module of the card; empty = automatic detection of Cryptolib CPS
module = ""

[session]
# minutes without use before the window locks (0 = never); unlocking asks the PIN again.
# With an MSSanté account: 1 to 120 only (0 or more than 120 count as 120)
verrouillage_minutes = 120

[classement]
# folder holding one sub-folder per patient (default of --patients-dir); empty = none
dossier_patients = ""
# where documents go: "dossiers" (patients' folders) or "logiciel" (the practice
# software's import folder, in the format it watches: "hprim" or "xdm")
destination = "dossiers"
dossier_import = ""
format = "hprim"
# the practice software's patient list export (CSV), imported "au_demarrage" or "quotidien"
export_patients = ""
rafraichir = "au_demarrage"

[annuaire]
# Annuaire Santé FHIR API (the key itself lives in the keyring: caducee directory api-key)
api_url = ""            # empty = https://gateway.api.esante.gouv.fr/fhir/v2
api_delai_secondes = 30 # timeout of one call
api_autorites = ""      # PEM file of authorities for the API; empty = the system's
mise_a_jour_auto = true # the window refreshes the directory and liste blanche once a day

[psc]
# Pro Santé Connect (accounts added with --auth psc); empty = the operator's edition
fournisseur = ""        # issuer, e.g. https://auth.esante.gouv.fr/auth/realms/esante-wallet
client_id = ""          # Caducée's public client id registered with the ANS
scopes = []             # added to "openid scope_all"

[interface]
langue = ""             # "fr" or "en"; empty = the system's (CADUCEE_LANG wins over both)
notifications = true    # a desktop notification when new mail arrives (no sender, no subject)

[envoi]
# what a new message asks for by default (the composer's boxes)
accuse_remise = false   # delivery receipt (DSN)
accuse_lecture = false  # read receipt (MDN)
```

``save`` rewrites the whole file from these typed values (the comments come back).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import CaduceeError

SETTINGS_VERSION = 1
DEFAULT_LOCK_MINUTES = 120
DESTINATIONS = ("dossiers", "logiciel")
IMPORT_FORMATS = ("hprim", "xdm")
REFRESHES = ("au_demarrage", "quotidien")
MAX_MSSANTE_LOCK_MINUTES = 120  # issue 17: a profile with an MSSanté account locks by then
LANGUAGES = ("fr", "en")

log = logging.getLogger(__name__)


def lock_minutes_for(minutes: int, mssante: bool) -> int:
    """The session lock delay to use: with an MSSanté account, 1 to 120 minutes only
    (0 = "never", or more than 120, gives 120, and the log says so)."""
    if not mssante or 1 <= minutes <= MAX_MSSANTE_LOCK_MINUTES:
        return minutes
    log.warning(
        "[session] verrouillage_minutes = %d is not allowed with an MSSanté account "
        "(1 to %d): %d used",
        minutes,
        MAX_MSSANTE_LOCK_MINUTES,
        DEFAULT_LOCK_MINUTES,
    )
    return DEFAULT_LOCK_MINUTES


class SettingsError(CaduceeError, ValueError):
    default_message = "Le fichier de réglages (config.toml) est illisible."


@dataclass(frozen=True)
class Settings:
    card_module: str | None = None
    lock_minutes: int = DEFAULT_LOCK_MINUTES
    patients_dir: Path | None = None
    destination: str = "dossiers"  # "dossiers" or "logiciel"
    import_dir: Path | None = None  # the practice software's import folder
    import_format: str = "hprim"  # "hprim" or "xdm"
    patients_export: Path | None = None  # the practice software's patient list (CSV)
    refresh: str = "au_demarrage"  # "au_demarrage" or "quotidien"
    api_url: str | None = None
    api_timeout: float | None = None
    api_authorities: Path | None = None
    psc_issuer: str | None = None
    psc_client_id: str | None = None
    psc_scopes: tuple[str, ...] = ()
    directory_updates: bool = True
    language: str | None = None  # LANGUAGES, None = the system's
    notifications: bool = True
    delivery_receipt: bool = False
    read_receipt: bool = False

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        import tomllib  # here: most profiles have no settings file to read

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
        filing = filing if isinstance(filing, dict) else {}
        patients = filing.get("dossier_patients")
        api = data.get("annuaire", {})
        api = api if isinstance(api, dict) else {}
        url, delay, authorities = (
            api.get("api_url"),
            api.get("api_delai_secondes"),
            api.get("api_autorites"),
        )
        psc = data.get("psc", {})
        psc = psc if isinstance(psc, dict) else {}
        issuer, client_id, scopes = psc.get("fournisseur"), psc.get("client_id"), psc.get("scopes")
        interface = _table(data, "interface")
        sending = _table(data, "envoi")
        chosen = interface.get("langue")
        return cls(
            directory_updates=_flag(api.get("mise_a_jour_auto"), True),
            language=chosen if chosen in LANGUAGES else None,
            notifications=_flag(interface.get("notifications"), True),
            delivery_receipt=_flag(sending.get("accuse_remise"), False),
            read_receipt=_flag(sending.get("accuse_lecture"), False),
            psc_issuer=issuer if isinstance(issuer, str) and issuer else None,
            psc_client_id=client_id if isinstance(client_id, str) and client_id else None,
            psc_scopes=tuple(s for s in scopes if isinstance(s, str) and s and " " not in s)
            if isinstance(scopes, list)
            else (),
            api_url=url if isinstance(url, str) and url else None,
            api_timeout=float(delay)
            if isinstance(delay, int | float) and not isinstance(delay, bool) and delay > 0
            else None,
            api_authorities=Path(authorities).expanduser()
            if isinstance(authorities, str) and authorities
            else None,
            patients_dir=_path(patients),
            destination=_choice(filing.get("destination"), DESTINATIONS, "destination", path),
            import_dir=_path(filing.get("dossier_import")),
            import_format=_choice(filing.get("format"), IMPORT_FORMATS, "format", path),
            patients_export=_path(filing.get("export_patients")),
            refresh=_choice(filing.get("rafraichir"), REFRESHES, "rafraichir", path),
            card_module=module if isinstance(module, str) and module else None,
            lock_minutes=_lock_minutes(minutes, path),
        )

    def save(self, path: Path) -> None:
        """Write every option with its comment (the file is ours: comments are regenerated),
        atomically: a crash leaves the old file or the new one."""
        text = _TEMPLATE.format(
            version=SETTINGS_VERSION,
            module=_toml_string(self.card_module or ""),
            minutes=self.lock_minutes,
            patients=_toml_string(str(self.patients_dir) if self.patients_dir else ""),
            destination=_toml_string(self.destination),
            import_dir=_toml_string(str(self.import_dir) if self.import_dir else ""),
            import_format=_toml_string(self.import_format),
            export=_toml_string(str(self.patients_export) if self.patients_export else ""),
            refresh=_toml_string(self.refresh),
            api_url=_toml_string(self.api_url or ""),
            api_timeout=self.api_timeout or 30,
            api_authorities=_toml_string(str(self.api_authorities or "")),
            psc_issuer=_toml_string(self.psc_issuer or ""),
            psc_client_id=_toml_string(self.psc_client_id or ""),
            psc_scopes=json.dumps(list(self.psc_scopes), ensure_ascii=False),
            updates=_toml_bool(self.directory_updates),
            language=_toml_string(self.language or ""),
            notifications=_toml_bool(self.notifications),
            dsn=_toml_bool(self.delivery_receipt),
            mdn=_toml_bool(self.read_receipt),
        )
        temporary = path.with_name(f".{path.name}.tmp")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(path)


_TEMPLATE = """\
version = {version}

[carte]
# PKCS#11 module of the card; empty = automatic detection of Cryptolib CPS
module = {module}

[session]
# minutes without use before the window locks (0 = never); unlocking asks the PIN again.
# With an MSSanté account: 1 to 120 only (0 or more than 120 count as 120)
verrouillage_minutes = {minutes}

[classement]
# folder holding one sub-folder per patient (default of --patients-dir); empty = none
dossier_patients = {patients}
# where documents go: "dossiers" (patients' folders) or "logiciel" (the practice
# software's import folder, in the format it watches: "hprim" or "xdm")
destination = {destination}
dossier_import = {import_dir}
format = {import_format}
# the practice software's patient list export (CSV), imported "au_demarrage" or "quotidien"
export_patients = {export}
rafraichir = {refresh}

[annuaire]
# Annuaire Santé FHIR API (the key itself lives in the keyring: caducee directory api-key)
api_url = {api_url}
api_delai_secondes = {api_timeout}
api_autorites = {api_authorities}
# the window refreshes the directory and the liste blanche once a day
mise_a_jour_auto = {updates}

[psc]
# Pro Santé Connect (accounts added with --auth psc); empty = the operator's edition
fournisseur = {psc_issuer}
client_id = {psc_client_id}
scopes = {psc_scopes}

[interface]
# "fr" or "en"; empty = the system's language (CADUCEE_LANG wins over both)
langue = {language}
# a desktop notification when new mail arrives (it names neither sender nor subject)
notifications = {notifications}

[envoi]
# what a new message asks for by default (the composer's boxes)
accuse_remise = {dsn}
accuse_lecture = {mdn}
"""


def _lock_minutes(value: object, path: Path) -> int:
    if value is None:
        return DEFAULT_LOCK_MINUTES
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    log.warning(
        "%s: [session] verrouillage_minutes = %r is not a number of minutes: %d used",
        path,
        value,
        DEFAULT_LOCK_MINUTES,
    )
    return DEFAULT_LOCK_MINUTES


def _path(value: object) -> Path | None:
    return Path(value).expanduser() if isinstance(value, str) and value else None


def _choice(value: object, allowed: tuple[str, ...], key: str, path: Path) -> str:
    """One of ``allowed`` (the first when absent); an unknown value is logged, not used."""
    if value is None or value == "":
        return allowed[0]
    if isinstance(value, str) and value in allowed:
        return value
    log.warning(
        "%s: [classement] %s = %r is not one of %s: %s used",
        path,
        key,
        value,
        ", ".join(allowed),
        allowed[0],
    )
    return allowed[0]


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    return table if isinstance(table, dict) else {}


def _flag(value: object, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _toml_bool(value: bool) -> str:
    return "true" if value else "false"


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML ones)."""
    return json.dumps(value, ensure_ascii=False)

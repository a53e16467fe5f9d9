"""The operator's edition: the operator profile an installer embeds in Caducée.

Doctors install Caducée from their MSSanté operator's site. The operator's installer
(``packaging/build.py --operator FILE``) copies its profile into the application's resources
as ``app/resources/operator/operator.toml``, beside the files it names (the logo). When that
file is there, Caducée is "Caducée — édition <operator>": the version line names the
operator, the window shows its name, logo and colours, and server discovery tries the
operator's servers first, so the first run asks for nothing but the card and the PIN.
Without it (a source checkout, the tests), everything behaves as before.

The file format is the one of ``packaging/operators/*.toml`` (documented with an example in
``docs/operators.md``); unknown keys are refused so that a typo is not silently ignored::

    schema = 1
    [operator]
    id = "exemple-sante"                     # a-z, 0-9 and "-": file names, installer id
    name = "Exemple Santé"                   # shown to the user
    domains = ["exemple-sante.fr"]           # each covers its subdomains
    imap = "imaps://imap.exemple-sante.fr:993"
    smtp = "smtps://smtp.exemple-sante.fr:465"            # optional
    autoconfig_url = "https://exemple-sante.fr/mail/config-v1.1.xml"  # optional, https
    support_url = "https://exemple-sante.fr/support"      # optional, https
    [trust]
    anchors = ["trust/ac-exemple.pem"]       # optional; added to the shipped anchors
    [directory]
    extraction_url = "https://..."           # optional, https
    liste_blanche_url = "https://..."        # optional, https
    [psc]                                    # optional: Pro Santé Connect sign-in
    issuer = "https://auth.esante.gouv.fr/auth/realms/esante-wallet"
    client_id = "caducee-exemple-sante"      # public client registered with the ANS
    scopes = ["mail"]                        # added to "openid scope_all"
    [branding]
    logo = "exemple-sante.png"               # optional, relative to the file
    primary_color = "#0b5ea8"                # optional, #rrggbb
    accent_color = "#f2a900"                 # optional, #rrggbb

Server addresses are checked here only as text; ``app.ops.discovery`` parses them into
endpoints. Plain Python: no Qt, no network.
"""

from __future__ import annotations

import logging
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

from app import APP_NAME

SCHEMA = 1
RESOURCE_DIR = "operator"  # inside the app.resources package
PROFILE_FILE = "operator.toml"

_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_SECTIONS: dict[str, frozenset[str]] = {
    "operator": frozenset(
        {"id", "name", "domains", "imap", "smtp", "autoconfig_url", "support_url"}
    ),
    "trust": frozenset({"anchors"}),
    "directory": frozenset({"extraction_url", "liste_blanche_url"}),
    "branding": frozenset({"logo", "primary_color", "accent_color"}),
    "psc": frozenset({"issuer", "client_id", "scopes"}),
}


class EditionError(ValueError):
    """An unusable operator profile; the message is French, for the operator's packager."""


@dataclass(frozen=True)
class Edition:
    """One operator's profile, as read from its TOML file."""

    id: str
    name: str
    domains: tuple[str, ...]
    imap: str  # app.transport.endpoints URL forms, parsed by app.ops.discovery
    smtp: str | None = None
    autoconfig_url: str | None = None
    support_url: str | None = None
    trust_anchors: tuple[str, ...] = ()  # relative to the profile file
    extraction_url: str | None = None
    liste_blanche_url: str | None = None
    logo: str | None = None  # relative to the profile file
    primary_color: str | None = None
    accent_color: str | None = None
    folder: Path | None = None  # where the file was read: relative names resolve there
    psc_issuer: str | None = None  # Pro Santé Connect: the operator accepts its tokens
    psc_client_id: str | None = None
    psc_scopes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The application's name as this edition shows it."""
        return f"{APP_NAME} — édition {self.name}"

    def resolve(self, relative: str) -> Path:
        """A file the profile names (logo, anchor), below the profile's folder."""
        if self.folder is None:
            raise EditionError(f"« {relative} » : profil lu sans dossier.")
        return self.folder / relative

    @property
    def logo_path(self) -> Path | None:
        return None if self.logo is None else self.resolve(self.logo)


def _required(where: str, table: Mapping[str, object], key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise EditionError(f"{where} : « {key} » (texte) est obligatoire.")
    return value.strip()


def _optional(where: str, table: Mapping[str, object], key: str) -> str | None:
    return None if table.get(key) is None else _required(where, table, key)


def _https(where: str, table: Mapping[str, object], key: str) -> str | None:
    url = _optional(where, table, key)
    if url is None:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise EditionError(f"{where} : « {key} » doit être une adresse https://.")
    return url


def _relative_file(where: str, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EditionError(f"{where} : « {key} » doit être un nom de fichier.")
    path = PurePosixPath(value.strip())
    if path.is_absolute() or ".." in path.parts or "\\" in value or ":" in value:
        raise EditionError(
            f"{where} : « {key} » doit être un chemin relatif au profil, sans « .. » (« {value} »)."
        )
    return str(path)


def _colour(where: str, table: Mapping[str, object], key: str) -> str | None:
    value = _optional(where, table, key)
    if value is not None and not _COLOUR.fullmatch(value):
        raise EditionError(f"{where} : « {key} » doit être une couleur #rrvvbb (« {value} »).")
    return value


def _section(data: Mapping[str, object], name: str, origin: str) -> Mapping[str, object]:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise EditionError(f"{origin} : [{name}] doit être une table.")
    unknown = sorted(str(key) for key in table if key not in _SECTIONS[name])
    if unknown:
        raise EditionError(f"{origin} : [{name}] : clé(s) inconnue(s) : {', '.join(unknown)}.")
    return table


def parse_edition(data: Mapping[str, object], origin: str, folder: Path | None = None) -> Edition:
    """The edition described by ``data`` (a parsed TOML document); ``origin`` names it in
    error messages. Raises ``EditionError``."""
    unknown = sorted(str(key) for key in data if key != "schema" and key not in _SECTIONS)
    if unknown:
        raise EditionError(f"{origin} : clé(s) inconnue(s) : {', '.join(unknown)}.")
    if data.get("schema") != SCHEMA:
        raise EditionError(f"{origin} : « schema = {SCHEMA} » est attendu.")
    if "operator" not in data:
        raise EditionError(f"{origin} : la table [operator] est obligatoire.")
    operator = _section(data, "operator", origin)
    where = f"{origin} [operator]"
    identifier = _required(where, operator, "id")
    if not _ID.fullmatch(identifier):
        raise EditionError(
            f"{where} : « id » : lettres minuscules, chiffres et « - » (« {identifier} »)."
        )
    name = _required(where, operator, "name")
    domains = operator.get("domains")
    if (
        not isinstance(domains, list)
        or not domains
        or not all(isinstance(domain, str) and domain.strip() for domain in domains)
    ):
        raise EditionError(f"{where} : « domains » (liste de domaines) est obligatoire.")
    imap = _required(where, operator, "imap")
    trust = _section(data, "trust", origin)
    anchors = trust.get("anchors", [])
    if not isinstance(anchors, list):
        raise EditionError(f"{origin} [trust] : « anchors » doit être une liste de fichiers.")
    directory = _section(data, "directory", origin)
    branding = _section(data, "branding", origin)
    logo = branding.get("logo")
    psc = _section(data, "psc", origin)
    scopes = psc.get("scopes", [])
    if not isinstance(scopes, list) or not all(
        isinstance(scope, str) and scope.strip() and " " not in scope.strip() for scope in scopes
    ):
        raise EditionError(f"{origin} [psc] : « scopes » doit être une liste de mots.")
    psc_issuer = _https(f"{origin} [psc]", psc, "issuer")
    psc_client_id = _optional(f"{origin} [psc]", psc, "client_id")
    if (psc_issuer is None) != (psc_client_id is None):
        raise EditionError(f"{origin} [psc] : « issuer » et « client_id » vont ensemble.")
    return Edition(
        id=identifier,
        name=name,
        domains=tuple(domain.strip() for domain in domains),
        imap=imap,
        smtp=_optional(where, operator, "smtp"),
        autoconfig_url=_https(where, operator, "autoconfig_url"),
        support_url=_https(where, operator, "support_url"),
        trust_anchors=tuple(_relative_file(f"{origin} [trust]", "anchors", a) for a in anchors),
        extraction_url=_https(f"{origin} [directory]", directory, "extraction_url"),
        liste_blanche_url=_https(f"{origin} [directory]", directory, "liste_blanche_url"),
        logo=None if logo is None else _relative_file(f"{origin} [branding]", "logo", logo),
        primary_color=_colour(f"{origin} [branding]", branding, "primary_color"),
        accent_color=_colour(f"{origin} [branding]", branding, "accent_color"),
        folder=folder,
        psc_issuer=psc_issuer,
        psc_client_id=psc_client_id,
        psc_scopes=tuple(scope.strip() for scope in scopes),
    )


def load_edition(path: Path) -> Edition:
    """The edition of a profile file. Raises ``EditionError`` for a file that is not UTF-8
    TOML or not a valid profile, ``OSError`` when it cannot be read."""
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise EditionError(f"Profil d'opérateur illisible ({path.name}) : {error}") from error
    return parse_edition(data, path.name, path.parent)


_embedded: list[Edition | None] = []  # read once per process


def embedded_edition() -> Edition | None:
    """The profile embedded by the operator's installer, or None (no file, or an unusable
    one: a broken installer must still start the plain Caducée). Read once."""
    if not _embedded:
        _embedded.append(find_edition(Path(str(resources.files("app.resources")))))
    return _embedded[0]


def find_edition(resources_dir: Path) -> Edition | None:
    """The edition embedded below ``resources_dir`` (the ``app.resources`` folder), if any."""
    path = resources_dir / RESOURCE_DIR / PROFILE_FILE
    if not path.is_file():
        return None
    try:
        return load_edition(path)
    except (EditionError, OSError) as error:
        logging.getLogger(__name__).warning("embedded operator profile ignored: %s", error)
        return None

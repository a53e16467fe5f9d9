"""The components Caducée ships with, and their licences, read from the installed
distributions' metadata (``importlib.metadata``), never written by hand: "À propos" lists
what is really bundled, at the versions really installed.

Starting from Caducée's own distribution, its runtime requirements (not the extras) are
followed transitively; those not installed here (another platform's) are not shipped, so not
listed. A licence the metadata does not name is "non indiquée" (or "voir FICHIER" when a
licence file is installed: its text is shown on request).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

from app import APP_NAME

DISTRIBUTION = "caducee"
UNKNOWN = "non indiquée"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_LICENCE_CLASSIFIER = "License :: "


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    url: str = ""
    licence_files: tuple[str, ...] = ()  # as the metadata names them (License-File)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _field(meta: metadata.PackageMetadata, name: str) -> str:
    """A metadata field's first value, "" when absent (a missing key raises on some
    Pythons and returns None on others)."""
    values = meta.get_all(name) or []
    return str(values[0]) if values else ""


def _licence(meta: metadata.PackageMetadata) -> str:
    """SPDX expression if given, else the classifiers' licences, else a short License field."""
    expression = _field(meta, "License-Expression")
    if expression:
        return str(expression).strip()
    classifiers = [
        str(c).rsplit(" :: ", 1)[-1]
        for c in meta.get_all("Classifier") or []
        if str(c).startswith(_LICENCE_CLASSIFIER) and str(c).count("::") >= 2
    ]
    if classifiers:
        return ", ".join(dict.fromkeys(classifiers))
    text = str(_field(meta, "License") or "").strip()
    if text and len(text) <= 60 and "\n" not in text:
        return text
    return UNKNOWN


def _requirements(distribution: metadata.Distribution) -> list[str]:
    """Names of the runtime requirements (not those of an extra)."""
    names = []
    for line in distribution.requires or []:
        requirement, _, marker = line.partition(";")
        match = _NAME.match(requirement)
        if match and "extra" not in marker:
            names.append(match.group(1))
    return names


def bundled_components(root: str = DISTRIBUTION) -> list[Component]:
    """Every distribution ``root`` needs at run time (not itself), sorted by name."""
    seen: dict[str, Component] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        key = _normal(name)
        if key in seen or (key == _normal(root) and seen):
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:  # for another platform (a marker): not shipped
            continue
        meta = distribution.metadata
        url = str(_field(meta, "Home-page") or "")
        if not url:
            for entry in meta.get_all("Project-URL") or []:
                url = str(entry).partition(",")[2].strip()
                break
        files = tuple(str(f) for f in meta.get_all("License-File") or [])
        licence = _licence(meta)
        if licence == UNKNOWN and files:
            licence = f"voir {files[0]}"
        seen[key] = Component(
            str(_field(meta, "Name") or name), distribution.version, licence, url, files
        )
        pending.extend(_requirements(distribution))
    own = _normal(root)
    return sorted((c for k, c in seen.items() if k != own), key=lambda c: c.name.casefold())


def licence_text(component: Component, limit: int = 200_000) -> str | None:
    """The text of the component's licence files, as installed (None when none is)."""
    try:
        distribution = metadata.distribution(component.name)
    except metadata.PackageNotFoundError:
        return None
    texts = []
    for name in component.licence_files:
        for where in (f"licenses/{name}", name):  # metadata 2.4 puts them under licenses/
            text = distribution.read_text(where)
            if text:
                texts.append(text)
                break
    return "\n\n".join(texts)[:limit] if texts else None


def own_version() -> str:
    from app import __version__

    return f"{APP_NAME} {__version__}"

"""The demo's colleagues: a few mailboxes the sandbox operator hosts beside the demo's own.

So that what the demo sends can be followed to the other side: mail submitted to one of
them is delivered into their mailbox (``<profile>/demo/boites/<address>``), where
``caducee demo --colleague ADRESSE`` reads it (what Caducée would read and file there:
documents, patient, type). Nobody signs in as a colleague: they have no certificate.

They are in the demo's directory too: at the first start the demo installs its own
directory index (an extraction file in the published format, these colleagues only) and a
liste blanche naming the sandbox's domains, so that the address book, the completion and
the trust check of the composer work as with the real directory. The daily refresh is
stamped done at every start of the demo: it would otherwise download the real directory
over the demo's.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.core.paths import Profile
from app.directory import refresh, trusted
from app.directory.errors import TrustedListError
from app.directory.extraction import COLUMNS
from app.directory.index import build_index, index_path

MAX_LISTED = 500  # messages read from a colleague's mailbox, newest first


@dataclass(frozen=True)
class Colleague:
    address: str
    civility: str  # "DR", "MME", "M"
    first_name: str
    last_name: str
    profession_code: str  # nomenclature TRE_G15 (10 médecin, 60 infirmier, 70 kiné)
    profession: str
    specialty_code: str
    specialty: str
    organisation: str
    street: str
    postcode: str
    city: str
    rpps: str

    @property
    def display(self) -> str:
        title = "Dr " if self.civility == "DR" else ""
        return f"{title}{self.first_name} {self.last_name}"

    @property
    def identity(self) -> str:
        """Their national id ("8" + RPPS), as a card would carry it: the IMAP server's key
        for their mailbox (no certificate is ever issued for it)."""
        return "8" + self.rpps

    def extraction_row(self) -> str:
        fields = {
            "Type de BAL": "PER",
            "Adresse BAL": self.address,
            "Type Identifiant PP": "8",
            "Identifiant PP": self.rpps,
            "Identification nationale PP": self.identity,
            "Civilité d'exercice": self.civility,
            "Nom d'exercice": self.last_name,
            "Prénom d'exercice": self.first_name,
            "Code Profession": self.profession_code,
            "Libellé Profession": self.profession,
            "Code savoir-faire": self.specialty_code,
            "Libellé savoir-faire": self.specialty,
            "Raison Sociale structure BAL": self.organisation,
            "L4LIBELLEVOIE": self.street,
            "L6LIGNEACHEMINEMENT": f"{self.postcode} {self.city.upper()}",
            "Code postal": self.postcode,
            "Département": self.postcode[:2],
            "Pays": "France",
        }
        return "|".join(fields.get(column, "") for column in COLUMNS)


DEMO_COLLEAGUES = (
    Colleague(
        "claire.fontaine@medecin.mssante.test",
        "DR",
        "Claire",
        "FONTAINE",
        "10",
        "Médecin",
        "SM04",
        "Cardiologie et maladies vasculaires",
        "Cabinet de cardiologie du Parc",
        "4 avenue du Parc",
        "69100",
        "Valmont",
        "10000000101",
    ),
    Colleague(
        "hugo.mercier@medecin.mssante.test",
        "DR",
        "Hugo",
        "MERCIER",
        "10",
        "Médecin",
        "SM40",
        "Pneumologie",
        "Centre hospitalier de Valmont",
        "1 rue de l'Hôpital",
        "69100",
        "Valmont",
        "10000000102",
    ),
    Colleague(
        "sophie.garnier@infirmier.mssante.test",
        "MME",
        "Sophie",
        "GARNIER",
        "60",
        "Infirmier",
        "",
        "",
        "Cabinet infirmier des Tilleuls",
        "12 rue des Écoles",
        "69100",
        "Valmont",
        "10000000103",
    ),
    Colleague(
        "paul.roussel@masseur-kinesitherapeute.mssante.test",
        "M",
        "Paul",
        "ROUSSEL",
        "70",
        "Masseur-Kinésithérapeute",
        "",
        "",
        "Cabinet de kinésithérapie Saint-Aubin",
        "8 place de la Mairie",
        "69200",
        "Saint-Aubin",
        "10000000104",
    ),
)


def colleague(address: str) -> Colleague | None:
    wanted = address.strip().lower()
    return next((c for c in DEMO_COLLEAGUES if c.address == wanted), None)


def hosted_mailboxes() -> dict[str, str]:
    """National id -> address of the colleagues' mailboxes (for the IMAP server)."""
    return {c.identity: c.address for c in DEMO_COLLEAGUES}


# -- the demo's directory -----------------------------------------------------------------


def extraction_text() -> str:
    header = "|".join(COLUMNS)
    return "\n".join([header, *(c.extraction_row() for c in DEMO_COLLEAGUES)]) + "\n"


def liste_blanche(domains: list[str]) -> bytes:
    names = "".join(f"<Domaine><Nom>{d}</Nom></Domaine>" for d in sorted(set(domains)))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<ListeBlanche xmlns="{trusted.NAMESPACE}">'
        "<DateDeGeneration>démonstration</DateDeGeneration>"
        f"{names}</ListeBlanche>"
    ).encode()


def demo_domains(own_address: str) -> list[str]:
    """The sandbox's domains: the demo's own, its patients', its colleagues'."""
    return [
        own_address.rpartition("@")[2].lower(),
        "patient.mssante.test",  # the sandbox's patients (Mon espace santé stand-in)
        *(c.address.rpartition("@")[2] for c in DEMO_COLLEAGUES),
    ]


def set_up_directory(profile: Profile, own_address: str) -> None:
    """The demo's directory (first start) and a liste blanche that names the sandbox's
    domains (written again when the cached one does not: a list downloaded into the demo
    profile, or one from an older demo, keeps its domains and gains the sandbox's), the
    daily refresh stamped."""
    if not index_path(profile.data_dir).exists():
        source = profile.tmp_dir / "Extraction_Correspondance_MSSante_demo.txt"
        source.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        source.write_text(extraction_text(), encoding="utf-8")
        try:
            build_index(source, profile.data_dir, meta={"source": "démonstration"})
        finally:
            source.unlink(missing_ok=True)
    wanted = demo_domains(own_address)
    try:
        cached = trusted.load(profile.cache_dir)
    except (OSError, TrustedListError):
        cached = None  # unreadable: the demo's list replaces it
    if cached is None or not set(wanted) <= cached.domains:
        kept = sorted(cached.domains) if cached is not None else []
        trusted.store(liste_blanche([*kept, *wanted]), profile.cache_dir)
    profile.cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    refresh.stamp(profile.cache_dir)


# -- what a colleague received --------------------------------------------------------------


def received(mailboxes: Path, address: str) -> Iterator[bytes]:
    """The raw messages in the colleague's inbox, newest first (at most ``MAX_LISTED``)."""
    found = colleague(address)
    if found is None:
        return
    folder = mailboxes / found.address
    if not (folder / "cur").is_dir() and not (folder / "new").is_dir():
        return
    box = mailbox.Maildir(folder, create=False)
    entries = []
    for key in list(box.iterkeys())[: MAX_LISTED * 4]:
        try:
            entries.append((box.get_message(key).get_date(), key))
        except (KeyError, OSError):
            continue
    for _when, key in sorted(entries, reverse=True)[:MAX_LISTED]:
        try:
            yield box.get_bytes(key)
        except (KeyError, OSError):
            continue

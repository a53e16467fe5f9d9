"""The demo's colleagues: the mailboxes the sandbox operator hosts beside the demo's own.

Four colleagues to write to (``DEMO_COLLEAGUES``), and the correspondents of the sample
mail (``correspondents()``): the labs, hospitals and imaging centres of the generated
mailbox (ORG mailboxes) and the professionals who wrote the sample notes and letters — so
that answering the sample mail works too. Mail submitted to one of them is delivered into
their mailbox (``<profile>/demo/boites/<address>``), where ``caducee demo --colleague
ADRESSE`` reads it (what Caducée would read and file there: documents, patient, type); they
answer now and then (``colleague_replies.py``). Nobody signs in as a colleague: they have no
certificate. The sample's patients (``patient.mssante.test``, a Mon espace santé stand-in)
receive what is sent to them too, and answer nothing.

They are in the demo's directory too: at the first start the demo installs its own
directory index (an extraction file in the published format, these colleagues only) and a
liste blanche naming the sandbox's domains, so that the address book, the completion and
the trust check of the composer work as with the real directory. The daily refresh is
stamped done at every start of the demo: it would otherwise download the real directory
over the demo's.
"""

from __future__ import annotations

import functools
import mailbox
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.core.paths import Profile
from app.directory import refresh, trusted
from app.directory.errors import DirectoryError, TrustedListError
from app.directory.extraction import COLUMNS
from app.directory.index import DirectoryIndex, build_index, index_path
from app.sandbox.mailbox_people import HOSPITALS, IMAGING, LABS, Organisation, Person
from app.sandbox.samples import sample_writers

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
    rpps: str  # "" for an organisation's mailbox
    bal_type: str = "PER"
    service: str = ""
    structure_id: str = ""  # FINESS of an ORG mailbox's structure

    @property
    def display(self) -> str:
        if self.bal_type != "PER":
            return " – ".join(p for p in (self.organisation, self.service) if p)
        title = "Dr " if self.civility == "DR" else ""
        return f"{title}{self.first_name} {self.last_name}"

    @property
    def identity(self) -> str:
        """Their national id ("8" + RPPS), as a card would carry it: the IMAP server's key
        for their mailbox (no certificate is ever issued for it); "" for an ORG mailbox."""
        return "8" + self.rpps if self.rpps else ""

    def extraction_row(self) -> str:
        fields = {
            "Type de BAL": self.bal_type,
            "Adresse BAL": self.address,
            "Type Identifiant PP": "8" if self.rpps else "",
            "Identifiant PP": self.rpps,
            "Identification nationale PP": self.identity,
            "Type identifiant structure": "1" if self.structure_id else "",
            "Identification Structure": self.structure_id,
            "Service de rattachement": self.service,
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


_POSTCODES = {"Valmont": "69100", "Saint-Aubin": "69200", "Exemple-sur-Loire": "69300"}
# what the generated mailbox's titles are, as the directory labels them
_PROFESSIONS = {
    "medecin": ("10", "Médecin"),
    "infirmier": ("60", "Infirmier"),
    "masseur-kinesitherapeute": ("70", "Masseur-Kinésithérapeute"),
    "pharmacien": ("21", "Pharmacien"),
    "sage-femme": ("50", "Sage-Femme"),
}


def _organisation(place: Organisation) -> Colleague:
    return Colleague(
        place.address,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        place.name,
        "",
        _POSTCODES.get(place.city, "69000"),
        place.city,
        "",
        bal_type="ORG",
        service=place.service,
        structure_id=place.finess,
    )


def _person(person: Person, number: int) -> Colleague:
    """A professional of the sample mail ("Dr Arthur MARIE", signed "Endocrinologue")."""
    doctor = person.display.startswith("Dr ")
    given, _, surname = person.display.removeprefix("Dr ").partition(" ")
    title = person.signature.splitlines()[1] if "\n" in person.signature else ""
    domain = person.address.rpartition("@")[2].split(".")[0]
    code, profession = _PROFESSIONS.get(domain, ("", ""))
    return Colleague(
        person.address,
        "DR" if doctor else "",
        given,
        surname,
        code,
        profession,
        "",
        title if doctor else "",
        "",
        "",
        "69100",
        "Valmont",
        f"1000000{200 + number:04d}",
    )


@functools.cache
def correspondents() -> tuple[Colleague, ...]:
    """The sample mail's correspondents: every lab, hospital service and imaging centre of
    the generated mailbox, and the professionals who wrote the sample notes and letters."""
    places = [_organisation(o) for o in (*LABS, *HOSPITALS, *IMAGING)]
    people, _patients = sample_writers()
    return tuple([*places, *(_person(p, n) for n, p in enumerate(people))])


def everyone() -> tuple[Colleague, ...]:
    return (*DEMO_COLLEAGUES, *correspondents())


def colleague(address: str) -> Colleague | None:
    wanted = address.strip().lower()
    return next((c for c in everyone() if c.address == wanted), None)


def hosted_mailboxes() -> dict[str, str]:
    """Login -> address of every hosted mailbox (for the IMAP server): a colleague's
    national id, or for an ORG mailbox and a patient a key no certificate carries (nobody
    signs in to them; the server only needs to know them to deliver)."""
    return {(c.identity or f"sans-certificat:{c.address}"): c.address for c in everyone()} | {
        f"sans-certificat:{a}": a for a in hosted_addresses() if colleague(a) is None
    }


def hosted_addresses() -> frozenset[str]:
    """Every address the sandbox delivers to besides the demo's own: the colleagues', the
    sample mail's correspondents' and patients'."""
    _people, patients = sample_writers()
    return frozenset([*(c.address for c in everyone()), *(p.lower() for p in patients)])


# -- the demo's directory -----------------------------------------------------------------


def extraction_text() -> str:
    header = "|".join(COLUMNS)
    return "\n".join([header, *(c.extraction_row() for c in everyone())]) + "\n"


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
    return sorted(
        {
            own_address.rpartition("@")[2].lower(),
            "patient.mssante.test",  # the sandbox's patients (Mon espace santé stand-in)
            *(a.rpartition("@")[2] for a in hosted_addresses()),
        }
    )


def _demo_index_complete(profile: Profile) -> bool:
    """Whether the profile has a directory index, and when it is the demo's own, whether it
    lists everyone (an older demo's lists its four colleagues only)."""
    if not index_path(profile.data_dir).exists():
        return False
    try:
        with DirectoryIndex(profile.data_dir) as index:
            if index.meta.get("source") != "démonstration":
                return True  # a directory she imported: left alone
            return all(index.lookup(c.address) is not None for c in everyone())
    except (DirectoryError, OSError, sqlite3.Error):
        return False


def set_up_directory(profile: Profile, own_address: str) -> None:
    """The demo's directory (first start) and a liste blanche that names the sandbox's
    domains (written again when the cached one does not: a list downloaded into the demo
    profile, or one from an older demo, keeps its domains and gains the sandbox's), the
    daily refresh stamped."""
    if not _demo_index_complete(profile):
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

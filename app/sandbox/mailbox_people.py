"""The people of the generated GP mailbox: the doctor, her colleagues, her patients (test
INS), the labs, hospitals and imaging centres that write to her."""

# Seeded pseudo-random data on purpose (reproducible mailboxes), never used for security.

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from email.utils import formataddr

from app.sandbox.mailbox import OWNER_NIL

# -- people ----------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split(";"))


SURNAMES = _words(
    "MARTIN;BERNARD;THOMAS;PETIT;ROBERT;RICHARD;DURAND;DUBOIS;MOREAU;LAURENT;SIMON;MICHEL;"
    "LEFÈVRE;LEROY;ROUX;DAVID;BERTRAND;MOREL;FOURNIER;GIRARD;BONNET;DUPONT;LAMBERT;FONTAINE;"
    "ROUSSEAU;VINCENT;MULLER;FAURE;ANDRÉ;MERCIER;BLANC;GUÉRIN;BOYER;GARNIER;CHEVALIER;"
    "FRANÇOIS;LEGRAND;GAUTHIER;GARCIA;PERRIN;ROBIN;CLÉMENT;MORIN;NICOLAS;HENRY;ROUSSEL;"
    "MATHIEU;GAUTIER;MASSON;MARCHAND;DUVAL;DENIS;DUMONT;MARIE;LEMAIRE;NOËL;MEYER;DUFOUR;"
    "MEUNIER;BRUN;BLANCHARD;GIRAUD;JOLY;RIVIÈRE;LUCAS;BRUNET;GAILLARD;BARBIER;ARNAUD;"
    "MARTINEZ;GÉRARD;ROCHE;RENARD;SCHMITT;ROY;LEROUX;COLIN;VIDAL;CARON;PICARD;ROGER;FABRE;"
    "AUBERT;LEMOINE;RENAUD;DUMAS;LACROIX;OLIVIER;PHILIPPE;BOURGEOIS;PIERRE;BENOÎT;REY;"
    "LECLERC;PAYET;ROLLAND;LECLERCQ;GUILLAUME;LECOMTE;LÓPEZ;JEAN;DUPUY;GUILLOT;HUBERT;"
    "BERGER;CARPENTIER;SANCHEZ;DUPUIS;MOULIN;LOUIS;DESCHAMPS;HUET;VASSEUR;PEREZ;BOUCHER;"
    "FLEURY;ROYER;KLEIN;JACQUET;ADAM;PARIS;POIRIER;MARTY;AUBRY;GUYOT;CARRÉ;CHARLES;RENAULT;"
    "CHARPENTIER;MÉNARD;MAILLARD;BARON;BERTIN;BAILLY;HERVÉ;SCHNEIDER;FERNANDEZ;LE GALL;"
    "COLLET;LÉGER;BOUVIER;JULIEN;PRÉVOST;MILLET;PERROT;DANIEL;LE ROUX;COUSIN;GERMAIN;BRETON;"
    "BESSON;LANGLOIS;RÉMY;LE GOFF;PELLETIER;LÉVÊQUE;PERRIER;LEBLANC;BARRÉ;LEBRUN"
)
FEMALE = _words(
    "Marie;Nathalie;Isabelle;Sylvie;Catherine;Françoise;Valérie;Christine;Monique;Sandrine;"
    "Véronique;Stéphanie;Sophie;Céline;Chantal;Patricia;Anne;Brigitte;Julie;Aurélie;Camille;"
    "Léa;Manon;Emma;Chloé;Inès;Jade;Louise;Zoé;Clémence;Gaëlle;Noémie;Hélène;Élodie;Agnès;"
    "Mélanie;Maëlle;Océane;Josiane;Geneviève;Thérèse;Lucie;Solène;Anaïs;Bérénice"
)
MALE = _words(
    "Jean;Philippe;Michel;Alain;Patrick;Nicolas;Christophe;Pierre;Christian;Éric;Frédéric;"
    "Laurent;Stéphane;David;Olivier;Julien;Thomas;Sébastien;Jérôme;François;Hugo;Lucas;Léo;"
    "Gabriel;Raphaël;Louis;Arthur;Jules;Noé;Maël;Loïc;Benoît;Gaël;Mathéo;Théo;Clément;André;"
    "Hervé;René;Gérard;Joël;Cédric;Aurélien;Grégoire;Timothée"
)

SPECIALTIES = (
    ("Cardiologue", "medecin"),
    ("Pneumologue", "medecin"),
    ("Dermatologue", "medecin"),
    ("Endocrinologue", "medecin"),
    ("Gastro-entérologue", "medecin"),
    ("Rhumatologue", "medecin"),
    ("Psychiatre", "medecin"),
    ("Pédiatre", "medecin"),
    ("Gynécologue", "medecin"),
    ("ORL", "medecin"),
    ("Ophtalmologiste", "medecin"),
    ("Néphrologue", "medecin"),
    ("Médecin généraliste", "medecin"),
    ("Médecin généraliste", "medecin"),
    ("Médecin généraliste", "medecin"),
    ("Infirmière", "infirmier"),
    ("Infirmier", "infirmier"),
    ("Masseur-kinésithérapeute", "masseur-kinesitherapeute"),
    ("Pharmacienne", "pharmacien"),
    ("Sage-femme", "sage-femme"),
)


@dataclass(frozen=True)
class Person:
    display: str
    address: str
    greeting: str  # how the doctor addresses them
    signature: str
    nil: str | None = None  # X-MSS-NIL of their software (None: not an MSSanté LPS)

    @property
    def header(self) -> str:
        return formataddr((self.display, self.address))


@dataclass(frozen=True)
class Patient:
    surname: str
    given: str
    sex: str  # "F" / "M"
    birth: dt.date
    ins: str  # 15-character INS matricule (NIR + key)
    qualified: bool

    @property
    def civility(self) -> str:
        return "Mme" if self.sex == "F" else "M."

    @property
    def address(self) -> str:
        return f"{self.ins}@patient.mssante.test"

    @property
    def display(self) -> str:  # what Mon espace santé puts in From:
        return f"{self.given} {self.surname.title()}"

    @property
    def born(self) -> str:
        return self.birth.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str
    service: str
    city: str
    nil: str
    finess: str


OWNER = Person(
    "Dr Alice MARTIN",
    "alice.martin@medecin.mssante.test",
    "Alice",
    "Dr Alice MARTIN\nMédecin généraliste\nCabinet médical des Tilleuls, 12 rue des Écoles",
    OWNER_NIL,
)
LABS = (
    Organisation(
        "Laboratoire BIOTEST Centre",
        "resultats@labo-biotest.mssante.test",
        "Biologie médicale",
        "Valmont",
        "DEV100231",
        "690000011",
    ),
    Organisation(
        "LBM Bio Santé Vallée",
        "comptes-rendus@biosante-vallee.mssante.test",
        "Biologie médicale",
        "Saint-Aubin",
        "DEV100874",
        "690000029",
    ),
)
HOSPITALS = (
    Organisation(
        "Centre hospitalier de Valmont",
        "cardiologie@ch-valmont.mssante.test",
        "Cardiologie",
        "Valmont",
        "DEV204417",
        "690000102",
    ),
    Organisation(
        "Centre hospitalier de Valmont",
        "medecine-interne@ch-valmont.mssante.test",
        "Médecine interne et gériatrie",
        "Valmont",
        "DEV204417",
        "690000102",
    ),
    Organisation(
        "CHU Exemple – Hôpital Nord",
        "pneumologie@chu-exemple.mssante.test",
        "Pneumologie",
        "Exemple-sur-Loire",
        "DEV210055",
        "690000201",
    ),
    Organisation(
        "Clinique des Tilleuls",
        "orthopedie@clinique-tilleuls.mssante.test",
        "Chirurgie orthopédique",
        "Valmont",
        "DEV222310",
        "690000300",
    ),
    Organisation(
        "CHU Exemple – Hôpital Nord",
        "urgences@chu-exemple.mssante.test",
        "Urgences – UHCD",
        "Exemple-sur-Loire",
        "DEV210055",
        "690000201",
    ),
)
IMAGING = (
    Organisation(
        "Centre d'imagerie du Parc",
        "cr@imagerie-parc.mssante.test",
        "Imagerie médicale",
        "Valmont",
        "DEV330108",
        "690000409",
    ),
    Organisation(
        "Cabinet de radiologie Saint-Éloi",
        "secretariat@radiologie-saint-eloi.mssante.test",
        "Radiologie",
        "Saint-Aubin",
        "DEV331920",
        "690000417",
    ),
)


def _ascii(text: str) -> str:
    table = str.maketrans(
        "ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÓàâäçéèêëîïôöùûüÿó", "AAACEEEEIIOOUUUYOaaaceeeeiioouuuyo"
    )
    return text.translate(table).replace("Œ", "OE").replace("œ", "oe")


def _ins(rng: random.Random, sex: str, birth: dt.date) -> str:
    department = rng.choice([69, 1, 38, 42, 71, 75, 13, 33, 59, 67, 99])
    nir = (
        f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}"
        f"{department:02d}{rng.randrange(1, 999):03d}{rng.randrange(1, 999):03d}"
    )
    return nir + f"{97 - int(nir) % 97:02d}"


def _colleagues(rng: random.Random) -> list[Person]:
    people = []
    for title, domain in SPECIALTIES:
        sex = rng.choice("FM")
        given = rng.choice(FEMALE if sex == "F" else MALE)
        surname = rng.choice(SURNAMES)
        doctor = domain == "medecin"
        display = f"{'Dr ' if doctor else ''}{given} {surname}"
        local = _ascii(f"{given}.{surname}").lower().replace(" ", "-")
        greeting = (
            given if rng.random() < 0.5 else ("Chère consœur" if sex == "F" else "Cher confrère")
        )
        people.append(
            Person(
                display,
                f"{local}@{domain}.mssante.test",
                greeting,
                f"{display}\n{title}",
                rng.choice(["DEV935997", "DEV712044", "DEV508812"]),
            )
        )
    return people


def _patients(rng: random.Random, count: int) -> list[Patient]:
    patients = []
    for _ in range(count):
        sex = rng.choice("FM")
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 92 * 365))
        patients.append(
            Patient(
                rng.choice(SURNAMES),
                rng.choice(FEMALE if sex == "F" else MALE),
                sex,
                birth,
                _ins(rng, sex, birth),
                rng.random() < 0.9,
            )
        )
    return patients

"""A deterministic, realistic mailbox of a French general practitioner (sample MSSanté mail).

Used by the demo (``app.sandbox.samples`` picks a few messages from it) and by the benchmarks
(``bench/mailbox.py`` writes a whole plan as a Maildir++ tree). A plan is the mail of
Dr Alice MARTIN (a GP on MSSanté) over the two years before its end date:

- short notes between colleagues, often in threads (``In-Reply-To`` / ``References``);
- lab results with a PDF, some as IHE XDM (``IHE_XDM.ZIP`` + the same PDF);
- discharge letters and imaging reports as IHE XDM: ``IHE_XDM.ZIP`` (README.TXT, INDEX.HTM,
  IHE_XDM/SUBSET01/METADATA.XML, a CDA R2 document DOC0001.XML and the PDF DOC0002.PDF) plus
  the same PDF, subject ``XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de naissance>``,
  ``X-MSS-CODECDA``, ``X-MSS-INS``, ``X-MSS-NIL``;
- consultation letters from specialists, messages from patients (``<INS>@patient.mssante``,
  some with a photo or a scan), the doctor's replies (``X-MSS-MES: FIN`` now and then) and
  referral letters in "Sent";
- read-receipt requests (``Disposition-Notification-To``) and the MDNs that came back;
- accented subjects and names (RFC 2047), accented attachment names (RFC 2231);
- flags in the Maildir file names (Seen ~80 %, Flagged ~3 %, Replied where answered), unread
  recent mail in ``new/``, file mtimes = delivery dates.

Folders, as Dovecot's ``maildir`` format stores them (``LAYOUT=maildir++``, the default: one
directory per folder directly under the Maildir, hierarchy separator ``.``, names in IMAP
modified UTF-7): ``INBOX`` is the Maildir itself, ``Sent`` → ``.Sent``, ``Archives/2024`` →
``.Archives.2024``, ``Archives/2025`` → ``.Archives.2025``, ``Résultats`` → ``.R&AOk-sultats``.

PDFs are valid PDF 1.4 written by hand (Helvetica, WinAnsi text pages; not PDF/A: no embedded
fonts nor XMP). Their size is scaled so that the whole mailbox reaches ``--target-size``: text
pages up to ~320 KB, beyond that a scanned page (an uncompressed grey image of noise), the way
scanned letters make real PDFs large. Same seed, same options → byte-identical files,
whatever the number of worker processes. Standard library only.
"""

# Seeded pseudo-random data on purpose (reproducible mailboxes), never used for security.
# ruff: noqa: S311

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import math
import random
import struct
import textwrap
import zipfile
import zlib
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_END = dt.date(2026, 6, 30)
DAYS = 730  # two years of mail
FOLDERS = ("INBOX", "Sent", "Archives/2024", "Archives/2025", "Résultats")
PAGE_LINES = 56
TEXT_CAP = 320_000  # bytes of text pages in one PDF; the rest is a scanned page
MAX_PDF = 12_000_000
OWNER_NIL = "DEV000000"  # X-MSS-NIL of the doctor's own software (placeholder)
INS_NIR_TEST = "1.2.250.1.213.1.4.10"  # test identities: never real patients
LOCAL_PATIENT_ID = "1.2.250.1.999.1"  # unqualified identity: a local id, not an INS (made up)


# -- folder names on disk ------------------------------------------------------------------


def mutf7(name: str) -> str:
    """IMAP modified UTF-7 (RFC 3501 §5.1.3), as Dovecot stores folder names in Maildir++."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def folder_dir(root: Path, folder: str) -> Path:
    """The directory of an IMAP folder in Dovecot's Maildir++ layout (separator ``/`` here)."""
    if folder == "INBOX":
        return root
    return root / ("." + ".".join(mutf7(part) for part in folder.split("/")))


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


# -- text pools ------------------------------------------------------------------------------

DRUGS = (
    "apixaban 5 mg",
    "metformine 1000 mg",
    "ramipril 5 mg",
    "bisoprolol 2,5 mg",
    "atorvastatine 20 mg",
    "lévothyroxine 75 µg",
    "amlodipine 5 mg",
    "furosémide 40 mg",
    "sertraline 50 mg",
    "paracétamol 1 g",
    "amoxicilline 1 g",
    "prednisolone 20 mg",
)
NOTE_SUBJECTS = (
    "Patient commun : {civ} {nom}",
    "Avis pour {civ} {nom}",
    "Suite de la consultation de {civ} {nom}",
    "Demande d'avis : {civ} {prenom} {nom}",
    "Question sur le traitement de {civ} {nom}",
    "Réévaluation de l'anticoagulation de {civ} {nom}",
    "Sortie d'hospitalisation de {civ} {nom}",
    "Dossier de {civ} {nom} – éléments complémentaires",
    "Remplacement du {jour}",
    "Garde du week-end",
    "Réunion de la CPTS – ordre du jour",
    "Continuité des soins pendant mes congés",
    "RCP de jeudi",
    "Protocole Asalée : patients diabétiques",
    "Vaccination antigrippale – organisation au cabinet",
    "Soins à domicile pour {civ} {nom}",
    "Pansements de {civ} {nom}",
    "Séances de kinésithérapie – {civ} {nom}",
)
NOTE_SENTENCES = (
    "Je vous adresse {civ} {prenom} {nom} pour avis concernant une dyspnée d'effort récente.",
    "J'ai revu {civ} {nom} ce matin, l'état général est stable.",
    "La tension reste un peu élevée malgré le {med}, je me demande s'il faut majorer.",
    "Pouvez-vous me dire si l'ECG du mois dernier montrait déjà ce bloc de branche ?",
    "Le bilan biologique est rassurant, la fonction rénale est stable.",
    "Je propose de poursuivre le {med} et de réévaluer dans trois mois.",
    "Merci pour votre retour rapide, c'est très clair.",
    "La famille souhaite un retour à domicile avec passage infirmier matin et soir.",
    "Je serai absente du 12 au 26 août, le Dr Lambert me remplace.",
    "Pourriez-vous lui proposer un rendez-vous dans les quinze jours ?",
    "Je vous joins le dernier courrier du cardiologue pour information.",
    "Les pansements sont propres, pas de signe d'infection, la cicatrisation progresse.",
    "Le patient a bien compris les consignes de surveillance de l'INR.",
    "Je n'ai pas retrouvé le compte rendu de l'échographie dans le dossier partagé.",
    "La réunion aura lieu à la maison de santé, salle du premier étage, à 20 h.",
    "Pour la garde, je prends le samedi, pouvez-vous assurer le dimanche ?",
    "Elle se plaint de vertiges depuis l'introduction du {med}.",
    "Je pense qu'une consultation spécialisée s'impose avant la reprise du travail.",
    "Le diabète est mieux équilibré, HbA1c à 7,1 % contre 8,3 % en janvier.",
    "Je vous laisse juge de l'opportunité d'un scanner.",
    "Il a arrêté de fumer depuis deux mois, ce qui est encourageant.",
    "La kinésithérapie respiratoire a été prescrite pour quinze séances.",
    "Nous en reparlerons à la prochaine RCP si vous le voulez bien.",
    "Bonne réception du courrier, je m'occupe du renouvellement.",
)
PATIENT_SUBJECTS = (
    "Renouvellement d'ordonnance",
    "Question sur mon traitement",
    "Résultats de ma prise de sang",
    "Certificat médical pour le sport",
    "Rendez-vous de la semaine prochaine",
    "Effets secondaires du {med}",
    "Mon fils a de la fièvre depuis hier",
    "Arrêt de travail",
    "Photo de ma cicatrice",
    "Compte rendu de mon échographie",
    "Douleurs au genou après la chute",
    "Vaccin contre la grippe",
)
PATIENT_SENTENCES = (
    "Bonjour Docteur, je me permets de vous écrire au sujet de mon traitement.",
    "Depuis que je prends le {med}, j'ai des nausées le matin.",
    "Est-ce que je peux arrêter le traitement maintenant que je vais mieux ?",
    "J'ai bien reçu les résultats du laboratoire, mais je ne comprends pas tout.",
    "Mon ordonnance se termine à la fin de la semaine.",
    "Je vous joins une photo, la rougeur s'étend un peu depuis avant-hier.",
    "La fièvre est à 38,9 °C ce matin malgré le paracétamol.",
    "Je dois fournir un certificat pour le club de foot avant le 15.",
    "Pouvez-vous me rappeler quand vous aurez un moment ?",
    "Merci beaucoup pour votre disponibilité.",
    "Le cardiologue m'a dit de voir avec vous pour l'adaptation des doses.",
    "Je n'arrive pas à obtenir de rendez-vous avant le mois prochain.",
)
REPLY_TO_PATIENT = (
    "Bonjour {prenom},",
    "Vous pouvez poursuivre le traitement sans changement jusqu'à la consultation.",
    "Les résultats sont normaux, il n'y a pas lieu de s'inquiéter.",
    "Je vous ai déposé une ordonnance de renouvellement au secrétariat.",
    "Si la fièvre persiste au-delà de 48 heures, consultez au cabinet.",
    "Prenez rendez-vous la semaine prochaine pour que nous en parlions.",
    "En cas d'aggravation, appelez le 15.",
    "Ce message n'appelle pas de réponse : la conversation est close.",
)
ANALYTES = (
    ("Hématies", "T/L", 3.8, 5.9),
    ("Hémoglobine", "g/dL", 11.5, 17.0),
    ("Hématocrite", "%", 36.0, 50.0),
    ("VGM", "fL", 80.0, 100.0),
    ("Leucocytes", "G/L", 4.0, 10.0),
    ("Polynucléaires neutrophiles", "G/L", 1.8, 7.5),
    ("Lymphocytes", "G/L", 1.0, 4.0),
    ("Plaquettes", "G/L", 150.0, 400.0),
    ("Glycémie à jeun", "g/L", 0.70, 1.10),
    ("Hémoglobine glyquée (HbA1c)", "%", 4.0, 6.0),
    ("Créatinine", "µmol/L", 45.0, 104.0),
    ("DFG estimé (CKD-EPI)", "mL/min/1,73m²", 90.0, 120.0),
    ("Sodium", "mmol/L", 136.0, 145.0),
    ("Potassium", "mmol/L", 3.5, 5.1),
    ("Cholestérol total", "g/L", 1.5, 2.0),
    ("Cholestérol HDL", "g/L", 0.4, 0.8),
    ("Cholestérol LDL calculé", "g/L", 0.5, 1.6),
    ("Triglycérides", "g/L", 0.4, 1.5),
    ("ASAT", "UI/L", 5.0, 34.0),
    ("ALAT", "UI/L", 5.0, 55.0),
    ("Gamma-GT", "UI/L", 12.0, 64.0),
    ("TSH ultrasensible", "mUI/L", 0.35, 4.94),
    ("Ferritine", "µg/L", 15.0, 300.0),
    ("Protéine C réactive", "mg/L", 0.0, 5.0),
    ("INR", "", 2.0, 3.0),
    ("25-OH vitamine D", "ng/mL", 30.0, 100.0),
    ("PSA total", "ng/mL", 0.0, 4.0),
    ("Acide urique", "mg/L", 35.0, 72.0),
)
EXAMS = (
    "ECHOGRAPHIE ABDOMINOPELVIENNE",
    "RADIOGRAPHIE DU THORAX",
    "IRM DU GENOU DROIT",
    "SCANNER THORACIQUE",
    "MAMMOGRAPHIE BILATERALE",
    "ECHOGRAPHIE THYROIDIENNE",
    "DOPPLER VEINEUX DES MEMBRES INFERIEURS",
    "IRM LOMBAIRE",
    "OSTEODENSITOMETRIE",
    "ECHOGRAPHIE CARDIAQUE TRANSTHORACIQUE",
)
IMAGING_SENTENCES = (
    "Indication : douleurs persistantes, bilan demandé par le médecin traitant.",
    "Technique : examen réalisé sans injection de produit de contraste.",
    "Foie de taille normale, d'échostructure homogène, sans lésion focale décelable.",
    "Absence d'épanchement pleural, pas de foyer parenchymateux systématisé.",
    "Discrète discopathie L4-L5 sans conflit radiculaire objectivé.",
    "Nodule thyroïdien lobaire droit de 11 mm, EU-TIRADS 3.",
    "Pas de thrombose veineuse profonde ni superficielle des membres inférieurs.",
    "Fissure méniscale interne de grade 2, sans lésion ligamentaire associée.",
    "Densité minérale osseuse abaissée au rachis lombaire, T-score à -2,7.",
    "Fraction d'éjection ventriculaire gauche estimée à 55 %, pas de valvulopathie significative.",
    "Conclusion : examen sans anomalie significative.",
    "Conclusion : aspect compatible avec une arthrose débutante, contrôle non nécessaire.",
    "Images clés jointes au dossier, examen complet disponible sur le portail.",
)
DISCHARGE_SECTIONS = (
    "Motif d'hospitalisation",
    "Antécédents",
    "Histoire de la maladie",
    "Synthèse du séjour",
    "Examens complémentaires",
    "Traitement de sortie",
    "Suivi proposé",
    "Informations données au patient",
)
DISCHARGE_SENTENCES = (
    "Patient(e) admis(e) par les urgences pour décompensation cardiaque globale.",
    "Pneumopathie franche lobaire inférieure droite traitée par amoxicilline.",
    "Chute mécanique à domicile avec fracture du col fémoral gauche, ostéosynthèse le lendemain.",
    "Évolution favorable sous diurétiques, perte de 4 kg, disparition des œdèmes.",
    "Pas de complication thromboembolique, lever précoce avec le kinésithérapeute.",
    "Hypertension artérielle traitée, diabète de type 2 sous metformine, insuffisance rénale.",
    "Biologie de sortie : créatinine 112 µmol/L, kaliémie 4,3 mmol/L, BNP 380 pg/mL.",
    "Introduction d'un traitement anticoagulant par apixaban 5 mg deux fois par jour.",
    "Surveillance de la fonction rénale et de la kaliémie à une semaine par le médecin traitant.",
    "Consultation de suivi prévue dans le service dans six semaines.",
    "Retour à domicile avec passage infirmier et aide à domicile.",
    "Le patient et sa famille ont été informés des signes devant amener à reconsulter.",
    "Échographie cardiaque : FEVG 40 %, dilatation modérée de l'oreillette gauche.",
    "Scanner cérébral sans injection : pas de saignement intracrânien.",
)
CONSULT_SENTENCES = (
    "Je vous remercie de m'avoir adressé votre patient(e) que j'ai vu(e) en consultation.",
    "L'examen clinique retrouve un souffle systolique 2/6 au foyer aortique.",
    "L'épreuve d'effort est cliniquement et électriquement négative.",
    "Je propose une majoration du traitement et un contrôle dans trois mois.",
    "Lésion pigmentée du dos retirée, l'examen anatomopathologique est rassurant.",
    "Les explorations fonctionnelles respiratoires montrent un trouble ventilatoire obstructif.",
    "Bien confraternellement.",
)
LOINC = {
    "lab": ("11502-2", "CR d'examens biologiques"),
    "imaging": ("18748-4", "CR d'imagerie médicale"),
    "discharge": ("34133-9", "Lettre de liaison à la sortie d'un établissement de soins"),
    "consult": ("11488-4", "CR de consultation"),
    "referral": ("57133-1", "Courrier d'adressage"),
}
DOC_TITLES = {
    "lab": "RESULTATS D'EXAMENS DE BIOLOGIE MEDICALE",
    "imaging": "",  # the exam name
    "discharge": "LETTRE DE LIAISON A LA SORTIE",
    "consult": "COMPTE RENDU DE CONSULTATION",
    "referral": "COURRIER D'ADRESSAGE",
}
FILE_LABELS = {
    "lab": "Résultats de biologie médicale",
    "imaging": "CR d'imagerie médicale",
    "discharge": "Lettre de liaison à la sortie",
    "consult": "CR de consultation",
    "referral": "Courrier d'adressage",
}


# -- a minimal PDF writer -------------------------------------------------------------------


def _pdf_text(line: str) -> bytes:
    raw = line.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_page_stream(lines: list[str], size: int = 9) -> bytes:
    """A text page: ``lines`` from the top left, Helvetica ``size`` points."""
    body = b"".join(_pdf_text(line) + b" Tj T*\n" for line in lines)
    header = b"BT /F1 %d Tf %d TL 50 800 Td\n" % (size, size + 4)
    return header + body + b"ET\n"


def pdf_document(
    title: str, pages: list[bytes], scan: bytes = b"", created: dt.datetime | None = None
) -> bytes:
    """A valid PDF 1.4: text pages (content streams), then one scanned page if ``scan``."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_id = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    resources = b"<< /Font << /F1 %d 0 R >> >>" % font
    for stream in pages:
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources %s "
                b"/Contents %d 0 R >>" % (pages_id, resources, content)
            )
        )
    if scan:
        width = 1240
        height = max(1, len(scan) // width)
        scan = scan[: width * height]
        image = add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream"
            % (width, height, len(scan), scan)
        )
        draw = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(draw), draw))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /XObject << /Im1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_id, image, content)
            )
        )
    stamp = (created or dt.datetime(2025, 1, 1, tzinfo=PARIS)).strftime("D:%Y%m%d%H%M%S")
    info = add(
        b"<< /Title %s /Producer (Caducee bench PDF writer) /CreationDate (%s) >>"
        % (_pdf_text(title), stamp.encode())
    )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, catalog, info, xref)
    )
    return out.getvalue()


def png_image(rng: random.Random, size: int) -> bytes:
    """A valid grey PNG of about ``size`` bytes (noise, stored without compression)."""
    width = 1024
    height = max(1, size // (width + 1))
    raw = b"".join(b"\x00" + rng.randbytes(width) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 0))
        + chunk(b"IEND", b"")
    )


# -- the plan: every message decided up front (cheap, sequential) ----------------------------


@dataclass
class Planned:
    index: int
    kind: str
    date: dt.datetime
    sender: Person
    recipients: list[Person]
    subject: str
    folder: str = "INBOX"
    patient: Patient | None = None
    parent: int | None = None  # the message this one answers
    references: list[str] = field(default_factory=list)
    msgid: str = ""
    flags: str = ""
    new: bool = False  # in new/ (unread, just delivered)
    dnt: bool = False  # Disposition-Notification-To
    xdm: bool = False
    pdf_base: int = 0  # nominal PDF size before scaling (0: no PDF)
    photo_base: int = 0  # patient photo / scan (0: none)
    end_conversation: bool = False  # X-MSS-MES: FIN
    organisation: Organisation | None = None
    exam: str = ""
    replied: bool = False
    hprim: bool = False  # lab results also as an HPRIM Net file (the demo's samples)

    @property
    def outgoing(self) -> bool:
        return self.sender is OWNER


@dataclass
class Plan:
    seed: int
    messages: list[Planned]
    scale: float = 1.0


def _log_uniform(rng: random.Random, low: float, high: float) -> int:
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


class Planner:
    def __init__(self, seed: int, count: int, end: dt.date) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.count = count
        self.end = dt.datetime.combine(end, dt.time(23, 0), PARIS)
        self.start = self.end - dt.timedelta(days=DAYS)
        self.colleagues = _colleagues(self.rng)
        self.patients = _patients(self.rng, max(60, count // 10))
        self.messages: list[Planned] = []

    # dates: working hours on weekdays for professionals, any time for patients
    def _date(self, patient: bool = False) -> dt.datetime:
        rng = self.rng
        day = self.start + dt.timedelta(days=rng.randrange(DAYS))
        if not patient:
            while day.weekday() >= 5 and rng.random() < 0.85:
                day -= dt.timedelta(days=1)
        hour = rng.choice([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22])
        if not patient and hour > 19:
            hour -= 8
        return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))

    def _later(self, date: dt.datetime) -> dt.datetime:
        return date + dt.timedelta(minutes=_log_uniform(self.rng, 8, 3 * 24 * 60))

    def _add(self, message: Planned) -> Planned | None:
        if message.date > self.end or len(self.messages) >= self.count:
            return None
        message.index = len(self.messages)
        self.messages.append(message)
        if message.outgoing and message.dnt and self.rng.random() < 0.6:
            # the read receipt (MDN) that came back
            self._add(
                Planned(
                    0,
                    "mdn",
                    self._later(message.date),
                    message.recipients[0],
                    [OWNER],
                    f"Accusé de lecture : {message.subject}",
                    patient=message.patient,
                    parent=message.index,
                )
            )
        return message

    def _reply(
        self,
        parent: Planned,
        sender: Person,
        recipient: Person,
        kind: str,
        *,
        dnt: bool = False,
        end_conversation: bool = False,
    ) -> Planned | None:
        subject = parent.subject
        if not subject.lower().startswith(("re:", "re :")):
            subject = self.rng.choice(["RE: ", "Re: ", "Re : "]) + subject
        message = Planned(
            0,
            kind,
            self._later(parent.date),
            sender,
            [recipient],
            subject,
            patient=parent.patient,
            parent=parent.index,
            dnt=dnt,
            end_conversation=end_conversation,
        )
        added = self._add(message)
        if added is not None and sender is OWNER:
            parent.replied = True
        return added

    def _fill(self, template: str, patient: Patient, date: dt.datetime) -> str:
        return template.format(
            civ=patient.civility,
            nom=patient.surname,
            prenom=patient.given,
            med=self.rng.choice(DRUGS).split()[0],
            jour=date.strftime("%d/%m"),
        )

    def _xdm_subject(self, label: str, patient: Patient) -> str:
        return f"XDM/1.0/DDM+{label} {patient.surname} {patient.given} {patient.born}"

    # conversations ---------------------------------------------------------------------
    def note(self) -> None:
        rng = self.rng
        colleague = rng.choice(self.colleagues)
        patient = rng.choice(self.patients)
        date = self._date()
        subject = self._fill(rng.choice(NOTE_SUBJECTS), patient, date)
        outgoing = rng.random() < 0.2
        sender, recipient = (OWNER, colleague) if outgoing else (colleague, OWNER)
        first = self._add(
            Planned(
                0,
                "note",
                date,
                sender,
                [recipient],
                subject,
                patient=patient,
                dnt=rng.random() < 0.05,
            )
        )
        message = first
        for _ in range(rng.choice([0, 0, 0, 0, 1, 1, 2, 3])):
            if message is None:
                return
            sender, recipient = recipient, sender
            message = self._reply(message, sender, recipient, kind="note")

    def patient_message(self) -> None:
        rng = self.rng
        patient = rng.choice(self.patients)
        date = self._date(patient=True)
        subject = self._fill(rng.choice(PATIENT_SUBJECTS), patient, date)
        person = Person(patient.display, patient.address, patient.given, patient.display)
        photo = _log_uniform(rng, 150_000, 2_500_000) if rng.random() < 0.2 else 0
        message = self._add(
            Planned(0, "patient", date, person, [OWNER], subject, patient=patient, photo_base=photo)
        )
        turns = rng.choice([0, 0, 1, 1, 1, 2, 3])
        for turn in range(turns):
            if message is None:
                return
            if message.outgoing:
                message = self._reply(message, person, OWNER, kind="patient")
            else:
                last = turn >= turns - 2
                message = self._reply(
                    message,
                    OWNER,
                    person,
                    kind="patient_reply",
                    dnt=rng.random() < 0.5,
                    end_conversation=last and rng.random() < 0.3,
                )

    def document(self, kind: str) -> None:
        rng = self.rng
        patient = rng.choice(self.patients)
        date = self._date()
        exam = ""
        if kind == "lab":
            organisation = rng.choice(LABS)
            xdm = rng.random() < 0.4
            base = _log_uniform(rng, 20_000, 250_000)
            label = DOC_TITLES["lab"]
        elif kind == "imaging":
            organisation = rng.choice(IMAGING)
            xdm = rng.random() < 0.85
            exam = rng.choice(EXAMS)
            base = _log_uniform(rng, 30_000, 300_000) * (4 if rng.random() < 0.15 else 1)
            label = exam
        elif kind == "discharge":
            organisation = rng.choice(HOSPITALS)
            xdm = True
            base = _log_uniform(rng, 40_000, 400_000)
            label = DOC_TITLES["discharge"]
        else:  # consult: a specialist's letter
            organisation = None
            xdm = rng.random() < 0.3
            base = _log_uniform(rng, 15_000, 150_000)
            label = DOC_TITLES["consult"]
        if organisation is not None:
            sender = Person(
                f"{organisation.name} – {organisation.service}",
                organisation.address,
                "Madame, Monsieur",
                organisation.name,
                organisation.nil,
            )
        else:
            sender = rng.choice(
                [c for c in self.colleagues if c.address.split("@")[1].startswith("medecin")]
            )
        if xdm:
            subject = self._xdm_subject(label, patient)
        elif kind == "lab":
            subject = f"Résultats d'analyses – {patient.civility} {patient.surname} {patient.given}"
        else:
            subject = f"{FILE_LABELS[kind]} – {patient.civility} {patient.surname} {patient.given}"
        message = self._add(
            Planned(
                0,
                kind,
                date,
                sender,
                [OWNER],
                subject,
                patient=patient,
                xdm=xdm,
                pdf_base=base,
                organisation=organisation,
                exam=exam,
                dnt=kind == "discharge" and rng.random() < 0.3,
            )
        )
        if message is not None and organisation is None and rng.random() < 0.3:
            self._reply(message, OWNER, sender, kind="note")

    def referral(self) -> None:
        rng = self.rng
        patient = rng.choice(self.patients)
        colleague = rng.choice(self.colleagues[:12])
        date = self._date()
        xdm = rng.random() < 0.5
        subject = (
            self._xdm_subject(DOC_TITLES["referral"], patient)
            if xdm
            else f"Adressage de {patient.civility} {patient.given} {patient.surname}"
        )
        message = self._add(
            Planned(
                0,
                "referral",
                date,
                OWNER,
                [colleague],
                subject,
                patient=patient,
                xdm=xdm,
                pdf_base=_log_uniform(rng, 8_000, 60_000),
                dnt=rng.random() < 0.2,
            )
        )
        if message is not None and rng.random() < 0.5:
            self._reply(message, colleague, OWNER, kind="note")

    # -----------------------------------------------------------------------------------
    def plan(self) -> Plan:
        rng = self.rng
        kinds = (
            ("note", 30),
            ("patient", 14),
            ("lab", 26),
            ("imaging", 8),
            ("discharge", 7),
            ("consult", 6),
            ("referral", 5),
        )
        names = [name for name, _ in kinds]
        weights = [weight for _, weight in kinds]
        while len(self.messages) < self.count:
            kind = rng.choices(names, weights)[0]
            if kind == "note":
                self.note()
            elif kind == "patient":
                self.patient_message()
            elif kind == "referral":
                self.referral()
            else:
                self.document(kind)
        self.messages.sort(key=lambda m: m.date)
        renumber = {m.index: i for i, m in enumerate(self.messages)}
        for i, message in enumerate(self.messages):
            message.index = i
            if message.parent is not None:
                message.parent = renumber[message.parent]
        for message in self.messages:
            self._finish(message)
        return Plan(self.seed, self.messages)

    def _finish(self, message: Planned) -> None:
        rng = self.rng
        domain = message.sender.address.split("@")[1]
        message.msgid = f"<{_digest(f'{self.seed}:{message.index}', 24)}@{domain}>"
        if message.parent is not None:
            parent = self.messages[message.parent]
            message.references = [*parent.references, parent.msgid][-10:]
        age = (self.end - message.date).days
        if message.outgoing:
            message.folder = "Sent"
        elif age < 120 or message.date.year >= self.end.year:
            message.folder = "INBOX"
        elif message.kind == "lab":
            message.folder = "Résultats"
        else:
            message.folder = f"Archives/{message.date.year}"
        if message.outgoing:
            seen = True
        elif message.folder == "INBOX":
            seen = rng.random() < (0.2 if age < 10 else 0.5)
        elif message.folder == "Résultats":
            seen = rng.random() < 0.66
        else:
            seen = rng.random() < 0.8
        flagged = rng.random() < 0.03
        message.flags = "".join(
            flag for flag, on in (("F", flagged), ("R", message.replied), ("S", seen)) if on
        )
        message.new = not seen and message.folder == "INBOX" and age < 3


# -- building one message ----------------------------------------------------------------------


class Builder:
    """Builds the messages of a plan; pure functions of (plan, index)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.pools: dict[tuple[str, int], bytes] = {}

    def rng(self, index: int, what: str) -> random.Random:
        return random.Random(f"{self.plan.seed}:{what}:{index}")

    # pools of text pages, per document kind, the same in every worker
    def pool_page(self, kind: str, number: int) -> bytes:
        key = (kind, number % 48)
        page = self.pools.get(key)
        if page is None:
            rng = random.Random(f"{self.plan.seed}:page:{kind}:{key[1]}")
            page = pdf_page_stream(self._page_lines(kind, rng))
            self.pools[key] = page
        return page

    def _page_lines(self, kind: str, rng: random.Random) -> list[str]:
        lines: list[str] = []
        if kind == "lab":
            lines.append("Antériorités et résultats détaillés")
            while len(lines) < PAGE_LINES:
                name, unit, low, high = rng.choice(ANALYTES)
                value = rng.uniform(low * 0.7, high * 1.3)
                mark = " *" if value < low or value > high else "  "
                previous = rng.uniform(low, high)
                lines.append(
                    f"{name:<34}{value:>9.2f}{mark} {unit:<14} ({low:g} – {high:g})   "
                    f"antériorité {rng.randrange(1, 28):02d}/{rng.randrange(1, 13):02d} : "
                    f"{previous:.2f}"
                )
            return lines
        pool = {
            "imaging": IMAGING_SENTENCES,
            "discharge": DISCHARGE_SENTENCES,
            "consult": CONSULT_SENTENCES,
            "referral": NOTE_SENTENCES,
        }[kind]
        while len(lines) < PAGE_LINES:
            if kind == "discharge" and rng.random() < 0.2:
                lines += ["", rng.choice(DISCHARGE_SECTIONS).upper()]
            paragraph = " ".join(rng.choice(pool) for _ in range(rng.randrange(2, 6)))
            paragraph = paragraph.replace("{med}", rng.choice(DRUGS)).replace("{civ}", "")
            paragraph = paragraph.replace("{nom}", "").replace("{prenom}", "")
            lines += textwrap.wrap(paragraph, 105)
        return lines[:PAGE_LINES]

    # text ------------------------------------------------------------------------------
    def body_text(self, message: Planned) -> str:
        """The text part; regenerated (same RNG) to quote a parent in a reply."""
        rng = self.rng(message.index, "body")
        patient = message.patient

        def fill(sentence: str) -> str:
            return sentence.format(
                civ=patient.civility if patient else "",
                nom=patient.surname if patient else "",
                prenom=patient.given if patient else "",
                med=rng.choice(DRUGS),
            )

        sender, recipient = message.sender, message.recipients[0]
        if message.kind in ("note", "note_reply", "referral"):
            lines = [
                f"{'Bonjour ' if ' ' not in recipient.greeting else ''}{recipient.greeting},",
                "",
            ]
            lines += textwrap.wrap(
                " ".join(fill(rng.choice(NOTE_SENTENCES)) for _ in range(rng.randrange(1, 5))), 72
            )
            if message.kind == "referral":
                lines += ["", "Vous trouverez ci-joint mon courrier d'adressage."]
            lines += [
                "",
                rng.choice(["Bien confraternellement,", "Bien à vous,", "Cordialement,"]),
                sender.signature,
            ]
        elif message.kind == "patient":
            lines = textwrap.wrap(
                " ".join(fill(rng.choice(PATIENT_SENTENCES)) for _ in range(rng.randrange(2, 5))),
                72,
            )
            lines += ["", sender.display]
        elif message.kind == "patient_reply":
            lines = [fill(REPLY_TO_PATIENT[0]), ""]
            lines += textwrap.wrap(
                " ".join(
                    fill(rng.choice(REPLY_TO_PATIENT[1:-1])) for _ in range(rng.randrange(1, 4))
                ),
                72,
            )
            if message.end_conversation:
                lines += ["", REPLY_TO_PATIENT[-1]]
            lines += ["", "Bien cordialement,", sender.signature]
        elif message.kind == "mdn":
            lines = [
                f"Le message envoyé à {sender.address} a été affiché par le destinataire.",
                "Cet accusé de lecture ne garantit pas que le message a été lu ni compris.",
            ]
        else:
            patient = _patient(message)
            lines = [
                "Madame, Monsieur, cher confrère,",
                "",
                f"Veuillez trouver ci-joint le document concernant {patient.civility} "
                f"{patient.given} {patient.surname}, né(e) le {patient.born}.",
            ]
            if message.kind == "lab":
                name, unit, high, value = self.flagged_result(message)
                lines += [
                    "",
                    "Résultat(s) hors des valeurs de référence :",
                    f"  {name} : {value:.2f} {unit} (N < {high:g})",
                ]
            if message.xdm:
                lines += [
                    "",
                    "Le document structuré (CDA) est dans l'archive IHE_XDM.ZIP jointe ;",
                    "sa version PDF est jointe pour lecture sans logiciel métier.",
                ]
            lines += [
                "",
                "Ce message est confidentiel, destiné au seul professionnel de santé destinataire.",
                sender.signature,
            ]
        return "\n".join(lines) + "\n"

    def quoted(self, message: Planned) -> str:
        if message.parent is None:
            return ""
        parent = self.plan.messages[message.parent]
        when = parent.date.strftime("%d/%m/%Y à %H:%M")
        text = self.body_text(parent)
        return f"\nLe {when}, {parent.sender.display} a écrit :\n" + "".join(
            f"> {line}\n" if line else ">\n" for line in text.splitlines()
        )

    # documents ---------------------------------------------------------------------------
    def pdf(self, message: Planned, kind: str, rng: random.Random) -> bytes:
        patient = _patient(message)
        size = min(MAX_PDF, int(message.pdf_base * self.plan.scale))
        text_size = min(size, TEXT_CAP)
        organisation = message.organisation
        issuer = organisation.name if organisation else message.sender.display
        title = message.exam or DOC_TITLES[kind]
        first = [
            issuer,
            organisation.service if organisation else message.sender.signature.split("\n")[-1],
            organisation.city if organisation else "Valmont",
            "",
            title,
            "",
            f"Patient : {patient.civility} {patient.surname} {patient.given}",
            f"Né(e) le {patient.born}",
            f"INS : {patient.ins} ({'qualifiée' if patient.qualified else 'provisoire'})",
            f"Date : {message.date.strftime('%d/%m/%Y')}",
            f"Destinataire : {message.recipients[0].display}",
            "",
        ]
        pages = [pdf_page_stream(first)]
        total = len(pages[0])
        number = rng.randrange(48)
        while total < text_size:
            footer = pdf_page_stream(
                [f"{patient.surname} {patient.given} – page {len(pages) + 1}"], 7
            ).replace(b"50 800 Td", b"50 30 Td")
            page = footer + self.pool_page(kind, number)
            number += 1
            pages.append(page)
            total += len(page) + 160
        scan = rng.randbytes(size - total) if size > total + 10_000 else b""
        return pdf_document(f"{title} {patient.surname}", pages, scan, message.date)

    def pdf_name(self, message: Planned, kind: str) -> str:
        patient = _patient(message)
        label = FILE_LABELS[kind] if kind != "imaging" else "CR d'imagerie médicale"
        folder = f"{message.index:06d}"
        return f"{message.date:%Y%m%d}_{label}_{patient.surname}_{patient.given}_{folder}.pdf"

    def xdm_zip(self, message: Planned, kind: str, pdf: bytes, pdf_name: str) -> bytes:
        patient = _patient(message)
        code, code_label = LOINC[kind]
        cda = self.cda(message, kind, code, code_label).encode()
        documents = [("DOC0001.XML", cda, "text/xml"), ("DOC0002.PDF", pdf, "application/pdf")]
        metadata = self.metadata(message, code, code_label, documents)
        stamp = message.date.timetuple()[:6]
        sender = message.sender
        organisation = message.organisation.name if message.organisation else sender.display
        readme = (
            "IHE XDM - Echange de documents de sante\r\n\r\n"
            f"Emetteur : {sender.display}\r\n"
            f"Organisation : {organisation}\r\n"
            f"Adresse : {sender.address}\r\n"
            "Telephone : 04 00 00 00 00\r\n\r\n"
            f"Application : logiciel de production de documents (NIL {sender.nil})\r\n"
            "Editeur : editeur de test\r\n\r\n"
            "Contenu :\r\n  README.TXT\r\n  INDEX.HTM\r\n  IHE_XDM/\r\n    SUBSET01/\r\n"
            "      METADATA.XML\r\n      DOC0001.XML\r\n      DOC0002.PDF\r\n"
        ).encode("cp1252", errors="replace")
        index = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>IHE XDM</title></head><body>'
            f"<h1>{code_label}</h1><p>{patient.surname} {patient.given}</p>"
            '<ul><li><a href="README.TXT">README.TXT</a></li>'
            '<li><a href="IHE_XDM/SUBSET01/DOC0001.XML">Document CDA</a></li>'
            f'<li><a href="IHE_XDM/SUBSET01/DOC0002.PDF">{pdf_name}</a></li></ul></body></html>\n'
        ).encode()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in (
                ("README.TXT", readme),
                ("INDEX.HTM", index),
                ("IHE_XDM/SUBSET01/METADATA.XML", metadata),
                *((f"IHE_XDM/SUBSET01/{n}", d) for n, d, _ in documents),
            ):
                info = zipfile.ZipInfo(name, stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data, compresslevel=6)
        return out.getvalue()

    def cda(self, message: Planned, kind: str, code: str, code_label: str) -> str:
        """A CDA R2 document (CI-SIS-like header, structured body with the letter's text)."""
        patient = _patient(message)
        rng = self.rng(message.index, "cda")
        when = message.date.strftime("%Y%m%d%H%M%S%z")
        author = message.sender
        organisation = message.organisation
        custodian_id = f"1{organisation.finess if organisation else '690000000'}"
        custodian = organisation.name if organisation else author.display
        patient_root = INS_NIR_TEST if patient.qualified else LOCAL_PATIENT_ID
        loinc = "2.16.840.1.113883.6.1"
        lines = self._page_lines(kind, rng)[:30]
        paragraphs = "".join(f"<paragraph>{_xml(line)}</paragraph>" for line in lines if line)
        name = (
            f"<name><given>{_xml(patient.given)}</given>"
            f'<family qualifier="BR">{_xml(patient.surname)}</family></name>'
        )
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <realmCode code="FR"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.2.8.2.1"/>
  <templateId root="1.2.250.1.213.1.1.1.1"/>
  <id root="1.2.250.1.213.1.1.9" extension="{message.msgid.strip("<>")}"/>
  <code code="{code}" codeSystem="{loinc}" displayName="{_xml(code_label)}"/>
  <title>{_xml(message.exam or code_label)}</title>
  <effectiveTime value="{when}"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="fr-FR"/>
  <setId root="1.2.250.1.213.1.1.9" extension="{message.index}"/>
  <versionNumber value="1"/>
  <recordTarget><patientRole>
    <id root="{patient_root}" extension="{patient.ins}"/>
    <patient>
      {name}
      <administrativeGenderCode code="{patient.sex}" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="{patient.birth:%Y%m%d}"/>
    </patient>
  </patientRole></recordTarget>
  <author><time value="{when}"/><assignedAuthor>
    <id root="1.2.250.1.71.4.2.1" extension="810000000000"/>
    <telecom value="mailto:{author.address}"/>
    <assignedPerson><name>{_xml(author.display)}</name></assignedPerson>
  </assignedAuthor></author>
  <custodian><assignedCustodian><representedCustodianOrganization>
    <id root="1.2.250.1.71.4.2.2" extension="{custodian_id}"/>
    <name>{_xml(custodian)}</name>
  </representedCustodianOrganization></assignedCustodian></custodian>
  <informationRecipient><intendedRecipient>
    <telecom value="mailto:{OWNER.address}"/>
    <informationRecipient><name>{_xml(OWNER.display)}</name></informationRecipient>
  </intendedRecipient></informationRecipient>
  <component><structuredBody><component><section>
    <code code="{code}" codeSystem="{loinc}"/>
    <title>{_xml(code_label)}</title>
    <text>{paragraphs}</text>
  </section></component></structuredBody></component>
</ClinicalDocument>
"""

    def metadata(
        self,
        message: Planned,
        code: str,
        code_label: str,
        documents: list[tuple[str, bytes, str]],
    ) -> bytes:
        """METADATA.XML: an ebRIM SubmitObjectsRequest (submission set + document entries)."""
        patient = _patient(message)
        oid = INS_NIR_TEST if patient.qualified else LOCAL_PATIENT_ID
        patient_id = f"{patient.ins}^^^&amp;{oid}&amp;ISO^NH"
        when = message.date.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")
        label = _xml(code_label)
        entries = []
        for number, (name, data, mime) in enumerate(documents, 1):
            entry = f"Document{number:02d}"
            digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
            entries.append(f"""
    <rim:ExtrinsicObject id="{entry}" mimeType="{mime}"
        objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
      {_slot("creationTime", when)}
      {_slot("hash", digest)}
      {_slot("size", str(len(data)))}
      {_slot("URI", name)}
      {_slot("languageCode", "fr-FR")}
      {_slot("sourcePatientId", patient_id)}
      <rim:Name><rim:LocalizedString value="{label}"/></rim:Name>
      <rim:Classification classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
          classifiedObject="{entry}" nodeRepresentation="{code}">
        {_slot("codingScheme", "2.16.840.1.113883.6.1")}
        <rim:Name><rim:LocalizedString value="{label}"/></rim:Name>
      </rim:Classification>
      <rim:ExternalIdentifier identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
          registryObject="{entry}" value="{patient_id}">
        <rim:Name><rim:LocalizedString value="XDSDocumentEntry.patientId"/></rim:Name>
      </rim:ExternalIdentifier>
    </rim:ExtrinsicObject>""")
            entries.append(f"""
    <rim:Association id="Assoc{number:02d}"
        associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
        sourceObject="SubmissionSet01" targetObject="{entry}">
      {_slot("SubmissionSetStatus", "Original")}
    </rim:Association>""")
        recipient = f"|{OWNER.address}^^^^^^^^^^^^^INTERNET"
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
    xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
  <rim:RegistryObjectList>
    <rim:RegistryPackage id="SubmissionSet01">
      {_slot("submissionTime", when)}
      {_slot("intendedRecipient", recipient)}
      <rim:ExternalIdentifier identificationScheme="urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
          registryObject="SubmissionSet01" value="{patient_id}">
        <rim:Name><rim:LocalizedString value="XDSSubmissionSet.patientId"/></rim:Name>
      </rim:ExternalIdentifier>
    </rim:RegistryPackage>
    <rim:Classification classifiedObject="SubmissionSet01"
        classificationNode="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"/>{"".join(entries)}
  </rim:RegistryObjectList>
</lcm:SubmitObjectsRequest>
""".encode()

    # the message -------------------------------------------------------------------------
    def build(self, message: Planned) -> bytes:
        rng = self.rng(message.index, "message")
        email = EmailMessage()
        sender = message.sender
        if not message.outgoing:
            email["Return-Path"] = f"<{sender.address}>"
            email["Delivered-To"] = message.recipients[0].address
            relay = (
                "mx1.operateur.mssante.test" if ".mssante." in sender.address else "mx.example.test"
            )
            email["Received"] = (
                f"from {relay} ([127.0.0.{rng.randrange(2, 250)}]) by imap.operateur.mssante.test "
                f"with LMTP id {rng.getrandbits(64):016x}; {format_datetime(message.date)}"
            )
        email["Message-ID"] = message.msgid
        # written a few seconds before delivery, in real time: wall-clock arithmetic would be
        # an hour off when the day changes to or from daylight saving time
        written = message.date.astimezone(dt.UTC) - dt.timedelta(seconds=rng.randrange(1, 90))
        email["Date"] = format_datetime(written.astimezone(message.date.tzinfo))
        email["From"] = sender.header
        email["To"] = ", ".join(r.header for r in message.recipients)
        if message.kind == "note" and rng.random() < 0.1:
            email["Cc"] = "Secrétariat du cabinet <secretariat@cabinet-test.mssante.test>"
        email["Subject"] = message.subject
        if message.references:
            email["In-Reply-To"] = message.references[-1]
            email["References"] = " ".join(message.references)
        if message.dnt:
            email["Disposition-Notification-To"] = sender.address
        if sender.nil:
            email["X-MSS-NIL"] = sender.nil
        if message.end_conversation:
            email["X-MSS-MES"] = "FIN"
        kind = "imaging" if message.kind == "imaging" else message.kind
        if message.xdm:
            email["X-MSS-CODECDA"] = LOINC[kind][0]
            email["X-MSS-INS"] = "O" if _patient(message).qualified else "N"
        if message.kind == "mdn":
            return self._mdn(email, message)
        if sender.nil and not message.outgoing and rng.random() < 0.5:
            email["User-Agent"] = rng.choice(["LPS métier 7.2", "Mailiz Web", "DPI Hôpital 2024.1"])
        text = self.body_text(message) + self.quoted(message)
        cte = "quoted-printable" if rng.random() < 0.4 else None
        email.set_content(text, cte=cte)
        if message.kind == "discharge" and rng.random() < 0.5:
            html = "".join(f"<p>{_xml(line)}</p>" for line in text.splitlines() if line)
            email.add_alternative(f"<html><body>{html}</body></html>\n", subtype="html")
        if message.pdf_base:
            pdf = self.pdf(message, kind, rng)
            name = self.pdf_name(message, kind)
            if message.xdm:
                archive = self.xdm_zip(message, kind, pdf, name)
                email.add_attachment(archive, "application", "zip", filename="IHE_XDM.ZIP")
            email.add_attachment(pdf, "application", "pdf", filename=name)
        if message.hprim:
            email.add_attachment(self.hprim(message), filename="RESULTATS.HPR")
        if message.photo_base:
            size = int(message.photo_base * self.plan.scale)
            if rng.random() < 0.5:
                email.add_attachment(
                    png_image(rng, size),
                    "image",
                    "png",
                    filename=f"photo_{message.date:%Y%m%d_%H%M%S}.png",
                )
            else:
                scan = pdf_document("Document scanné", [], rng.randbytes(size), message.date)
                email.add_attachment(scan, "application", "pdf", filename="ordonnance scannée.pdf")
        return _serialise(email, message)

    def flagged_result(self, message: Planned) -> tuple[str, str, float, float]:
        """The lab result a lab message's text calls out: (analyte, unit, upper limit,
        value above it). The first draws of the body's RNG, as the text has always made."""
        rng = self.rng(message.index, "body")
        name, unit, _low, high = rng.choice(ANALYTES)
        return name, unit, high, rng.uniform(high, high * 1.5)

    def hprim(self, message: Planned) -> str:
        """The lab results as HPRIM Net, as French labs send them beside the PDF."""
        patient = _patient(message)
        rng = self.rng(message.index, "hprim")
        lines = [
            f"{rng.randrange(10**6, 10**7)}",
            patient.surname,
            patient.given,
            "",
            "",
            "",
            patient.born,
            patient.ins,
            f"{rng.randrange(10**8, 10**9)}",
            f"{message.date:%d/%m/%Y}",
            "",
            message.recipients[0].display,
            "****LAB****",
        ]
        # eight results: the one the text calls out (high), one low, six within range
        flagged, _unit, _high, flagged_value = self.flagged_result(message)
        others = rng.sample([a for a in ANALYTES if a[0] != flagged], 7)
        low_one = rng.randrange(7)
        for number, (name, unit, low, high) in enumerate(
            [*others[:3], next(a for a in ANALYTES if a[0] == flagged), *others[3:]]
        ):
            if name == flagged:
                value = flagged_value
            elif number == low_one:
                value = rng.uniform(low * 0.6, low * 0.95)
            else:
                value = rng.uniform(low + (high - low) * 0.05, high - (high - low) * 0.05)
            flag = "H" if value > high else "L" if value < low else "N"
            code = _ascii(name)[:6].upper()
            lines.append(f"RES|{name}|{code}|N|{value:.2f}|{unit}|{low:g}|{high:g}|{flag}|F")
        lines.append("****FINLAB****")
        return "\n".join(lines) + "\n"

    def _mdn(self, email: EmailMessage, message: Planned) -> bytes:
        if message.parent is None:
            raise ValueError(f"MDN {message.index} answers no message")
        original = self.plan.messages[message.parent]
        email.set_content(self.body_text(message))
        email.make_mixed()
        email.set_type("multipart/report")
        email.set_param("report-type", "disposition-notification")
        report = MIMEPart()
        report["Content-Type"] = "message/disposition-notification"
        report.set_payload(
            "Reporting-UA: messagerie.mssante.test; Messagerie securisee de sante\n"
            f"Original-Recipient: rfc822;{message.sender.address}\n"
            f"Final-Recipient: rfc822;{message.sender.address}\n"
            f"Original-Message-ID: {original.msgid}\n"
            "Disposition: manual-action/MDN-sent-manually; displayed\n"
        )
        email.attach(cast(EmailMessage, report))  # typeshed: attach() takes messages only
        returned = EmailMessage()
        returned["Message-ID"] = original.msgid
        returned["Date"] = format_datetime(original.date)
        returned["From"] = original.sender.header
        returned["To"] = ", ".join(r.header for r in original.recipients)
        returned["Subject"] = original.subject
        returned.set_content(self.body_text(original))
        copy = MIMEPart()
        copy.set_content(returned)
        email.attach(cast(EmailMessage, copy))
        return _serialise(email, message)


def _slot(name: str, value: str) -> str:
    values = f"<rim:ValueList><rim:Value>{value}</rim:Value></rim:ValueList>"
    return f'<rim:Slot name="{name}">{values}</rim:Slot>'


def _digest(text: str, length: int) -> str:
    """A stable short hex id (Message-IDs, MIME boundaries): not for security."""
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:length]


def _patient(message: Planned) -> Patient:
    if message.patient is None:
        raise ValueError(f"message {message.index} ({message.kind}) has no patient")
    return message.patient


def _xml(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _serialise(email: EmailMessage, message: Planned) -> bytes:
    """Bytes with LF line ends; MIME boundaries fixed so that output is reproducible."""
    for number, part in enumerate(email.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_caducee_{_digest(f'{message.msgid}:{number}', 20)}")
        if number:
            del part["MIME-Version"]
    return email.as_bytes(policy=policy.default)


def _estimate(message: Planned, scale: float) -> float:
    """Rough size of a message, to choose the scale that reaches the target."""
    size = 2_200.0 + (1_500 if message.parent is not None else 0)
    if message.pdf_base:
        pdf = min(MAX_PDF, message.pdf_base * scale)
        size += 1.36 * pdf
        if message.xdm:  # the PDF again, deflated in the archive, plus CDA and metadata
            size += 1.36 * (0.07 * min(pdf, TEXT_CAP) + max(0.0, pdf - TEXT_CAP) + 4_000)
    if message.photo_base:
        size += 1.36 * message.photo_base * scale
    return size


def choose_scale(messages: list[Planned], target: int) -> float:
    low, high = 0.01, 100.0
    for _ in range(60):
        middle = math.sqrt(low * high)
        if sum(_estimate(m, middle) for m in messages) < target:
            low = middle
        else:
            high = middle
    return low


def plan_mailbox(
    messages: int, target_size: int, seed: int = 1, end: dt.date = DEFAULT_END
) -> Plan:
    plan = Planner(seed, messages, end).plan()
    plan.scale = choose_scale(plan.messages, target_size)
    return plan

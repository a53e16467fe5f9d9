"""A seeded generator of ``Extraction_Correspondance_MSSante`` files in the real format
(notes §6.3: UTF-8, '|', one header line, 31 columns), with French names, professions and
cities. Standard library only; used by the tests and by ``bench/directory.py``.

    .venv/bin/python bench/directory_data.py --rows 600000 --out /tmp/extraction.txt [--zip]
"""

from __future__ import annotations

import argparse
import random
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

HEADER = (
    "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|"
    "Type identifiant structure|Identification Structure|Service de rattachement|"
    "Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Catégorie profession|"
    "Libellé de catégorie profession|Code Profession|Libellé Profession|Code savoir-faire|"
    "Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|"
    "Enseigne commerciale structure BAL|L2COMPLEMENTLOCALISATION structure BAL|"
    "L3COMPLEMENTDISTRIBUTION structure BAL|L4NUMEROVOIE structure BAL|"
    "L4COMPLEMENTNUMEROVOIE structure BAL|NL4TYPEVOIE structure BAL|"
    "L4LIBELLEVOIE structure BAL|L5LIEUDITMENTION structure BAL|"
    "L6LIGNEACHEMINEMENT structure BAL|Code postal structure BAL|"
    "Département structure BAL|Pays structure BAL|"
)


def _split(text: str, separator: str = " ") -> list[str]:
    """Words of ``text``; "_" stands for a space inside a word (compound names)."""
    return [w.replace("_", " ") for w in text.split(separator)]


LAST_NAMES = _split(
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL "
    "LEFEBVRE LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE "
    "ROUSSEAU VINCENT MULLER LEFÈVRE FAURE ANDRÉ MERCIER BLANC GUÉRIN BOYER GARNIER CHEVALIER "
    "FRANÇOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLÉMENT MORIN NICOLAS HENRY ROUSSEL "
    "MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOËL MEYER DUFOUR "
    "MEUNIER BRUN BLANCHARD GIRAUD JOLY RIVIÈRE LUCAS BRUNET GAILLARD BARBIER ARNAUD "
    "MARTINEZ GÉRARD ROCHE RENARD SCHMITT ROY LEROUX COLIN VIDAL CARON PICARD ROGER FABRE "
    "AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE BOURGEOIS PIERRE BENOÎT REY "
    "LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ JEAN DUPUY GUILLOT HUBERT "
    "BERGER CARPENTIER SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER "
    "FLEURY ROYER KLEIN JACQUET ADAM PARIS POIRIER MARTY AUBRY GUYOT CARRÉ CHARLES RENAULT "
    "CHARPENTIER MÉNARD MAILLARD BARON BERTIN BAILLY HERVÉ SCHNEIDER FERNANDEZ LE_GALL "
    "COLLET LÉGER BOUVIER JULIEN PRÉVOST MILLET PERROT DANIEL LE_ROUX COUSIN GERMAIN BRETON "
    "BESSON LANGLOIS RÉMY LE_GOFF PELLETIER LÉVÊQUE PERRIER LEBLANC BARRÉ LEBRUN MARCHAL "
    "WEBER MALLET HAMON BOULANGER JACOB MONNIER MICHAUD RODRIGUEZ GUICHARD GILLET ÉTIENNE "
    "GRONDIN POULAIN TESSIER CHEVALLIER COLLIN CHAUVIN DA_SILVA BOUCHET GAY LEMAÎTRE BENARD "
    "MARÉCHAL HUMBERT REYNAUD ANTOINE HOARAU PERRET BARTHÉLEMY CORDIER PICHON LEJEUNE "
    "GILBERT LAMY DELAUNAY PASQUIER CARLIER LAPORTE N'DIAYE BEN_SAÏD NGUYEN KOWALSKI"
)
FIRST_NAMES = _split(
    "Jean Marie Pierre Michel Philippe Nathalie Isabelle Sylvie Catherine Françoise Anne "
    "Christine Alain Patrick Nicolas Christophe Stéphane Sophie Valérie Sandrine Laurent "
    "Frédéric Éric Julien Céline Aurélie Émilie Camille Hélène Véronique Jérôme Sébastien "
    "Thierry Olivier Claire Agnès Élise Thomas Antoine Mathilde Léa Chloé Zoé Benoît Noémie "
    "Gaëlle Joël Raphaël Maël Loïc Aïcha Yasmine Mohamed Karim Jean-Pierre Marie-Claire "
    "Anne-Sophie Jean-François Pierre-Yves Marie-Hélène Hervé Gérard Inès Clémence Adèle"
)
# (code, label, weight); RPPS/ADELI profession codes
PROFESSIONS = [
    ("10", "Médecin", 45),
    ("21", "Pharmacien", 8),
    ("40", "Chirurgien-Dentiste", 8),
    ("50", "Sage-Femme", 4),
    ("60", "Infirmier", 20),
    ("70", "Masseur-Kinésithérapeute", 8),
    ("80", "Pédicure-Podologue", 2),
    ("28", "Orthophoniste", 3),
    ("26", "Orthoptiste", 1),
    ("96", "Psychologue", 1),
]
SPECIALTIES = [
    ("SM54", "Médecine générale (SM)", 40),
    ("SM04", "Cardiologie et maladies vasculaires (SM)", 5),
    ("SM15", "Dermatologie et vénéréologie (SM)", 3),
    ("SM26", "Gynécologie-obstétrique (SM)", 4),
    ("SM32", "Neurologie (SM)", 2),
    ("SM38", "Ophtalmologie (SM)", 4),
    ("SM40", "Oto-rhino-laryngologie (SM)", 2),
    ("SM42", "Pédiatrie (SM)", 4),
    ("SM44", "Pneumologie (SM)", 2),
    ("SM48", "Psychiatrie (SM)", 5),
    ("SM50", "Radio-diagnostic (SM)", 4),
    ("SM53", "Rhumatologie (SM)", 2),
    ("SM02", "Anesthésie-réanimation (SM)", 5),
    ("SM24", "Gastro-entérologie et hépatologie (SM)", 2),
    ("SM58", "Biologie médicale (SM)", 2),
]
CITIES = [
    ("PARIS", "75", "750"),
    ("MARSEILLE", "13", "130"),
    ("LYON", "69", "690"),
    ("TOULOUSE", "31", "310"),
    ("NICE", "06", "060"),
    ("NANTES", "44", "440"),
    ("MONTPELLIER", "34", "340"),
    ("STRASBOURG", "67", "670"),
    ("BORDEAUX", "33", "330"),
    ("LILLE", "59", "590"),
    ("RENNES", "35", "350"),
    ("REIMS", "51", "511"),
    ("SAINT-ÉTIENNE", "42", "420"),
    ("LE HAVRE", "76", "766"),
    ("TOULON", "83", "830"),
    ("GRENOBLE", "38", "380"),
    ("DIJON", "21", "210"),
    ("ANGERS", "49", "490"),
    ("NÎMES", "30", "300"),
    ("VILLEURBANNE", "69", "691"),
    ("CLERMONT-FERRAND", "63", "630"),
    ("LE MANS", "72", "720"),
    ("AIX-EN-PROVENCE", "13", "131"),
    ("BREST", "29", "292"),
    ("TOURS", "37", "370"),
    ("AMIENS", "80", "800"),
    ("LIMOGES", "87", "870"),
    ("ANNECY", "74", "740"),
    ("PERPIGNAN", "66", "660"),
    ("BESANÇON", "25", "250"),
    ("METZ", "57", "570"),
    ("ORLÉANS", "45", "450"),
    ("ROUEN", "76", "760"),
    ("MULHOUSE", "68", "681"),
    ("CAEN", "14", "140"),
    ("NANCY", "54", "540"),
    ("AJACCIO", "2A", "200"),
    ("BASTIA", "2B", "202"),
    ("SAINT-DENIS", "974", "974"),
    ("FORT-DE-FRANCE", "972", "972"),
    ("QUIMPER", "29", "290"),
    ("VANNES", "56", "560"),
    ("PAU", "64", "640"),
    ("BAYONNE", "64", "641"),
    ("LA ROCHELLE", "17", "170"),
    ("POITIERS", "86", "860"),
    ("CHARTRES", "28", "280"),
    ("ÉVREUX", "27", "270"),
    ("ALBI", "81", "810"),
    ("MONTÉLIMAR", "26", "262"),
]
STREET_TYPES = ["RUE", "AV", "BD", "PL", "CHE", "ALL", "IMP", "QUAI", "RTE"]
STREET_NAMES = _split(
    "DE LA RÉPUBLIQUE|VICTOR HUGO|JEAN JAURÈS|DU GÉNÉRAL DE GAULLE|PASTEUR|DES ÉCOLES|"
    "DE LA GARE|DE L'ÉGLISE|GAMBETTA|DU MARÉCHAL FOCH|DE LA LIBERTÉ|DES LILAS|NATIONALE|"
    "DU MOULIN|SAINT-MICHEL|CLEMENCEAU|DE VERDUN|DES TILLEULS|EMILE ZOLA|DE LA PAIX",
    "|",
)
OPERATORS = [
    "medecin.mssante.fr",
    "pharmacien.mssante.fr",
    "chirurgien-dentiste.mssante.fr",
    "infirmier.mssante.fr",
    "sagefemme.mssante.fr",
    "masseur-kinesitherapeute.mssante.fr",
    "ch-{city}.mssante.fr",
    "chu-{city}.mssante.fr",
    "pharmacrypt.mssante.fr",
    "ght-{dept}.mssante.fr",
]
SERVICES = [
    "Cardiologie",
    "Urgences",
    "Pédiatrie",
    "Maternité",
    "Radiologie",
    "Laboratoire de biologie médicale",
    "Pharmacie à usage intérieur",
    "Secrétariat médical",
    "Oncologie",
    "Gériatrie",
    "Bureau des entrées",
]


def _ascii(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in folded if c.isalnum() or c in ".-").replace("--", "-")


def _pick(rng: random.Random, table: list[tuple[str, str, int]]) -> tuple[str, str]:
    code, label, _ = rng.choices(table, weights=[w for *_, w in table])[0]
    return code, label


def rows(count: int, seed: int = 1) -> Iterator[list[str]]:
    """``count`` entries of 31 fields; about 8 % ORG, the rest PER. Addresses are unique
    except one row in 3,000 that repeats the previous row's address (the real file has
    ~169 such repeats), so the index dedupes ``count - count // 3000`` entries."""
    previous = ""
    for n, fields in enumerate(_rows(count, seed)):
        if n % 3000 == 2999:
            fields[1] = previous  # the same mailbox again (another activity): first one wins
        previous = fields[1]
        yield fields


def _rows(count: int, seed: int) -> Iterator[list[str]]:
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    taken: set[str] = set()
    for n in range(count):
        city, dept, cp = rng.choice(CITIES)
        postcode = (cp + f"{rng.randint(0, 99):02d}")[:5]
        street = [
            str(rng.randint(1, 180)),
            rng.choice(["", "", "", "B", "T"]),
            rng.choice(STREET_TYPES),
            rng.choice(STREET_NAMES),
        ]
        place = ["", "", *street, "", f"{postcode} {city}", postcode, dept, "FRANCE"]
        domain = rng.choice(OPERATORS).format(city=_ascii(city), dept=dept.lower())
        if rng.random() < 0.08:
            service = rng.choice(SERVICES)
            organisation = f"CENTRE HOSPITALIER DE {city}"
            address = f"{_ascii(service).replace('-', '')[:20]}.{n}@{domain}"
            yield [
                "ORG", address, "", "", "", "1", f"{dept[:2]}{n:07d}", service,
                "", "", "", "", "", "", "", "", "", "O", organisation, "", *place[:2],
                *place[2:],
            ]  # fmt: skip
            continue
        last = rng.choice(LAST_NAMES)
        first = rng.choice(FIRST_NAMES)
        code, profession = _pick(rng, PROFESSIONS)
        skill_code, skill = _pick(rng, SPECIALTIES) if code == "10" else ("", "")
        rpps = f"10{n:09d}"
        civility = "DR" if code in ("10", "40") else rng.choice(["M", "MME"])
        local = f"{_ascii(first)}.{_ascii(last.replace(' ', '-'))}"
        address = f"{local}@{domain}"
        if address in taken:
            address = f"{local}{n}@{domain}"
        taken.add(address)
        if rng.random() < 0.5:
            structure = ["", "", ""]
            organisation = f"CABINET DU DR {last}" if code == "10" else ""
        else:
            structure = ["1", f"{dept[:2]}{n:07d}", ""]
            organisation = f"CENTRE HOSPITALIER DE {city}"
        yield [
            "PER", address, "8", rpps, "8" + rpps, *structure, civility, last, first,
            "C", "Civil", code, profession, skill_code, skill, "O", organisation, "",
            *place,
        ]  # fmt: skip


def write(
    path: Path,
    count: int,
    *,
    seed: int = 1,
    trailing_separator: bool = True,
    extra_lines: list[str] | None = None,
) -> Path:
    """Write a text file of ``count`` entries (plus ``extra_lines`` at the end)."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(HEADER + "\n")
        end = "|\n" if trailing_separator else "\n"
        for fields in rows(count, seed):
            out.write("|".join(fields) + end)
        for line in extra_lines or ():
            out.write(line + "\n")
    return path


def write_zip(text_file: Path, zip_path: Path, member: str | None = None) -> Path:
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(text_file, member or text_file.name)
    return zip_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=600_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--zip", action="store_true", help="also write OUT.zip")
    args = parser.parse_args()
    started = time.monotonic()
    write(args.out, args.rows, seed=args.seed)
    if args.zip:
        write_zip(args.out, args.out.with_suffix(".zip"))
    print(f"{args.rows} rows, {args.out.stat().st_size} bytes, {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()

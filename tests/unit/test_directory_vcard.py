"""vCard export of directory entries: written, folded, escaped, read back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.directory import vcard
from app.directory.index import Mailbox

DUPONT = Mailbox(
    address="jean.dupont@medecin.mssante.fr",
    bal_type="PER",
    display_name="Jean DUPONT",
    civility="DR",
    last_name="DUPONT",
    first_name="Jean",
    id_pp_type="8",
    id_pp="10101201234",
    id_nat="810101201234",
    profession="Médecin",
    profession_code="10",
    specialty="Cardiologie et maladies vasculaires (SM)",
    category="Civil",
    organisation="CABINET MÉDICAL; DES LILAS, RENNES",  # separators that must be escaped
    service="",
    street="12 RUE DE LA RÉPUBLIQUE",
    postcode="69003",
    city="LYON",
    department="69",
    structure_id="",
)
URGENCES = replace(
    DUPONT,
    address="urgences@chu-lyon.mssante.fr",
    bal_type="ORG",
    display_name="CHU DE LYON",
    civility="",
    last_name="",
    first_name="",
    id_pp_type="",
    id_pp="",
    id_nat="",
    profession="",
    profession_code="",
    specialty="",
    organisation="CHU DE LYON",
    service="Urgences pédiatriques",
)


def test_export_and_read_back(tmp_path: Path) -> None:
    target = tmp_path / "export" / "carnet.vcf"
    assert vcard.export([DUPONT, URGENCES], target) == 2
    raw = target.read_bytes()
    assert raw.startswith(b"BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded
    raw.decode("utf-8")  # no character cut by the folding
    person, org = vcard.read(raw.decode("utf-8"))
    assert person["FN"] == [["Dr Jean DUPONT"]]
    assert person["N"] == [["DUPONT", "Jean", "", "Dr", ""]]
    assert person["KIND"] == [["individual"]]
    assert person["EMAIL"] == [["jean.dupont@medecin.mssante.fr"]]
    assert person["ORG"] == [["CABINET MÉDICAL; DES LILAS, RENNES"]]
    assert person["TITLE"] == [["Médecin, Cardiologie et maladies vasculaires"]]
    assert person["ADR"] == [["", "", "12 RUE DE LA RÉPUBLIQUE", "Lyon", "", "69003", "France"]]
    assert "RPPS 10101201234" in person["NOTE"][0][0]
    assert org["KIND"] == [["org"]] and "N" not in org
    assert org["FN"] == [["Urgences pédiatriques — CHU DE LYON"]]
    assert org["ORG"] == [["CHU DE LYON", "Urgences pédiatriques"]]
    assert not list(tmp_path.glob("export/.vcard-*"))  # no temporary file left


def test_long_values_fold_on_character_boundaries() -> None:
    long = replace(DUPONT, organisation="É" * 120, street="")
    text = vcard.card(long)
    lines = text.split("\r\n")
    assert any(line.startswith(" ") for line in lines)
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    (parsed,) = vcard.read(text)
    assert parsed["ORG"] == [["É" * 120]]


@pytest.mark.parametrize("value", ["a,b", "a;b", "a\\b", "ligne 1\nligne 2", "fin\\"])
def test_escaping_round_trip(value: str) -> None:
    (parsed,) = vcard.read(vcard.card(replace(DUPONT, organisation=value)))
    assert parsed["ORG"] == [[value]]


def test_a_failed_export_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "carnet.vcf"
    target.write_text("ancien", encoding="utf-8")

    def broken(_fd: int) -> None:
        raise OSError("disque plein")

    monkeypatch.setattr(vcard.os, "fsync", broken)
    with pytest.raises(OSError, match="disque plein"):
        vcard.export([DUPONT], target)
    assert target.read_text(encoding="utf-8") == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["carnet.vcf"]

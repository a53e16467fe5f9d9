"""The first run's address lookup by RPPS: from the offline directory, or nothing."""

from __future__ import annotations

from pathlib import Path

from app.directory.index import build_index
from app.directory.lookup import own_addresses
from tests.unit.test_directory import ELODIE, ELODIE_2, _file


def test_her_addresses_come_from_the_directory(tmp_path: Path) -> None:
    build_index(_file(tmp_path, 50, extra_lines=[ELODIE, ELODIE_2]), tmp_path / "profile")
    assert set(own_addresses(tmp_path / "profile", "10101201234")) == {
        "elodie.lefevre@medecin.mssante.fr",
        "e.lefevre@ch-rennes.mssante.fr",
    }


def test_no_directory_yet_means_typing_the_address(tmp_path: Path) -> None:
    assert own_addresses(tmp_path, "10009876543") == []

"""Favourite correspondents: kept in the profile, atomically, across instances."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from app.core import crypto, private
from app.core.profile_key import keys_for
from app.directory import favourites
from app.directory.favourites import Favourites, favourites_path
from tests.unit.test_directory_vcard import DUPONT, URGENCES

ENCRYPTION = ["encryption.json", "encryption.lock"]  # the profile's (app/core/profile_key.py)


def clear(path: Path) -> bytes:
    """The favourites file as Caducée reads it: sealed with the profile's key."""
    return crypto.unseal(keys_for(path.parent).files, path.read_bytes(), path.name.encode())


def test_added_removed_and_kept_across_instances(tmp_path: Path) -> None:
    path = favourites_path(tmp_path / "profile")
    first = Favourites(path)
    assert first.items == []
    assert first.add(DUPONT) and first.add(URGENCES)
    assert not first.add(replace(DUPONT, address="JEAN.DUPONT@medecin.mssante.fr"))
    again = Favourites(path)
    assert [m.address for m in again.items] == [
        "urgences@chu-lyon.mssante.fr",
        "JEAN.DUPONT@medecin.mssante.fr",  # re-added: moved last, details refreshed
    ]
    assert again.items[0] == URGENCES  # every field kept, for display without the index
    assert "jean.dupont@MEDECIN.mssante.fr" in again
    assert again.remove("jean.dupont@medecin.mssante.fr")
    assert not again.remove("inconnu@medecin.mssante.fr")
    assert [m.address for m in Favourites(path).items] == ["urgences@chu-lyon.mssante.fr"]
    assert b"DUPONT" not in path.read_bytes().upper()  # sealed
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, *ENCRYPTION])


def test_a_damaged_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / favourites.FILE_NAME
    path.write_text("[{ pas du json", encoding="utf-8")  # a clear profile: sealed at first use
    kept = Favourites(path)
    assert kept.items == []
    broken = path.with_name(path.name + ".broken")
    assert crypto.unseal(kept.key, broken.read_bytes(), path.name.encode()) == b"[{ pas du json"
    kept.add(DUPONT)
    assert json.loads(clear(path))[0]["address"] == DUPONT.address


def test_a_tampered_or_swapped_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / favourites.FILE_NAME
    Favourites(path).add(DUPONT)
    sealed = bytearray(path.read_bytes())
    sealed[-1] ^= 1
    path.write_bytes(sealed)
    assert Favourites(path).items == []  # set aside, never read as if valid
    key = keys_for(tmp_path).files  # sealed under another name: refused too
    path.write_bytes(crypto.seal(key, json.dumps([DUPONT.to_json()]).encode(), b"other"))
    assert Favourites(path).items == []


def test_entries_without_an_address_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / favourites.FILE_NAME
    path.write_text(json.dumps([{"address": ""}, {"x": 1}, 3, DUPONT.to_json()]), "utf-8")
    assert Favourites(path).items == [DUPONT]


def test_a_failed_write_keeps_the_previous_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / favourites.FILE_NAME
    Favourites(path).add(DUPONT)

    def broken(_fd: int) -> None:
        raise OSError("disque plein")

    monkeypatch.setattr(private.os, "fsync", broken)
    with pytest.raises(OSError, match="disque plein"):
        Favourites(path).add(URGENCES)
    assert Favourites(path).items == [DUPONT]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, *ENCRYPTION])

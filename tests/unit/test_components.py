""" "À propos" lists the bundled components from their installed metadata."""

from __future__ import annotations

from importlib import metadata

from app.core.components import bundled_components, licence_text


def test_the_components_are_the_installed_runtime_dependencies() -> None:
    components = {c.name.lower(): c for c in bundled_components()}
    assert "caducee" not in components  # itself: not a component
    for name in ("pyside6", "cryptography", "imapclient", "nh3", "keyring"):
        assert name in components, name
        assert components[name].version == metadata.version(name)
    assert "pytest" not in components and "ruff" not in components  # dev extras: not shipped
    assert "LGPL" in components["pyside6"].licence  # read, not written here
    assert (
        components["cryptography"].licence
        == metadata.metadata("cryptography")["License-Expression"]
    )


def test_a_licence_named_only_by_its_file_is_readable() -> None:
    imapclient = next(c for c in bundled_components() if c.name.lower() == "imapclient")
    assert imapclient.licence.startswith("voir ")
    text = licence_text(imapclient)
    assert text is not None and "Redistribution" in text

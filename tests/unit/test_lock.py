"""The lock files agree with pyproject.toml and pin every file by hash (scripts/lock)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ("dev.lock", "package.lock")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?: ;.*)? \\$")
_HASH = re.compile(r"^\s+--hash=sha256:[0-9a-f]{64}(?: \\)?$")


def _pins(lock: str) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of a lock file; fails on an unhashed pin."""
    pins: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        if match := _PIN.match(line):
            current = canonicalize_name(match.group(1))
            pins[current] = (match.group(2), 0)
        elif _HASH.match(line):
            version, count = pins[current]
            pins[current] = (version, count + 1)
        else:
            assert not line.strip() or line.lstrip().startswith("#"), f"{lock}: {line!r}"
    return pins


def _project() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups: dict[str, list[str]] = {"": project["dependencies"]}
    groups.update(project["optional-dependencies"])
    return groups


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_has_hashes(lock: str) -> None:
    pins = _pins(lock)
    assert pins
    assert all(count >= 1 for _version, count in pins.values()), pins


@pytest.mark.parametrize(("lock", "extra"), [("dev.lock", "dev"), ("package.lock", "package")])
def test_locks_satisfy_pyproject_ranges(lock: str, extra: str) -> None:
    pins = _pins(lock)
    for text in _project()[""] + _project()[extra]:
        requirement = Requirement(text)
        if (
            requirement.marker is not None
            and not requirement.marker.evaluate({"sys_platform": "win32"})
            and not requirement.marker.evaluate()
        ):
            continue  # e.g. Pillow: not on Linux, present for Windows in a universal lock
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} lacks {name}: run scripts/lock"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (
            f"{lock}: {name}=={pins[name][0]} is outside {requirement.specifier}: run scripts/lock"
        )


def test_both_locks_ship_the_same_versions() -> None:
    dev, package = _pins("dev.lock"), _pins("package.lock")
    differ = {n: (dev[n][0], package[n][0]) for n in dev.keys() & package.keys()}
    assert {n: v for n, v in differ.items() if v[0] != v[1]} == {}


def test_the_build_backend_is_locked() -> None:
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    for text in build["requires"]:
        requirement = Requirement(text)
        version = _pins("dev.lock")[canonicalize_name(requirement.name)][0]
        assert requirement.specifier.contains(version)


def test_the_installed_environment_is_the_lock() -> None:
    """What the tests run on is what the lock says (unless on purpose: scripts/test --latest)."""
    import os
    from importlib import metadata

    if os.environ.get("CADUCEE_VENV", ".venv") != ".venv":
        pytest.skip("scripts/test --latest: the newest allowed versions, on purpose")
    pins = _pins("dev.lock")
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    moved = {
        n: (v, installed[n]) for n, (v, _) in pins.items() if n in installed and installed[n] != v
    }
    assert moved == {}, "the environment differs from requirements/dev.lock: scripts/bootstrap"
    extraneous = set(installed) - set(pins) - {"caducee"}
    assert extraneous == set(), "packages outside requirements/dev.lock: scripts/bootstrap"

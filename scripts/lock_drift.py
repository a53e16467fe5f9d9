"""How an environment differs from a lock file.

    python scripts/lock_drift.py requirements/dev.lock               (scripts/bootstrap --latest)
    python scripts/lock_drift.py --extraneous requirements/dev.lock  (scripts/bootstrap)

Without option: lists every locked package whose installed version is another one, so that
a run against the newest allowed versions says which moves it tested; exit status 0 always
(drift is information, the test suite that follows is the verdict). With --extraneous:
prints the names of installed packages the lock does not have (left by an older lock), one
a line, for bootstrap to uninstall; the project itself is not one of them.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            pins[_canonical(match.group(1))] = match.group(2)
    return pins


def installed() -> dict[str, str]:
    return {_canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}


_PROJECT = "caducee"


def main(argv: list[str]) -> int:
    if argv[0] == "--extraneous":
        pins = locked(Path(argv[1]))
        for name in sorted(set(installed()) - set(pins) - {_PROJECT}):
            print(name)
        return 0
    pins = locked(Path(argv[0]))
    here = installed()
    moved = [
        f"  {name}: {pins[name]} (verrou) -> {here[name]}"
        for name in sorted(pins)
        if name in here and here[name] != pins[name]
    ]
    added = [f"  {name}: {here[name]} (hors verrou)" for name in sorted(set(here) - set(pins))]
    if not moved and not added:
        print("Versions les plus récentes permises : identiques au verrou.")
        return 0
    print("Versions les plus récentes permises, différentes du verrou :")
    print("\n".join(moved + added))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

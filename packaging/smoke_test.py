"""Smoke test of a frozen build: ``packaging/smoke_test.py --dist DIR [pytest options]``.

Runs ``packaging/smoke`` (pytest, outside the main suite) against ``DIR/caducee/caducee``,
headless, with the test lab (SoftHSM2 cards, Dovecot, the test PKI) started and removed by
the lab's fixtures. A lab piece that cannot start fails the run (``CI=true``): a smoke test
that skips proves nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="packaging/smoke_test.py", description=__doc__)
    parser.add_argument(
        "--dist",
        type=Path,
        default=ROOT / "dist",
        metavar="DOSSIER",
        help="dossier de la construction (par défaut : dist/)",
    )
    args, pytest_args = parser.parse_known_args(argv)
    if importlib.util.find_spec("pytest") is None:  # the build's environment has no tests
        print(
            f"Erreur : pytest absent de {sys.executable}. Lancez ce test avec l'environnement "
            "de développement (.venv, scripts/bootstrap), pas celui de la construction."
        )
        return 1
    name = "caducee.exe" if sys.platform == "win32" else "caducee"
    executable = args.dist.resolve() / "caducee" / name
    if not executable.is_file():
        print(f"Erreur : pas d'exécutable {executable} (packaging/build.py d'abord).")
        return 1
    environment = {
        **os.environ,
        "CADUCEE_FROZEN": str(executable),
        "CI": "true",
        "QT_QPA_PLATFORM": "offscreen",
    }
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-s",
        "--rootdir", str(ROOT), str(ROOT / "packaging" / "smoke"), *pytest_args,
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main())

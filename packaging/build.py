"""Build Caducée for one MSSanté operator: ``packaging/build.py --operator FILE [--dist DIR]``.

Checks the operator profile (``packaging/operators/*.toml``, format in docs/operators.md),
stages it with its logo and extra trust anchors, and runs PyInstaller on
``packaging/caducee.spec``: a one-folder build in ``DIR/caducee/`` whose executable is
``caducee`` (``caducee.exe``), the command line and the desktop application alike. Prints
the build time and the size of the folder. Run with the virtual environment's Python after
installing ``requirements/package.lock`` (docs/operators.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "caducee.spec"
sys.path.insert(0, str(ROOT))  # the app package, to check the profile with its own reader

from app.core.edition import PROFILE_FILE, RESOURCE_DIR, Edition, EditionError, load_edition  # noqa: E402
from app.ops.discovery import edition_profile  # noqa: E402
from app.transport.autoconfig import OperatorProfileError  # noqa: E402
from app.transport.trust import load_trust_file  # noqa: E402


class BuildError(Exception):
    """A profile or build problem, said in French to the operator's packager."""


def check(edition: Edition) -> None:
    """Everything the installed application will read from the profile must be usable."""
    try:
        edition_profile(edition)  # server addresses parse
    except OperatorProfileError as error:
        raise BuildError(str(error)) from error
    if edition.logo is not None:
        logo = edition.resolve(edition.logo)
        if not logo.is_file() or logo.suffix.lower() != ".png":
            raise BuildError(f"Logo introuvable ou pas en PNG : {logo}")
    for anchor in edition.trust_anchors:
        path = edition.resolve(anchor)
        try:
            certificates = load_trust_file(path)
        except (OSError, ValueError) as error:
            raise BuildError(f"Ancre de confiance inutilisable {path} : {error}") from error
        if not certificates:
            raise BuildError(f"Ancre de confiance sans certificat : {path}")


def stage(profile: Path, edition: Edition, stage_dir: Path) -> None:
    """Lay out the operator's files as they go below app/resources in the build."""
    shutil.rmtree(stage_dir, ignore_errors=True)
    operator_dir = stage_dir / RESOURCE_DIR
    operator_dir.mkdir(parents=True)
    shutil.copyfile(profile, operator_dir / PROFILE_FILE)
    if edition.logo is not None:
        target = operator_dir / edition.logo
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(edition.resolve(edition.logo), target)
    # Extra anchors join the shipped IGC-Santé ones (app/resources/trust/*.pem).
    trust_dir = stage_dir / "trust"
    trust_dir.mkdir()
    for index, anchor in enumerate(edition.trust_anchors, start=1):
        name = f"operateur-{edition.id}-{index}-{Path(anchor).stem}.pem"
        shutil.copyfile(edition.resolve(anchor), trust_dir / name)


def write_installer_defines(edition: Edition, target: Path) -> None:
    """What packaging/windows/caducee.iss needs to know of the edition (Inno Setup
    preprocessor defines; UTF-8 with a BOM, which Inno Setup 6 reads as UTF-8)."""
    from app import __version__

    def quoted(text: str) -> str:
        return '"' + text.replace('"', "'") + '"'

    defines = {
        "AppVersion": __version__,
        "OperatorId": edition.id,
        "OperatorName": edition.name,
        "AppTitle": edition.title,
        "SupportUrl": edition.support_url or "",
    }
    lines = [f"#define {name} {quoted(value)}" for name, value in defines.items()]
    target.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")


def folder_size(path: Path) -> int:
    return sum(
        file.stat().st_size for file in path.rglob("*") if file.is_file() and not file.is_symlink()
    )


def build(profile: Path, dist: Path, work: Path) -> Path:
    try:
        edition = load_edition(profile)
    except (EditionError, OSError) as error:
        raise BuildError(f"Profil d'opérateur refusé : {error}") from error
    check(edition)
    stage_dir = work / "stage"
    stage(profile, edition, stage_dir)
    environment = {
        **os.environ,
        "CADUCEE_STAGE": str(stage_dir),
        "CADUCEE_TITLE": edition.title,
        "CADUCEE_BUNDLE_ID": f"fr.caducee.{edition.id}",
    }
    icon = _icon(edition)
    if icon is not None:
        environment["CADUCEE_ICON"] = str(icon)
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",  # replace the previous build in DIST
        "--log-level=WARN",
        f"--distpath={dist}",
        f"--workpath={work}",  # kept between builds: PyInstaller reuses its analysis cache
        str(SPEC),
    ]
    print(f"Construction de « {edition.title} » dans {dist / 'caducee'} …", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, env=environment, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BuildError(f"PyInstaller a échoué (code {result.returncode}).")
    seconds = time.monotonic() - started
    output = dist / "caducee"
    write_installer_defines(edition, dist / "caducee-edition.iss")
    size = folder_size(output) / 1_000_000
    print(f"Construit en {seconds:.0f} s : {output} ({size:.0f} Mo)")
    return output


def _icon(edition: Edition) -> Path | None:
    """The logo for the executables' icon on Windows and macOS; PyInstaller converts the PNG
    (to .ico or .icns) with Pillow, in the ``package`` extra there."""
    if sys.platform not in ("win32", "darwin") or edition.logo is None:
        return None
    if importlib.util.find_spec("PIL") is None:
        print("Pillow absent : exécutable sans l'icône de l'opérateur.", file=sys.stderr)
        return None
    return edition.resolve(edition.logo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="packaging/build.py",
        description="Construit Caducée (PyInstaller, un dossier) pour un opérateur MSSanté.",
    )
    parser.add_argument(
        "--operator", required=True, type=Path, metavar="FICHIER", help="profil d'opérateur TOML"
    )
    parser.add_argument(
        "--dist",
        type=Path,
        default=ROOT / "dist",
        metavar="DOSSIER",
        help="où déposer le dossier caducee/ (par défaut : dist/)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=ROOT / "build" / "pyinstaller",
        metavar="DOSSIER",
        help="dossier de travail de PyInstaller, gardé d'une construction à l'autre "
        "(par défaut : build/pyinstaller/)",
    )
    args = parser.parse_args(argv)
    try:
        build(args.operator.resolve(), args.dist.resolve(), args.work.resolve())
    except BuildError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

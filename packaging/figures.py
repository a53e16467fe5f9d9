"""Figures of a frozen build: ``packaging/figures.py --dist DIR`` (Linux).

Size of the folder (and of its .tar.gz, what a download would weigh), and the time from
starting ``caducee gui --screenshot`` on a filled profile (the demo's) to the main window
saved as a PNG: first "cold" (every file of the bundle evicted from the page cache with
posix_fadvise, so it is read from disk again; the system's own libraries stay cached),
then warm (median of 3).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path


def evict(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(descriptor)


def to_window(executable: Path, profile: Path, shot: Path) -> float:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CADUCEE_")}
    environment["QT_QPA_PLATFORM"] = "offscreen"
    started = time.time()
    subprocess.run(  # noqa: S603
        [str(executable), "--profile-dir", str(profile), "gui", "--screenshot", str(shot)],
        check=True,
        env=environment,
        capture_output=True,
        timeout=120,
    )
    return shot.stat().st_mtime - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="packaging/figures.py", description=__doc__)
    parser.add_argument("--dist", type=Path, default=Path("dist"), metavar="DOSSIER")
    args = parser.parse_args(argv)
    bundle = args.dist.resolve() / "caducee"
    executable = bundle / "caducee"
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files)
    with tempfile.TemporaryDirectory(prefix="caducee-figures-") as scratch:
        work = Path(scratch)
        archive = work / "caducee.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(bundle, arcname="caducee")
        print(f"Dossier : {size / 1e6:.0f} Mo, {len(files)} fichiers")
        print(f"Archive .tar.gz : {archive.stat().st_size / 1e6:.0f} Mo")
        profile = work / "demo"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("CADUCEE_")}
        environment["QT_QPA_PLATFORM"] = "offscreen"
        subprocess.run(  # noqa: S603 - the demo fills the profile
            [str(executable), "--profile-dir", str(profile), "demo", "--screenshot",
             str(work / "demo.png")],
            check=True, env=environment, capture_output=True, timeout=300,
        )  # fmt: skip
        evict(bundle)
        cold = to_window(executable, profile, work / "cold.png")
        warm = [to_window(executable, profile, work / f"warm{i}.png") for i in range(3)]
        print(f"Démarrage jusqu'à la fenêtre, à froid : {cold:.2f} s")
        print(
            f"Démarrage jusqu'à la fenêtre, à chaud : {statistics.median(warm):.2f} s "
            f"(médiane de {', '.join(f'{t:.2f}' for t in warm)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the offline MSSanté directory (issue 7).

Generates an extraction file in the real format (``bench/directory_data.py``), zips it as
the ANS does, imports it in a child process (wall time and peak memory of that process),
then measures in-process search latency (p50/p95 over repeated runs after a warm-up) and,
in the same run, ``grep -i`` over the raw text file for the same words.

    .venv/bin/python bench/directory.py [--rows 600000] [--runs 20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.directory.index import DirectoryIndex  # noqa: E402
from bench import directory_data  # noqa: E402

QUERIES = [
    "dupont",  # a surname
    "jean dupont",  # first name + surname
    "martin paris",  # frequent surname + city
    "cardio lyon",  # specialty prefix + city
    "lefèvre",  # accents
    "infirmier 2A",  # profession + department
    "urgences chu",  # an organisational mailbox
    "pharmacrypt",  # a mail domain word
    "médecin",  # half of the file matches
    "ma",  # a two-letter prefix
]

_IMPORT = """
import resource, sys, time
from pathlib import Path
from app.directory.index import build_index
started = time.monotonic()
report = build_index(Path(sys.argv[1]), Path(sys.argv[2]))
print(report.entries, time.monotonic() - started,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=600_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="caducee-directory-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        text = work / "Extraction_Correspondance_MSSante_202611220300.txt"
        started = time.monotonic()
        directory_data.write(text, args.rows)
        archive = directory_data.write_zip(text, text.with_suffix(".zip"))
        print(
            f"data: {args.rows} rows, text {text.stat().st_size / 1e6:.0f} MB, "
            f"zip {archive.stat().st_size / 1e6:.0f} MB ({time.monotonic() - started:.0f} s)"
        )
        data_dir = work / "profile"
        shutil.rmtree(data_dir, ignore_errors=True)
        out = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _IMPORT, str(archive), str(data_dir)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout.split()
        entries, seconds, peak_kb = int(out[0]), float(out[1]), int(out[2])
        size = (data_dir / "directory.sqlite3").stat().st_size
        print(
            f"import (zip, child process): {entries} entries in {seconds:.1f} s, "
            f"peak RSS {peak_kb / 1024:.0f} MB, index {size / 1e6:.0f} MB"
        )
        print(f"load average: {Path('/proc/loadavg').read_text().split()[0]}")
        print()
        print("| query | results | Caducée p50 / p95 ms | grep -i p50 / p95 ms |")
        print("|---|---:|---:|---:|")
        with DirectoryIndex(data_dir) as index:
            for query in QUERIES:
                index.search(query, limit=20)  # warm-up
                samples = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    found = index.search(query, limit=20)
                    samples.append((time.perf_counter() - t) * 1000)
                grep = []
                for _ in range(max(3, args.runs // 4)):
                    t = time.perf_counter()
                    # grep has no "words in any order": the first word only, which favours it
                    subprocess.run(  # noqa: S603 - fixed words from QUERIES
                        ["grep", "-i", "-c", query.split()[0], str(text)],  # noqa: S607
                        check=False,
                        capture_output=True,
                    )
                    grep.append((time.perf_counter() - t) * 1000)
                p50, p95 = _percentiles(samples)
                g50, g95 = _percentiles(grep)
                print(
                    f"| `{query}` | {len(found)} | {p50:.1f} / {p95:.1f} | {g50:.0f} / {g95:.0f} |"
                )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nbench process peak RSS {peak:.0f} MB")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

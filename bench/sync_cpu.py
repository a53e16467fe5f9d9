"""The CPU a full sync spends on its own work, apart from the server and the network.

A full sync's time is shared between the server, the network, and Caducée's two CPU-bound
parts: the body workers parsing each message (``app.store.ingest``) and the sync process
writing the store (headers, then bodies and the full-text index). On a shared 2-core
machine the sync's wall time follows the load; these two parts' CPU time does not, and
they can be compared between two checkouts in the same run (``--before DIR``).

Each checkout is measured in a child process of its own (its tree first on the path):
parse every message of a generated mailbox, then store them into a fresh encrypted
profile as a sync does (headers 500 at a time, bodies 100 at a time, inside the sync's
``Store.bulk_writes`` where the checkout has it). The best of ``--runs`` is kept.

    .venv/bin/python bench/sync_cpu.py --messages 5000 --target-size 0.7G --before /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if not __package__:  # run as a script: import from the repository, not from bench/
    sys.path[0] = str(ROOT)

from bench.mailbox import generate  # noqa: E402
from bench.reference_run import parse_size  # noqa: E402

# Run in the child, with the checkout first on sys.path: only APIs both sides have.
_CHILD = r"""
import contextlib, json, os, sys, tempfile, time
from pathlib import Path
checkout, maildir = sys.argv[1], Path(sys.argv[2])
import app
assert Path(app.__file__).resolve().is_relative_to(Path(checkout).resolve()), app.__file__
from app.store.db import HeaderRow, Store
from app.store.ingest import _indexed
files = sorted(p for p in maildir.rglob("*") if p.parent.name in ("cur", "new") and p.is_file())
raws = [f.read_bytes() for f in files]
started = time.process_time()
bodies = [_indexed(uid, "%064x" % uid, raw) for uid, raw in enumerate(raws, 1)]
parse = time.process_time() - started
headers = []
for uid, raw in enumerate(raws, 1):
    end = raw.find(b"\r\n\r\n")
    head = raw[: end + 4] if end >= 0 else raw.split(b"\n\n", 1)[0]
    headers.append(HeaderRow(uid, ("\\Seen",) if uid % 3 else (), None, len(raw), None, head))
with tempfile.TemporaryDirectory() as directory:
    store = Store.open(Path(directory) / "profile")
    account = store.add_account("dr@bench.test", "password", "imaps://imap.bench.test")
    store.upsert_folder(account, "INBOX", "/", None, True)
    folder = store.folders(account)[0]
    bulk = getattr(store, "bulk_writes", contextlib.nullcontext)
    with bulk():
        started = time.process_time()
        for start in range(0, len(headers), 500):
            store.add_headers(folder, headers[start : start + 500])
        written_headers = time.process_time() - started
        started = time.process_time()
        for start in range(0, len(bodies), 100):
            store.add_ingested(folder, bodies[start : start + 100])
    written_bodies = time.process_time() - started  # the final checkpoint included
    store.close()
print(json.dumps({"messages": len(raws), "parse": parse, "headers": written_headers,
                  "bodies": written_bodies}))
"""


def measure(checkout: Path, maildir: Path, runs: int) -> dict[str, float]:
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-keyring-") as keyring:
        env = {
            **os.environ,
            "PYTHONPATH": str(checkout),
            "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
            "TEST_KEYRING_FILE": str(Path(keyring) / "keyring.json"),
        }
        for _ in range(runs):
            done = subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, "-c", _CHILD, str(checkout), str(maildir)],
                env=env,
                cwd=keyring,  # not this tree: "-c" puts the working directory on the path
                check=True,
                capture_output=True,
                text=True,
            )
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            for name, value in figures.items():
                best[name] = min(best.get(name, value), value)
    return best


def table(results: dict[str, dict[str, float]]) -> str:
    lines = [
        "| checkout | messages | parse (workers) s | store headers s | store bodies s | total s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        total = r["parse"] + r["headers"] + r["bodies"]
        lines.append(
            f"| {name} | {int(r['messages'])} | {r['parse']:.2f} | {r['headers']:.2f} | "
            f"{r['bodies']:.2f} | {total:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--target-size", default="0.7G")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--maildir", type=Path, help="an existing Maildir instead")
    parser.add_argument("--before", type=Path, help="another checkout, measured too")
    parser.add_argument("--runs", type=int, default=2, help="the best of N runs is kept")
    parser.add_argument("--json", type=Path, help="also write the figures there")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sync-cpu-") as work:
        maildir = args.maildir
        if maildir is None:
            maildir = Path(work) / "Maildir"
            generate(maildir, args.messages, parse_size(args.target_size), args.seed)
        results = {"this tree": measure(ROOT, maildir, args.runs)}
        if args.before is not None:
            results[f"before ({args.before})"] = measure(args.before.resolve(), maildir, args.runs)
    print(f"CPU seconds, best of {args.runs} (load average {os.getloadavg()[0]:.1f})")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

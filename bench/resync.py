"""A sync that finds (almost) nothing new, for one or more checkouts of Caducée in turn.

``python bench/resync.py --messages 100000 --target-size 2G --trees /tmp/before,.`` serves a
generated GP mailbox from the lab's Dovecot (``bench/dovecot_mailbox.py``), fills one
profile with a full ``caducee sync`` of the first tree, then times ``--runs`` rounds of a
``caducee sync`` with nothing new by each tree in turn (same profile, same server), and
``--flag-rounds`` rounds of one after 1 % of the flags changed on the server (each tree after
its own change). Each sync is a process started from an empty folder (a checkout as the
current folder would be imported first), its tree first on ``PYTHONPATH``; the trees are
byte-compiled first, as an install is. Prints wall and CPU time (min / median / max) and the
load average, which the figures depend on (``docs/performance.md``).

A tree must read the profile the first one wrote: trees of one store schema.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

if not __package__:  # run as a script: import from the repository, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.dovecot_mailbox import bench_dovecot, change_flags
from bench.file_keyring import use_file_keyring
from bench.mailbox import parse_size


def timed(argv: list[str], tree: Path, folder: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one command run from ``folder``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own command line
        argv, cwd=folder, env={**env, "PYTHONPATH": str(tree)}, check=True, capture_output=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def summary(name: str, runs: list[tuple[float, float]]) -> str:
    walls, cpus = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
    return (
        f"  {name}: wall {walls[0]:.3f} / {statistics.median(walls):.3f} / {walls[-1]:.3f} s, "
        f"CPU {cpus[0]:.3f} / {statistics.median(cpus):.3f} / {cpus[-1]:.3f} s (n={len(runs)})"
    )


def run(args: argparse.Namespace) -> int:
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    for tree in trees:
        compileall.compile_dir(tree / "app", quiet=1)
    with bench_dovecot(args.messages, parse_size(args.target_size), args.seed) as server:
        work = server.base / "resync"
        empty = work / "cwd"
        empty.mkdir(parents=True)
        use_file_keyring(work)
        imap = server.imap("starttls")
        profile = work / "profile"
        env = {**os.environ, "CADUCEE_PASSWORD": imap.password}
        base = [sys.executable, "-m", "app", "--profile-dir", str(profile)]
        add = ["account", "add", "--address", f"{imap.user}@bench.test", "--auth", "password"]
        add += ["--imap", f"imap+starttls://{imap.host}:{imap.port}", "--username", imap.user]
        add += ["--trust", str(imap.ca_file), "--no-check"]
        timed([*base, *add], trees[0], empty, env)
        wall, cpu = timed([*base, "sync"], trees[0], empty, env)
        print(f"full sync ({trees[0]}): {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
        unchanged: dict[Path, list[tuple[float, float]]] = {t: [] for t in trees}
        flagged: dict[Path, list[tuple[float, float]]] = {t: [] for t in trees}
        print(f"load before: {os.getloadavg()}", flush=True)
        for _ in range(args.runs):
            for tree in trees:
                time.sleep(args.pause)
                unchanged[tree].append(timed([*base, "sync"], tree, empty, env))
        seed = args.seed
        for _ in range(args.flag_rounds):
            for tree in trees:
                seed += 1
                change_flags(server, 0.01, seed)
                time.sleep(args.pause)
                flagged[tree].append(timed([*base, "sync"], tree, empty, env))
        print(f"load after: {os.getloadavg()}")
        print(f"{args.messages} messages, no change:")
        for tree in trees:
            print(summary(str(tree), unchanged[tree]))
        if args.flag_rounds:
            print("1 % of the flags changed:")
            for tree in trees:
                print(summary(str(tree), flagged[tree]))
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "messages": args.messages,
                        "unchanged": {str(t): unchanged[t] for t in trees},
                        "flags": {str(t): flagged[t] for t in trees},
                    }
                )
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--target-size", default="0.7G")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trees", default=".", help="checkouts, comma-separated")
    parser.add_argument("--runs", type=int, default=10, help="no-change syncs per tree")
    parser.add_argument("--flag-rounds", type=int, default=3, help="1 %% flags syncs per tree")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds before each sync")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

"""The outbox fault campaign at a larger size: every message delivered once, or reported.

``python bench/outbox_faults.py --messages 200 --seed 7`` starts the test lab (its PKI, the
MSSanté-like Dovecot for the copies in Sent, the submission server that counts what it
delivers by Message-ID), puts the fault-injecting proxy in front of the submission server,
queues the messages in a fresh profile and lets deliverers work at once — threads calling
``deliver`` (as the window and ``caducee sync`` do) and ``caducee outbox --flush`` processes
— while a seeded random plan cuts, resets and stalls connections at any point of the TLS
handshake or the SMTP dialogue, and restarts the server now and then. It is the campaign
of ``tests/integration/test_outbox_faults.py``, same code (``tests.lab.outbox_campaign``).

Prints one line per run: messages, faults injected, server restarts, messages delivered
once, duplicates (messages delivered more than once), uncertain (left for the user to
decide, with how many of them had in fact arrived), lost (never delivered and not reported
uncertain), misreported (delivered but said failed or waiting), time. Exit status 1 when a
run had a duplicate, a lost or a misreported message. Everything on 127.0.0.1, in one
``/tmp/caducee-lab-*`` directory removed at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

if not __package__:  # run as a script: import from the repository, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from tests.lab.build import build_pki, lab_accounts, mss_dovecot
from tests.lab.crlserver import CrlServer
from tests.lab.fixtures import make_lab_dir
from tests.lab.outbox_campaign import OutboxRig, Tally, run_campaign

COLUMNS = (
    ("seed", 6),
    ("messages", 9),
    ("faults", 7),
    ("restarts", 9),
    ("delivered once", 15),
    ("duplicates", 11),
    ("uncertain (arrived)", 20),
    ("lost", 5),
    ("misreported", 12),
    ("time (s)", 9),
)


def _cells(seed: int, tally: Tally) -> list[str]:
    return [
        str(seed),
        str(tally.messages),
        str(tally.faults),
        str(tally.restarts),
        str(tally.delivered_once),
        str(tally.duplicates),
        f"{tally.uncertain} ({tally.uncertain_delivered})",
        str(tally.lost),
        str(tally.misreported),
        f"{tally.seconds:.1f}",
    ]


def _line(cells: list[str]) -> str:
    return " ".join(cell.rjust(width) for cell, (_name, width) in zip(cells, COLUMNS, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1, help="first seed")
    parser.add_argument("--runs", type=int, default=1, help="runs, seeds seed, seed+1, ...")
    parser.add_argument("--repeat", action="store_true", help="every run with the same seed")
    parser.add_argument("--rate", type=float, default=0.3, help="share of connections faulted")
    parser.add_argument("--threads", type=int, default=2, help="deliverers in this process")
    parser.add_argument("--processes", type=int, default=1, help="caducee outbox --flush")
    parser.add_argument("--timeout", type=float, default=1.0, help="client timeout, seconds")
    parser.add_argument("--time-limit", type=float, default=900.0, help="per run, seconds")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    base = make_lab_dir()
    pki_dir = base / "pki"
    pki_dir.mkdir()
    crl_server = CrlServer(pki_dir)
    crl_server.start()
    dovecot = None
    rows: list[dict[str, object]] = []
    failed = False
    try:
        pki = build_pki(pki_dir, crl_server.base_url)
        accounts = lab_accounts()
        dovecot = mss_dovecot(base, pki, accounts)
        dovecot.start()
        print(_line([name for name, _width in COLUMNS]))
        with OutboxRig(
            pki, accounts, dovecot.imaps_port, timeout=args.timeout, stall_seconds=10
        ) as rig:
            seeds = (
                [args.seed] * args.runs if args.repeat else range(args.seed, args.seed + args.runs)
            )
            for seed in seeds:
                profile = rig.new_profile(Path(tempfile.mkdtemp(dir=base, prefix="profile-")))
                tally, errors = run_campaign(
                    rig,
                    profile,
                    messages=args.messages,
                    seed=seed,
                    rate=args.rate,
                    threads=args.threads,
                    processes=args.processes,
                    time_limit=args.time_limit,
                )
                print(_line(_cells(seed, tally)), flush=True)
                for error in errors:
                    print(f"  deliverer error: {error.strip()}", file=sys.stderr)
                for problem in tally.problems:
                    print(f"  {problem}", file=sys.stderr)
                failed |= bool(tally.duplicates or tally.lost or tally.misreported or errors)
                rows.append({"seed": seed, **tally.row(), "states": tally.states})
    finally:
        if dovecot is not None:
            dovecot.stop()
        crl_server.stop()
        shutil.rmtree(base, ignore_errors=True)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

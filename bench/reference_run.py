"""Reference figures: mbsync and notmuch on the generated GP mailbox, served by a lab Dovecot.

``python bench/reference_run.py --messages 5000 --target-size 0.7G`` does, on 127.0.0.1:

1. generate the mailbox (``bench/mailbox.py``) into the lab Dovecot's generic account and
   let Dovecot index it once (``bench/dovecot_mailbox.py``);
2. mbsync, server → a fresh local Maildir: full sync; resync with no change; resync after
   1 % of the messages had their flags changed on the server (IMAP STORE: \\Seen toggled,
   \\Flagged added on a third of them); resync after new messages were delivered (APPEND);
   after each step the local counts (messages, seen, flagged) are checked against the
   server's;
3. notmuch on the Maildir mbsync produced: ``notmuch new`` (first index), ``notmuch new``
   with no change, then search latency (p50/p95) for a list of queries, through the
   ``notmuch`` command and through the ``notmuch2`` bindings in-process;
4. with ``--caducee``, the same for Caducée (``bench/caducee.py``): each step a ``caducee
   sync`` of one new profile (the no-change resync also as the median of several, a ~0.2 s
   process), then search latency in-process on that profile's store.

It prints the tables (and writes them as JSON with ``--json FILE``), then stops Dovecot and
removes its directory.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

if not __package__:  # run as a script: import from the repository, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.caducee import run_caducee
from bench.dovecot_mailbox import (
    BenchServer,
    bench_dovecot,
    change_flags,
    deliver_new,
    server_counts,
)
from bench.mailbox import OWNER, Plan, parse_size
from bench.reference import (
    Latency,
    Mbsync,
    Measure,
    Notmuch,
    ToolFailed,
    latency_table,
    load_notmuch2,
    measures_table,
    to_json,
    versions,
)


def queries_for(plan: Plan) -> list[str]:
    """What a GP searches for; patient names and an INS taken from the generated data."""
    surnames = Counter(m.patient.surname for m in plan.messages if m.patient)
    frequent = surnames.most_common(1)[0][0]
    rare = min(surnames.items(), key=lambda item: (item[1], item[0]))[0]
    ins = next(
        (m.sender.address.split("@")[0] for m in plan.messages if m.kind == "patient"),
        "000000000000000",
    )
    return [
        "tag:unread",
        "tag:flagged",
        "from:labo-biotest.mssante.test",
        'subject:"lettre de liaison"',
        f'"{frequent}"',
        f"{rare}",
        f"from:{ins}@patient.mssante.test",
        '"fonction rénale"',
        "attachment:IHE_XDM.ZIP",
        "mimetype:application/pdf and date:2025-01-01..2025-03-31",
        "to:patient.mssante.test",
        "tag:replied and from:medecin.mssante.test",
        "folder:Sent and date:2026-01-01..",
        "*",
    ]


def tree_size(path: Path) -> int:
    return sum(
        (Path(directory) / name).stat().st_size
        for directory, _dirs, files in os.walk(path)
        for name in files
    )


def check_counts(server: BenchServer, mbsync: Mbsync, step: Measure) -> None:
    remote, local = server_counts(server), mbsync.counts()
    step.detail = f"{local[0]} msgs, {local[1]} seen, {local[2]} flagged"
    if remote != local:
        raise ToolFailed(f"{step.name}: server has {remote}, local Maildir {local}")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    measures: list[Measure] = []
    latencies: list[Latency] = []
    notes: list[str] = []
    with bench_dovecot(args.messages, parse_size(args.target_size), args.seed) as server:
        generated = server.generated
        print(generated.summary())
        print(f"Dovecot indexed it once in {server.indexing_seconds:.1f} s\n")
        print(server.describe(), "\n", flush=True)
        work = server.base / "bench"
        imap = server.imap(args.tls)

        mbsync = Mbsync(imap, work / "mbsync")

        def sync(name: str) -> None:
            time.sleep(args.pause)  # see --pause
            step = mbsync.sync(name)
            check_counts(server, mbsync, step)
            measures.append(step)
            print(f"  {name}: {step.seconds:.2f} s ({step.detail})", flush=True)

        sync("mbsync full sync")
        sync("mbsync resync, no change")
        changed = change_flags(server, 0.01, args.seed)
        sync(f"mbsync resync, {changed} msgs' flags changed (1 %)")
        added = deliver_new(server, args.new, args.seed)
        sync(f"mbsync resync, {added} new messages")
        notes.append(f"mbsync Maildir: {tree_size(mbsync.maildir) / 1e6:.1f} MB")

        notmuch = Notmuch(mbsync.maildir, work / "notmuch", OWNER.display, OWNER.address)
        step = notmuch.new("notmuch new (first index)")
        step.detail = f"{notmuch.count('*')} msgs indexed"
        measures.append(step)
        print(f"  notmuch new: {step.seconds:.2f} s", flush=True)
        time.sleep(args.pause)
        measures.append(notmuch.new("notmuch new, no change"))
        notes.append(f"notmuch database: {tree_size(notmuch.database) / 1e6:.1f} MB")
        queries = queries_for(generated.plan)
        latencies += notmuch.search_cli(queries, args.runs)
        bindings, how = load_notmuch2(work / "pyshim")
        notes.append(f"notmuch2 bindings: {how}")
        if bindings is not None:
            latencies += notmuch.search_bindings(bindings, queries, args.runs)

        if args.caducee:

            def before_step(step: str) -> None:
                """The same kind of server-side change mbsync saw before that step."""
                time.sleep(args.pause)
                if "flags" in step:
                    change_flags(server, 0.01, args.seed + 1)
                elif "new messages" in step:
                    deliver_new(server, args.new, args.seed + 1)

            try:
                ours, our_latencies = run_caducee(
                    imap, work / "caducee", queries, args.runs, before_step
                )
            except NotImplementedError as error:
                notes.append(f"Caducée: {error}")
            else:
                measures += ours
                latencies += our_latencies

        elapsed = time.perf_counter() - started
        report = [
            "",
            f"Mailbox: {len(generated.plan.messages)} messages, {generated.total / 1e6:.1f} MB, "
            f"generated in {generated.seconds:.1f} s; Dovecot first indexing "
            f"{server.indexing_seconds:.1f} s; TLS {args.tls}",
            "",
            measures_table(measures),
            "",
            f"Search: first 50 threads newest first (+ count in bindings), {args.runs} runs "
            "after one warm-up",
            latency_table(latencies),
            "",
            *notes,
            f"Tools: {versions()}",
            f"Whole run {elapsed:.0f} s",
        ]
        print("\n".join(report))
        if args.json:
            args.json.write_text(
                to_json(
                    messages=len(generated.plan.messages),
                    mailbox_bytes=generated.total,
                    generation_seconds=generated.seconds,
                    dovecot_indexing_seconds=server.indexing_seconds,
                    tls=args.tls,
                    measures=measures,
                    latencies=latencies,
                    notes=notes,
                    versions=versions(),
                )
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--target-size", default="0.7G")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tls", choices=("starttls", "imaps"), default="starttls")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query")
    parser.add_argument(
        "--new", type=int, default=20, help="messages delivered before the last resync"
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=2.0,
        help="seconds between two runs: mbsync sleeps 1 s if its Maildir changed this second",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--caducee", action="store_true", help="also run bench/caducee.py")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (ToolFailed, subprocess.CalledProcessError) as error:
        print(f"reference run failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""Write a generated GP mailbox as a Maildir++ tree, for the benchmarks.

``python bench/mailbox.py --out DIR --messages 5000 --target-size 0.7G --seed 1`` writes the
mailbox of Dr Alice MARTIN over the two years before ``--end``. The generator itself (people,
plans, messages with PDF, IHE_XDM.ZIP, MDNs...) lives in ``app/sandbox/mailbox.py`` and its
``mailbox_*`` parts, where the demo's sample mail comes from; see its docstring for what a
mailbox holds. Same seed, same options → byte-identical files, whatever the number of
worker processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

if not __package__:  # run as a script: import from the repository, not from bench/
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Some names below are re-exported for bench/ and the tests (noqa: F401).
from app.sandbox.mailbox import DEFAULT_END, FOLDERS, folder_dir, mutf7  # noqa: F401
from app.sandbox.mailbox_build import Builder
from app.sandbox.mailbox_people import OWNER  # noqa: F401
from app.sandbox.mailbox_plan import Plan, Planned, plan_mailbox

# -- writing the Maildir ------------------------------------------------------------------------

_BUILDER: Builder | None = None
_ROOT: Path | None = None


def _init_worker(plan: Plan, root: Path) -> None:
    global _BUILDER, _ROOT
    _BUILDER = Builder(plan)
    _ROOT = root


def maildir_name(message: Planned, size: int, vsize: int) -> str:
    when = int(message.date.timestamp())
    usec, pid = (message.index * 7919) % 1_000_000, 2000 + message.index % 30000
    base = f"{when}.M{usec}P{pid}Q{message.index}.bench"
    name = f"{base},S={size},W={vsize}"
    return name if message.new else f"{name}:2,{message.flags}"


def _write_chunk(indexes: list[int]) -> list[tuple[int, int]]:
    if _BUILDER is None or _ROOT is None:
        raise RuntimeError("worker not initialised")
    out = []
    for index in indexes:
        message = _BUILDER.plan.messages[index]
        data = _BUILDER.build(message)
        name = maildir_name(message, len(data), len(data) + data.count(b"\n"))
        path = folder_dir(_ROOT, message.folder) / ("new" if message.new else "cur") / name
        path.write_bytes(data)
        stamp = message.date.timestamp()
        os.utime(path, (stamp, stamp))
        out.append((index, len(data)))
    return out


@dataclass
class Result:
    root: Path
    plan: Plan
    sizes: dict[int, int]
    seconds: float

    @property
    def total(self) -> int:
        return sum(self.sizes.values())

    def summary(self) -> str:
        messages = self.plan.messages
        folders = Counter(m.folder for m in messages)
        kinds = Counter(m.kind for m in messages)
        seen = sum("S" in m.flags for m in messages)
        flagged = sum("F" in m.flags for m in messages)
        lines = [
            f"{len(messages)} messages, {self.total / 1e6:.1f} MB ({self.total / 2**30:.3f} GiB) "
            f"in {self.root}, {self.seconds:.1f} s",
            "folders: " + ", ".join(f"{f} ({folder_dir(Path(), f)}) {folders[f]}" for f in FOLDERS),
            "kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
            f"flags: Seen {seen} ({100 * seen / len(messages):.1f} %), Flagged {flagged} "
            f"({100 * flagged / len(messages):.1f} %), "
            f"Replied {sum('R' in m.flags for m in messages)}, "
            f"in new/ {sum(m.new for m in messages)}",
            f"with IHE_XDM.ZIP {sum(m.xdm for m in messages)}, with a PDF "
            f"{sum(bool(m.pdf_base) for m in messages)}, read receipts asked "
            f"{sum(m.dnt for m in messages)}, threads (replies) "
            f"{sum(m.parent is not None for m in messages)}, PDF scale {self.plan.scale:.2f}",
        ]
        return "\n".join(lines)


def _chunks(count: int, size: int = 40) -> Iterator[list[int]]:
    for start in range(0, count, size):
        yield list(range(start, min(count, start + size)))


def generate(
    out: Path,
    messages: int,
    target_size: int,
    seed: int = 1,
    workers: int | None = None,
    end: dt.date = DEFAULT_END,
) -> Result:
    """Write the mailbox into ``out`` (a Maildir: ``out/cur``, ``out/.Sent/cur``, ...)."""
    started = time.perf_counter()
    plan = plan_mailbox(messages, target_size, seed, end)
    for folder in FOLDERS:
        directory = folder_dir(out, folder)
        for sub in ("cur", "new", "tmp"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        if folder != "INBOX":
            (directory / "maildirfolder").touch()
    workers = workers or os.cpu_count() or 1
    sizes: dict[int, int] = {}
    if workers == 1:
        _init_worker(plan, out)
        for chunk in _chunks(len(plan.messages)):
            sizes.update(_write_chunk(chunk))
    else:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, _init_worker, (plan, out)) as pool:
            for done in pool.imap_unordered(_write_chunk, _chunks(len(plan.messages))):
                sizes.update(done)
    return Result(out, plan, sizes, time.perf_counter() - started)


def parse_size(text: str) -> int:
    units = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9}
    text = text.strip().upper().removesuffix("B")
    unit = text[-1] if text and text[-1] in units else ""
    return int(float(text.removesuffix(unit) if unit else text) * units[unit])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="Maildir to create")
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--target-size", default="0.7G", help="total size: 700M, 0.7G (SI units)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    parser.add_argument(
        "--end", type=dt.date.fromisoformat, default=DEFAULT_END, help="last day of mail"
    )
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        print(f"{args.out} exists and is not empty", file=sys.stderr)
        return 1
    result = generate(
        args.out, args.messages, parse_size(args.target_size), args.seed, args.workers, args.end
    )
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())

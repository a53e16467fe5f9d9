"""The message list by conversation against the flat list (issue 20), without a server.

Builds a synthetic folder straight into an encrypted store (rows only: subjects, senders,
dates over sixteen years, flags, conversations of one to a few messages), then times what
the window's list asks when a folder is shown: ``views.message_ids`` (flat) and
``views.threaded_rows`` (by conversation, Affichage > Fils de discussion), by date and by
subject: CPU time of the calling thread (SQLite runs in it), best and median of ``--runs``::

    python -m bench.threads_list --messages 5000 100000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bench.file_keyring import use_file_keyring

if TYPE_CHECKING:  # imported after the keyring is chosen
    from app.store.db import Store

ACCOUNT = "bench@bench.test"


def build(directory: Path, count: int) -> Store:
    from app.store.db import Store

    store = Store.open(directory)
    account = store.add_account(ACCOUNT, "password", "imap://127.0.0.1:1")
    store.upsert_folder(account, "INBOX", ".", None, True)
    folder = store.folders(account)[0]
    rng = random.Random(1)  # noqa: S311 - seeded test data
    rows = []
    for uid in range(1, count + 1):
        root = rng.randrange(max(count // 3, 1))  # about three messages a conversation
        when = f"20{rng.randrange(10, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        rows.append(
            (
                folder.id,
                uid,
                "\\Seen" if rng.random() < 0.8 else "",
                f"m{uid}@bench.test",
                f"Bilan {rng.randrange(1000)}",
                "Laboratoire <labo@bench.test>",
                f"{when}T10:00:00Z",
                f"t{root}@bench.test",
                rng.randrange(4),
            )
        )
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO messages (folder_id, uid, flags, message_id, subject, sender, date, "
            "thread, thread_depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return store


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    call()  # warm-up
    seconds = []
    for _ in range(runs):  # CPU time: the machine's load from other work left out
        started = time.process_time()
        call()
        seconds.append(time.process_time() - started)
    return min(seconds) * 1000, statistics.median(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, nargs="+", default=[5000, 100_000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caducee-threads-") as work:
        use_file_keyring(Path(work))
        from app.store.views import Scope, message_ids, threaded_rows

        print("| messages | list | sort | best CPU ms | median CPU ms |")
        print("|---:|---|---|---:|---:|")
        for count in args.messages:
            store = build(Path(work) / f"p{count}", count)
            scope = Scope(account=ACCOUNT, folder="INBOX")
            for sort in ("date", "subject"):
                for name, listing in (("flat", message_ids), ("threads", threaded_rows)):
                    best, median = timed(
                        lambda f=listing, s=sort, o=store, c=scope: f(o, c, s), args.runs
                    )
                    print(f"| {count} | {name} | {sort} | {best:.0f} | {median:.0f} |")
            store.close()


if __name__ == "__main__":
    main()

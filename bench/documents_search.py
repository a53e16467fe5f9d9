"""Search latency once the documents are indexed (issue 18 item 5), without a server.

Generates the benchmark mailbox (``bench/mailbox.py``), stores every message through the
store's own ingest (``Store.add_headers`` / ``add_bodies``: what a sync does), runs the
background pass that indexes PDF text (``app.store.documents_index.index_pending``), and
times ``Store.search`` on a GP's queries before and after it (median and worst of
``--runs``, after a warm-up)::

    python -m bench.documents_search --messages 5000 --target-size 0.7G
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from app.store.db import HeaderRow, Store
from app.store.documents_index import index_pending, pending
from bench.caducee import RESULTS
from bench.file_keyring import use_file_keyring
from bench.mailbox import folder_dir, generate, parse_size

QUERIES = ("hémoglobine", "hemoglobine", "antériorités", "fonction rénale", "glycémie", "MARTIN")


def load(store: Store, root: Path, folders: list[str]) -> int:
    account = store.add_account("bench@bench.test", "password", "imap://127.0.0.1:1")
    count = 0
    for name in folders:
        store.upsert_folder(account, name, ".", None, True)
        folder = next(f for f in store.folders(account) if f.name == name)
        files = sorted((folder_dir(root, name) / "cur").iterdir()) + sorted(
            (folder_dir(root, name) / "new").iterdir()
        )
        for start in range(0, len(files), 200):
            chunk = {
                start + n + 1: path.read_bytes()
                for n, path in enumerate(files[start : start + 200])
            }
            headers = [
                HeaderRow(uid, (), None, len(raw), None, raw.split(b"\n\n")[0])
                for uid, raw in chunk.items()
            ]
            store.add_headers(folder, headers)
            store.add_bodies(folder, chunk)
            count += len(chunk)
    return count


def timed(store: Store, runs: int) -> dict[str, tuple[int, float, float]]:
    out = {}
    for query in QUERIES:
        found = len(store.search(query, limit=RESULTS))
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            store.search(query, limit=RESULTS)
            times.append((time.perf_counter() - started) * 1000)
        out[query] = (found, statistics.median(times), max(times))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--target-size", default="0.7G")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caducee-docsearch-") as work:
        use_file_keyring(Path(work))  # the profile's key (its store is encrypted)
        root = Path(work) / "Maildir"
        result = generate(root, args.messages, parse_size(args.target_size))
        store = Store.open(Path(work) / "profile")
        folders = sorted({m.folder for m in result.plan.messages})
        started = time.perf_counter()
        count = load(store, root, folders)
        print(f"{count} messages stored and indexed in {time.perf_counter() - started:.1f} s")
        for query, (found, median, worst) in timed(store, args.runs).items():
            print(
                f"  before the PDF pass  {query!r:>20}: {found:3} found, "
                f"median {median:.2f} ms, worst {worst:.2f} ms"
            )
        waiting = pending(store)
        started = time.perf_counter()
        index_pending(store, budget=24 * 3600.0)
        print(f"PDF pass: {waiting} messages in {time.perf_counter() - started:.1f} s")
        for query, (found, median, worst) in timed(store, args.runs).items():
            print(
                f"  after the PDF pass   {query!r:>20}: {found:3} found, "
                f"median {median:.2f} ms, worst {worst:.2f} ms"
            )
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

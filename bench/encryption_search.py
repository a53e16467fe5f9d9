"""What encryption at rest costs a search: the same messages in a clear store (as before
issue 21) and in an encrypted one (SQLCipher), the same queries timed in turn, so that the
machine's load weighs on both alike.

    PYTHONPATH=. .venv/bin/python bench/encryption_search.py --messages 5000 --runs 40

Messages: the generated GP mailbox's people and text pools (app.sandbox), one patient or
colleague per message; the store's own ``search`` (FTS5) with the bench's queries' kinds.
The key is kept in the tests' file-backed keyring (none runs on a headless bench machine).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.file_keyring import use_file_keyring
from bench.reference import percentile

if TYPE_CHECKING:
    from app.store.db import Store

QUERIES = ("GIRAUD", "fonction rénale", "lettre de liaison", "patient.mssante.test", "ADAM")


def _message(number: int, chance: random.Random) -> bytes:
    from app.sandbox.mailbox_people import FEMALE, MALE, SURNAMES

    name = f"{chance.choice(SURNAMES)} {chance.choice(FEMALE + MALE)}"
    topic = chance.choice(
        ("Lettre de liaison", "Bilan biologique", "Compte rendu", "Fonction rénale", "Note")
    )
    sender = chance.choice(("labo-biotest", "chu-lyon", f"{number:015d}@patient", "cardio"))
    body = " ".join(chance.choice(("créatinine", "hémoglobine", "suivi", "traitement",
                                   "rendez-vous", "consultation", "ordonnance", "résultat"))
                    for _ in range(300))  # fmt: skip
    return (
        f"From: {sender}.mssante.test <x{number}@{sender.split('@')[-1]}.mssante.test>\r\n"
        f"To: dr@medecin.mssante.test\r\nSubject: {topic} — {name}\r\n"
        f"Message-ID: <m{number}@bench>\r\nDate: Mon, 07 Dec 2026 09:00:00 +0100\r\n\r\n"
        f"Concerne {name}.\r\n{body}\r\n"
    ).encode()


def _fill(store: Store, raws: dict[int, bytes]) -> None:
    from app.store.db import HeaderRow

    account = store.add_account("dr@medecin.mssante.test", "card", "imaps://imap.test")
    store.upsert_folder(account, "INBOX", "/", None, True)
    inbox = store.folders(account)[0]
    rows = [HeaderRow(u, (), None, len(r), None, r.split(b"\r\n\r\n")[0]) for u, r in raws.items()]
    store.add_headers(inbox, rows)
    for start in range(0, len(raws), 500):
        store.add_bodies(inbox, {u: raws[u] for u in list(raws)[start : start + 500]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caducee-bench-") as work:
        root = Path(work)
        use_file_keyring(root)
        from app.core.audit import AuditTrail
        from app.store import migrations
        from app.store.blobs import BlobStore
        from app.store.db import Store

        chance = random.Random(1)  # noqa: S311 — seeded data, reproducible, not security
        raws = {n: _message(n, chance) for n in range(1, args.messages + 1)}
        clear_dir = root / "clear"
        clear_dir.mkdir()
        connection = sqlite3.connect(clear_dir / "store.sqlite3", isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA foreign_keys = ON")
        migrations.migrate(connection)
        clear = Store(connection, BlobStore(clear_dir / "messages"), AuditTrail(root / "a"))
        started = time.perf_counter()
        _fill(clear, raws)
        filled_clear = time.perf_counter() - started
        encrypted = Store.open(root / "encrypted")
        started = time.perf_counter()
        _fill(encrypted, raws)
        filled_encrypted = time.perf_counter() - started
        print(f"{args.messages} messages stored: clear {filled_clear:.1f} s, "
              f"encrypted {filled_encrypted:.1f} s")  # fmt: skip
        print(f"{'query':<24} {'results':>7} {'clear p50/p95 ms':>18} {'encrypted p50/p95 ms':>22}")
        for query in QUERIES:
            times: dict[str, list[float]] = {"clear": [], "encrypted": []}
            found = len(clear.search(query, limit=50)), len(encrypted.search(query, limit=50))
            if found[0] != found[1]:
                raise SystemExit(f"{query}: {found[0]} results in clear, {found[1]} encrypted")
            for run in range(args.runs):
                pair = [("clear", clear), ("encrypted", encrypted)]
                for name, store in pair if run % 2 else reversed(pair):
                    began = time.perf_counter()
                    store.search(query, limit=50)
                    times[name].append((time.perf_counter() - began) * 1000)
            cells = [
                f"{percentile(times[n], 50):.2f} / {percentile(times[n], 95):.2f}"
                for n in ("clear", "encrypted")
            ]
            print(f"{query:<24} {found[0]:>7} {cells[0]:>18} {cells[1]:>22}")
        clear.close()
        encrypted.close()
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

"""Time to first paint of the desktop window over a large local store (issue 5's goal:
<= 1.5 s with 100,000 messages), measured as the doctor sees it: from starting
``caducee gui`` to the window painted with its folder tree and message list filled.

    .venv/bin/python bench/ui_first_paint.py --messages 100000 [--runs 3]

The store is built once in a temporary profile (headers only: the list needs no body).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.store.db import HeaderRow, Store
from bench.file_keyring import use_file_keyring

SUBJECTS = (
    "Résultats d'analyses biologiques — {name}",
    "Compte rendu d'hospitalisation de {name}",
    "Compte rendu de radiologie : {name}",
    "Avis cardiologique pour {name}",
    "Re: Rendez-vous de {name}",
)
NAMES = ("Mme DURAND", "M. MARTIN", "Mme LEFÈVRE", "M. BERNARD", "Mme PETIT", "M. ROUX")
SENDERS = (
    "Laboratoire BIOLAB <resultats@biolab.mssante.fr>",
    "Dr Paul DURAND <paul.durand@chu-exemple.mssante.fr>",
    "Cabinet de radiologie <imagerie@radio.mssante.fr>",
    "Dr Chantal BRETON <chantal.breton@medecin.mssante.fr>",
)


BODY = (
    "Cher confrère,\r\n\r\nVeuillez trouver ci-joint le compte rendu concernant {name}, "
    "vu le {day}. Bilan {word}, contrôle dans trois mois.\r\n\r\nBien confraternellement\r\n"
)
WORDS = ("normal", "satisfaisant", "perturbé", "à recontrôler", "rassurant", "inchangé")


def build(profile: Path, count: int, bodies: bool = False) -> float:
    """A store of ``count`` messages in the Inbox (headers only, or with a text body each
    through the same ingest as a sync: sealed files, full-text index); seconds taken."""
    started = time.perf_counter()
    store = Store.open(profile)
    account = store.add_account("dr.martin@medecin.mssante.fr", "card", "imaps://imap.test")
    for name, special in (("INBOX", "Inbox"), ("Sent", "Sent"), ("Résultats", None)):
        store.upsert_folder(account, name, ".", special, True)
    inbox = next(f for f in store.folders(account) if f.name == "INBOX")
    rng = random.Random(1)  # noqa: S311 - reproducible data, not security
    start = datetime(2021, 1, 1, tzinfo=UTC)
    for first in range(1, count + 1, 5000):
        rows = []
        for uid in range(first, min(first + 5000, count + 1)):
            date = start + timedelta(minutes=uid * 25)
            header = (
                f"From: {rng.choice(SENDERS)}\r\nTo: dr.martin@medecin.mssante.fr\r\n"
                f"Subject: {rng.choice(SUBJECTS).format(name=rng.choice(NAMES))}\r\n"
                f"Date: {date.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
                f"Message-ID: <bench-{uid}@mssante.test>\r\n\r\n"
            ).encode()
            seen = ("\\Seen",) if rng.random() < 0.9 else ()
            rows.append(HeaderRow(uid, seen, date, 30_000, None, header))
        store.add_headers(inbox, rows)
        if bodies:
            text = {
                row.uid: row.header
                + BODY.format(
                    name=rng.choice(NAMES),
                    day=f"{row.internal_date:%d/%m/%Y}",
                    word=rng.choice(WORDS),
                ).encode()
                for row in rows
            }
            store.add_bodies(inbox, text)
    store.close()
    return time.perf_counter() - started


def first_paint(profile: Path, shot: Path) -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "app", "--profile-dir", str(profile), "gui", "--screenshot", shot],
        env={**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")},
        check=True,
        capture_output=True,
        timeout=120,
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="caducee-bench-ui-") as directory:
        use_file_keyring(Path(directory))  # the profiles' keys (their stores are encrypted)
        profile = Path(directory) / "profile"
        built = build(profile, args.messages)
        print(f"store: {args.messages} messages built in {built:.1f} s")
        empty = Path(directory) / "empty"
        Store.open(empty).close()
        shot = Path(directory) / "shot.png"
        baseline = [first_paint(empty, shot) for _ in range(args.runs)]
        timings = [first_paint(profile, shot) for _ in range(args.runs)]
    print("| profile | first paint, median s | runs |")
    print("|---|---:|---|")
    print(
        f"| empty store (start-up alone) | {statistics.median(baseline):.2f} | "
        f"{', '.join(f'{t:.2f}' for t in baseline)} |"
    )
    print(
        f"| {args.messages} messages | {statistics.median(timings):.2f} | "
        f"{', '.join(f'{t:.2f}' for t in timings)} |"
    )
    print("goal: <= 1.5 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Caducée's own figures, beside the reference tools', on the same server, data and queries.

``bench/reference_run.py --caducee`` calls :func:`run_caducee`: each sync step is a
``caducee sync`` subprocess (wall time, CPU, peak memory through GNU time), and search
latency is measured in-process on the profile's store, as notmuch's Python bindings are.
"""

from __future__ import annotations

import compileall
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import app
from app.store.db import Store
from bench.file_keyring import use_file_keyring
from bench.reference import ImapServer, Latency, Measure, run_measured

# Steps, in the order reference_run runs them; the caller makes the server-side change
# between two steps (``change_flags``, ``deliver_new``) and passes it as ``before_step``.
STEPS = ("full sync", "resync, no change", "resync, 1 % flags changed", "resync, new messages")
RESULTS = 50
NO_CHANGE_RUNS = 5  # a sync of ~0.2 s: one sample is mostly the machine's noise

_PREFIX = re.compile(r"\b(from|to|subject|attachment):", re.IGNORECASE)


def translate(query: str) -> str | None:
    """A notmuch query as Caducée's free-text search, or None when it has no equivalent."""
    if query == "*":
        return ""
    if re.search(r"\b(tag|mimetype|date|folder):", query):
        return None  # flags, MIME types, date ranges and folders are filters, not search
    return _PREFIX.sub("", query).replace('"', " ").strip()


def run_caducee(
    server: ImapServer,
    workdir: Path,
    queries: list[str],
    runs: int,
    before_step: Callable[[str], None],
) -> tuple[list[Measure], list[Latency]]:
    # An installed Caducée (PyInstaller, pip) runs from bytecode. This tree may have none:
    # the lab's environment sets PYTHONDONTWRITEBYTECODE=1, and then every start (each sync,
    # each worker it spawns) compiled ~50 modules again, ~0.1 s. Compiled once, as an install is.
    compileall.compile_dir(Path(app.__file__).parent, quiet=1)
    # The profile's key lives in a keyring, and none runs on a headless bench machine: the
    # tests' file-backed one (tests/file_keyring.py), a lookup per process as on a desktop.
    # Set before keyring is first imported, for this process's search and each subprocess.
    use_file_keyring(workdir)
    profile = workdir / "profile"
    scheme = "imaps" if server.tls == "imaps" else "imap+starttls"
    env = {**os.environ, "CADUCEE_PASSWORD": server.password}
    base = [sys.executable, "-m", "app", "--profile-dir", str(profile)]
    subprocess.run(  # noqa: S603 - our own command line
        [
            *base,
            "account",
            "add",
            "--address",
            f"{server.user}@bench.test",
            "--imap",
            f"{scheme}://{server.host}:{server.port}",
            "--auth",
            "password",
            "--username",
            server.user,
            "--trust",
            str(server.ca_file),
            "--no-check",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    measures = []

    def sync(step: str) -> Measure:
        return run_measured(
            f"caducee {step}", [*base, "sync"], env=env, log=workdir / "caducee.log"
        )

    for step in STEPS:
        before_step(step)
        measures.append(sync(step))
        if step == "resync, no change":  # nothing changes on the server between these
            again = [measures[-1], *(sync(step) for _ in range(NO_CHANGE_RUNS - 1))]
            measures.append(median_of(f"caducee {step}, median of {len(again)}", again))
    return measures, _search(profile, queries, runs)


def median_of(name: str, runs: list[Measure]) -> Measure:
    """Each figure's median over ``runs`` (peak memory: the highest; a failed run shows)."""
    return Measure(
        name,
        statistics.median(m.seconds for m in runs),
        statistics.median(m.user_seconds for m in runs),
        statistics.median(m.system_seconds for m in runs),
        max(m.max_rss_kib for m in runs),
        max((m.returncode for m in runs), key=abs),
    )


def _search(profile: Path, queries: list[str], runs: int) -> list[Latency]:
    store = Store.open(profile)
    latencies = []
    try:
        for query in queries:
            text = translate(query)
            if text is None:
                continue

            def once(text: str = text) -> int:
                if not text:
                    return len(store.messages(limit=RESULTS))
                return len(store.search(text, limit=RESULTS))

            latency = Latency(f"{query} → {text or '(tout)'}", "caducee", once())  # warm-up
            for _ in range(runs):
                started = time.perf_counter()
                once()
                latency.runs.append((time.perf_counter() - started) * 1000)
            latencies.append(latency)
    finally:
        store.close()
    return latencies

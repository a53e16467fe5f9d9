"""The reference tools, run on the benchmark data: mbsync (IMAP → Maildir) and notmuch.

- :class:`Mbsync` writes an ``mbsyncrc`` for one IMAP account (STARTTLS or IMAPS, user and
  password, CA file for verification) and a local Maildir, and times ``mbsync`` runs: full
  sync, resync with no change, resync after changes made on the server.
- :class:`Notmuch` indexes a Maildir (``notmuch new``) and measures search latency over
  repeated runs, two ways: the ``notmuch`` command (process start + database open + query,
  what a shell user pays) and in-process through the ``notmuch2`` Python bindings (query
  only, what a client that keeps the database open pays).

Every external run is measured by :func:`run_measured`: wall time, user and system CPU time
and peak resident memory of that one child process (``os.wait4``).

The tools come from Debian: ``bench/setup`` installs ``isync``, ``notmuch`` and
``python3-notmuch2``. The bindings are built for Debian's Python, but their extension module
uses the stable ABI (``_capi.abi3.so``) and only needs ``cffi``, which the project's venv
has, so :func:`load_notmuch2` imports them into the venv through a directory holding a
symbolic link to the package (not the whole ``dist-packages``).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

TlsMode = Literal["starttls", "imaps"]
SYSTEM_NOTMUCH2 = Path("/usr/lib/python3/dist-packages/notmuch2")


@dataclass(frozen=True)
class ImapServer:
    """Where and how to log in; ``ca_file`` is the trust anchor for the server certificate."""

    host: str
    port: int
    user: str
    password: str
    tls: TlsMode
    ca_file: Path


@dataclass
class Measure:
    """One run of an external program."""

    name: str
    seconds: float  # wall clock
    user_seconds: float
    system_seconds: float
    max_rss_kib: int  # peak resident set size of the process
    returncode: int
    detail: str = ""

    @property
    def max_rss_mib(self) -> float:
        return self.max_rss_kib / 1024


@dataclass
class Latency:
    """Search latency of one query over repeated runs, in milliseconds."""

    query: str
    mode: str  # "cli" or "bindings"
    results: int
    runs: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.runs, 50)

    @property
    def p95(self) -> float:
        return percentile(self.runs, 95)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class ToolFailed(RuntimeError):
    pass


def require(program: str, package: str) -> str:
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin")
    if path is None:
        raise ToolFailed(f"{program} not found: run bench/setup (Debian package {package})")
    return path


def run_measured(
    name: str,
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    check: bool = True,
) -> Measure:
    """Run ``argv`` to completion: wall time, CPU time and peak memory of that program.

    Peak memory comes from GNU time (``/usr/bin/time -f %M``): ``wait4`` on a child of this
    process would report at least this Python's own size, since the kernel carries the
    forked copy's high-water mark across ``exec``. Without GNU time, it is left out (0).
    """
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    with tempfile.NamedTemporaryFile(prefix="bench-rss-") as rss_file:
        command = list(argv)
        if gnu_time:
            command = [gnu_time, "-q", "-f", "%M", "-o", rss_file.name, *command]
        output = log.open("ab") if log else None
        try:
            started = time.perf_counter()
            process = subprocess.Popen(  # noqa: S603 - argv built by this module
                command,
                stdin=subprocess.DEVNULL,
                stdout=output or subprocess.DEVNULL,
                stderr=output or subprocess.DEVNULL,
                env=env,
            )
            _pid, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - started
            process.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if output:
                output.close()
        rss = rss_file.read().decode().strip().splitlines()
    max_rss = int(rss[-1]) if rss and rss[-1].isdigit() else 0
    measure = Measure(name, seconds, usage.ru_utime, usage.ru_stime, max_rss, process.returncode)
    if check and process.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:] if log else ""
        raise ToolFailed(f"{name}: {argv[0]} exited with {process.returncode}\n{tail}")
    return measure


# -- mbsync ----------------------------------------------------------------------------------


class Mbsync:
    """mbsync between one IMAP account and a local Maildir (``workdir/Maildir``).

    Local layout: ``SubFolders Verbatim``, so IMAP ``Archives.2025`` (Dovecot's default
    separator ``.``) becomes ``Maildir/Archives/2025``; INBOX is ``Maildir/INBOX``. mbsync 1.4
    keeps folder names as the server sends them (modified UTF-7: ``R&AOk-sultats``).
    """

    def __init__(self, server: ImapServer, workdir: Path) -> None:
        self.binary = require("mbsync", "isync")
        self.server = server
        self.workdir = workdir
        self.maildir = workdir / "Maildir"
        self.config = workdir / "mbsyncrc"
        self.log = workdir / "mbsync.log"
        workdir.mkdir(parents=True, exist_ok=True)
        self.maildir.mkdir(exist_ok=True)
        self.config.write_text(self.rc())
        self.config.chmod(0o600)  # holds the password

    def rc(self) -> str:
        server = self.server
        tls = "IMAPS" if server.tls == "imaps" else "STARTTLS"
        return f"""# written by bench/reference.py
IMAPAccount bench
Host {server.host}
Port {server.port}
User "{server.user}"
Pass "{server.password}"
AuthMechs PLAIN
SSLType {tls}
SSLVersions TLSv1.2 TLSv1.3
CertificateFile {server.ca_file}
Timeout 120

IMAPStore bench-far
Account bench

MaildirStore bench-near
Path {self.maildir}/
Inbox {self.maildir}/INBOX
SubFolders Verbatim

Channel bench
Far :bench-far:
Near :bench-near:
Patterns *
Create Near
Sync All
Expunge None
SyncState *
CopyArrivalDate yes
"""

    def sync(self, name: str) -> Measure:
        with self.log.open("a") as log:
            log.write(f"\n=== {name}\n")
        return run_measured(
            name, [self.binary, "-c", str(self.config), "--all", "--quiet"], log=self.log
        )

    def message_files(self) -> list[Path]:
        return [
            path
            for sub in ("cur", "new")
            for path in self.maildir.rglob(f"{sub}/*")
            if path.is_file() and path.parent.name == sub
        ]

    def counts(self) -> tuple[int, int, int]:
        """Local (messages, seen, flagged), from the Maildir file names."""
        files = self.message_files()
        flags = [f.name.partition(":2,")[2] for f in files]
        return len(files), sum("S" in f for f in flags), sum("F" in f for f in flags)


# -- notmuch ---------------------------------------------------------------------------------


def load_notmuch2(shim_dir: Path) -> tuple[ModuleType | None, str]:
    """The ``notmuch2`` bindings, from the venv or Debian's package; (module, how or why not)."""
    try:
        return importlib.import_module("notmuch2"), "notmuch2 importable from this Python"
    except ImportError:
        pass
    if not SYSTEM_NOTMUCH2.is_dir():
        return None, "python3-notmuch2 is not installed (bench/setup): CLI only"
    shim_dir.mkdir(parents=True, exist_ok=True)
    link = shim_dir / "notmuch2"
    if not link.exists():
        link.symlink_to(SYSTEM_NOTMUCH2)
    sys.path.append(str(shim_dir))
    try:
        module = importlib.import_module("notmuch2")
    except ImportError as error:  # e.g. no cffi in this Python
        sys.path.remove(str(shim_dir))
        return None, f"Debian's notmuch2 does not load here ({error}): CLI only"
    return module, f"Debian's python3-notmuch2 ({SYSTEM_NOTMUCH2}) loaded into this venv"


class Notmuch:
    """A notmuch database over ``maildir``, kept in ``workdir`` (not inside the Maildir)."""

    IGNORE = (
        ".mbsyncstate",
        ".mbsyncstate.journal",
        ".mbsyncstate.new",
        ".mbsyncstate.lock",
        ".uidvalidity",
        "maildirfolder",
    )

    def __init__(self, maildir: Path, workdir: Path, name: str, address: str) -> None:
        self.binary = require("notmuch", "notmuch")
        self.maildir = maildir
        self.workdir = workdir
        self.database = workdir / "notmuch-db"
        self.config = workdir / "notmuch-config"
        self.log = workdir / "notmuch.log"
        workdir.mkdir(parents=True, exist_ok=True)
        self.database.mkdir(exist_ok=True)
        self.config.write_text(
            "[database]\n"
            f"path={self.database}\n"
            f"mail_root={maildir}\n"
            "[user]\n"
            f"name={name}\n"
            f"primary_email={address}\n"
            "[new]\n"
            "tags=unread;inbox;\n"
            f"ignore={';'.join(self.IGNORE)}\n"
            "[search]\n"
            "exclude_tags=deleted;spam;\n"
            "[maildir]\n"
            "synchronize_flags=true\n"
        )
        self.env = {**os.environ, "NOTMUCH_CONFIG": str(self.config)}

    def new(self, name: str) -> Measure:
        return run_measured(name, [self.binary, "new", "--quiet"], env=self.env, log=self.log)

    def count(self, query: str) -> int:
        out = subprocess.run(  # noqa: S603
            [self.binary, "count", "--", query],
            env=self.env,
            capture_output=True,
            check=True,
            text=True,
        )
        return int(out.stdout.strip() or 0)

    def search_cli(self, queries: Iterable[str], runs: int, page: int = 50) -> list[Latency]:
        """``notmuch search`` (first ``page`` threads, newest first, JSON) per query."""
        results = []
        for query in queries:
            argv = [
                self.binary,
                "search",
                "--format=json",
                "--sort=newest-first",
                f"--limit={page}",
                "--",
                query,
            ]
            latency = Latency(query, "cli", self.count(query))
            for attempt in range(runs + 1):  # the first run warms the page cache
                started = time.perf_counter()
                subprocess.run(  # noqa: S603
                    argv, env=self.env, stdout=subprocess.DEVNULL, check=True
                )
                if attempt:
                    latency.runs.append((time.perf_counter() - started) * 1000)
            results.append(latency)
        return results

    def search_bindings(
        self, notmuch2: ModuleType, queries: Iterable[str], runs: int, page: int = 50
    ) -> list[Latency]:
        """The same through the bindings: count + first ``page`` threads (subject, authors)."""
        database = notmuch2.Database(
            path=str(self.database),
            mode=notmuch2.Database.MODE.READ_ONLY,
            config=str(self.config),
        )
        newest = notmuch2.Database.SORT.NEWEST_FIRST
        results = []
        try:
            for query in queries:
                latency = Latency(query, "bindings", database.count_messages(query))
                for attempt in range(runs + 1):
                    started = time.perf_counter()
                    database.count_messages(query)
                    for thread in islice(database.threads(query, sort=newest), page):
                        _ = (thread.subject, thread.authors, len(thread))
                    if attempt:
                        latency.runs.append((time.perf_counter() - started) * 1000)
                results.append(latency)
        finally:
            database.close()
        return results


# -- reporting -------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    def first_line(argv: list[str]) -> str:
        try:
            out = subprocess.run(  # noqa: S603
                argv, capture_output=True, text=True, check=False, timeout=10
            )
        except OSError:
            return "absent"
        return (
            (out.stdout or out.stderr).strip().splitlines()[0] if out.stdout or out.stderr else ""
        )

    found = {
        "mbsync": shutil.which("mbsync"),
        "notmuch": shutil.which("notmuch"),
        "dovecot": shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin"),
    }
    return {
        "mbsync": first_line([found["mbsync"], "--version"]) if found["mbsync"] else "absent",
        "notmuch": first_line([found["notmuch"], "--version"]) if found["notmuch"] else "absent",
        "dovecot": first_line([found["dovecot"], "--version"]) if found["dovecot"] else "absent",
        "python": sys.version.split()[0],
        "cores": str(os.cpu_count()),
    }


def measures_table(measures: Iterable[Measure]) -> str:
    rows = [("step", "wall s", "user s", "sys s", "peak RSS MiB", "")]
    rows += [
        (
            m.name,
            f"{m.seconds:.2f}",
            f"{m.user_seconds:.2f}",
            f"{m.system_seconds:.2f}",
            f"{m.max_rss_mib:.1f}" if m.max_rss_kib else "-",
            m.detail,
        )
        for m in measures
    ]
    return _table(rows)


def latency_table(latencies: Iterable[Latency]) -> str:
    rows = [("query", "mode", "results", "p50 ms", "p95 ms", "runs")]
    rows += [
        (
            lat.query,
            lat.mode,
            str(lat.results),
            f"{lat.p50:.2f}",
            f"{lat.p95:.2f}",
            str(len(lat.runs)),
        )
        for lat in latencies
    ]
    return _table(rows)


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.ljust(width)
            if i in (0, len(row) - 1) or not cell[:1].isdigit()
            else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def to_json(**parts: Any) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, Latency):
            return {**asdict(value), "p50": value.p50, "p95": value.p95}
        if isinstance(value, Measure):
            return asdict(value)
        raise TypeError(type(value).__name__)

    return json.dumps(parts, default=default, indent=2, ensure_ascii=False)

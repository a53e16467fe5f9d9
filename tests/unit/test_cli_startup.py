"""A command loads its own code only: ``caducee sync`` is mostly start-up when nothing is new
(issue 22, item 2), so ``app.cli.main`` imports the module of the command given, and the
sync's path leaves the card, PSC, sending, document readers, filing and the window alone."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import COMMANDS, build_parser, command_in
from app.cli.parser import CaduceeParser

# Modules a sync with nothing to send never needs (each was imported by it before).
NOT_FOR_A_SYNC = (
    "PySide6",
    "app.ui",
    "app.psc.client",
    "joserfc",
    "app.cps.card",
    "pkcs11",
    "app.ops.outbox",
    "app.ops.drafts",
    "app.transport.smtp",
    "aiosmtplib",
    "app.mssante.documents",
    "app.mssante.cda",
    "app.filing",
    "app.directory.index",
    "app.sandbox",
    "app.ops.account_settings",
    # What writes messages: parsing, reports, conversations, documents, the body pass and
    # its worker processes (loaded by the methods that write, or when bodies are due).
    "app.store.ingest",
    "app.store.mime",
    "app.mssante.dsn",
    "app.store.threads",
    "app.store.document_rows",
    "app.sync.bodies",
    "multiprocessing",  # freeze_support: a frozen build's only
    "concurrent.futures.process",
    # Used when there is something for them: a record to log, a liste blanche to read, a
    # settings file, a certificate's holder (card, PKCS#12), keyring's search of backends.
    "logging.handlers",
    "defusedxml",
    "tomllib",
    "app.cps.identity",
    "keyring.backends.chainer",
)


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(action.choices)


def test_the_command_table_names_each_modules_commands() -> None:
    for module in dict.fromkeys(COMMANDS.values()):
        alone = CaduceeParser(prog="caducee")
        commands = alone.add_subparsers(dest="command", parser_class=CaduceeParser)
        __import__(f"app.cli.{module}", fromlist=["register"]).register(commands)
        assert _commands(alone) == [c for c, m in COMMANDS.items() if m == module], module
    assert _commands(build_parser()) == list(COMMANDS)  # the help's order


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["sync"], "sync"),
        (["sync", "--json", "--profile-dir", "X"], "sync"),
        (["--profile-dir", "X", "list", "--json"], "list"),
        (["--profile-dir=X", "send-document"], "send-document"),
        ([], None),
        (["--profile-dir", "X"], None),
        (["--version"], None),
        (["-h"], None),
        (["synk"], None),  # the whole parser says which commands exist
        (["--prof", "X", "sync"], None),  # an abbreviation: the whole parser reads it
    ],
)
def test_the_command_is_told_without_the_parser_only_when_sure(
    argv: list[str], named: str | None
) -> None:
    assert command_in(argv) == named


@pytest.mark.parametrize(
    "argv",
    [
        ["sync", "--json", "--wait", "5"],
        ["--profile-dir", "A", "sync", "--account", "x@y.fr", "--profile-dir", "B"],
        ["account", "add", "--address", "x@y.fr", "--auth", "password"],
        ["list", "--folder", "INBOX"],
        ["profile", "status"],
    ],
)
def test_the_parser_of_one_command_reads_it_as_the_whole_parser(argv: list[str]) -> None:
    assert vars(build_parser(argv).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_one_commands_errors_are_the_whole_parsers(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["sync", "--wait", "x"], ["sync", "--nope"]):
        said = []
        for parser in (build_parser(argv), build_parser()):
            with pytest.raises(SystemExit):
                parser.parse_args(argv)
            said.append(capsys.readouterr().err)
        assert said[0] == said[1] and "erreur" in said[0]


def test_a_sync_loads_none_of_the_code_it_does_not_need(tmp_path: Path) -> None:
    probe = (  # main() reads sys.argv, as the installed command does
        "import gc, json, sys\n"
        "from app.cli.main import main\n"
        "sys.argv = ['caducee', '--profile-dir', sys.argv[1], 'sync', '--json']\n"
        "code = main()\n"
        "print(json.dumps([code, sorted(sys.modules), gc.get_freeze_count()]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "profile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    code, loaded, frozen = json.loads(done.stdout.splitlines()[-1])
    assert code == 0, done.stderr
    assert frozen > 0  # the imports' objects out of the collector's way (gc.freeze)
    assert "app.store.db" in loaded and "app.ops.sync" in loaded  # it did open the store
    unneeded = [m for m in loaded if m.startswith(NOT_FOR_A_SYNC)]
    assert unneeded == []


LEAVING = (  # argv: marker file, command, "thread" or not
    "import atexit, sys, threading, time\n"
    "from app.cli.main import leave\n"
    "class Teardown:\n"
    "    def __del__(self):\n"
    "        sys.stderr.write('teardown')\n"
    "kept = Teardown()  # freed by the interpreter's teardown only\n"
    "atexit.register(lambda: open(sys.argv[1], 'w').write('atexit'))\n"
    "if sys.argv[3] == 'thread':\n"
    "    def late():\n"
    "        time.sleep(0.3)\n"
    "        open(sys.argv[1] + '.thread', 'w').write('done')\n"
    "    threading.Thread(target=late).start()\n"
    "sys.stdout.write('sans fin de ligne')  # in the buffer of a pipe until flushed\n"
    "leave(3, ['--profile-dir', 'P', sys.argv[2]])\n"
)


@pytest.mark.parametrize(
    ("command", "thread", "teardown"),
    [("sync", "", False), ("list", "", True), ("sync", "thread", True)],
)
def test_a_sync_ends_without_the_teardown_once_the_exit_work_is_done(
    tmp_path: Path, command: str, thread: str, teardown: bool
) -> None:
    marker = tmp_path / "atexit"
    done = subprocess.run(
        [sys.executable, "-c", LEAVING, str(marker), command, thread or "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert done.stdout == "sans fin de ligne"  # flushed
    assert marker.read_text() == "atexit"  # atexit functions ran (the log's, tempfile's)
    assert ("teardown" in done.stderr) is teardown, done.stderr
    if thread:  # a thread still running: waited for, as by the usual exit
        assert (tmp_path / "atexit.thread").read_text() == "done"

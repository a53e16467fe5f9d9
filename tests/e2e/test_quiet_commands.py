"""Ordinary commands print no Python warning: each one runs with ``-W error`` (a warning
becomes an error, so a deprecation in our code or a dependency fails here, not in front of
a doctor), against the demo operator where it talks to a server."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.sandbox.operator import DEMO_PASSPHRASE
from tests.e2e.test_demo import caducee, served_demo, to_myself

STRICT = ("-W", "error")
_WARNING = re.compile(r"\w*Warning\b|Traceback")


def _quiet(profile: Path, *args: str, ok: bool = True) -> str:
    done = caducee(profile, *args, python=STRICT, CADUCEE_PKCS12_PASSPHRASE=DEMO_PASSPHRASE)
    output = done.stdout + done.stderr
    assert not _WARNING.search(output), f"caducee {' '.join(args)}:\n{output}"
    if ok:
        assert done.returncode == 0, f"caducee {' '.join(args)}:\n{output}"
    return done.stdout


def test_version_is_one_line(tmp_path: Path) -> None:
    done = caducee(tmp_path, "--version", python=STRICT)
    assert done.returncode == 0
    lines = (done.stdout + done.stderr).splitlines()
    assert len(lines) == 1 and lines[0].startswith("caducee "), lines


def test_commands_without_a_server_are_quiet(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    for args in (
        ("--help",),
        ("info",),
        ("account", "list"),
        ("list",),
        ("search", "hémoglobine"),
        ("outbox",),
        ("file", "--help"),
    ):
        _quiet(profile, *args)
    # refused with a French message, still without a warning
    _quiet(profile, "folder", "list", ok=False)  # no account yet
    _quiet(profile, "directory", "search", "dupont", ok=False)  # no directory installed
    _quiet(profile, "card", "info", "--json", ok=False)  # no card reader here


def test_commands_against_the_demo_operator_are_quiet(tmp_path: Path) -> None:
    profile = tmp_path / "demo"
    with served_demo(profile, python=STRICT) as server_stderr:
        _quiet(profile, "sync")
        messages = json.loads(_quiet(profile, "list", "--json"))
        assert messages
        _quiet(profile, "show", str(messages[0]["id"]), "--json")
        _quiet(profile, "search", "résultats")
        _quiet(profile, *to_myself("Essai", "Bonjour"))
        _quiet(profile, "outbox", "--flush")
        _quiet(profile, "mark", str(messages[0]["id"]), "--read")
        _quiet(profile, "sync")
    assert not _WARNING.search("".join(server_stderr)), server_stderr

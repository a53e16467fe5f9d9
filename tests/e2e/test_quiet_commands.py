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


def test_send_document_in_the_demo_is_quiet_and_arrives_filable(tmp_path: Path) -> None:
    """The demo's own patients (test INS, so --test-ins) sent to herself: the XDM message
    arrives, and `file --auto` recognises the same patient (and, a test INS, waits for her
    confirmation)."""
    from app.mssante import pdfa
    from app.sandbox.operator import DEMO_ADDRESS

    profile = tmp_path / "demo"
    document = tmp_path / "cr.pdf"
    document.write_bytes(pdfa.letter_pdfa("Compte rendu de consultation.", "CR"))
    with served_demo(profile, python=STRICT) as server_stderr:
        patients = json.loads(_quiet(profile, "patients", "list", "--json"))
        patient = next(p for p in patients if p["ins"])
        sent = json.loads(_quiet(
            profile, "send-document", "--from", DEMO_ADDRESS, "--to", DEMO_ADDRESS,
            "--outside-mssante", "--patient", patient["id"], "--document", str(document),
            "--test-ins", "--title", "CR de consultation démo", "--json",
        ))  # fmt: skip
        assert sent["message"]["state"] == "sent" and sent["x_mss_ins"] == "N"
        _quiet(profile, "sync")
        messages = json.loads(_quiet(profile, "list", "--json"))
        [arrived] = [
            m for m in messages
            if m["message_id"] == sent["message"]["message_id"] and m["folder"] == "INBOX"
        ]  # fmt: skip
        filed = json.loads(_quiet(
            profile, "file", "--message-id", sent["message"]["message_id"], "--auto", "--json"
        ))  # fmt: skip
        # a test INS is never filed without her word: proposed for the very patient sent
        assert arrived and filed["status"] == "test-ins", filed
        [document] = filed["documents"]
        assert document["patient"] == patient["id"] and document["match"]["test_ins"]
    assert not _WARNING.search("".join(server_stderr)), server_stderr

"""The audit trail of a scripted session against the demo operator, through the CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path

from app.sandbox.operator import DEMO_PASSPHRASE
from tests.e2e.test_demo import caducee, listing, served_demo, to_myself


def test_a_session_is_audited_without_patient_data_and_tampering_is_detected(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "demo"
    secret = {"CADUCEE_PKCS12_PASSPHRASE": DEMO_PASSPHRASE}
    subject = f"Note à moi-même {time.time_ns()}"
    body = "Rappeler le laboratoire pour Mme Hypothétique."
    with served_demo(profile):
        assert caducee(profile, "sync", **secret).returncode == 0
        messages = [m for m in listing(profile) if m["folder"] == "INBOX"]
        first, second, third = messages[:3]
        for args in (
            ("show", str(first["id"])),
            ("mark", str(first["id"]), "--flagged"),
            ("folder", "create", "Archives audit"),
            ("move", str(second["id"]), "Archives audit"),
            ("delete", str(third["id"])),
            to_myself(subject, body),
        ):
            done = caducee(profile, *args, **secret)
            assert done.returncode == 0, (args, done.stderr)
        assert caducee(profile, "sync", **secret).returncode == 0

    done = caducee(profile, "audit", "--json")
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    seen = {(e["action"], e["request"], e["result"]) for e in entries}
    for expected in (
        ("connexion", "IMAP AUTHENTICATE EXTERNAL", "ok"),
        ("lecture", "copie locale (caducee show)", "ok"),
        ("marque", "local", "en attente"),
        ("dossier", "local", "en attente"),
        ("dossier", "CREATE", "ok"),
        ("déplacement", "local", "en attente"),
        ("déplacement", "UID MOVE", "ok"),
        ("suppression", "local", "en attente"),
        ("envoi", "SMTP MAIL/RCPT/DATA", "ok"),
    ):
        assert expected in seen, expected
    assert any(e["action"] == "marque" and e["request"].startswith("UID STORE") for e in entries)
    assert all(e["account"] and e["os_user"] for e in entries)
    assert all(e["national_id"] == "810000000000" for e in entries)  # the demo certificate's
    moved = [e for e in entries if e["action"] == "déplacement" and e["request"] == "local"]
    assert moved[0]["message"] == second["id"] and moved[0]["folder"] == "INBOX"

    # Never a subject, a body or a correspondent's name or address (in what the entries say).
    trail = done.stdout
    for message in listing(profile):
        assert str(message["subject"]) not in trail
        for person in (str(message["sender"]), str(message["recipients"])):
            for word in person.replace("<", " ").replace(">", " ").split():
                if len(word) > 3 and "demo" not in word.lower():
                    assert word not in trail, word
    assert subject not in trail and "Hypothétique" not in trail
    # And on disk, sealed: not even the account, the national id or a request (issue 21).
    on_disk = b"".join(p.read_bytes() for p in (profile / "audit").iterdir() if p.is_file())
    for clear in (entries[0]["account"], "810000000000", "UID MOVE", '"message"'):
        assert clear.encode() not in on_disk, clear

    assert caducee(profile, "audit", "--verify").returncode == 0
    (path,) = sorted((profile / "audit").glob("audit-*.jsonl"))
    original = path.read_text()
    lines = original.splitlines(keepends=True)
    line = json.loads(lines[3])
    line["sealed"] = line["sealed"][:-8] + ("A" * 8 if line["sealed"][-8:] != "A" * 8 else "B" * 8)
    path.write_text("".join([*lines[:3], json.dumps(line) + "\n", *lines[4:]]))
    edited = caducee(profile, "audit", "--verify")
    assert edited.returncode == 1 and "entrée n° 4 : contenu modifié" in edited.stderr
    path.write_text("".join(lines[:-2]))
    cut = caducee(profile, "audit", "--verify")
    assert cut.returncode == 1 and "tronqué" in cut.stderr

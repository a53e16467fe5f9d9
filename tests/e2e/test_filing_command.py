"""``caducee patients`` and ``caducee file`` as support scripts run them (subprocesses).

The contract's exit codes; filing real messages in-process is in
tests/integration/test_filing_real_mail.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.filing_support import with_key


def caducee(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--profile-dir", str(profile), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_patients_add_list_and_import_from_the_command(tmp_path: Path) -> None:
    root, profile = tmp_path / "Patients", tmp_path / "profile"
    root.mkdir()
    added = caducee(
        profile, "patients", "add", "--patients-dir", str(root), "--birth-name", "Lefèvre",
        "--first-names", "Zoé", "--birth-date", "1975-03-13", "--sex", "F",
        "--ins", with_key("2750313055123"), "--ins-oid", "1.2.250.1.213.1.4.8",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    patient_id = added.stdout.strip()
    assert len(patient_id) == 6 and (root / "LEFÈVRE Zoé (1975-03-13)").is_dir()
    listed = caducee(profile, "patients", "list", "--patients-dir", str(root), "--json")
    assert [p["id"] for p in json.loads(listed.stdout)] == [patient_id]
    (root / "MARTIN Luc (1990-01-02)").mkdir()
    imported = caducee(profile, "patients", "import", "--patients-dir", str(root), "--folders")
    assert imported.returncode == 0 and "1 patient(s) ajouté(s)" in imported.stdout


def test_real_errors_are_non_zero_and_french(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    missing = caducee(profile, "file", "--patients-dir", str(tmp_path / "absent"), "--auto",
                      "--message-id", "x@y")  # fmt: skip
    assert missing.returncode == 1 and "Le dossier des patients" in missing.stderr
    (tmp_path / "P").mkdir()
    unknown = caducee(profile, "file", "--patients-dir", str(tmp_path / "P"), "--auto",
                      "--message-id", "x@y")  # fmt: skip
    assert unknown.returncode == 1 and "Aucun message « x@y »" in unknown.stderr
    usage = caducee(profile, "file", "--patients-dir", str(tmp_path / "P"), "--message-id", "x")
    assert usage.returncode == 2 and "--auto" in usage.stderr
    empty = caducee(profile, "file", "--patients-dir", str(tmp_path / "P"), "--queue")
    assert empty.returncode == 0 and "Rien à classer." in empty.stdout

"""The installed ``caducee`` command and ``python -m app``, as support would run them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from app import __version__


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=60, check=True, env={**os.environ, **env}
    )


def test_console_script_and_module_agree_on_the_version() -> None:
    script = shutil.which("caducee", path=str(Path(sys.executable).parent))
    assert script, "the caducee console script is not installed in this environment"
    assert _run([script, "--version"]).stdout.strip() == f"caducee {__version__}"
    assert (
        _run([sys.executable, "-m", "app", "--version"]).stdout.strip() == f"caducee {__version__}"
    )


def test_profile_directory_from_the_environment(tmp_path: Path) -> None:
    out = _run(
        [sys.executable, "-m", "app", "info", "--json"], CADUCEE_PROFILE_DIR=str(tmp_path)
    ).stdout
    assert json.loads(out)["profile"]["logs"] == str(tmp_path.resolve() / "logs")

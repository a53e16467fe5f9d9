"""The profile key of a bench's throwaway profile: in the tests' file-backed keyring
(tests/file_keyring.py), since no keyring service runs on a headless bench machine — a
lookup per process, as on a desktop. Call before ``keyring`` is first imported; the
subprocesses a bench starts inherit it."""

from __future__ import annotations

import os
from pathlib import Path


def use_file_keyring(directory: Path) -> None:
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.file_keyring.FileKeyring")
    os.environ.setdefault("TEST_KEYRING_FILE", str(directory / "keyring.json"))

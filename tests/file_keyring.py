"""The OS keyring stand-in that subprocesses share: no Secret Service runs on a CI machine,
and ``caducee`` commands started by the tests keep their profile keys in it.

Selected with keyring's own ``PYTHON_KEYRING_BACKEND=tests.file_keyring.FileKeyring``; the
values are in the JSON file ``TEST_KEYRING_FILE`` names (a temporary folder of the test
session, removed at its end), updated under an exclusive lock. Not a ``CADUCEE_`` variable:
tests and worker processes that clear those keep this one."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from keyring.backend import KeyringBackend

ENV = "TEST_KEYRING_FILE"


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        return Path(os.environ[ENV])

    @contextlib.contextmanager
    def _values(self, write: bool) -> Iterator[dict[str, Any]]:
        with self.path.with_suffix(".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                values = json.loads(self.path.read_text())
            except FileNotFoundError:
                values = {}
            yield values
            if write:
                temporary = self.path.with_suffix(".tmp")
                temporary.write_text(json.dumps(values))
                temporary.replace(self.path)

    def get_password(self, service: str, username: str) -> str | None:
        with self._values(write=False) as values:
            value = values.get(f"{service}\n{username}")
        return value if isinstance(value, str) else None

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._values(write=True) as values:
            values[f"{service}\n{username}"] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._values(write=True) as values:
            values.pop(f"{service}\n{username}", None)

"""Skip locally, fail under CI, when a lab piece cannot run."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> NoReturn:
    if under_ci():
        pytest.fail(f"lab unavailable under CI: {reason}", pytrace=False)
    pytest.skip(f"lab unavailable: {reason}")


def require_program(name: str, package: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        unavailable(f"'{name}' not found (Debian package {package}; run scripts/bootstrap)")
    return path

"""What the card page says to install when Cryptolib CPS is missing, per platform: never an
.rpm on Debian or Ubuntu (the ANS ships its Linux module as an RPM only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cps.modules import install_hint, linux_family


@pytest.mark.parametrize(
    ("os_release", "family"),
    [
        ('ID=debian\nVERSION_ID="12"\n', "deb"),
        ("ID=ubuntu\nID_LIKE=debian\n", "deb"),
        ('ID=linuxmint\nID_LIKE="ubuntu debian"\n', "deb"),
        ('ID="fedora"\n', "rpm"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "rpm"),
    ],
)
def test_the_linux_family(tmp_path: Path, os_release: str, family: str) -> None:
    path = tmp_path / "os-release"
    path.write_text(os_release, encoding="utf-8")
    assert linux_family(path) == family
    hint = install_hint("linux", path)
    assert (".rpm" in hint) == (family == "rpm")
    if family == "deb":
        assert "certificat logiciel" in hint and "Pro Santé Connect" in hint


def test_windows_and_macos(tmp_path: Path) -> None:
    assert ".msi" in install_hint("win32") and ".rpm" not in install_hint("win32")
    assert ".pkg" in install_hint("darwin")
    assert linux_family(tmp_path / "missing") == "rpm"

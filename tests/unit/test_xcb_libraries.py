"""Every library Qt's xcb platform plugin needs is installed (scripts/system-packages).

Without one of them the window cannot open on an X11 desktop, and Qt aborts with a message
that names another library (issue 13): a test with the offscreen platform never sees it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab.availability import require_program

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the xcb plugin is Linux's")


def xcb_binaries() -> list[Path]:
    """The plugin, its Qt library and its OpenGL integrations, in PySide6's wheel."""
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    return [
        qt / "plugins" / "platforms" / "libqxcb.so",
        qt / "lib" / "libQt6XcbQpa.so.6",
        *sorted((qt / "plugins" / "xcbglintegrations").glob("*.so")),
    ]


def missing_libraries(ldd: str, binary: Path) -> list[str]:
    listing = subprocess.run(
        [ldd, str(binary)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return [line.split()[0] for line in listing.splitlines() if "not found" in line]


def test_the_xcb_plugin_finds_all_its_libraries() -> None:
    ldd = require_program("ldd", "libc-bin")
    binaries = xcb_binaries()
    assert all(b.is_file() for b in binaries), binaries
    assert len(binaries) >= 3  # the plugin, libQt6XcbQpa and at least one GL integration
    missing = {
        binary.name: found for binary in binaries if (found := missing_libraries(ldd, binary))
    }
    assert missing == {}, (
        f"libraries not found (add their Debian packages to scripts/system-packages): {missing}"
    )


def test_a_missing_library_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "ldd"
    fake.write_text(
        "#!/bin/sh\n"
        "echo '\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)'\n"
        "echo '\tlibxcb-cursor.so.0 => not found'\n"
    )
    fake.chmod(0o755)
    assert missing_libraries(str(fake), Path("libqxcb.so")) == ["libxcb-cursor.so.0"]

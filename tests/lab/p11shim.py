"""Build the PKCS#11 shim that makes a SoftHSM2 token behave like a CPS card.

SoftHSM2 never locks a token after wrong PINs, has no PIN pad and cannot be pulled out of
its reader. ``p11shim.c`` wraps a card's copy of the SoftHSM2 module and adds those, with
its state in files of the card's directory (see the C file for the details):

- ``pin-tries``: the wrong user PINs since the last successful login, shared by every
  process; the PIN locks at ``max_tries`` (``CKR_PIN_LOCKED``) until the SO unblocks it
  (``C_InitPIN``);
- ``removed``: while it exists, the card is out of the reader;
- ``removals``: how many times the card was removed; each process closes its sessions
  after a removal, as a real card invalidates them.

The shim is compiled with gcc when the card is created (Debian packages gcc, libc6-dev).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).with_name("p11shim.c")
LIBRARY_NAME = "p11shim.so"
STATE_FILE = "pin-tries"
REMOVED_MARKER = "removed"
REMOVALS_FILE = "removals"


class ShimBuildError(RuntimeError):
    """The shim could not be compiled."""


def build_shim(
    real_module: Path,
    directory: Path,
    *,
    max_tries: int = 3,
    pin_pad_pin: str | None = None,
) -> Path:
    """Compile the shim over ``real_module`` into ``directory``; return the module's path.

    With ``pin_pad_pin`` the token has a protected authentication path (a PIN pad):
    ``C_Login`` with a NULL PIN logs in with that PIN, as if typed on the reader.
    """
    if max_tries < 1:
        raise ValueError("max_tries must be at least 1")
    gcc = shutil.which("gcc")
    if gcc is None:
        raise ShimBuildError(
            "gcc not found: the lab compiles its PKCS#11 shim for the virtual cards "
            "(Debian packages gcc and libc6-dev; run scripts/bootstrap)"
        )
    directory = directory.resolve()
    output = directory / LIBRARY_NAME
    defines = {
        "SHIM_REAL_MODULE": _c_string(str(real_module.resolve())),
        "SHIM_STATE_FILE": _c_string(str(directory / STATE_FILE)),
        "SHIM_REMOVED_MARKER": _c_string(str(directory / REMOVED_MARKER)),
        "SHIM_REMOVALS_FILE": _c_string(str(directory / REMOVALS_FILE)),
        "SHIM_MAX_TRIES": str(max_tries),
    }
    if pin_pad_pin is not None:
        defines["SHIM_PIN_PAD_PIN"] = _c_string(pin_pad_pin)
    command = [
        gcc,
        "-shared",
        "-fPIC",
        "-O2",
        "-Wall",
        "-Wextra",
        "-fvisibility=hidden",
        *(f"-D{name}={value}" for name, value in defines.items()),
        "-o",
        str(output),
        str(SOURCE),
        "-ldl",
        "-lpthread",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise ShimBuildError(
            f"compiling {SOURCE.name} failed (is libc6-dev installed?):\n{result.stderr}"
        )
    return output


def read_pin_tries(directory: Path) -> int:
    """The shim's counter of wrong user PINs for the card in ``directory``."""
    try:
        text = (directory / STATE_FILE).read_text()
    except FileNotFoundError:
        return 0
    words = text.split()
    return int(words[0]) if words else 0


def _c_string(value: str) -> str:
    """``value`` as a C string literal (every byte outside printable ASCII escaped)."""
    escaped = "".join(
        chr(byte) if 0x20 <= byte < 0x7F and byte not in b'"\\?' else f"\\{byte:03o}"
        for byte in value.encode()
    )
    return f'"{escaped}"'

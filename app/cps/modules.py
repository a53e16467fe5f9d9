"""Finding the card's PKCS#11 module (Cryptolib CPS).

Order: the path given on the command line (``--module``), then the one in the settings,
then the usual Cryptolib CPS locations for this platform (ANS Cryptolib CPS 5.2.x, see
shared/mssante-notes.md §8.3). An explicitly given path that does not exist is an error,
never silently replaced by another module.
"""

from __future__ import annotations

import os
import struct
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from app.core.errors import CardModuleNotFoundError


class ModuleSource(Enum):
    COMMAND_LINE = "ligne de commande"
    SETTINGS = "réglages"
    DETECTED = "détection automatique"


@dataclass(frozen=True)
class ModuleChoice:
    path: Path
    source: ModuleSource


def _windows_candidates() -> list[Path]:
    system_root = Path(os.environ.get("SYSTEMROOT", r"C:\Windows"))
    if struct.calcsize("P") == 8:
        return [system_root / "System32" / "cps3_pkcs11_w64.dll"]
    # A 32-bit process sees SysWOW64 through System32 on 64-bit Windows.
    return [
        system_root / "System32" / "cps3_pkcs11_w32.dll",
        system_root / "SysWOW64" / "cps3_pkcs11_w32.dll",
    ]


_LINUX = [
    Path("/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so"),
    Path("/usr/lib64/libcps3_pkcs11_lux.so"),
    Path("/usr/lib/libcps3_pkcs11_lux.so"),
    Path("/usr/local/lib/libcps3_pkcs11_lux.so"),
    Path("/usr/lib/x86_64-linux-gnu/libcps3_pkcs11_lux.so"),
]
_MACOS = [
    Path("/usr/local/lib/libcps3_pkcs11_osx.dylib"),
    Path("/Library/Application Support/santesocial/CPS/lib/libcps3_pkcs11_osx.dylib"),
]

_INSTALL_HINT = {
    "win32": "Installez « Cryptolib CPS » (CryptolibCPS-5.2.x_x64.msi) depuis le site de "
    "l'ANS, puis relancez Caducée.",
    "darwin": "Installez « Cryptolib CPS » pour macOS (paquet .pkg) depuis le site de l'ANS, "
    "puis relancez Caducée.",
    "rpm": "Installez « Cryptolib CPS » pour Linux (CryptolibCPS-5.2.x.x86_64.rpm) depuis le "
    "site de l'ANS, ainsi que le service pcscd, puis relancez Caducée.",
    # The ANS ships Cryptolib CPS for Linux as an RPM only: nothing to install on Debian.
    "deb": "L'ANS ne diffuse Cryptolib CPS pour Linux qu'au format RPM, qui ne s'installe "
    "pas tel quel sur Debian ou Ubuntu : connectez-vous avec un certificat logiciel (.p12), "
    "avec Pro Santé Connect si votre opérateur le propose, ou avec le module "
    "(libcps3_pkcs11_lux.so) que votre informaticien aurait installé.",
}
OS_RELEASE = Path("/etc/os-release")


def linux_family(os_release: Path = OS_RELEASE) -> str:
    """ "deb" on Debian, Ubuntu and their derivatives, else "rpm" (ID and ID_LIKE of
    os-release; an unreadable file counts as "rpm", the format the ANS ships)."""
    try:
        text = os_release.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "rpm"
    words: list[str] = []
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("ID", "ID_LIKE"):
            words += value.strip().strip("\"'").lower().split()
    return "deb" if {"debian", "ubuntu"} & set(words) else "rpm"


def install_hint(platform: str | None = None, os_release: Path = OS_RELEASE) -> str:
    """What to do, on this platform, when the card's module is not installed (French)."""
    platform = platform or sys.platform
    if platform in ("win32", "darwin"):
        return _INSTALL_HINT[platform]
    return _INSTALL_HINT[linux_family(os_release)]


def candidates(platform: str | None = None) -> list[Path]:
    """The usual Cryptolib CPS module paths for ``platform`` (default: this one)."""
    platform = platform or sys.platform
    if platform == "win32":
        return _windows_candidates()
    if platform == "darwin":
        return list(_MACOS)
    return list(_LINUX)


def find_module(
    command_line: str | os.PathLike[str] | None = None,
    settings: str | os.PathLike[str] | None = None,
    *,
    platform: str | None = None,
) -> ModuleChoice:
    for given, source in (
        (command_line, ModuleSource.COMMAND_LINE),
        (settings, ModuleSource.SETTINGS),
    ):
        if given:
            path = Path(given).expanduser()
            if not path.is_file():
                raise CardModuleNotFoundError(
                    f"PKCS#11 module not found: {path}",
                    user_message=f"Le module de carte indiqué ({source.value}) n'existe pas : "
                    f"{path}. Corrigez le chemin ou retirez-le pour utiliser la détection "
                    "automatique.",
                )
            return ModuleChoice(path, source)
    for path in candidates(platform):
        if path.is_file():
            return ModuleChoice(path, ModuleSource.DETECTED)
    hint = install_hint(platform)
    raise CardModuleNotFoundError(
        "no Cryptolib CPS module in the usual locations",
        user_message="Le logiciel de la carte CPS (Cryptolib CPS) est introuvable sur cet "
        f"ordinateur. {hint} Vous pouvez aussi indiquer l'emplacement du module "
        "(option --module ou réglage [carte] module).",
    )

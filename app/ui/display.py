"""Before the window: can Qt open it? On Linux, Qt's xcb platform aborts the process (a core
dump, and a message naming the wrong library) when there is no display, when its plugin
cannot load, or when the X server does not answer. This check says which, in French, so
that the command can stop cleanly (exit 1) before Qt starts.

Other platforms (offscreen, minimal, vnc, Wayland), Windows and macOS are not checked.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QLibraryInfo

from app.core.errors import CaduceeError

XCB_PLUGIN = "libqxcb.so"
CONNECT_TIMEOUT = 10.0  # a remote DISPLAY that never answers: then let Qt try
_WHY = "Caducée ne peut pas ouvrir sa fenêtre : "


class DisplayError(CaduceeError):
    default_message = _WHY + "aucun affichage graphique n'est disponible."


def platform_name(environ: Mapping[str, str]) -> str:
    """The platform Qt will try first: ``QT_QPA_PLATFORM`` ("xcb", "wayland;xcb",
    "xcb:option=…") without its options, or "" when unset."""
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0]
    return chosen.split(":")[0].strip().lower()


def xcb_plugin() -> Path:
    """Where this Qt (PySide6's, or the frozen build's copy) keeps its xcb plugin."""
    override = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if override:
        return Path(override) / XCB_PLUGIN
    plugins = QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)
    return Path(plugins) / "platforms" / XCB_PLUGIN


def load_error(library: Path) -> str | None:
    """Why the dynamic loader cannot load ``library`` (the first missing library), or None."""
    try:
        ctypes.CDLL(str(library))
    except OSError as error:
        return str(error)
    return None


def connection_error(display: str) -> int | None:
    """libxcb's error code connecting to ``display`` (0: it answered), None if unknown
    (libxcb missing, or no answer within ``CONNECT_TIMEOUT``)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
    xcb.xcb_connection_has_error.restype = ctypes.c_int
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    found: list[int] = []

    def attempt() -> None:
        connection = xcb.xcb_connect(display.encode(), None)
        found.append(xcb.xcb_connection_has_error(connection))
        xcb.xcb_disconnect(connection)  # also frees the error connection

    thread = threading.Thread(target=attempt, name="display-check", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT)
    return found[0] if found else None


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that usually ships a library: libxcb-cursor.so.0 ->
    libxcb-cursor0, libxkbcommon-x11.so.0 -> libxkbcommon-x11-0."""
    name, _, version = soname.partition(".so.")
    name = name.lower()
    return f"{name}-{version}" if name[-1:].isdigit() else f"{name}{version}"


def display_problem(
    environ: Mapping[str, str] | None = None,
    *,
    system: str = sys.platform,
    plugin: Path | None = None,
    load: Callable[[Path], str | None] = load_error,
    connect: Callable[[str], int | None] = connection_error,
) -> str | None:
    """Why the window cannot open (French, for the user), or None when Qt should manage."""
    env = os.environ if environ is None else environ
    if not system.startswith("linux"):
        return None
    platform = platform_name(env)
    if platform not in ("", "xcb") or (not platform and env.get("WAYLAND_DISPLAY")):
        return None  # offscreen, minimal, vnc…, or Wayland, which Qt picks when it is there
    display = env.get("DISPLAY", "")
    if not display:
        return _WHY + (
            "aucun affichage graphique n'est disponible (la variable DISPLAY n'est pas "
            "définie). Lancez Caducée depuis une session de bureau ; sans écran, les "
            "commandes de caducee restent utilisables (caducee --help)."
        )
    path = plugin or xcb_plugin()
    failure = load(path) if path.is_file() else None
    if failure is not None:
        # "libxcb-cursor.so.0: cannot open…" (in the system's language): a library by name;
        # a problem in the plugin itself names it by its full path.
        missing = re.match(r"\s*([^\s:/]+\.so[.\d]*):", failure)
        if missing is None:
            return _WHY + f"le module d'affichage X11 de Qt ne se charge pas ({failure})."
        library = missing.group(1)
        return _WHY + (
            f"une bibliothèque nécessaire à l'affichage X11 manque sur cet ordinateur "
            f"({library}). Installez le paquet qui la fournit (sous Debian ou Ubuntu : "
            f"{debian_package(library)})."
        )
    error = connect(display)
    if error:
        return _WHY + (
            f"l'affichage {display} (variable DISPLAY) ne répond pas ou refuse la "
            f"connexion (code xcb {error}). Vérifiez que la session graphique est ouverte."
        )
    return None


def require_display() -> None:
    """Raise ``DisplayError`` (its message for the user) when the window cannot open."""
    problem = display_problem()
    if problem is not None:
        raise DisplayError(problem, user_message=problem)

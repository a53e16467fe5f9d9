"""File dialogs that start where she keeps her files: the Documents folder first, then the
folder she last chose in this session (one memory per kind: attachments, the patients
folder, a card module... are not in the same place). Qt's own dialogs are in French
because ``application._translate`` loads Qt's catalogue (qtbase_fr)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

_last: dict[str, Path] = {}  # kind -> folder last chosen (this process)


def documents_folder() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path = Path(location) if location else Path.home()
    return path if path.is_dir() else Path.home()


def start_folder(kind: str, default: Path | None = None) -> Path:
    """Where a dialog of ``kind`` opens: the folder last chosen, else ``default``, else
    Documents (a folder that has gone since is skipped)."""
    for candidate in (_last.get(kind), default):
        if candidate is not None and candidate.is_dir():
            return candidate
    return documents_folder()


def remember(kind: str, chosen: Path) -> None:
    _last[kind] = chosen if chosen.is_dir() else chosen.parent


def forget_all() -> None:
    """Tests: back to the Documents folder."""
    _last.clear()


def open_files(parent: QWidget | None, kind: str, title: str, filters: str = "") -> list[Path]:
    names, _chosen = QFileDialog.getOpenFileNames(parent, title, str(start_folder(kind)), filters)
    paths = [Path(name) for name in names]
    if paths:
        remember(kind, paths[0])
    return paths


def open_file(
    parent: QWidget | None, kind: str, title: str, filters: str = "", default: Path | None = None
) -> Path | None:
    name, _chosen = QFileDialog.getOpenFileName(
        parent, title, str(start_folder(kind, default)), filters
    )
    if not name:
        return None
    remember(kind, Path(name))
    return Path(name)


def existing_folder(
    parent: QWidget | None, kind: str, title: str, default: Path | None = None
) -> Path | None:
    name = QFileDialog.getExistingDirectory(parent, title, str(start_folder(kind, default)))
    if not name:
        return None
    remember(kind, Path(name))
    return Path(name)


def save_file(
    parent: QWidget | None, kind: str, title: str, suggested: str, filters: str = ""
) -> Path | None:
    """Where to save ``suggested`` (a file name): offered in the folder of the kind's last
    choice, else Documents (never the program's folder)."""
    name, _chosen = QFileDialog.getSaveFileName(
        parent, title, str(start_folder(kind) / Path(suggested).name), filters
    )
    if not name:
        return None
    remember(kind, Path(name).parent)
    return Path(name)

"""The composer's parts kept out of its module: the attachment list (name and size, remove,
files dropped on it), human sizes in the interface's language, and the signature block."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QMimeData, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

Forwarded = tuple[str, str, bytes]  # name, content type, bytes (a forwarded attachment)
AttachmentRole = Qt.ItemDataRole.UserRole + 1
SIGNATURE_SEPARATOR = "-- \n"  # RFC 3676 §4.3: "-- " alone on its line


def human_size(size: int) -> str:
    """ "830 octets", "12,3 Ko", "4,1 Mo" in French; "12.3 KB", "4.1 MB" in English (the
    units from the catalogue, the decimal mark from the default locale, set with it)."""
    translate = QCoreApplication.translate
    locale = QLocale()
    if size < 1024:
        return translate("Sizes", "{0} octets").format(size)
    if size < 1024 * 1024:
        return translate("Sizes", "{0} Ko").format(locale.toString(size / 1024, "f", 1))
    if size < 1024 * 1024 * 1024:
        return translate("Sizes", "{0} Mo").format(locale.toString(size / 1024**2, "f", 1))
    return translate("Sizes", "{0} Go").format(locale.toString(size / 1024**3, "f", 1))


def signature_block(signature: str) -> str:
    """What the composer inserts for a signature ("" for none)."""
    return f"\n\n{SIGNATURE_SEPARATOR}{signature}\n" if signature.strip() else ""


class AttachmentList(QWidget):
    """Files to send (by path) and forwarded attachments (bytes), each shown by name and
    size, full path in the tooltip; "Retirer" or the Delete key removes the selected ones."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QListWidget()
        self.view.setObjectName("attachments")
        self.view.setAccessibleName(self.tr("Pièces jointes"))
        self.view.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.view.setMaximumHeight(80)
        self.remove_button = QPushButton(self.tr("Retirer"))
        self.remove_button.setObjectName("remove-attachment")
        self.remove_button.setToolTip(self.tr("Retirer les pièces jointes choisies (Suppr)"))
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove_selected)
        self.view.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.view.selectedItems()))
        )
        shortcut = QShortcut(QKeySequence.StandardKey.Delete, self.view)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self.remove_selected)
        side = QVBoxLayout()
        side.addWidget(self.remove_button)
        side.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.view, 1)
        row.addLayout(side)
        self._entries: dict[int, Path | Forwarded] = {}
        self._serial = 0

    def count(self) -> int:
        return self.view.count()

    def text(self, row: int) -> str:
        return self.view.item(row).text()

    def add_file(self, path: Path) -> bool:
        """Add a file (a folder, a missing file or one already there is skipped)."""
        if not path.is_file() or path in self.files():
            return False
        try:
            size = path.stat().st_size
        except OSError:
            return False
        item = QListWidgetItem(f"{path.name} — {human_size(size)}")
        item.setToolTip(str(path))
        self._add(item, path, at=len(self.files()))  # files first, forwarded ones after
        self.changed.emit()
        return True

    def add_forwarded(self, forwarded: Forwarded) -> None:
        name, _type, data = forwarded
        item = QListWidgetItem(self.tr("{0} — {1} (transféré)").format(name, human_size(len(data))))
        self._add(item, forwarded, at=self.view.count())

    def _add(self, item: QListWidgetItem, entry: Path | Forwarded, *, at: int) -> None:
        self._serial += 1
        self._entries[self._serial] = entry  # Python objects, not Qt variants
        item.setData(AttachmentRole, self._serial)
        self.view.insertItem(at, item)
        self.changed.emit()

    def _in_order(self) -> list[Path | Forwarded]:
        keys = (self.view.item(row).data(AttachmentRole) for row in range(self.view.count()))
        return [self._entries[key] for key in keys]

    def files(self) -> list[Path]:
        return [entry for entry in self._in_order() if isinstance(entry, Path)]

    def forwarded(self) -> list[Forwarded]:
        return [entry for entry in self._in_order() if not isinstance(entry, Path)]

    def remove_selected(self) -> None:
        rows = sorted((self.view.row(item) for item in self.view.selectedItems()), reverse=True)
        for row in rows:
            item = self.view.takeItem(row)
            self._entries.pop(item.data(AttachmentRole), None)
        if rows:
            self.changed.emit()


def dropped_files(mime: QMimeData) -> list[Path]:
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class BodyEdit(QPlainTextEdit):
    """The message text: files dropped on it are attached, not pasted as their path."""

    files_dropped = Signal(list)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return bool(dropped_files(source)) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = dropped_files(source)
        if files:
            self.files_dropped.emit(files)
        else:
            super().insertFromMimeData(source)

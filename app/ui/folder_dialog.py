""" "Nouveau dossier": its name and where it goes (the account's top level or under a folder),
as Thunderbird asks; the folder chosen in the tree is offered first."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from app.store.db import Folder


class NewFolderDialog(QDialog):
    def __init__(
        self, folders: list[Folder], parent_folder: Folder | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Nouveau dossier"))
        self.name = QLineEdit()
        self.name.setAccessibleName(self.tr("Nom du dossier"))
        self.place = QComboBox()
        self.place.setAccessibleName(self.tr("Créer dans"))
        self.place.addItem(self.tr("(premier niveau du compte)"), None)
        for folder in folders:
            self.place.addItem(folder.name, folder.id)
        if parent_folder is not None:
            self.place.setCurrentIndex(max(self.place.findData(parent_folder.id), 0))
        self.folders = {f.id: f for f in folders}
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Créer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        self.name.textChanged.connect(lambda text: self.ok.setEnabled(bool(text.strip())))
        form = QFormLayout(self)
        form.addRow(self.tr("Nom :"), self.name)
        form.addRow(self.tr("Créer dans :"), self.place)
        form.addRow(buttons)

    def chosen(self) -> tuple[str, Folder | None]:
        """The name typed and the folder it goes under (None: the top level)."""
        parent_id = self.place.currentData()
        return self.name.text().strip(), self.folders.get(parent_id) if parent_id else None

"""Outils > Journal d'audit… : the profile's audit trail, read only, checked, exportable."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.audit import FIELDS, AuditTrail
from app.ui import file_dialogs

# What the table shows, in order (the export has every field).
_COLUMNS = ("seq", "time", "account", "os_user", "action", "message", "folder", "target",
            "request", "result", "detail")  # fmt: skip


class AuditDialog(QDialog):
    def __init__(self, trail: AuditTrail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trail = trail
        self.setWindowTitle(self.tr("Journal d'audit"))
        self.resize(1000, 500)
        headers = [
            self.tr("N°"),
            self.tr("Date (UTC)"),
            self.tr("Compte"),
            self.tr("Utilisateur"),
            self.tr("Action"),
            self.tr("Message"),
            self.tr("Dossier"),
            self.tr("Destination"),
            self.tr("Requête"),
            self.tr("Résultat"),
            self.tr("Détail"),
        ]
        self.entries = trail.entries()
        self.table = QTableWidget(len(self.entries), len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        for row, entry in enumerate(reversed(self.entries)):  # newest first
            for column, name in enumerate(_COLUMNS):
                value = entry.get(name)
                text = "" if value is None else str(value)
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        checked = trail.verify()
        self.status = QLabel(
            self.tr("Journal intact : {0} entrée(s).").format(checked.count)
            if checked.ok
            else self.tr("Journal NON intègre : {0}.").format(checked.problem)
        )
        self.status.setObjectName("audit-status")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        export = buttons.addButton(
            self.tr("Exporter en CSV…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        export.clicked.connect(self._export)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def _export(self) -> None:
        target = file_dialogs.save_file(
            self,
            "audit",
            self.tr("Exporter le journal d'audit"),
            "journal-audit.csv",
            "CSV (*.csv)",
        )
        if target is not None:
            export_csv(self.entries, target)


def export_csv(entries: list[dict[str, object]], target: Path) -> None:
    with target.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(entries)

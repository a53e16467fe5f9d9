"""Outils > Journal des classements… : who filed what, where, from which PC (issue 19).

The journal of the patients root (shared by the practice's PCs), newest first, read only:
when (local time), what became of the document (a replaced version says so), for which
patient, by whom (OS user) and on which PC, why, and which message.
"""

from __future__ import annotations

from datetime import UTC, datetime

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

from app.filing.journal import Entry
from app.filing.service import Filing

LIMIT = 500


def _local(at: str) -> str:
    moment = datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return moment.astimezone().strftime("%d/%m/%Y %H:%M")


class FilingJournalDialog(QDialog):
    def __init__(self, filing: Filing, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Journal des classements"))
        self.resize(1100, 500)
        self.entries = filing.journal.entries(LIMIT)
        names = {p.id: p.display for p in filing.registry.patients()}
        headers = [
            self.tr("N°"),
            self.tr("Date"),
            self.tr("État"),
            self.tr("Patient"),
            self.tr("Utilisateur"),
            self.tr("Poste"),
            self.tr("Détail"),
            self.tr("Message"),
        ]
        self.table = QTableWidget(len(self.entries), len(headers))
        self.table.setObjectName("filing-journal")
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        for row, entry in enumerate(self.entries):
            for column, text in enumerate(self._cells(entry, names)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel(
            self.tr("{0} entrée(s), les plus récentes d'abord — dossier des patients : {1}").format(
                len(self.entries), str(filing.root)
            )
        )
        self.summary.setObjectName("filing-journal-summary")
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def _cells(self, entry: Entry, names: dict[str, str]) -> list[str]:
        status = entry.label
        if entry.replaced_by:
            status = self.tr("{0} (par l'entrée {1})").format(status, entry.replaced_by)
        patient = names.get(entry.patient_id or "", entry.patient_id or "")
        return [
            str(entry.id),
            _local(entry.at),
            status,
            patient,
            entry.user or "?",
            entry.host or "?",
            entry.detail,
            self.tr("{0} (document {1})").format(entry.message_id, entry.document + 1),
        ]

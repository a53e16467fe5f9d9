""" "À classer": the recent documents not filed yet, certain matches first.

The list is computed off the GUI thread (its own store and filing connections); certain
matches come checked so that, after a look, one click files them all; any row opens the
"Classer" dialog for a closer look (ambiguous identity, test INS, unknown patient).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CaduceeError
from app.filing.identity import identity_line, identity_short
from app.filing.pending import PendingDocument, pending_documents
from app.filing.service import FILED, Filing
from app.mssante.subject import displayed
from app.store.db import Store
from app.ui.jobs import BackgroundJob
from app.ui.models import short_date


def _scan(data_dir: Path, root: Path) -> list[PendingDocument]:
    """In a pool thread, with this thread's own store and filing connections."""
    store = Store.open(data_dir)
    try:
        filing = Filing.open(data_dir, root, store)
        try:
            return pending_documents(store, filing)
        finally:
            filing.close()
    finally:
        store.close()


class FilingQueue(QDialog):
    """The documents to file; ``open_one`` opens the "Classer" dialog for a row."""

    changed = Signal()  # something was filed: the window refreshes

    def __init__(
        self,
        filing: Filing,
        data_dir: Path,
        open_one: Callable[[PendingDocument], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("filing-queue")
        self.setWindowTitle(self.tr("À classer"))
        self.resize(1280, 560)
        self.filing, self.data_dir, self.open_one = filing, data_dir, open_one
        self.rows: list[PendingDocument] = []
        self.scanning = False
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("pending")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Reçu le"),
                self.tr("Objet"),
                self.tr("Document"),
                self.tr("Patient lu dans le document"),
                self.tr("Patient proposé"),
                self.tr("Identité"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((100, 220, 150, 250, 200)):
            self.table.setColumnWidth(column, width)
        self.table.cellDoubleClicked.connect(lambda row, _column: self._open(row))
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox()
        self.bulk = buttons.addButton(
            self.tr("Classer les documents certains cochés"),
            QDialogButtonBox.ButtonRole.ActionRole,
        )
        self.bulk.setObjectName("bulk")
        self.bulk.clicked.connect(self.file_checked)
        self.one = buttons.addButton(self.tr("Classer…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.one.clicked.connect(lambda: self._open(self.table.currentRow()))
        refresh = buttons.addButton(self.tr("Actualiser"), QDialogButtonBox.ButtonRole.ActionRole)
        refresh.clicked.connect(self.refresh)
        close = buttons.addButton(self.tr("Fermer"), QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        if self.scanning:
            return
        self.scanning = True
        self.summary.setText(self.tr("Recherche des documents à classer…"))
        self.bulk.setEnabled(False)
        data_dir, root = self.data_dir, self.filing.root
        BackgroundJob(self, lambda: _scan(data_dir, root), self._scanned, self._failed).start()

    @Slot(object)
    def _scanned(self, found: list[PendingDocument]) -> None:
        self.scanning = False
        self.rows = found
        self.table.setRowCount(len(found))
        for row, item in enumerate(found):
            document = item.docs.documents[item.index]
            best = item.match.best
            words = {
                "certain": self.tr("Certaine"),
                "probable": self.tr("Probable"),
                "à vérifier": self.tr("À vérifier"),
            }
            if item.match.test_ins:
                certainty = self.tr("INS de test : à vérifier")
            elif best is not None:
                certainty = f"{words[best.certainty]} — {best.summary}"
            else:
                certainty = self.tr("Patient inconnu")
            cells = (
                short_date(item.message.date),
                displayed(item.message.subject),
                document.title or document.type_label or self.tr("Document"),
                identity_short(document.identity),
                best.patient.display if best is not None else "",
                certainty,
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 0:
                    flags = cell.flags()
                    if item.certain:
                        cell.setFlags(flags | Qt.ItemFlag.ItemIsUserCheckable)
                        cell.setCheckState(Qt.CheckState.Checked)
                if column == 3:  # where it was read, the sex, the INS's kind
                    cell.setToolTip(identity_line(document.identity))
                if column == 5:
                    cell.setToolTip(certainty)
                self.table.setItem(row, column, cell)
        certain = sum(1 for item in found if item.certain)
        self.summary.setText(
            self.tr(
                "{0} document(s) à classer, dont {1} avec une identité certaine (cochés : "
                "vérifiez-les puis « Classer les documents certains cochés »). Double-cliquez "
                "sur une ligne pour la classer vous-même."
            ).format(len(found), certain)
        )
        self.bulk.setEnabled(certain > 0)

    @Slot(object)
    def _failed(self, error: BaseException) -> None:
        self.scanning = False
        text = error.user_message if isinstance(error, CaduceeError) else str(error)
        self.summary.setText(self.tr("La recherche a échoué : {0}").format(text))

    def checked(self) -> list[PendingDocument]:
        return [
            item
            for row, item in enumerate(self.rows)
            if item.certain
            and (cell := self.table.item(row, 0)) is not None
            and cell.checkState() == Qt.CheckState.Checked
        ]

    @Slot()
    def file_checked(self) -> None:
        """Only certain matches, each to its certain patient; the rest stays."""
        filed = problems = 0
        for message_id in dict.fromkeys(item.message.id for item in self.checked()):
            items = [i for i in self.checked() if i.message.id == message_id]
            message, docs = items[0].message, items[0].docs
            try:
                result = self.filing.file_message(message, docs)
            except CaduceeError:
                problems += len(items)
                continue
            filed += sum(1 for o in result.outcomes if o.status == FILED)
        self.changed.emit()
        self.refresh()
        text = self.tr("{0} document(s) classé(s).").format(filed)
        if problems:
            text += " " + self.tr("{0} n'ont pas pu l'être.").format(problems)
        self.setWindowTitle(self.tr("À classer") + " — " + text)

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.open_one(self.rows[row])
            self.refresh()

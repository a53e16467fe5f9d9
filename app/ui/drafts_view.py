"""The "Brouillons" of one account: her unsent messages, kept here first and copied to the
server's Drafts folder when the account has one; "Reprendre" reopens one in the composer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.store.db import Store
from app.store.drafts import DraftRow, DraftStore
from app.ui.models import short_date

KeyRole = Qt.ItemDataRole.UserRole + 11


class DraftsPanel(QWidget):
    open_requested = Signal(str)  # the draft's key
    delete_requested = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drafts-panel")
        self.store = store
        self.address: str | None = None
        self.rows: list[DraftRow] = []
        self.title = QLabel()
        self.title.setObjectName("drafts-title")
        self.title.setStyleSheet("#drafts-title { font-weight: bold; font-size: 14px; }")
        self.model = QStandardItemModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Brouillons"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _index: self._emit(self.open_requested))
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.open = QPushButton(self.tr("Reprendre"))
        self.delete = QPushButton(self.tr("Supprimer"))
        self.open.clicked.connect(lambda: self._emit(self.open_requested))
        self.delete.clicked.connect(lambda: self._emit(self.delete_requested))
        buttons = QHBoxLayout()
        buttons.addWidget(self.open)
        buttons.addWidget(self.delete)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.where)

    def load(self, address: str | None, server_folder: str | None) -> None:
        chosen = self.selected()
        self.address = address
        self.rows = DraftStore(self.store).items(address) if address else []
        self.title.setText(self.tr("Brouillons — {0}").format(address or ""))
        self.model.clear()
        self.model.setHorizontalHeaderLabels(
            [self.tr("Destinataires"), self.tr("Objet"), self.tr("Modifié le"), self.tr("Où")]
        )
        for row in self.rows:
            where = (
                self.tr("ici et sur le serveur")
                if row.on_server
                else self.tr("ici (copie au serveur à la prochaine relève)")
                if server_folder
                else self.tr("ici")
            )
            cells = [
                QStandardItem(", ".join(row.recipients) or self.tr("(aucun destinataire)")),
                QStandardItem(row.subject or self.tr("(sans objet)")),
                QStandardItem(short_date(row.updated_at)),
                QStandardItem(where),
            ]
            cells[0].setData(row.key, KeyRole)
            self.model.appendRow(cells)
        header = self.table.horizontalHeader()
        header.resizeSection(0, 240)
        header.resizeSection(1, 260)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.where.setText(
            self.tr("Copiés aussi dans le dossier « {0} » du serveur.").format(server_folder)
            if server_folder
            else self.tr(
                "Ce compte n'a pas de dossier Brouillons sur le serveur : ils restent sur ce poste."
            )
        )
        keys = [r.key for r in self.rows]
        if self.rows:
            index = keys.index(chosen) if chosen in keys else 0
            self.table.selectRow(index)
        self.open.setEnabled(bool(self.rows))
        self.delete.setEnabled(bool(self.rows))

    def selected(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        key = self.model.index(index.row(), 0).data(KeyRole)
        return key if isinstance(key, str) else None

    def _emit(self, signal: SignalInstance) -> None:
        key = self.selected()
        if key is not None:
            signal.emit(key)

"""The "Boîte d'envoi" of one account: each message's state, attempts and the server's
reason (its code kept, its meaning in French), with "Réessayer", "Modifier" and "Supprimer".

The panel only shows and asks; what happens is decided by ``SendViews`` (send_views.py),
which owns the worker and the composers.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
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

from app.ops.outbox_actions import explain
from app.store.db import Store
from app.store.outbox import OutboxItem, OutboxStore
from app.ui.models import short_date

SENT_SHOWN = 20  # the newest sent messages stay listed (rows are kept forever in the store)
ItemRole = Qt.ItemDataRole.UserRole + 10
_Index = QModelIndex | QPersistentModelIndex


class OutboxModel(QAbstractTableModel):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.address: str | None = None
        self.rows: list[OutboxItem] = []

    def columns(self) -> list[str]:
        return [
            self.tr("État"),
            self.tr("Destinataires"),
            self.tr("Objet"),
            self.tr("Tentatives"),
            self.tr("Créé le"),
            self.tr("Motif"),
        ]

    def state_name(self, item: OutboxItem) -> str:
        return {
            "queued": self.tr("en attente"),
            "sending": self.tr("envoi en cours"),
            "sent": self.tr("envoyé"),
            "failed": self.tr("échec"),
            "uncertain": self.tr("incertain"),
        }.get(item.state, item.state)

    def load(self, address: str | None) -> None:
        self.beginResetModel()
        self.address = address
        account = self.store.account(address) if address else None
        items = OutboxStore(self.store).items(account) if account is not None else []
        unsent = [i for i in items if i.state != "sent"]
        sent = [i for i in items if i.state == "sent"][-SENT_SHOWN:]
        self.rows = sorted(unsent, key=lambda i: -i.id) + sorted(sent, key=lambda i: -i.id)
        self.endResetModel()

    def item(self, row: int) -> OutboxItem | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, item_id: int) -> int | None:
        return next((n for n, i in enumerate(self.rows) if i.id == item_id), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else 6

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            names = self.columns()
            return names[section] if 0 <= section < len(names) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index.row()) if index.isValid() else None
        if item is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return [
                self.state_name(item),
                ", ".join(item.recipients),
                item.subject or self.tr("(sans objet)"),
                str(item.attempts),
                short_date(item.created_at),
                self.reason(item),
            ][column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            colour = {"failed": "#b91c1c", "uncertain": "#b45309", "sent": "#15803d"}
            return QColor(colour[item.state]) if item.state in colour else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.last_error or None
        if role == ItemRole:
            return item
        return None

    def reason(self, item: OutboxItem) -> str:
        """One line: what went wrong (the server's code kept), or what it waits for."""
        if item.state == "failed":
            return explain(item.last_error) or (item.last_error or "")
        if item.state == "uncertain":
            return self.tr("Connexion perdue juste après l'envoi : peut-être déjà remis")
        if item.state == "queued" and item.last_error and item.next_attempt_at:
            return self.tr("Nouvel essai après {0} — {1}").format(
                short_date(item.next_attempt_at), item.last_error
            )
        if item.state == "queued" and item.last_error:
            return self.tr("Dernier essai : {0}").format(item.last_error)
        if item.state == "sent" and item.sent_at:
            return self.tr("Envoyé le {0}").format(short_date(item.sent_at))
        return ""


class OutboxPanel(QWidget):
    retry_requested = Signal(object)  # OutboxItem
    edit_requested = Signal(object)
    delete_requested = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outbox-panel")
        self.model = OutboxModel(store)
        self.title = QLabel()
        self.title.setObjectName("outbox-title")
        self.title.setStyleSheet("#outbox-title { font-weight: bold; font-size: 14px; }")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Boîte d'envoi"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 220)
        header.resizeSection(2, 200)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(4, 120)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._chosen())
        self.details = QLabel()
        self.details.setObjectName("outbox-details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setStyleSheet(
            "#outbox-details { background: palette(base); border: 1px solid palette(mid);"
            " padding: 8px; }"
        )
        self.details.setMinimumHeight(130)
        self.retry = QPushButton(self.tr("Réessayer"))
        self.edit = QPushButton(self.tr("Modifier"))
        self.delete = QPushButton(self.tr("Supprimer"))
        for button, signal in (
            (self.retry, self.retry_requested),
            (self.edit, self.edit_requested),
            (self.delete, self.delete_requested),
        ):
            button.clicked.connect(lambda _checked=False, s=signal: self._emit(s))
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry)
        buttons.addWidget(self.edit)
        buttons.addWidget(self.delete)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.details, 1)
        self._chosen()

    def load(self, address: str | None) -> None:
        """The account's outbox again, the same message selected if still there."""
        chosen = self.selected()
        self.model.load(address)
        self.title.setText(self.tr("Boîte d'envoi — {0}").format(address or ""))
        row = self.model.row_of(chosen.id) if chosen is not None else None
        if row is None and self.model.rowCount():
            row = 0
        if row is not None:
            self.table.selectRow(row)
        self._chosen()

    def selected(self) -> OutboxItem | None:
        index = self.table.currentIndex()
        item = index.data(ItemRole) if index.isValid() else None
        return item if isinstance(item, OutboxItem) else None

    def select(self, item_id: int) -> None:
        row = self.model.row_of(item_id)
        if row is not None:
            self.table.selectRow(row)

    def _emit(self, signal: Any) -> None:
        item = self.selected()
        if item is not None:
            signal.emit(item)

    def _chosen(self) -> None:
        item = self.selected()
        state = item.state if item is not None else None
        self.retry.setEnabled(state in ("failed", "uncertain", "queued"))
        self.edit.setEnabled(state in ("failed", "uncertain", "queued"))
        self.delete.setEnabled(state is not None and state != "sending")
        self.details.setText(self.describe(item) if item is not None else self.empty_text())

    def empty_text(self) -> str:
        if self.model.rowCount():
            return self.tr("Choisissez un message pour voir son état.")
        return self.tr("La boîte d'envoi est vide : tout est parti.")

    def describe(self, item: OutboxItem) -> str:
        """Everything she needs to decide, in plain text (selectable, to read to support)."""
        lines = [
            self.tr("État : {0} — {1} tentative(s)").format(
                self.model.state_name(item), item.attempts
            ),
            self.tr("À : {0}").format(", ".join(item.recipients)),
        ]
        if item.state == "failed":
            meaning = explain(item.last_error)
            if meaning:
                lines.append(meaning)
            if item.last_error:
                lines.append(self.tr("Réponse du serveur : {0}").format(item.last_error))
            lines.append(
                self.tr(
                    "Le message reste ici tant que vous ne l'avez pas renvoyé, modifié ou supprimé."
                )
            )
        elif item.state == "uncertain":
            lines.append(
                self.tr(
                    "La connexion a été perdue juste après l'envoi complet du message, avant la "
                    "réponse du serveur : le destinataire l'a peut-être déjà reçu. Caducée ne "
                    "le renvoie pas sans votre accord (« Réessayer » vous le demandera)."
                )
            )
            if item.last_error:
                lines.append(item.last_error)
            lines.append(
                item.check_note
                or self.tr("Aucune vérification n'a encore pu être faite sur le serveur.")
            )
        elif item.state == "queued":
            if item.last_error:
                lines.append(self.tr("Dernier essai : {0}").format(item.last_error))
            if item.next_attempt_at:
                lines.append(
                    self.tr("Prochain essai automatique : {0}").format(
                        short_date(item.next_attempt_at)
                    )
                )
            else:
                lines.append(self.tr("Il part à la prochaine relève."))
        elif item.state == "sent":
            lines.append(self.tr("Envoyé le {0}.").format(short_date(item.sent_at)))
            if item.check_note:
                lines.append(item.check_note)
        return "\n".join(lines)

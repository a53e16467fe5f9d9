"""Receipts followed in the window: "Suivi des envois" and the states in the reader.

``TrackingView`` lists the sent messages and, per recipient, what their receipts said
(remis, lu, intégré, refusé with the code and its meaning, échec, différé, en attente
depuis…), filterable to what waits or what failed. ``DeliveryPanel`` shows the same for the
message open in the reader, when it is one she sent. ``install`` adds the menu entry
(Outils > Suivi des envois…, Ctrl+Maj+E) and connects the reader's panel to the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.store.db import MessageSummary, Store
from app.store.receipts import STATES_FR, ReceiptStore, RecipientState, SentMessage
from app.ui.models import short_date

COLOURS = {
    "failed": "#b91c1c",
    "refused": "#b91c1c",
    "delayed": "#b45309",
    "pending": "#4b5563",
    "delivered": "#166534",
    "displayed": "#1d4ed8",
    "processed": "#1d4ed8",
    "deleted": "#4b5563",
}
FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("all", ()),
    ("waiting", ("pending", "delayed")),
    ("failed", ("failed", "refused")),
)
_WORST = (
    "failed",
    "refused",
    "delayed",
    "pending",
    "deleted",
    "delivered",
    "displayed",
    "processed",
)


def _worst(message: SentMessage) -> RecipientState:
    """The recipient she should look at first (a failure before a wait before a success)."""
    order = {state: n for n, state in enumerate(_WORST)}
    return min(message.recipients, key=lambda r: order.get(r.state, len(order)))


class Lookup(Protocol):
    def __call__(self, message_id: str) -> SentMessage | None: ...


class DeliveryPanel(QFrame):
    """In the reader: the recipients of a message she sent and where each one stands."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("delivery-panel")
        self.setStyleSheet("#delivery-panel { background: #f8fafc; border: 1px solid #cbd5e1; }")
        self.lookup: Lookup | None = None  # set by install(): the window's store
        self.message: MessageSummary | None = None  # the reader's, when it is one she sent
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAccessibleName(self.tr("Suivi de l'envoi"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.addWidget(self.text)
        self.hide()

    def show_for(self, message: MessageSummary | None) -> None:
        self.message = message
        sent = (
            self.lookup(message.message_id)
            if self.lookup is not None and message is not None and message.message_id
            else None
        )
        if sent is None:
            self.hide()
            return
        lines = ["<b>{}</b>".format(self.tr("Suivi de l'envoi"))]
        for recipient in sent.recipients:
            colour = COLOURS.get(recipient.state, "#000000")
            label = _html(recipient.label(sent.sent_at, sent.asked))
            lines.append(
                f"{_html(recipient.recipient)} : <span style='color:{colour}'>{label}</span>"
            )
        self.text.setText("<br>".join(lines))
        self.show()


class TrackingView(QDialog):
    """Outils > Suivi des envois…: every sent message, and each recipient's state."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Suivi des envois"))
        self.setObjectName("tracking-view")
        self.receipts = ReceiptStore(store)
        self.filter = QComboBox()
        self.filter.setAccessibleName(self.tr("Afficher"))
        for key, label in zip(
            (k for k, _states in FILTERS),
            (
                self.tr("Tous les envois"),
                self.tr("En attente ou différés"),
                self.tr("En échec ou refusés"),
            ),
            strict=True,
        ):
            self.filter.addItem(label, key)
        self.filter.currentIndexChanged.connect(self.reload)
        refresh = QPushButton(self.tr("Actualiser"))
        refresh.clicked.connect(self.reload)
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Afficher :")))
        top.addWidget(self.filter)
        top.addStretch(1)
        top.addWidget(self.count)
        top.addWidget(refresh)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(
            [self.tr("Message et destinataires"), self.tr("État"), self.tr("Envoyé le")]
        )
        self.tree.setAccessibleName(self.tr("Messages envoyés et leurs accusés"))
        self.tree.setAlternatingRowColors(True)
        self.tree.setColumnWidth(0, 360)
        self.tree.setColumnWidth(1, 420)
        note = QLabel(
            self.tr(
                "Les accusés de remise et de lecture arrivent à chaque relève ; ils sont "
                "rangés ici plutôt que dans la boîte de réception (filtre « Accusés » pour "
                "les voir dans la liste)."
            )
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addWidget(note)
        self.resize(1000, 560)
        self.reload()

    def set_filter(self, key: str) -> None:
        self.filter.setCurrentIndex(max(0, self.filter.findData(key)))

    def summary(self, message: SentMessage) -> str:
        """``4 destinataire(s) : 1 échec, 1 refusé, 1 en attente, 1 lu`` (the worst first)."""
        counts: dict[str, int] = {}
        for recipient in message.recipients:
            counts[recipient.state] = counts.get(recipient.state, 0) + 1
        order = {state: n for n, state in enumerate(_WORST)}
        states = sorted(counts, key=lambda state: order.get(state, len(order)))
        if states == ["pending"] and not message.asked:
            parts = self.tr("envoyé, aucun accusé demandé")
        else:
            parts = ", ".join(f"{counts[state]} {STATES_FR[state]}" for state in states)
        return self.tr("{0} destinataire(s) : {1}").format(len(message.recipients), parts)

    def reload(self) -> None:
        key = self.filter.currentData()
        states = dict(FILTERS).get(key if isinstance(key, str) else "all", ())
        self.receipts.apply_pending()
        messages = self.receipts.sent(states=states)
        self.tree.clear()
        for message in messages:
            worst = _worst(message)
            top = QTreeWidgetItem(
                [
                    message.subject or self.tr("(sans objet)"),
                    self.summary(message),
                    short_date(message.sent_at),
                ]
            )
            top.setForeground(1, QBrush(QColor(COLOURS.get(worst.state, "#000000"))))
            top.setToolTip(0, message.message_id)
            for recipient in message.recipients:
                child = QTreeWidgetItem(
                    [recipient.recipient, recipient.label(message.sent_at, message.asked), ""]
                )
                child.setData(0, Qt.ItemDataRole.UserRole, recipient.state)
                child.setForeground(1, QBrush(QColor(COLOURS.get(recipient.state, "#000000"))))
                child.setToolTip(1, child.text(1))
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        self.count.setText(self.tr("{0} message(s)").format(len(messages)))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def install(window: QMainWindow, store: Store, panel: DeliveryPanel) -> Callable[[], TrackingView]:
    """``panel`` fed from ``store``; returns the function that opens (or raises) "Suivi des
    envois" (Outils > Suivi des envois…: app/ui/menus.py)."""
    receipts = ReceiptStore(store)

    def lookup(message_id: str) -> SentMessage | None:
        found = receipts.sent(message_id=message_id)
        return found[0] if found else None

    panel.lookup = lookup
    opened: list[TrackingView] = []

    def open_view() -> TrackingView:
        if opened and opened[0].isVisible():
            opened[0].reload()
        else:
            opened[:] = [TrackingView(store, window)]
        opened[0].show()
        opened[0].raise_()
        return opened[0]

    def synced() -> None:  # reports came with the mail: what is open shows them
        if opened and opened[0].isVisible():
            opened[0].reload()
        if panel.isVisible():
            panel.show_for(panel.message)

    worker = getattr(window, "worker", None)
    if worker is not None:
        worker.all_done.connect(synced)
    return open_view

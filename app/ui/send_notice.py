"""The notice of a failed or uncertain send: a banner above every folder that stays until
she acts (sent again, edited, deleted) or closes it. It is read from the outbox, so it is
back after a restart while the failure is unresolved."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.ops.outbox_actions import explain
from app.store.outbox import OutboxItem


class SendNotice(QFrame):
    show_outbox = Signal(str)  # the account whose outbox to show
    dismissed = Signal(object)  # the OutboxItems whose notice she closed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("send-notice")
        self.setStyleSheet(
            "#send-notice { background: #fee2e2; border: 2px solid #b91c1c; border-radius: 3px; }"
        )
        self.setAccessibleName(self.tr("Envoi en échec"))
        self.items: list[OutboxItem] = []
        self.text = QLabel()
        self.text.setObjectName("send-notice-text")
        self.text.setWordWrap(True)
        self.look = QPushButton(self.tr("Voir la boîte d'envoi"))
        self.look.clicked.connect(self._look)
        self.close_button = QPushButton(self.tr("Masquer l'alerte"))
        self.close_button.setToolTip(
            self.tr("Le message reste dans la boîte d'envoi ; l'alerte revient s'il échoue encore")
        )
        self.close_button.clicked.connect(self._dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.look)
        layout.addWidget(self.close_button)
        self.hide()

    def show_problems(self, items: list[OutboxItem]) -> None:
        """The failures to tell (none: hidden)."""
        self.items = items
        if not items:
            self.hide()
            return
        newest = items[-1]
        recipients = ", ".join(newest.recipients)
        if newest.state == "uncertain":
            head = self.tr("Envoi incertain : « {0} » à {1} a peut-être été remis.").format(
                newest.subject, recipients
            )
            why = self.tr("Vérifiez dans la boîte d'envoi avant de le renvoyer.")
        else:
            head = self.tr("Message non envoyé : « {0} » à {1}.").format(newest.subject, recipients)
            why = explain(newest.last_error) or newest.last_error or ""
        others = len(items) - 1
        more = self.tr(" Et {0} autre(s) envoi(s) à vérifier.").format(others) if others else ""
        self.text.setText(f"{head} {why}{more}")
        self.show()

    def _look(self) -> None:
        if self.items:
            self.show_outbox.emit(self.items[-1].account)

    def _dismiss(self) -> None:
        items, self.items = self.items, []
        self.hide()
        self.dismissed.emit(items)

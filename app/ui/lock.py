"""Session lock: after a time without use, or on demand, the window hides all mail and
forgets the card session and the Pro Santé Connect tokens; unlocking is a new sign-in — the
card PIN (or the password) asked again through the usual flow, with its tries-left and
locked-card messages, or the Pro Santé Connect sign-in window (card or e-CPS) for such
accounts. The overlay says which, from the accounts' ways of signing in.

While locked nothing is synced or sent (the sessions are closed), and nothing of the mail
is visible: the overlay covers the whole window.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

USER_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}

EXPLANATION_WIDTH = 560


class InactivityTimer(QObject):
    """Fires ``expired`` after ``minutes`` without keyboard or mouse use (0: never)."""

    expired = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.expired)
        self.minutes = minutes
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.restart()

    def restart(self) -> None:
        if self.minutes > 0:
            self.timer.start(self.minutes * 60_000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in USER_INPUT:
            self.restart()
        return False


class LockOverlay(QWidget):
    """Covers the window; one button starts the sign-in."""

    unlock_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lock-overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#lock-overlay { background: #1f2937; } QLabel { color: white; }")
        self.setAccessibleName(self.tr("Session verrouillée"))
        title = QLabel(self.tr("Session verrouillée"))
        title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.explanation.setFixedWidth(EXPLANATION_WIDTH)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #fca5a5;")
        self.button = QPushButton(self.tr("Déverrouiller"))
        self.button.setDefault(True)
        self.button.clicked.connect(self.unlock_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (title, self.explanation, self.problem, self.button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.explain({"card"})
        self.hide()

    def explain(self, auths: set[str]) -> None:
        """What unlocking asks, for the accounts' ways of signing in (``Account.auth``)."""
        hidden = self.tr("Vos messages sont masqués.")
        if auths == {"psc"}:
            how = self.tr(
                "Déverrouillez en vous reconnectant avec Pro Santé Connect (carte CPS ou "
                "e-CPS) : la fenêtre de connexion s'ouvrira."
            )
            button = self.tr("Déverrouiller avec Pro Santé Connect")
        elif "psc" in auths:
            how = self.tr(
                "Déverrouillez avec votre carte CPS et son code ; pour les comptes Pro Santé "
                "Connect, la fenêtre de connexion (carte CPS ou e-CPS) s'ouvrira."
            )
            button = self.tr("Déverrouiller")
        else:
            how = self.tr("Déverrouillez avec votre carte CPS et son code.")
            button = self.tr("Déverrouiller")
        self.explanation.setText(f"{hidden} {how}")
        # centred in the layout, a wrapped label gets its one-line height: give it its own
        self.explanation.setFixedHeight(self.explanation.heightForWidth(EXPLANATION_WIDTH))
        self.button.setText(button)

    def cover(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()
        self.button.setFocus()

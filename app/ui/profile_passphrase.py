"""At start, before anything reads the profile: its passphrase, when its key is sealed with
one (the weaker mode chosen where no keyring is usable, ``app.core.profile_key``).

The dialog asks, masked; the engine checks (``profile_key.unlock``: scrypt, about half a
second). A wrong passphrase is said in the dialog, which asks again; "Quitter" closes
Caducée with nothing opened or written. ``CADUCEE_PROFILE_PASSPHRASE``, when set, wins:
no dialog. Once opened, the key stays in this process: locking and unlocking the window
(a new sign-in to the accounts) does not ask it again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core import profile_key
from app.core.crypto import WrongPassphraseError


class ProfilePassphraseDialog(QDialog):
    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.setWindowTitle(self.tr("Phrase secrète du profil"))
        self.setObjectName("profile-passphrase")
        explanation = QLabel(
            self.tr(
                "Les données de santé de ce profil sont chiffrées avec une clé protégée par "
                "une phrase secrète (aucun trousseau du système n'est disponible sur cet "
                "ordinateur). Tapez-la pour ouvrir Caducée."
            )
        )
        explanation.setWordWrap(True)
        self.field = QLineEdit()
        self.field.setObjectName("passphrase")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText(self.tr("Phrase secrète du profil"))
        self.problem = QLabel()
        self.problem.setObjectName("passphrase-problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.hide()
        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton(
            self.tr("Ouvrir"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.quit_button = buttons.addButton(
            self.tr("Quitter"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.open_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.field)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def accept(self) -> None:
        """Opens the key with what she typed; says so and asks again when it does not."""
        typed = self.field.text()
        if not typed:
            self._say(self.tr("Tapez la phrase secrète du profil."))
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            profile_key.unlock(self.data_dir, typed)
        except WrongPassphraseError:
            self._say(
                self.tr(
                    "Phrase secrète incorrecte : elle n'ouvre pas la clé de ce profil. "
                    "Vérifiez la touche Verr. Maj. et réessayez."
                )
            )
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.field.clear()
        super().accept()

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
        self.field.clear()
        self.field.setFocus()


def ask_profile_passphrase(data_dir: Path, parent: QWidget | None = None) -> bool:
    """True when the profile can be opened (no passphrase needed, or the right one typed);
    False when she chose "Quitter"."""
    if not profile_key.needs_passphrase(data_dir):
        return True
    dialog = ProfilePassphraseDialog(data_dir, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted

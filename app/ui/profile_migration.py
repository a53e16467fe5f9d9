"""The first start of a large clear profile (a Caducée from before issue 21): its data are
encrypted where they lie before the window opens (``app.core.profile_encrypt``). That
takes minutes for gigabytes, so it runs on a thread while a progress dialog says what is
happening and how far it is; the window stays responsive. It cannot be cancelled half way
(nothing of the profile is read before it is done), but it survives being killed: the next
start resumes it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLabel, QProgressDialog, QWidget

from app.core import profile_encrypt, profile_key

STEPS = 1000  # the bar's resolution (profile_encrypt tells each thousandth)


class _Relay(QObject):
    """From the migration's thread to the dialog's (queued signals)."""

    progressed = Signal(int)
    ended = Signal()


class MigrationDialog(QProgressDialog):
    """Not closable by her: the migration goes on until it is done."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profile-migration")
        self.setWindowTitle(self.tr("Chiffrement du profil"))
        label = QLabel(
            self.tr(
                "Première ouverture de cette version : Caducée chiffre les messages, l'index "
                "de recherche et le journal d'audit de votre profil. Cela n'a lieu qu'une fois "
                "et peut prendre quelques minutes. Si l'ordinateur s'arrête, le chiffrement "
                "reprendra au prochain démarrage, sans rien perdre."
            )
        )
        label.setWordWrap(True)
        self.setLabel(label)
        self.setCancelButton(None)  # no button: it is not to be cancelled
        self.setRange(0, STEPS)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setFixedWidth(520)

    def reject(self) -> None:  # Esc
        pass

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()


def encrypt_with_progress(data_dir: Path, parent: QWidget | None = None) -> None:
    """The profile encrypted first if it must be (its keys then kept for this process),
    behind a progress dialog; raises what the migration raised (French, CaduceeError)."""
    if not profile_encrypt.needs_migration(data_dir):
        return
    dialog = MigrationDialog(parent)
    relay = _Relay()
    relay.progressed.connect(dialog.setValue, Qt.ConnectionType.QueuedConnection)
    loop = QEventLoop()
    relay.ended.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
    failed: list[BaseException] = []

    def told(done: int, total: int) -> None:
        relay.progressed.emit(STEPS * done // total if total else STEPS)

    def migrate() -> None:
        try:
            profile_key.keys_for(data_dir, progress=told)
        except BaseException as error:  # noqa: BLE001 — raised again on the window's thread
            failed.append(error)
        finally:
            relay.ended.emit()

    dialog.show()
    QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
    worker = threading.Thread(target=migrate, name="profile-migration", daemon=True)
    worker.start()
    try:
        loop.exec()
    finally:
        worker.join()
        QApplication.restoreOverrideCursor()
        dialog.hide()
        dialog.deleteLater()
    if failed:
        raise failed[0]

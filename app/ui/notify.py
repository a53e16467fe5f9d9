"""Telling her something while she looks elsewhere: the tray icon's message where the
desktop has a tray, a desktop notification where it has none (``app/core/desktop_notice``),
the taskbar entry flashing (``QApplication.alert``) everywhere, and the status bar when the
window is in front.

Never a sender, a subject or a patient's name: a notification can be read by anyone near the
screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon

from app.core import desktop_notice
from app.store.db import Store
from app.store.folder_roles import folder_role
from app.store.views import folder_counts

NOT_NEW_MAIL = {"Sent", "Drafts", "Trash", "Junk", "Archive"}
"""Folders whose unread messages are not mail that arrived (her own copies, what she put away)."""


def tell(
    window: QMainWindow,
    tray: QSystemTrayIcon | None,
    text: str,
    kind: QSystemTrayIcon.MessageIcon = QSystemTrayIcon.MessageIcon.Information,
    msecs: int = 8000,
) -> None:
    """The tray's message if there is a tray, else the desktop's notification, and the
    taskbar flashing until she looks."""
    if tray is not None and tray.isVisible():
        tray.showMessage("Caducée", text, kind, msecs)
    else:
        desktop_notice.notify_later(text, urgent=kind != QSystemTrayIcon.MessageIcon.Information)
    QApplication.alert(window)


def unread_arrived(store: Store, address: str) -> int | None:
    """Unread messages in the folders mail arrives in; None: no folder yet (a first sync)."""
    account = store.account(address)
    if account is None:
        return None
    folders = store.folders(account)
    if not folders:
        return None
    counts = folder_counts(store, address)
    return sum(
        counts[f.name].unread
        for f in folders
        if f.name in counts and folder_role(f.name, f.delimiter, f.special_use) not in NOT_NEW_MAIL
    )


class NewMail(QObject):
    """Counts each account's unread mail when its sync starts and when it ends: more means
    new mail, said in the status bar, and by the tray and the taskbar when the window is not
    in front. Not on an account's first sync (all of its mail would be "new")."""

    def __init__(self, window: QMainWindow, store: Store) -> None:
        super().__init__(window)
        self.window, self.store = window, store
        self.tray: QSystemTrayIcon | None = None
        self.enabled = True  # the preference: off, nothing but the counts in the folder tree
        self.before: dict[str, int | None] = {}
        self.told: list[str] = []  # what was said (the tests read it)

    def started(self, address: str) -> None:
        self.before[address] = unread_arrived(self.store, address)

    def done(self, address: str) -> int:
        """The account's sync ended: returns how many new unread messages it brought."""
        before = self.before.pop(address, None)
        after = unread_arrived(self.store, address)
        if before is None or after is None or after <= before:
            return 0
        new = after - before
        text = self.tr("{0} nouveau(x) message(s)").format(new)
        self.window.statusBar().showMessage(text, 10_000)
        if self.enabled and not self.window.isActiveWindow():
            self.told.append(text)
            tell(self.window, self.tray, text)
        return new

"""The main window's message actions: flags, deletion, writing, replies, receipts, directory."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QDockWidget, QMessageBox

from app.core.errors import CaduceeError
from app.directory import refresh
from app.ops.outbox import Draft, enqueue_message
from app.ops.patient_mail import PatientBook
from app.ops.receipts import MDN_SENT, read_receipt
from app.ops.replies import forward, reply
from app.store.changes import LocalChanges, NoTrashError
from app.store.mime import parse_message
from app.ui.composer import Composer
from app.ui.directory_panel import DirectoryPanel, OnlineSearch
from app.ui.directory_search import DirectoryContext
from app.ui.window_session import SessionWindow


class MessageWindow(SessionWindow):
    """What she does to a message, or to write one."""

    directory_online: OnlineSearch | None
    patient_book: PatientBook | None
    composer_receipts: tuple[bool, bool] = (False, False)  # Préférences: delivery, read

    # -- actions --------------------------------------------------------------------------

    def next_unread(self) -> None:
        """The next unread message below the current one (Thunderbird's N); a collapsed
        conversation holding unread replies opens on the way."""
        current = self.list_view.currentIndex().row()
        if current >= 0:
            self.messages.open_unread(current)
        row = max(current + 1, 0)
        while row < self.messages.rowCount():
            message = self.messages.message(row)
            if message is not None and message.unread:
                self.list_view.selectRow(row)
                self.list_view.scrollTo(self.messages.index(row, 0))
                return
            self.messages.open_unread(row)
            row += 1
        self.statusBar().showMessage(self.tr("Plus de message non lu ici."), 4000)

    def select_relative(self, step: int) -> None:
        """The message below (1) or above (-1) the current one (Thunderbird's F and B)."""
        row = self.list_view.currentIndex().row() + step
        if 0 <= row < self.messages.rowCount():
            self.list_view.selectRow(row)
            self.list_view.scrollTo(self.messages.index(row, 0))

    def toggle_read(self) -> None:
        self._toggle("\\Seen")

    def toggle_flag(self) -> None:
        self._toggle("\\Flagged")

    def _toggle(self, flag: str) -> None:
        message = self._selected()
        if message is not None:
            on = flag in message.flags
            self.store.change_flags(message, [] if on else [flag], [flag] if on else [])
            if self.messages.scope.chosen_by_flags:  # the list changes
                self._reload_keeping_selection()
            else:  # the same rows: drawn again, not listed again (100,000 ids: 200 ms)
                self._refresh_counts()

    def delete_selected(self) -> None:
        """The messages chosen in the list to the trash (asked once if there is none)."""
        ids = self._selected_ids()
        if not ids:
            return
        changes, permanent = LocalChanges(self.store), False
        try:
            for message_id in ids:
                try:
                    changes.delete(message_id, permanent=permanent)
                except NoTrashError as no_trash:
                    answer = QMessageBox.question(
                        self,
                        self.tr("Supprimer définitivement ?"),
                        self.tr(no_trash.user_message)
                        + "\n"
                        + self.tr("Le supprimer quand même ?"),
                    )
                    if answer != QMessageBox.StandardButton.Yes:
                        break
                    permanent = True
                    changes.delete(message_id, permanent=True)
        except CaduceeError as error:
            self.statusBar().showMessage(error.user_message, 8000)
        row = self.list_view.currentIndex().row()
        self._apply_scope()
        self._refresh_counts()
        self.messages.after_listed(lambda: self._select_near(row))

    # -- writing --------------------------------------------------------------------------

    def write(self) -> Composer:
        return self._compose(None)

    def reply(self) -> Composer | None:
        return self._answer("reply")

    def reply_all(self) -> Composer | None:
        return self._answer("all")

    def forward(self) -> Composer | None:
        return self._answer("forward")

    def _answer(self, how: str) -> Composer | None:
        message = self._selected()
        raw = self.store.raw(message) if message is not None else None
        if message is None or raw is None:
            self.statusBar().showMessage(self.tr("Choisissez d'abord un message téléchargé."), 5000)
            return None
        parsed = parse_message(raw)
        me = message.account
        if how == "forward":
            return self._compose(forward(parsed, raw, me))
        return self._compose(reply(parsed, me, to_all=how == "all"))

    def _receipt_answered(self, message_id: int, send: bool) -> None:
        """Send the read receipt (through the outbox) or not; never asked twice either way."""
        message = self.store.find(str(message_id))
        raw = self.store.raw(message) if message is not None else None
        account = self.store.account(message.account) if message is not None else None
        if message is None or raw is None or account is None:
            return
        if send:
            try:
                enqueue_message(
                    self.store,
                    account,
                    read_receipt(parse_message(raw), account.address, raw),
                    receipt_for=message,
                )
            except (CaduceeError, ValueError) as error:
                text = error.user_message if isinstance(error, CaduceeError) else str(error)
                self.statusBar().showMessage(text, 8000)
                return
        self.store.change_flags(message, [MDN_SENT])
        self.messages.invalidate()  # the list's copy of the flags is stale now
        if send:
            self.statusBar().showMessage(
                self.tr("Accusé de lecture placé dans la boîte d'envoi."), 5000
            )
            self.get_mail()

    def refresh_directory_if_due(self) -> int | None:
        """Once a day, in the directory thread: the extraction file and the liste blanche
        (what the address book, the completion and the send warning read). Silent: an
        offline start tries again at the next one. Returns the job's ticket, if started."""
        places = self.directory_jobs.places
        if not refresh.due(places.cache_dir):
            return None

        def job(context: DirectoryContext) -> refresh.RefreshReport:
            context.close_index()  # Windows: the index cannot be replaced while open
            return refresh.refresh(places.data_dir, places.cache_dir, places.cache_dir)

        return self.directory_jobs.submit("daily-refresh", job)

    def open_directory(self) -> DirectoryPanel:
        """The address book, docked on the right (she can float it as a window)."""
        if self.directory_dock is None:
            panel = DirectoryPanel(
                self.store,
                self.directory_jobs,
                composer=lambda: next((c for c in reversed(self.composers) if c.isVisible()), None),
                online=self.directory_online,
            )
            panel.write_to.connect(lambda to: self._compose(Draft("", to, "", "")))
            self.directory_dock = QDockWidget(self.tr("Carnet d'adresses"), self)
            self.directory_dock.setObjectName("directory-dock")
            self.directory_dock.setWidget(panel)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.directory_dock)
        shown = self.directory_dock.widget()
        assert isinstance(shown, DirectoryPanel)  # noqa: S101 - set just above
        self.directory_dock.show()
        self.directory_dock.raise_()
        shown.search_field.setFocus()
        return shown

    def _compose(self, draft: Draft | None, draft_key: str | None = None) -> Composer:
        composer = Composer(
            self.store,
            draft,
            self._folder_scope().account,
            draft_key,
            directory=self.directory_jobs,
            patients=self.patient_book,
            receipts=self.composer_receipts,
        )
        composer.queued.connect(self._queued)
        self.send_views.watch(composer)
        self.composers = [c for c in self.composers if c.isVisible()] + [composer]
        composer.show()
        return composer

    @Slot(str)
    def _queued(self, _address: str) -> None:
        self.statusBar().showMessage(self.tr("Message placé dans la boîte d'envoi."), 5000)
        self.get_mail()  # sends what is due, then syncs

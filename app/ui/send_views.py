"""What the window shows of sending: the "Boîte d'envoi" and "Brouillons" of each account
(entries of the folder tree, shown in place of the message list), the notice of a failed
or uncertain send (banner + tray notification), and her decisions on them.

Everything that needs the network (sending again, checking whether an uncertain message
arrived) runs in the sync worker's thread; the GUI thread only reads and writes the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Q_ARG, QMetaObject, QObject, Qt, Slot
from PySide6.QtWidgets import QMessageBox, QStackedWidget, QSystemTrayIcon, QWidget

from app.core.errors import CaduceeError
from app.ops import drafts, outbox_actions
from app.ops.outbox import ResendNeedsConfirmationError, uncertain_facts
from app.store.drafts import DraftStore
from app.store.outbox import OutboxItem, OutboxStore
from app.store.views import Scope
from app.ui.drafts_view import DraftsPanel
from app.ui.models import DRAFTS, OUTBOX
from app.ui.notify import tell
from app.ui.outbox_view import OutboxPanel
from app.ui.send_notice import SendNotice

if TYPE_CHECKING:
    from app.ui.composer import Composer
    from app.ui.main_window import MainWindow

MAIL, OUTBOX_PAGE, DRAFTS_PAGE = 0, 1, 2


class SendViews(QObject):
    def __init__(self, window: MainWindow, mail: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.store = window.store
        self.stack = QStackedWidget()
        self.outbox = OutboxPanel(self.store)
        self.drafts = DraftsPanel(self.store)
        for page in (mail, self.outbox, self.drafts):
            self.stack.addWidget(page)
        self.notice = SendNotice()
        self.notice.show_outbox.connect(self.open_outbox)
        self.notice.dismissed.connect(self._dismissed)
        self.outbox.retry_requested.connect(self.retry)
        self.outbox.edit_requested.connect(self.edit)
        self.outbox.delete_requested.connect(self.delete)
        self.drafts.open_requested.connect(self.open_draft)
        self.drafts.delete_requested.connect(self.delete_draft)
        self.account: str | None = None
        self.told: set[tuple[int, int, str]] = set()  # failures already notified
        self.notifications: list[str] = []  # what the tray said (the tests read it)
        self.checking: set[int] = set()
        drafts.import_files(self.store, window.data_dir / "drafts")  # an older Caducée's
        self.told = {self._key(i) for i in OutboxStore(self.store).problems()}
        window.sync_finished.connect(self.refresh)
        if window.worker is not None:
            window.worker.uncertain_checked.connect(
                self._uncertain_checked, Qt.ConnectionType.QueuedConnection
            )

    @staticmethod
    def _key(item: OutboxItem) -> tuple[int, int, str]:
        return (item.id, item.attempts, item.state)

    # -- what is shown ----------------------------------------------------------------------

    def follow(self, scope: Scope, searching: bool) -> None:
        """The folder tree's choice: a local place, or mail (the list and the reader)."""
        place = None if searching else scope.folder
        self.account = scope.account
        if place == OUTBOX:
            self.outbox.load(scope.account)
            self.stack.setCurrentIndex(OUTBOX_PAGE)
            self.window.count.setText(
                self.tr("{0} message(s) dans la boîte d'envoi").format(self.outbox.model.rowCount())
            )
        elif place == DRAFTS:
            self._load_drafts()
            self.stack.setCurrentIndex(DRAFTS_PAGE)
            self.window.count.setText(
                self.tr("{0} brouillon(s)").format(self.drafts.model.rowCount())
            )
        else:
            self.stack.setCurrentIndex(MAIL)

    def watch(self, composer: Composer) -> None:
        """A composer the window opened: its drafts counted, a kept one sent to the server."""
        composer.drafts_changed.connect(self.refresh)
        composer.draft_kept.connect(self.window.get_mail)  # the sync copies it to Drafts

    def _load_drafts(self) -> None:
        account = self.store.account(self.account) if self.account else None
        folder = drafts.drafts_folder(self.store, account) if account is not None else None
        self.drafts.load(self.account, folder)

    @Slot()
    def refresh(self) -> None:
        """After a sync, a send, a decision: the panels, the counts, the notice."""
        if self.stack.currentIndex() == OUTBOX_PAGE:
            self.outbox.load(self.account)
        elif self.stack.currentIndex() == DRAFTS_PAGE:
            self._load_drafts()
        problems = OutboxStore(self.store).problems()
        self.notice.show_problems(problems)
        new = [i for i in problems if self._key(i) not in self.told]
        self.told |= {self._key(i) for i in problems}
        if new:
            self._notify(new)
        count = len(DraftStore(self.store).items())
        action = self.window.drafts_action
        action.setText(
            self.tr("Brouillons ({0})").format(count) if count else self.tr("Brouillons")
        )
        action.setVisible(bool(count))
        self.window._refresh_counts()

    def _notify(self, items: list[OutboxItem]) -> None:
        """The tray (or the desktop's notification area) and the taskbar: no subject or
        address there, anyone near the screen can read it."""
        text = (
            self.tr("Un envoi est incertain : voir la boîte d'envoi.")
            if all(i.state == "uncertain" for i in items)
            else self.tr("Un message n'a pas pu être envoyé : voir la boîte d'envoi.")
        )
        self.notifications.append(text)
        tell(self.window, self.window.tray, text, QSystemTrayIcon.MessageIcon.Warning, 15_000)

    def open_outbox(self, address: str) -> None:
        self.window._reselect(Scope(account=address, folder=OUTBOX))

    def open_drafts(self) -> None:
        accounts = [
            a.address for a in self.store.accounts() if DraftStore(self.store).count(a.address)
        ]
        if accounts:
            address = self.account if self.account in accounts else accounts[0]
            self.window._reselect(Scope(account=address, folder=DRAFTS))

    # -- her decisions ----------------------------------------------------------------------

    def ask(self, title: str, text: str, yes: str, no: str) -> bool:
        """A question with two named answers, "no" the default."""
        box = QMessageBox(self.window)
        box.setObjectName("send-question")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(title)
        box.setText(text)
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no_button)
        box.setEscapeButton(no_button)
        box.exec()
        chosen = box.clickedButton() is yes_button
        box.deleteLater()
        return chosen

    def say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)

    def retry(self, item: OutboxItem) -> None:
        if item.state == "uncertain":
            self._check_then_ask(item)
            return
        try:
            done = outbox_actions.send_again(self.store, item.id)
        except ResendNeedsConfirmationError:  # became uncertain meanwhile
            self._check_then_ask(item)
            return
        if done is None:
            self.say(self.tr("Ce message ne peut plus être renvoyé (déjà parti, ou en cours)."))
        else:
            self.say(self.tr("Message remis en attente : il part maintenant."))
            self.window.get_mail()
        self.refresh()

    def _check_then_ask(self, item: OutboxItem) -> None:
        """First what can be checked (a copy on the server, a delivery report), in the
        worker's thread; then her decision, with what was found."""
        worker = self.window.worker
        if worker is None:
            self._decide_resend(item.id, "")
            return
        if item.id in self.checking:
            return
        self.checking.add(item.id)
        self.say(self.tr("Vérification sur le serveur : ce message est-il déjà arrivé ?"))
        QMetaObject.invokeMethod(
            worker, "check_uncertain", Qt.ConnectionType.QueuedConnection, Q_ARG(int, item.id)
        )

    @Slot(int, str)
    def _uncertain_checked(self, item_id: int, problem: str) -> None:
        if item_id in self.checking:
            self.checking.discard(item_id)
            self._decide_resend(item_id, problem)

    def _decide_resend(self, item_id: int, problem: str) -> None:
        item = OutboxStore(self.store).get(item_id)
        if item is None or item.state != "uncertain":
            if item is not None and item.state == "sent":
                QMessageBox.information(
                    self.window,
                    self.tr("Déjà remis"),
                    self.tr("Ce message est bien arrivé ; il n'est pas renvoyé.")
                    + "\n\n"
                    + (item.check_note or ""),
                )
            self.refresh()
            return
        facts = uncertain_facts(item)
        if problem:
            facts.append(self.tr("Vérification sur le serveur impossible : {0}").format(problem))
        text = (
            self.tr(
                "La connexion a été perdue juste après l'envoi complet de ce message : il a "
                "peut-être déjà été remis. Le renvoyer peut le faire arriver en double."
            )
            + "\n\n"
            + "\n".join(f"• {f}" for f in facts)
        )
        if not self.ask(
            self.tr("Renvoyer un message peut-être déjà remis ?"),
            text,
            self.tr("Renvoyer quand même"),
            self.tr("Ne pas renvoyer"),
        ):
            self.say(self.tr("Message non renvoyé."))
            return
        if outbox_actions.send_again(self.store, item_id, resend_uncertain=True) is None:
            self.say(self.tr("Ce message ne peut plus être renvoyé."))
        else:
            self.window.get_mail()
        self.refresh()

    def edit(self, item: OutboxItem) -> None:
        """Back to the composer: the message becomes a draft first (never only on screen)."""
        if item.state == "uncertain" and not self.ask(
            self.tr("Modifier un message peut-être déjà remis ?"),
            self.tr(
                "Ce message a peut-être déjà été remis. Le modifier puis l'envoyer peut le "
                "faire arriver deux fois (l'ancienne et la nouvelle version)."
            ),
            self.tr("Modifier quand même"),
            self.tr("Annuler"),
        ):
            return
        try:
            key = drafts.from_outbox(self.store, item.id)
        except CaduceeError as error:
            self.say(error.user_message)
            self.refresh()
            return
        self.open_draft(key)
        self.refresh()

    def delete(self, item: OutboxItem) -> None:
        if item.state != "sent" and not self.ask(
            self.tr("Supprimer ce message ?"),
            self.tr("« {0} » à {1} ne sera pas envoyé et sera retiré de la boîte d'envoi.").format(
                item.subject, ", ".join(item.recipients)
            ),
            self.tr("Supprimer"),
            self.tr("Annuler"),
        ):
            return
        if outbox_actions.delete(self.store, item.id) is None:
            self.say(self.tr("Ce message est en cours d'envoi : il ne peut pas être supprimé."))
        self.refresh()

    @Slot(object)
    def _dismissed(self, items: list[OutboxItem]) -> None:
        outbox_actions.dismiss(self.store, items)

    def open_draft(self, key: str) -> None:
        draft = drafts.load(self.store, key)
        if draft is None:
            self.refresh()
            return
        self.window._compose(draft, key)

    def delete_draft(self, key: str) -> None:
        if not self.ask(
            self.tr("Supprimer ce brouillon ?"),
            self.tr("Le brouillon sera supprimé, ici et sur le serveur."),
            self.tr("Supprimer"),
            self.tr("Annuler"),
        ):
            return
        for composer in self.window.composers:  # an open one would save it again
            if composer.draft_key == key and composer.isVisible():
                composer.discard()
        drafts.discard(self.store, key)
        self.refresh()

"""Folders in the window (issue 20, item 3): create, rename, move, delete, mark read — from
the folder tree's context menu and the "Dossier" menu; messages dropped on a folder (moved,
or copied with Ctrl) and archived with "A" into ``Archives/AAAA``.

Every change goes through ``LocalChanges`` (offline too, replayed by the next sync, which
is asked for at once). What touches many rows — moves, copies, archiving, a folder marked
read — runs in the thread pool on its own store connection; the window only refreshes.
Refusals are said in French in a dialog; the server's, later, in the error bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox

from app.core.errors import CaduceeError
from app.store.archive import Archiver
from app.store.changes import LocalChanges, is_protected, leaf_name
from app.store.db import Account, Folder, Store
from app.store.views import Scope
from app.ui.folder_dialog import NewFolderDialog
from app.ui.jobs import BackgroundJob
from app.ui.models import DRAFTS, OUTBOX, ScopeRole

if TYPE_CHECKING:
    from app.ui.menus import MenuBar
    from app.ui.window_session import SessionWindow


class FolderActions(QObject):
    """The window's folder actions (``window.folder_actions``); they act on the folder
    chosen in the tree, the context menu's on the folder under the mouse."""

    def __init__(self, window: SessionWindow) -> None:
        super().__init__(window)
        self.window = window
        self.store: Store = window.store
        self.running = 0  # background jobs not finished yet (the tests wait on it)
        self.context: QMenu | None = None
        self.new_folder = self._action(self.tr("Nouveau dossier…"), "new-folder", self.create)
        self.rename = self._action(self.tr("Renommer le dossier…"), "rename-folder", self.rename_to)
        self.move = self._action(self.tr("Déplacer le dossier…"), "move-folder", self.move_to)
        self.delete = self._action(self.tr("Supprimer le dossier…"), "delete-folder", self.remove)
        self.mark_read = self._action(
            self.tr("Marquer le dossier comme lu"), "mark-folder-read", self.mark_folder_read
        )
        self.mark_read.setShortcut(QKeySequence("Shift+C"))  # Thunderbird's
        self.archive = QAction(self.tr("Archiver"), window)
        self.archive.setObjectName("archive")
        self.archive.setShortcut(QKeySequence("A"))
        self.archive.setToolTip(self.tr("Ranger les messages choisis dans Archives/année (A)"))
        self.archive.triggered.connect(self.archive_selected)
        window.addAction(self.archive)
        self.menu = QMenu(self.tr("Dossier"), window)
        self.menu.setObjectName("folder-menu")
        for action in self.folder_actions():
            self.menu.addAction(action)
            window.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.archive)
        view = window.folder_view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self.show_context_menu)
        view.selectionModel().currentChanged.connect(lambda *_: self.update())
        view.setAcceptDrops(True)
        view.setDropIndicatorShown(True)
        view.setDragDropMode(view.DragDropMode.DropOnly)
        window.folders.dropped.connect(self.drop)
        self.update()

    def _action(self, label: str, name: str, handler: Callable[[Scope], object]) -> QAction:
        action = QAction(label, self.window)
        action.setObjectName(name)
        action.triggered.connect(lambda: handler(self.window._folder_scope()))
        return action

    def folder_actions(self) -> list[QAction]:
        return [self.new_folder, self.rename, self.move, self.delete, self.mark_read]

    # -- what they act on -----------------------------------------------------------------

    def update(self) -> None:
        """Enabled for the folder chosen in the tree (left alone while the window is locked:
        unlocking gives every action back)."""
        if getattr(self.window, "locked", False):
            return
        scope = self.window._folder_scope()
        account, folder = self._place(scope)
        mail = scope.folder not in (OUTBOX, DRAFTS)
        self.new_folder.setEnabled(account is not None and mail)
        for action in (self.rename, self.move, self.delete):
            action.setEnabled(folder is not None and not is_protected(folder))
        self.mark_read.setEnabled(folder is not None)

    def _place(self, scope: Scope) -> tuple[Account | None, Folder | None]:
        account = self.store.account(scope.account) if scope.account else None
        if account is None or scope.folder is None:
            return account, None
        folder = next((f for f in self.store.folders(account) if f.name == scope.folder), None)
        return account, folder

    def build_context_menu(self, index: QModelIndex) -> QMenu:
        """The tree's context menu for the folder (or account) at ``index``."""
        menu = QMenu(self.window.folder_view)
        scope = index.data(ScopeRole) if index.isValid() else None
        if isinstance(scope, Scope):
            self.fill(menu, scope)
        return menu

    def join(self, bar: MenuBar) -> None:
        """One menu on the tree: the menu bar's folder menu (``context_menus.FolderMenu``)
        carries these entries; "Dossier" goes in Fichier, "Archiver" in Message."""
        self.window.folder_view.customContextMenuRequested.disconnect(self.show_context_menu)
        bar.folder_menu.extra.append(self.fill)
        file_menu = bar.menus["file"]
        entries = file_menu.actions()
        file_menu.insertMenu(entries[1] if len(entries) > 1 else None, self.menu)  # type: ignore[arg-type]
        bar.menus["message"].addAction(self.archive)

    def fill(self, menu: QMenu, scope: Scope) -> None:
        """The folder operations for ``scope``'s folder (or account), at the end of ``menu``."""
        if scope.folder in (OUTBOX, DRAFTS):
            return
        account, folder = self._place(scope)
        if account is None:
            return
        menu.addSeparator()
        for action, handler, enabled in (
            (self.new_folder, lambda s: self.create(s, under=True), True),
            (self.rename, self.rename_to, folder is not None and not is_protected(folder)),
            (self.move, self.move_to, folder is not None and not is_protected(folder)),
            (self.delete, self.remove, folder is not None and not is_protected(folder)),
            (self.mark_read, self.mark_folder_read, folder is not None),
        ):
            if action is self.new_folder and folder is not None:
                label = self.tr("Nouveau sous-dossier…")
            else:
                label = action.text()
            item = menu.addAction(label)
            item.setObjectName(action.objectName())
            item.setEnabled(enabled)
            item.triggered.connect(lambda _=False, h=handler: h(scope))
            if action is self.delete:
                menu.addSeparator()

    def show_context_menu(self, position: QPoint) -> None:
        view = self.window.folder_view
        self.context = self.build_context_menu(view.indexAt(position))
        if not self.context.isEmpty():
            self.context.popup(view.viewport().mapToGlobal(position))

    # -- folders --------------------------------------------------------------------------

    def create(self, scope: Scope, *, under: bool = False) -> Folder | None:
        """A new folder, under the folder of ``scope`` unless she chooses another place.
        From the menu bar (``under`` False) the mail system's own folders are not offered
        first: a folder made while the Inbox is open is rarely meant inside it."""
        account, parent = self._place(scope)
        if account is None:
            return None
        if parent is not None and is_protected(parent) and not under:
            parent = None
        answer = self.ask_new_folder(self.store.folders(account), parent)
        if answer is None:
            return None
        name, parent = answer
        changes = LocalChanges(self.store)
        try:
            full = changes.child_name(parent, name) if parent is not None else name
            created = changes.create_folder(account, full)
        except CaduceeError as error:
            self.refused(error)
            return None
        self._changed(Scope(account=account.address, folder=created.name))
        return created

    def rename_to(self, scope: Scope) -> None:
        _account, folder = self._place(scope)
        if folder is None:
            return
        leaf = leaf_name(folder)
        name = self.ask_text(self.tr("Renommer le dossier"), self.tr("Nouveau nom :"), leaf)
        if not name or name.strip() == leaf:
            return
        prefix = folder.name[: len(folder.name) - len(leaf)]  # its parents, unchanged
        try:
            LocalChanges(self.store).rename_folder(folder, prefix + name.strip())
        except CaduceeError as error:
            self.refused(error)
            return
        self._changed(Scope(account=scope.account, folder=prefix + name.strip()))

    def move_to(self, scope: Scope) -> None:
        account, folder = self._place(scope)
        if account is None or folder is None:
            return
        below = folder.name + (folder.delimiter or "\0")
        places = [
            f
            for f in self.store.folders(account)
            if f.id != folder.id and not f.name.startswith(below)
        ]
        labels = [self.tr("(premier niveau du compte)")] + [f.name for f in places]
        chosen = self.ask_item(
            self.tr("Déplacer le dossier"),
            self.tr("Mettre « {0} » dans :").format(leaf_name(folder)),
            labels,
        )
        if chosen is None:
            return
        parent = places[chosen - 1] if chosen > 0 else None
        try:
            name = LocalChanges(self.store).move_folder(folder, parent)
        except CaduceeError as error:
            self.refused(error)
            return
        self._changed(Scope(account=scope.account, folder=name))

    def remove(self, scope: Scope) -> bool:
        _account, folder = self._place(scope)
        if folder is None:
            return False
        count = self.store.db.execute(
            "SELECT count(*) FROM messages WHERE folder_id = ?", (folder.id,)
        ).fetchone()[0]
        answer = QMessageBox.question(
            self.window,
            self.tr("Supprimer le dossier ?"),
            self.tr(
                "Supprimer le dossier « {0} » et ses {1} message(s) ? Ils seront aussi "
                "supprimés sur le serveur, sans passer par la corbeille."
            ).format(leaf_name(folder), count),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            LocalChanges(self.store).delete_folder(folder)
        except CaduceeError as error:
            self.refused(error)
            return False
        self._changed(Scope(account=scope.account, folder="INBOX"))
        return True

    def mark_folder_read(self, scope: Scope) -> None:
        _account, folder = self._place(scope)
        if folder is None:
            return
        self._in_background(
            lambda store: LocalChanges(store).mark_folder_read(folder),
            lambda count: self._done(
                self.tr("{0} message(s) marqué(s) comme lu(s).").format(count)
            ),
            self.tr("Marquage comme lu…"),
        )

    # -- messages -------------------------------------------------------------------------

    def archive_selected(self) -> None:
        ids = self.window._selected_ids()
        if not ids:
            self.window.statusBar().showMessage(self.tr("Choisissez d'abord un message."), 4000)
            return

        def said(moved: dict[str, int]) -> None:
            self._left_the_list(
                " ".join(
                    self.tr("{0} message(s) archivé(s) dans « {1} ».").format(count, name)
                    for name, count in moved.items()
                )
            )

        self._in_background(
            lambda store: Archiver(store).archive(ids),
            said,
            self.tr("Archivage de {0} message(s)…").format(len(ids)),
        )

    def drop(self, ids: list[int], scope: object, copy: bool) -> None:
        """Messages dropped on a folder: moved there, or copied (Ctrl held)."""
        if not isinstance(scope, Scope) or scope.folder is None:
            return
        target_name = scope.folder

        def work(store: Store) -> int:
            account = store.account(scope.account or "")
            target = (
                next((f for f in store.folders(account) if f.name == target_name), None)
                if account is not None
                else None
            )
            if target is None:
                raise CaduceeError(
                    "no such folder",
                    user_message="Ce dossier n'est plus dans la copie locale.",
                )
            changes = LocalChanges(store)
            done = 0
            for message_id in ids:
                message = store.find(str(message_id))
                if message is None or message.folder == target.name:
                    continue  # gone meanwhile, or dropped on its own folder
                if copy:
                    changes.copy(message_id, target)
                else:
                    changes.move(message_id, target)
                done += 1
            return done

        text = (
            self.tr("{0} message(s) copié(s) dans « {1} ».")
            if copy
            else self.tr("{0} message(s) déplacé(s) dans « {1} ».")
        )
        said = self._done if copy else self._left_the_list
        busy = (
            self.tr("Copie de {0} message(s)…")
            if copy
            else self.tr("Déplacement de {0} message(s)…")
        )
        self._in_background(
            work, lambda count: said(text.format(count, target_name)), busy.format(len(ids))
        )

    # -- shared ---------------------------------------------------------------------------

    def ask_new_folder(
        self, folders: list[Folder], parent: Folder | None
    ) -> tuple[str, Folder | None] | None:
        dialog = NewFolderDialog(folders, parent, self.window)
        if dialog.exec() != NewFolderDialog.DialogCode.Accepted:
            return None
        name, place = dialog.chosen()
        return (name, place) if name else None

    def ask_text(self, title: str, label: str, text: str) -> str | None:
        value, ok = QInputDialog.getText(self.window, title, label, text=text)
        return value.strip() if ok and value.strip() else None

    def ask_item(self, title: str, label: str, items: list[str]) -> int | None:
        value, ok = QInputDialog.getItem(self.window, title, label, items, 0, False)
        return items.index(value) if ok and value in items else None

    def refused(self, error: BaseException) -> None:
        """Said where she looks: a dialog, in French."""
        text = error.user_message if isinstance(error, CaduceeError) else str(error)
        QMessageBox.warning(self.window, self.tr("Dossiers"), text)

    def _in_background(
        self, work: Callable[[Store], Any], done: Callable[[Any], None], busy: str
    ) -> None:
        """``work`` on its own store connection in the pool (each message moved is a
        transaction and an audit entry: hundreds take seconds); ``busy`` meanwhile."""
        self.window.statusBar().showMessage(busy)
        directory = self.store.blobs.root.parent

        def run() -> Any:
            store = Store.open(directory)
            try:
                return work(store)
            finally:
                store.close()

        def finished(result: Any) -> None:
            self.running -= 1
            done(result)

        def failed(error: BaseException) -> None:
            self.running -= 1
            self.window.statusBar().clearMessage()
            self.window._reload_keeping_selection()  # what was done before it failed
            self.refused(error)

        self.running += 1
        BackgroundJob(self.window, run, finished, failed).start()

    def _done(self, message: str) -> None:
        self.window._reload_keeping_selection()
        self.window.statusBar().showMessage(message, 6000)
        self.update()
        self.window.get_mail()  # replayed on the server now, not at the next sync

    def _left_the_list(self, message: str) -> None:
        """Messages moved out of the list: the one after them is shown (as after a deletion),
        not a moved one left in the reader."""
        window = self.window
        chosen = window.list_view.selectionModel().selectedRows()
        row = min((i.row() for i in chosen), default=window.list_view.currentIndex().row())
        window._apply_scope()  # the list again, the reader cleared
        self._done(message)
        if row >= 0:  # where the first of them was, once listed
            window.messages.after_listed(lambda: window._select_near(row))

    def _changed(self, select: Scope) -> None:
        """A folder changed: the tree again, the folder chosen, the change sent soon."""
        window = self.window
        window._refresh_counts()
        window._reselect(select)
        if not window.folder_view.currentIndex().isValid():
            window._select_first_folder()
        self.update()
        window.get_mail()

"""The message list's context menu: the window's message actions (reply, mark, file,
print, delete… as in the menu bar), the sender's address, a patient's messages only (or all
again), and the "Résultats" of the message's patient. A right-click selects the message
first: the actions act on the selection.

The patient whose results are shown is the one the message was filed for (the filing
journal), else the one its documents certainly match in the registry; the results are
those of everything filed for her (``app.filing.results``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtWidgets import QMenu, QMessageBox, QTableView, QWidget

from app.filing.errors import FilingError
from app.filing.service import Filing, message_key
from app.store.db import MessageSummary
from app.ui.context_menus import AddressActions, Entries, add_entries, addresses
from app.ui.models import MessageListModel
from app.ui.results_view import ResultsDialog


def patient_of(filing: Filing, message: MessageSummary) -> str | None:
    """The registry id of the message's patient: filed for her, else certainly matched."""
    for entry in filing.journal.filed_for_message(message.account, message_key(message)):
        if entry.patient_id:
            return entry.patient_id
    try:
        docs = filing.documents(message)
    except FilingError:
        return None
    for document in docs.documents:
        patient = filing.match(document, docs).certain
        if patient is not None:
            return patient.id
    return None


class ListMenu(QObject):
    """Installed on the window's list view; ``open_filing`` gives the window's filing
    service, or None when no patients' folder is set. The window sets ``entries`` (its
    message actions) and ``addresses`` once its actions exist."""

    def __init__(
        self,
        view: QTableView,
        model: MessageListModel,
        open_filing: Callable[[], Filing | None],
        refresh: Callable[[], None],
    ) -> None:
        super().__init__(view)
        self.view, self.model = view, model
        self.open_filing, self.refresh = open_filing, refresh
        self.results: ResultsDialog | None = None
        self.menu: QMenu | None = None
        self.entries: Callable[[], Entries] = list
        self.addresses: AddressActions | None = None
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self.show_menu)

    def build(self, row: int) -> QMenu:
        menu = QMenu(self.view)
        message = self.model.message(row)
        if message is not None and self.view.currentIndex().row() != row:
            self.view.selectRow(row)  # the actions below act on the selection
        add_entries(menu, self.entries())
        sender = addresses(message.sender) if message is not None else []
        if sender and self.addresses is not None:
            menu.addSeparator()
            title = self.tr("Expéditeur : {0}").format(sender[0])
            self.addresses.add(menu.addMenu(title), sender[0])
        menu.addSeparator()
        patient = message.patient if message is not None else None
        if patient is not None:
            only = menu.addAction(self.tr("Afficher seulement ce patient : {0}").format(patient))
            only.setObjectName("filter-patient")
            only.triggered.connect(lambda: self.filter_patient(patient))
        if self.model.patient_filter is not None:
            every = menu.addAction(self.tr("Afficher tous les patients"))
            every.setObjectName("all-patients")
            every.triggered.connect(lambda: self.filter_patient(None))
        if message is not None and patient is not None:
            results = menu.addAction(self.tr("Résultats du patient…"))
            results.setObjectName("patient-results")
            results.triggered.connect(lambda: self.show_results(message))
        return menu

    def show_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        self.menu = self.build(index.row())
        if not self.menu.isEmpty():
            self.menu.popup(self.view.viewport().mapToGlobal(position))

    def filter_patient(self, patient: str | None) -> None:
        self.model.patient_filter = patient  # kept by the model across scopes
        self.refresh()  # the window's scope again (folder, search, filters), this patient's
        self.model.headerDataChanged.emit(
            self.view.horizontalHeader().orientation(),
            MessageListModel.PATIENT_COLUMN,
            MessageListModel.PATIENT_COLUMN,
        )

    def show_results(self, message: MessageSummary) -> ResultsDialog | None:
        filing = self.open_filing()
        if filing is None:
            return None
        patient_id = patient_of(filing, message)
        if patient_id is None:
            QMessageBox.information(
                self._parent(),
                self.tr("Résultats du patient"),
                self.tr(
                    "Ce message n'est classé pour aucun patient du registre : classez-le "
                    "d'abord, ses résultats rejoindront ceux du patient."
                ),
            )
            return None
        self.results = ResultsDialog(filing, patient_id, self._parent())
        self.results.show()
        return self.results

    def _parent(self) -> QWidget:
        return self.view.window()

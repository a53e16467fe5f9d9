"""The address book ("Carnet d'adresses"): the MSSanté directory in the window.

A panel (the main window shows it as a dock on the right, which she can float as a window
of its own): a search field (type-ahead, 150 ms after the last key), filters (profession,
specialty, department, mailbox type), the results, the chosen entry's details, and the
actions "Écrire à", "Ajouter en À" / "Ajouter en Cc" (to the composer being written),
favourites and vCard export. Tabs hold her favourites and her recent correspondents.

Every directory access runs in ``DirectoryJobs``' thread; results come back queued to
``@Slot`` methods. With no index installed the results tab explains how to get one and
offers to run the update (in that same thread).

An online source (the Annuaire Santé FHIR API) plugs in as ``online``: any callable
``(text) -> list[Mailbox]``, called in a thread of its own (the network must not hold the
offline results back). Its results are filtered here with the same filters and added below
the offline ones (shown in italics, "en ligne"). Without it the checkbox is disabled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.directory import labels, vcard
from app.directory.errors import DirectoryMissingError
from app.directory.favourites import Favourites, favourites_path
from app.directory.index import Mailbox
from app.store.db import Store
from app.ui import file_dialogs
from app.ui.composer import Composer, recent_correspondents
from app.ui.directory_search import (
    Choices,
    DirectoryContext,
    DirectoryJobs,
    DirectoryPlaces,
    Query,
    choices,
    environment_update,
    lookup,
    search,
    user_message,
)

OnlineSearch = Callable[[str], list[Mailbox]]
"""An online directory: the words she typed -> mailboxes (may block: runs in a thread)."""

DEBOUNCE_MS = 150
MailboxRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class MailboxTableModel(QAbstractTableModel):
    """Directory entries as rows: name, profession, place, address."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Mailbox] = []
        self.online: set[str] = set()  # addresses that came from the online source
        self._headers = [
            self.tr("Nom"),
            self.tr("Profession"),
            self.tr("Ville"),
            self.tr("Adresse MSSanté"),
        ]

    def set_rows(self, rows: list[Mailbox], online: set[str] | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.online = set(online or ())
        self.endResetModel()

    def mailbox(self, row: int) -> Mailbox | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        mailbox = self.mailbox(index.row()) if index.isValid() else None
        if mailbox is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return labels.full_name(mailbox)
            if column == 1:
                return labels.occupation(mailbox)
            if column == 2:
                return " ".join(p for p in (mailbox.postcode, labels.city(mailbox)) if p)
            return mailbox.address
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = labels.one_line(mailbox)
            if mailbox.address in self.online:
                tip += "\n" + self.tr("Trouvé en ligne (Annuaire Santé)")
            return tip
        if role == Qt.ItemDataRole.FontRole and mailbox.address in self.online:
            font = QFont()
            font.setItalic(True)
            return font
        if role == MailboxRole:
            return mailbox
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None


def _passes(mailbox: Mailbox, query: Query) -> bool:
    """The panel's filters, for results that did not come from the offline index."""
    if query.bal_type and mailbox.bal_type.upper() != query.bal_type:
        return False
    if query.department and mailbox.department.upper() != query.department.upper():
        return False
    if query.profession:
        words = f"{mailbox.profession} {mailbox.specialty}".casefold()
        return all(word in words for word in query.profession.casefold().split())
    return True


class DirectoryPanel(QWidget):
    write_to = Signal(list)  # addresses: open a composer to them

    def __init__(
        self,
        store: Store,
        jobs: DirectoryJobs,
        *,
        composer: Callable[[], Composer | None] | None = None,
        online: OnlineSearch | None = None,
        update: Callable[[DirectoryContext], str | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("directory-panel")
        self.store = store
        self.jobs = jobs
        self.places: DirectoryPlaces = jobs.places
        self.composer = composer or (lambda: None)
        self.online = online
        self.online_jobs: DirectoryJobs | None = None
        self.update_job = update or environment_update(self.places)
        self.favourites = Favourites(favourites_path(self.places.data_dir))
        self.current: Mailbox | None = None
        self.missing = False  # no offline index installed
        self.updating = False
        self._waiting: dict[int, Callable[[object], None]] = {}
        self._search_ticket = 0
        self._online_ticket = 0
        self._kind_tickets: dict[str, int] = {}
        self._last_query = Query("")
        self.current_address = ""
        self._offline_rows: list[Mailbox] = []
        self._online_rows: list[Mailbox] = []
        self._kind = f"panel-{id(self)}"
        # A file dialog by default; the tests answer instead (a path or None).
        self.ask_export_path: Callable[[str], Path | None] = self._ask_export_path
        jobs.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)

        self.search_field = QLineEdit()
        self.search_field.setPlaceholderText(
            self.tr("Nom, profession, ville, établissement ou adresse…")
        )
        self.search_field.setAccessibleName(self.tr("Rechercher dans l'annuaire"))
        self.search_field.setClearButtonEnabled(True)
        self.online_box = QCheckBox(self.tr("Rechercher aussi en ligne (Annuaire Santé)"))
        self.online_box.setEnabled(online is not None)
        if online is None:
            self.online_box.setToolTip(
                self.tr("La recherche en ligne n'est pas configurée sur ce poste.")
            )
        self.profession = QComboBox()
        self.profession.setAccessibleName(self.tr("Profession"))
        self.specialty = QComboBox()
        self.specialty.setAccessibleName(self.tr("Spécialité"))
        self.specialty.setMinimumContentsLength(16)
        self.specialty.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self._fill_choices(None)
        self.department = QLineEdit()
        self.department.setPlaceholderText(self.tr("Département"))
        self.department.setToolTip(self.tr("Numéro du département, par exemple 35 ou 2A"))
        self.department.setAccessibleName(self.tr("Département"))
        self.department.setMaxLength(3)
        self.department.setMaximumWidth(110)
        self.bal_type = QComboBox()
        self.bal_type.setAccessibleName(self.tr("Type de boîte"))
        self.bal_type.addItem(self.tr("Personnes et structures"), "")
        self.bal_type.addItem(self.tr("Personnes (PER)"), "PER")
        self.bal_type.addItem(self.tr("Structures, services (ORG)"), "ORG")

        self.results = MailboxTableModel(self)
        self.results_view = self._table(self.results, self.tr("Résultats"))
        self.notice_title = QLabel(self.tr("Annuaire hors ligne absent"))
        title_font = self.notice_title.font()
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.2)
        self.notice_title.setFont(title_font)
        self.notice = QLabel()
        self.notice.setObjectName("directory-notice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.update_button = QPushButton(self.tr("Mettre à jour l'annuaire"))
        self.update_button.clicked.connect(self.run_update)
        self.update_status = QLabel()
        self.update_status.setWordWrap(True)
        notice_page = QWidget()
        notice_layout = QVBoxLayout(notice_page)
        notice_layout.addWidget(self.notice_title)
        notice_layout.addWidget(self.notice)
        update_row = QHBoxLayout()
        update_row.addWidget(self.update_button)
        update_row.addStretch(1)
        notice_layout.addLayout(update_row)
        notice_layout.addWidget(self.update_status)
        notice_layout.addStretch(1)
        self.results_stack = QStackedWidget()
        self.results_stack.addWidget(self.results_view)
        self.results_stack.addWidget(notice_page)

        self.favourite_rows = MailboxTableModel(self)
        self.favourites_view = self._table(self.favourite_rows, self.tr("Favoris"))
        self.recent = QListWidget()
        self.recent.setAccessibleName(self.tr("Correspondants récents"))
        self.recent.currentItemChanged.connect(self._recent_chosen)
        self.recent.itemDoubleClicked.connect(lambda _item: self.write())
        self.tabs = QTabWidget()
        self.tabs.addTab(self.results_stack, self.tr("Résultats"))
        self.tabs.addTab(self.favourites_view, self.tr("Favoris"))
        self.tabs.addTab(self.recent, self.tr("Correspondants récents"))
        self.tabs.currentChanged.connect(self._tab_changed)

        self.details = QTextBrowser()
        self.details.setAccessibleName(self.tr("Détails de l'adresse"))
        self.details.setOpenLinks(False)

        self.write_button = QPushButton(self.tr("Écrire à"))
        self.write_button.setToolTip(self.tr("Nouveau message à cette adresse"))
        self.write_button.clicked.connect(self.write)
        self.to_button = QPushButton(self.tr("Ajouter en À"))
        self.to_button.clicked.connect(lambda: self.add_to_composer("to"))
        self.cc_button = QPushButton(self.tr("Ajouter en Cc"))
        self.cc_button.clicked.connect(lambda: self.add_to_composer("cc"))
        self.favourite_button = QPushButton(self.tr("Ajouter aux favoris"))
        self.favourite_button.clicked.connect(self.toggle_favourite)
        self.export_button = QPushButton(self.tr("Exporter en vCard…"))
        self.export_button.setToolTip(
            self.tr("Enregistrer les adresses choisies (ou tous les favoris) en vCard")
        )
        self.export_button.clicked.connect(self.export_vcard)
        self.status = QLabel()
        self.status.setObjectName("directory-status")
        self.status.setWordWrap(True)

        filters = QHBoxLayout()
        for widget in (self.profession, self.specialty, self.department, self.bal_type):
            filters.addWidget(widget)
        filters.setStretch(0, 2)
        filters.setStretch(1, 3)
        actions = QHBoxLayout()
        for button in (
            self.write_button,
            self.to_button,
            self.cc_button,
            self.favourite_button,
            self.export_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tabs)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([380, 250])
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_field)
        layout.addWidget(self.online_box)
        layout.addLayout(filters)
        layout.addWidget(split, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search_field.textChanged.connect(lambda _text: self._debounce.start())
        self.search_field.returnPressed.connect(self.run_search)
        self.department.textChanged.connect(lambda _text: self._debounce.start())
        for combo in (self.profession, self.specialty, self.bal_type):
            combo.currentIndexChanged.connect(lambda _i: self.run_search())
        self.online_box.toggled.connect(lambda _on: self.run_search())
        QShortcut(QKeySequence("Ctrl+Return"), self, self.write)

        self.reload_favourites()
        self.reload_recent()
        self._show_details(None)
        self._ask(self._kind + "-choices", choices, self._choices_arrived)

    # -- building -------------------------------------------------------------------------

    def _table(self, model: MailboxTableModel, name: str) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setAccessibleName(name)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(24)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.setAlternatingRowColors(True)
        header = view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 170)  # narrow enough for the dock; the details say it all
        header.resizeSection(1, 170)
        header.resizeSection(2, 120)
        header.setStretchLastSection(True)
        view.selectionModel().selectionChanged.connect(functools.partial(self._row_chosen, view))
        view.doubleClicked.connect(lambda _index: self.write())
        return view

    def _fill_choices(self, found: Choices | None) -> None:
        for combo, first, values in (
            (self.profession, self.tr("Toutes professions"), found.professions if found else []),
            (self.specialty, self.tr("Toutes spécialités"), found.specialties if found else []),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, "")
            for value in values:
                combo.addItem(labels.specialty_label(value), value)
            combo.setCurrentIndex(max(combo.findData(chosen), 0))
            combo.blockSignals(False)

    # -- jobs -----------------------------------------------------------------------------

    def _ask(
        self,
        kind: str,
        job: Callable[..., object],
        then: Callable[[object], None],
        *,
        urgent: bool = False,
    ) -> int:
        ticket = self.jobs.submit(kind, job, urgent=urgent)
        replaced = self._kind_tickets.pop(kind, None)
        if replaced is not None:
            self._waiting.pop(replaced, None)  # dropped unstarted: it will never answer
        self._kind_tickets[kind] = ticket
        self._waiting[ticket] = then
        return ticket

    @Slot(int, str, object)
    def _finished(self, ticket: int, _kind: str, result: object) -> None:
        then = self._waiting.pop(ticket, None)
        if then is not None:
            then(result)

    def query(self) -> Query:
        profession = " ".join(
            value
            for value in (self.profession.currentData(), self.specialty.currentData())
            if value
        )
        return Query(
            self.search_field.text().strip(),
            profession=profession,
            department=self.department.text().strip().upper(),
            bal_type=self.bal_type.currentData() or "",
        )

    @Slot()
    def run_search(self) -> None:
        """Search now (the field's timer calls this 150 ms after the last key)."""
        self._debounce.stop()
        query = self.query()
        if query.empty:
            self._last_query = query
            self._search_ticket = 0
            self._online_ticket = 0
            self._offline_rows, self._online_rows = [], []
            self._show_results()
            if not self.missing:
                self.status.setText(
                    self.tr("Tapez un nom, une profession, une ville ou une adresse.")
                )
            return
        self.status.setText(self.tr("Recherche…"))
        self._last_query = query
        self._search_ticket = self._ask(
            self._kind + "-search",
            functools.partial(search, query=query),
            functools.partial(self._offline_arrived, query),
            urgent=True,
        )
        self._online_rows = []
        if self.online is not None and self.online_box.isChecked() and query.text:
            if self.online_jobs is None:
                self.online_jobs = DirectoryJobs(self.places, self)
                self.online_jobs.finished.connect(
                    self._online_finished, Qt.ConnectionType.QueuedConnection
                )
            source = self.online
            self._online_ticket = self.online_jobs.submit(
                "online", lambda _context: source(query.text)
            )

    def _offline_arrived(self, query: Query, result: object) -> None:
        if query != self._last_query:
            return  # a newer search is on its way
        if isinstance(result, DirectoryMissingError):
            self._index_missing(result.user_message)
            self._offline_rows = []
        elif isinstance(result, BaseException):
            self._offline_rows = []
            self.status.setText(self.tr("Recherche impossible : {0}").format(user_message(result)))
            self._show_results(status=False)
            return
        else:
            assert isinstance(result, list)  # noqa: S101 - search() returns a list
            self._offline_rows = result
            if self.missing:  # installed meanwhile (e.g. from the command line)
                self._index_present()
                self._ask(self._kind + "-choices", choices, self._choices_arrived)
        self._show_results(status=not self.missing)

    @Slot(int, str, object)
    def _online_finished(self, ticket: int, _kind: str, result: object) -> None:
        if ticket != self._online_ticket:
            return  # an older query's answer
        query = self.query()
        if isinstance(result, BaseException):
            self.status.setText(
                self.tr("Recherche en ligne impossible : {0}").format(user_message(result))
            )
            return
        rows = result if isinstance(result, list) else []
        self._online_rows = [m for m in rows if isinstance(m, Mailbox) and _passes(m, query)]
        self._show_results()

    def _show_results(self, *, status: bool = True) -> None:
        known = {m.address.lower() for m in self._offline_rows}
        extra = [m for m in self._online_rows if m.address.lower() not in known]
        self.results.set_rows(self._offline_rows + extra, {m.address for m in extra})
        if status and not self.query().empty:
            self.status.setText(self.tr("{0} résultat(s)").format(self.results.rowCount()))
        if self.tabs.currentIndex() == 0:
            self._show_details(None)

    def _choices_arrived(self, result: object) -> None:
        if isinstance(result, Choices):
            self._fill_choices(result)
            self._index_present(result)
        elif isinstance(result, DirectoryMissingError):
            self._index_missing(result.user_message)
        elif isinstance(result, BaseException):
            self.status.setText(user_message(result))

    def _index_missing(self, reason: str) -> None:
        self.missing = True
        self.notice.setText(
            self.tr(
                "L'annuaire MSSanté n'est pas encore installé sur ce poste : la recherche "
                "d'adresses a besoin de lui. Vos favoris et vos correspondants récents restent "
                "dans les onglets voisins.\n\n"
                "« Mettre à jour l'annuaire » télécharge la liste publique des adresses "
                "MSSanté publiée chaque jour par l'Agence du numérique en santé (environ "
                "20 Mo, quelques minutes), puis l'installe. On peut aussi le faire en ligne "
                "de commande : « caducee directory update », ou « caducee directory import "
                "FICHIER » pour un fichier Extraction_Correspondance_MSSante déjà téléchargé."
            )
        )
        self.notice.setToolTip(reason)
        self.results_stack.setCurrentIndex(1)
        self._enable_filters(False)
        self.status.setText(self.tr("Annuaire hors ligne absent."))

    def _index_present(self, found: Choices | None = None) -> None:
        self.missing = False
        self.results_stack.setCurrentIndex(0)
        self._enable_filters(True)
        if found is not None and not self.search_field.text():
            self.status.setText(
                self.tr("Annuaire hors ligne : {0} adresses MSSanté.").format(found.entries)
            )

    def _enable_filters(self, enabled: bool) -> None:
        for widget in (self.profession, self.specialty, self.department, self.bal_type):
            widget.setEnabled(enabled)

    @Slot()
    def run_update(self) -> None:
        """Download and install the directory, in the jobs' thread (a few minutes)."""
        if self.updating:
            return
        self.updating = True
        self.update_button.setEnabled(False)
        self.update_status.setText(
            self.tr("Mise à jour en cours… Vous pouvez continuer à travailler.")
        )
        self._ask(self._kind + "-update", self.update_job, self._update_done)

    def _update_done(self, result: object) -> None:
        self.updating = False
        self.update_button.setEnabled(True)
        if isinstance(result, BaseException):
            self.update_status.setText(
                self.tr("La mise à jour a échoué : {0}").format(user_message(result))
            )
            return
        self.update_status.setText(
            result if isinstance(result, str) else self.tr("L'annuaire est déjà à jour.")
        )
        self._ask(self._kind + "-choices", choices, self._choices_arrived)
        self.run_search()

    # -- the chosen entry -----------------------------------------------------------------

    def _row_chosen(self, view: QTableView, _new: QItemSelection, _old: QItemSelection) -> None:
        index = view.currentIndex()
        selected = view.selectionModel().selectedRows()
        if selected and (not index.isValid() or not view.selectionModel().isSelected(index)):
            index = selected[0]
        mailbox = index.data(MailboxRole) if index.isValid() and selected else None
        self._show_details(mailbox if isinstance(mailbox, Mailbox) else None)

    def _recent_chosen(self, item: QListWidgetItem | None, _old: QListWidgetItem | None) -> None:
        if item is None:
            self._show_details(None)
            return
        address = item.text()
        self._show_details(None, address)
        self._ask(
            self._kind + "-lookup",
            functools.partial(lookup, address=address),
            functools.partial(self._looked_up, address),
        )

    def _looked_up(self, address: str, result: object) -> None:
        current = self.recent.currentItem()
        if current is None or current.text() != address or self.tabs.currentIndex() != 2:
            return
        self._show_details(result if isinstance(result, Mailbox) else None, address)

    def _tab_changed(self, tab: int) -> None:
        if tab == 2:
            self._recent_chosen(self.recent.currentItem(), None)
        else:
            view = self.results_view if tab == 0 else self.favourites_view
            self._row_chosen(view, QItemSelection(), QItemSelection())

    def selected_addresses(self) -> list[str]:
        return [m.address for m in self.selected_mailboxes()] or (
            [self.current_address] if self.current_address else []
        )

    def selected_mailboxes(self) -> list[Mailbox]:
        tab = self.tabs.currentIndex()
        if tab == 2:
            return [self.current] if self.current is not None else []
        view = self.results_view if tab == 0 else self.favourites_view
        model = self.results if tab == 0 else self.favourite_rows
        rows = sorted(i.row() for i in view.selectionModel().selectedRows())
        return [m for m in (model.mailbox(r) for r in rows) if m is not None]

    def _show_details(self, mailbox: Mailbox | None, address: str = "") -> None:
        self.current = mailbox
        self.current_address = mailbox.address if mailbox is not None else address
        has = bool(self.current_address)
        for button in (self.write_button, self.to_button, self.cc_button):
            button.setEnabled(has)
        self.favourite_button.setEnabled(mailbox is not None)
        self.export_button.setEnabled(
            mailbox is not None or (self.tabs.currentIndex() == 1 and bool(self.favourites.items))
        )
        known = mailbox is not None and mailbox.address in self.favourites
        self.favourite_button.setText(
            self.tr("Retirer des favoris") if known else self.tr("Ajouter aux favoris")
        )
        if mailbox is None:
            if address:
                self.details.setHtml(
                    f"<p><b>{_html(address)}</b></p><p>"
                    + _html(self.tr("Cette adresse n'est pas dans l'annuaire hors ligne."))
                    + "</p>"
                )
            else:
                self.details.setHtml(
                    "<p style='color:#6b7280'>"
                    + _html(self.tr("Choisissez une adresse pour voir ses détails."))
                    + "</p>"
                )
            return
        kind = (
            self.tr("Boîte personnelle (PER)")
            if mailbox.bal_type == "PER"
            else self.tr("Boîte de structure ou de service (ORG)")
            if mailbox.bal_type == "ORG"
            else mailbox.bal_type
        )
        place = " ".join(p for p in (mailbox.postcode, labels.city(mailbox)) if p)
        rows = [
            (self.tr("Adresse MSSanté"), mailbox.address),
            (self.tr("Profession"), mailbox.profession),
            (self.tr("Spécialité"), labels.specialty(mailbox)),
            (self.tr("Établissement"), mailbox.organisation),
            (self.tr("Service"), mailbox.service),
            (self.tr("Adresse postale"), ", ".join(p for p in (mailbox.street, place) if p)),
            (self.tr("Département"), mailbox.department),
            (self.tr("Type de boîte"), kind),
            (self.tr("RPPS") if mailbox.id_pp_type == "8" else self.tr("Identifiant"),
             mailbox.id_pp),
        ]  # fmt: skip
        body = "".join(
            f"<tr><td style='color:#6b7280; padding-right:12px'>{_html(label)}</td>"
            f"<td>{_html(value)}</td></tr>"
            for label, value in rows
            if value
        )
        self.details.setHtml(
            f"<h3 style='margin:0'>{_html(labels.full_name(mailbox))}</h3>"
            f"<table style='margin-top:6px'>{body}</table>"
        )

    # -- actions --------------------------------------------------------------------------

    @Slot()
    def write(self) -> None:
        addresses = self.selected_addresses()
        if addresses:
            self.write_to.emit(addresses)

    def add_to_composer(self, field: str) -> None:
        addresses = self.selected_addresses()
        composer = self.composer()
        if not addresses:
            return
        if composer is None:
            self.status.setText(
                self.tr("Aucun message en cours de rédaction : « Écrire à » en ouvre un.")
            )
            return
        composer.add_recipients(field, addresses)
        composer.raise_()
        composer.activateWindow()
        self.status.setText(
            self.tr("Ajouté au message en cours : {0}").format(", ".join(addresses))
        )

    def toggle_favourite(self) -> None:
        mailbox = self.current
        if mailbox is None:
            return
        try:
            if mailbox.address in self.favourites:
                self.favourites.remove(mailbox.address)
                text = self.tr("Retiré des favoris : {0}")
            else:
                self.favourites.add(mailbox)
                text = self.tr("Ajouté aux favoris : {0}")
        except OSError as error:
            self.status.setText(self.tr("Favoris non enregistrés : {0}").format(error))
            return
        self.status.setText(text.format(labels.full_name(mailbox)))
        self.reload_favourites()
        self._show_details(mailbox)

    def reload_favourites(self) -> None:
        self.favourite_rows.set_rows(self.favourites.items)

    def reload_recent(self) -> None:
        self.recent.clear()
        self.recent.addItems(recent_correspondents(self.store, 200))

    def export_vcard(self) -> None:
        chosen = self.selected_mailboxes()
        if not chosen and self.tabs.currentIndex() == 1:
            chosen = list(self.favourites.items)
        if not chosen:
            return
        suggested = "contacts-mssante.vcf" if len(chosen) > 1 else _file_name(chosen[0])
        target = self.ask_export_path(suggested)
        if target is None:
            return
        self.status.setText(self.tr("Export en cours…"))
        self._ask(
            self._kind + "-export",
            lambda _context: vcard.export(chosen, target),
            functools.partial(self._exported, target),
        )

    def _exported(self, target: Path, result: object) -> None:
        if isinstance(result, BaseException):
            self.status.setText(self.tr("Export impossible : {0}").format(user_message(result)))
            return
        self.status.setText(self.tr("{0} fiche(s) exportée(s) dans {1}").format(result, target))

    def _ask_export_path(self, suggested: str) -> Path | None:
        path = file_dialogs.save_file(
            self, "vcard", self.tr("Exporter en vCard"), suggested, self.tr("Fiches vCard (*.vcf)")
        )
        if path is None:
            return None
        return path if path.suffix.lower() == ".vcf" else path.with_name(path.name + ".vcf")

    def close_jobs(self) -> None:
        """Stop the online thread (the offline one belongs to whoever gave it)."""
        if self.online_jobs is not None:
            self.online_jobs.close(wait=0)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _file_name(mailbox: Mailbox) -> str:
    base = "".join(c if c.isalnum() or c in "-_." else "-" for c in mailbox.address)
    return f"{base}.vcf"

"""The documents of a message in the reading pane: one tab per document beside the text.

Each tab shows the document's header (patient with INS, type, author, organisation, date),
then one of its views, the others one click away: the PDF drawn in place (``pdf_view``), the
structured body of the CDA (sanitised HTML in a browser that loads nothing), the results
table (abnormal values marked). A CDA's own PDF is shown first; an HPRIM file's results are.

The documents are read off the GUI thread (``document_load.load_documents``) with a time
limit: past it, the pane says so in French and drops the late result; the message's text
and its attachments stay usable. A message no longer selected drops its result too.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.mssante.model import PatientIdentity
from app.ui.document_load import MessageView, ResultLike, Shown, abnormal, load_documents
from app.ui.html_view import SafeBrowser
from app.ui.jobs import BackgroundJob
from app.ui.pdf_probe import PdfProber, shared_prober
from app.ui.pdf_view import PdfPane

log = logging.getLogger(__name__)

TIME_LIMIT_MS = 8000
ABNORMAL_BACKGROUND = "#fee2e2"
ABNORMAL_TEXT = "#991b1b"
NOTICE_STYLE = "background: #fef3c7; border: 1px solid #f59e0b; padding: 3px;"


def identity_html(identity: PatientIdentity | None, tr: Callable[[str], str]) -> str:
    """The patient as the document names her, the INS status said."""
    if identity is None:
        return "<i>{}</i>".format(html.escape(tr("Patient non indiqué par le document")))
    names = " ".join(identity.first_names)
    name = " ".join(p for p in (identity.birth_name or "", names) if p) or "?"
    parts = [f"<b>{html.escape(name)}</b>"]
    if identity.used_name and identity.used_name != identity.birth_name:
        parts.append(html.escape(tr("nom utilisé : {0}").format(identity.used_name)))
    if identity.birth_date:
        parts.append(html.escape(tr("né(e) le {0}").format(f"{identity.birth_date:%d/%m/%Y}")))
    if identity.sex in ("F", "M"):
        parts.append(html.escape(identity.sex))
    ins = identity.ins
    if ins is None:
        parts.append(html.escape(tr("INS absent")))
    else:
        if ins.qualified:
            status = tr("INS qualifié")
        elif not ins.oid:  # an HPRIM header's matricule: the same words as "Classer"
            status = tr("sans OID : non vérifiable comme INS")
        else:
            status = tr("INS non qualifié (test ou clé)")
        colour = "#166534" if ins.qualified else "#92400e"
        parts.append(
            "{} {} <span style='color:{}'>({})</span>".format(
                html.escape(tr("INS :")), html.escape(ins.matricule), colour, html.escape(status)
            )
        )
    return " — ".join(parts)


def header_html(shown: Shown, tr: Callable[[str], str]) -> str:
    rows = [identity_html(shown.identity, tr)]
    facts = []
    if shown.type_label:
        facts.append(
            "{} <b>{}</b>".format(html.escape(tr("Type :")), html.escape(shown.type_label))
        )
    if shown.author:
        facts.append("{} {}".format(html.escape(tr("Auteur :")), html.escape(shown.author)))
    if shown.organisation and shown.organisation != shown.author:
        facts.append(
            "{} {}".format(html.escape(tr("Organisation :")), html.escape(shown.organisation))
        )
    if shown.act_date:
        facts.append(
            "{} {}".format(html.escape(tr("Date :")), html.escape(f"{shown.act_date:%d/%m/%Y}"))
        )
    if facts:
        rows.append(" — ".join(facts))
    if shown.abnormal:
        rows.append(
            "<span style='color:{}'><b>{}</b></span>".format(
                ABNORMAL_TEXT,
                html.escape(tr("{0} résultat(s) anormal(aux)").format(shown.abnormal)),
            )
        )
    return "<br>".join(rows)


FLAG_MARKS = {"high": "↑", "low": "↓", "critical": "‼", "abnormal": "*"}


def flag_mark(flag: str | None) -> str:
    return FLAG_MARKS.get(flag or "", "")


def flag_text(flag: str | None, tr: Callable[[str], str]) -> str:
    texts = {
        "high": tr("Valeur haute"),
        "low": tr("Valeur basse"),
        "critical": tr("Valeur critique"),
        "abnormal": tr("Valeur anormale"),
    }
    return texts.get(flag or "", "")


class ResultsTable(QTableWidget):
    """Analyse, valeur, unité, valeurs de référence, indicateur: abnormal rows in red."""

    def __init__(self, results: tuple[ResultLike, ...], parent: QWidget | None = None) -> None:
        super().__init__(len(results), 5, parent)
        self.setAccessibleName(self.tr("Résultats"))
        self.setHorizontalHeaderLabels(
            [self.tr("Analyse"), self.tr("Valeur"), self.tr("Unité"), self.tr("Référence"), ""]
        )
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        bold = QFont()
        bold.setBold(True)
        for row, result in enumerate(results):
            marked = abnormal(result)
            mark = flag_mark(result.flag) if marked else ""
            cells = (result.label, result.value, result.unit, result.reference_range, mark)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(str(text or ""))
                if column in (1, 4):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if marked:
                    item.setBackground(QBrush(QColor(ABNORMAL_BACKGROUND)))
                    item.setForeground(QBrush(QColor(ABNORMAL_TEXT)))
                    item.setFont(bold)
                    item.setToolTip(flag_text(result.flag, self.tr))
                self.setItem(row, column, item)
        self.resizeColumnsToContents()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def abnormal_rows(self) -> list[int]:
        return [
            row
            for row in range(self.rowCount())
            if (item := self.item(row, 4)) is not None and item.text()
        ]


class DocumentView(QWidget):
    """One document: its header, then its PDF, structured view or results (a click apart)."""

    def __init__(self, shown: Shown, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown = shown
        self.header = QLabel(header_html(shown, self.tr))
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setObjectName("document-header")
        self.header.setStyleSheet(
            "#document-header { background: #f1f5f9; border: 1px solid #cbd5e1; padding: 4px; }"
        )
        self.header.setAccessibleName(self.tr("En-tête du document"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.header)
        for notice in shown.notices:
            said = QLabel(notice)
            said.setWordWrap(True)
            said.setStyleSheet(NOTICE_STYLE)
            layout.addWidget(said)
        self.stack = QStackedWidget()
        self.buttons = QButtonGroup(self)
        self.switches: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        self._builders: dict[str, Callable[[], QWidget]] = {}
        self._pages: dict[str, QWidget] = {}
        views: list[tuple[str, str, Callable[[], QWidget]]] = []
        if shown.results:
            views.append(("results", self.tr("Résultats"), self._results))
        if shown.pdf is not None:
            views.append(("pdf", self.tr("PDF"), self._pdf))
        if shown.structured is not None:
            views.append(("structured", self.tr("Vue structurée"), self._structured))
        if shown.kind == "cda" and shown.pdf is not None:  # the CDA's own PDF first
            views.sort(key=lambda view: view[0] != "pdf")
        for name, label, builder in views:
            button = QPushButton(label)
            button.setCheckable(True)
            button.setObjectName(f"view-{name}")
            button.setProperty("view", name)
            self.buttons.addButton(button)
            self.switches[name] = button
            self._builders[name] = builder
            bar.addWidget(button)
        self.buttons.buttonClicked.connect(self._switched)
        bar.addStretch(1)
        if len(views) > 1:
            layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self.current = ""
        if views:
            self.show_view(views[0][0])
        else:
            empty = QLabel(self.tr("Ce document n'a rien d'affichable ici."))
            empty.setWordWrap(True)
            self.stack.addWidget(empty)

    @property
    def views(self) -> list[str]:
        return list(self._builders)

    def show_view(self, name: str) -> None:
        """Built on first use: a PDF is loaded only when she asks for it."""
        if name not in self._builders:
            return
        page = self._pages.get(name)
        if page is None:
            page = self._pages[name] = self._builders[name]()
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.switches[name].setChecked(True)
        self.current = name

    def _switched(self, button: QAbstractButton) -> None:
        self.show_view(str(button.property("view")))

    def page(self, name: str) -> QWidget | None:
        return self._pages.get(name)

    def _results(self) -> QWidget:
        return ResultsTable(self.shown.results)

    def _pdf(self) -> QWidget:
        return PdfPane(self.shown.pdf or b"")

    def _structured(self) -> QWidget:
        browser = SafeBrowser()
        browser.setAccessibleName(self.tr("Document structuré"))
        browser.setHtml(self.shown.structured or "")
        return browser


def tried(view: MessageView, prober: PdfProber) -> MessageView:
    """Each PDF tried by PDFium in the prober's child first (thread pool): one it could not
    read, or that overran or killed the child, is not loaded by the window, with a notice."""
    documents = []
    for shown in view.documents:
        if shown.pdf is not None:
            probe = prober.probe(shown.pdf)
            if not probe.safe:
                notice = probe.notice or ""
                shown = replace(shown, pdf=None, notices=(*shown.notices, notice))
        documents.append(shown)
    return replace(view, documents=tuple(documents))


class DocumentTabs(QTabWidget):
    """The message's text in the first tab, then one tab per document."""

    def __init__(self, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body = body
        self.setDocumentMode(True)
        self.addTab(body, self.tr("Message"))
        self.notice = QLabel()
        self.notice.setObjectName("documents-notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(f"#documents-notice {{ {NOTICE_STYLE} }}")
        self.notice.hide()
        self.current: int | None = None
        self.loaded: MessageView | None = None
        self.prober: PdfProber | None = None  # None: the application's
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._too_long)
        self.setTabBarAutoHide(True)

    def clear_documents(self) -> None:
        self.current, self.loaded = None, None
        self._timer.stop()
        self.notice.hide()
        while self.count() > 1:
            widget = self.widget(1)
            self.removeTab(1)
            if widget is not None:
                widget.deleteLater()
        self.setCurrentIndex(0)

    def show_for(self, message_id: int, raw: Callable[[], bytes | None]) -> None:
        """Read the documents of the message in the thread pool, within the time limit."""
        self.clear_documents()
        self.current = message_id

        prober = self.prober or shared_prober()

        def work() -> MessageView | None:
            data = raw()
            return tried(load_documents(data), prober) if data else None

        BackgroundJob(
            self,
            work,
            lambda view: self._loaded(message_id, view),
            lambda error: self._failed(message_id, error),
        ).start()
        self._timer.start(TIME_LIMIT_MS)

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _too_long(self) -> None:
        if self.current is not None and self.loaded is None:
            self.current = None  # its late result is dropped
            self._say(
                self.tr(
                    "Les documents de ce message sont trop longs à afficher : ouvrez-les "
                    "depuis les pièces jointes."
                )
            )

    def _failed(self, message_id: int, error: BaseException) -> None:
        if message_id != self.current:
            return
        self._timer.stop()
        log.warning("documents not shown: %s", type(error).__name__)
        self._say(self.tr("Les documents de ce message n'ont pas pu être affichés."))

    def _loaded(self, message_id: int, view: MessageView | None) -> None:
        if message_id != self.current or view is None:
            return
        self._timer.stop()
        self.loaded = view
        if view.notices:
            self._say("\n".join(view.notices))
        first_results = None
        for shown in view.documents:
            label = shown.title[:40]
            if shown.abnormal:
                label = f"⚠ {label}"
            index = self.addTab(DocumentView(shown), label)
            self.setTabToolTip(index, shown.title)
            if shown.results and first_results is None:
                first_results = index
        if first_results is not None and self.currentIndex() == 0:
            self.setCurrentIndex(first_results)  # a lab result: its values, not the cover note

    def document(self, number: int) -> DocumentView | None:
        widget = self.widget(number + 1)
        return widget if isinstance(widget, DocumentView) else None

    def open_source(self, name: str) -> bool:
        """ "Ouvrir" on an attachment a document was read from: its tab. False: none."""
        for number in range(1, self.count()):
            widget = self.widget(number)
            if isinstance(widget, DocumentView) and name in widget.shown.sources:
                self.setCurrentIndex(number)
                return True
        return False

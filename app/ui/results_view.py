""" "Résultats": one patient's lab results over time, from everything filed for her.

A table by analyte (rows) and date (columns), abnormal values in red with their arrow, and
a small chart per analyte: a sparkline in the table's last column (QPainter, drawn per row
as it is painted) and, for the analyte chosen, a QtCharts line chart with its reference
range. The results are gathered by the engine (``app.filing.results.patient_results``, the
filed copies read again) in the thread pool; the dialog opens at once and fills when ready.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

from PySide6.QtCharts import (
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QDate,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    Qt,
    QTime,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.filing.results import Analyte, PatientResults, patient_results
from app.filing.service import Filing
from app.ui.document_pane import ABNORMAL_BACKGROUND, ABNORMAL_TEXT, NOTICE_STYLE, flag_mark
from app.ui.jobs import BackgroundJob

log = logging.getLogger(__name__)

SeriesRole = Qt.ItemDataRole.UserRole + 20  # [(value, abnormal)] oldest first
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_RANGE = re.compile(r"([-+]?\d+(?:[.,]\d+)?)\s*-\s*([-+]?\d+(?:[.,]\d+)?)\Z")


def number(value: str) -> float | None:
    """The number a result's text holds ("13.79", "13,79", "<0.5" → 0.5), else None."""
    found = _NUMBER.search(value or "")
    return float(found.group().replace(",", ".")) if found else None


def _range_bounds(text: str | None) -> tuple[float | None, float | None]:
    """ "4-10", "3,9 - 5,8", "< 5", "> 60" → (low, high)."""
    text = (text or "").strip()
    if found := _RANGE.match(text):
        return _float(found.group(1)), _float(found.group(2))
    bound = number(text)
    if text.startswith("<"):
        return None, bound
    if text.startswith(">"):
        return bound, None
    return None, None


def _float(text: str) -> float:
    return float(text.replace(",", "."))


class Sparkline(QStyledItemDelegate):
    """A tiny line of an analyte's values, the abnormal points in red."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        points = index.data(SeriesRole) or []
        values = [v for v, _a in points]
        if len(values) < 1:
            return
        rect = QRectF(option.rect).adjusted(6, 5, -6, -5)
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        step = rect.width() / max(1, len(values) - 1)

        def at(i: int, v: float) -> QPointF:
            x = rect.left() + (step * i if len(values) > 1 else rect.width() / 2)
            return QPointF(x, rect.bottom() - (v - low) / span * rect.height())

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#2563eb"), 1.5))
        for i in range(1, len(values)):
            painter.drawLine(at(i - 1, values[i - 1]), at(i, values[i]))
        for i, (value, bad) in enumerate(points):
            painter.setBrush(QBrush(QColor(ABNORMAL_TEXT if bad else "#2563eb")))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(at(i, value), 2.5, 2.5)
        painter.restore()


class ResultsView(QWidget):
    """The table and the chart of one patient's results."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results: PatientResults | None = None
        self.title = QLabel(self.tr("Chargement des résultats…"))
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.hide()
        self.table = QTableWidget(0, 0)
        self.table.setAccessibleName(self.tr("Résultats par analyse et par date"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._chart_selected)
        self.table.verticalHeader().hide()
        self.sparkline = Sparkline(self.table)
        self.chart = QChart()
        self.chart.legend().hide()
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(180)
        self.chart_view.setAccessibleName(self.tr("Évolution de l'analyse choisie"))
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart_view)
        split.setSizes([260, 320])
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.notice)
        layout.addWidget(split, 1)

    def show_results(self, results: PatientResults) -> None:
        self.results = results
        self.title.setText(
            "<b>{}</b> — {}".format(
                html.escape(results.patient.display),
                html.escape(
                    self.tr("{0} analyse(s) sur {1} date(s)").format(
                        len(results.analytes), len(results.dates)
                    )
                ),
            )
        )
        if results.notices:
            self.notice.setText("\n".join(results.notices[:20]))
            self.notice.show()
        dates = results.dates
        headers = [self.tr("Analyse"), self.tr("Unité")]
        headers += [f"{d:%d/%m/%Y}" if d else self.tr("sans date") for d in dates]
        headers.append(self.tr("Évolution"))
        table = self.table
        table.clear()
        table.setColumnCount(len(headers))
        table.setRowCount(len(results.analytes))
        table.setHorizontalHeaderLabels(headers)
        chart_column = len(headers) - 1
        table.setItemDelegateForColumn(chart_column, self.sparkline)
        bold = QFont()
        bold.setBold(True)
        for row, analyte in enumerate(results.analytes):
            name = QTableWidgetItem(analyte.label)
            if analyte.abnormal:
                name.setFont(bold)
            table.setItem(row, 0, name)
            table.setItem(row, 1, QTableWidgetItem(analyte.unit or ""))
            for point in analyte.points:
                column = 2 + dates.index(point.row.date)
                previous = table.item(row, column)
                mark = flag_mark(point.row.flag) if point.row.abnormal else ""
                text = f"{point.row.value} {mark}".strip()
                if previous is not None:  # two results the same day: both shown
                    text = f"{previous.text()} / {text}"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                tip = [point.row.reference_range or ""]
                if point.row.abnormal or (previous is not None and previous.font().bold()):
                    item.setBackground(QBrush(QColor(ABNORMAL_BACKGROUND)))
                    item.setForeground(QBrush(QColor(ABNORMAL_TEXT)))
                    item.setFont(bold)
                item.setToolTip(self.tr("Référence : {0}").format(tip[0]) if tip[0] else "")
                table.setItem(row, column, item)
            series = [
                (value, point.row.abnormal)
                for point in analyte.points
                if (value := number(point.row.value)) is not None
            ]
            spark = QTableWidgetItem()
            spark.setData(SeriesRole, series)
            table.setItem(row, chart_column, spark)
        header = table.horizontalHeader()
        table.resizeColumnsToContents()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.setColumnWidth(chart_column, 120)
        if results.analytes:
            table.selectRow(0)
        else:
            self.title.setText(
                self.title.text()
                + "<br><i>{}</i>".format(
                    html.escape(self.tr("Aucun résultat d'analyse classé pour ce patient."))
                )
            )

    def _chart_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if self.results is None or not rows:
            return
        self.show_chart(self.results.analytes[rows[0].row()])

    def show_chart(self, analyte: Analyte) -> None:
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        chart.setTitle(f"{analyte.label} ({analyte.unit})" if analyte.unit else analyte.label)
        line, bad = QLineSeries(), QScatterSeries()
        bad.setColor(QColor(ABNORMAL_TEXT))
        bad.setMarkerSize(9)
        values: list[float] = []
        low = high = None
        for point in analyte.points:
            value = number(point.row.value)
            if value is None or point.row.date is None:
                continue
            day_ = point.row.date
            noon = QDateTime(QDate(day_.year, day_.month, day_.day), QTime(12, 0))
            x = float(noon.toMSecsSinceEpoch())
            line.append(x, value)
            if point.row.abnormal:
                bad.append(x, value)
            values.append(value)
            if low is None and high is None:  # the newest range is drawn (the first found)
                low, high = _range_bounds(point.row.reference_range)
        if not values:
            chart.setTitle(chart.title() + " — " + self.tr("pas de valeur chiffrée"))
            return
        x_axis = QDateTimeAxis()
        x_axis.setFormat("dd/MM/yy")
        y_axis = QValueAxis()
        bounds = [*values, *(b for b in (low, high) if b is not None)]
        margin = (max(bounds) - min(bounds)) * 0.15 or 1.0
        y_axis.setRange(min(bounds) - margin, max(bounds) + margin)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (line, bad):
            chart.addSeries(series)
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)
        first, last = line.at(0).x(), line.at(line.count() - 1).x()
        day = 86_400_000.0
        x_axis.setRange(
            QDateTime.fromMSecsSinceEpoch(int(first - day)),
            QDateTime.fromMSecsSinceEpoch(int(last + day)),
        )
        for bound in (low, high):
            if bound is not None:
                edge = QLineSeries()
                edge.setPen(QPen(QColor("#16a34a"), 1, Qt.PenStyle.DashLine))
                edge.append(first - day, bound)
                edge.append(last + day, bound)
                chart.addSeries(edge)
                edge.attachAxis(x_axis)
                edge.attachAxis(y_axis)


def results_in_worker(data_dir: Path | None, root: Path, patient_id: str) -> PatientResults:
    """In the thread pool: a connection of its own (SQLite's stay in their thread)."""
    filing = Filing.open(data_dir, root)
    try:
        return patient_results(filing, patient_id)
    finally:
        filing.close()


class ResultsDialog(QDialog):
    """Opened from the filing dialog and the message list; fills in the background."""

    def __init__(self, filing: Filing, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Résultats du patient"))
        self.resize(900, 640)
        self.view = ResultsView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view)
        self.loaded = False
        data_dir, root = filing.data_dir, filing.root
        BackgroundJob(
            self, lambda: results_in_worker(data_dir, root, patient_id), self._loaded, self._failed
        ).start()

    def _loaded(self, results: PatientResults) -> None:
        self.loaded = True
        self.view.show_results(results)

    def _failed(self, error: BaseException) -> None:
        self.loaded = True
        log.warning("patient results not shown: %s", type(error).__name__)
        message = getattr(error, "user_message", None) or self.tr(
            "Les résultats de ce patient n'ont pas pu être lus."
        )
        self.view.title.setText(html.escape(str(message)))

"""A date typed as JJ/MM/AAAA or picked from a French calendar.

``QDateEdit`` with a "special value" for an unknown date turned "02/02/2021" typed into
"2202102022021" and opened its calendar on January 1880 with English day names. This field
is a line edit that takes the digits as typed ("02022021" becomes "02/02/2021"), says what
is wrong under it, and a calendar (French day and month names, Monday first) that opens on
the date typed, else on the date it is told to start near (the document's birth date).
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

FRENCH = QLocale(QLocale.Language.French, QLocale.Country.France)
EARLIEST = date(1880, 1, 1)
_DIGITS = re.compile(r"(\d{1,2})[/.\- ]?(\d{1,2})[/.\- ]?(\d{4})\Z")


def parse_day(text: str, today: date | None = None) -> date | None:
    """ "02/02/2021", "2/2/2021", "02022021", "02.02.2021" → date; None when not a real,
    past day. ``today`` bounds it (a birth date is never in the future)."""
    compact = text.strip()
    if re.fullmatch(r"\d{8}", compact):
        compact = f"{compact[:2]}/{compact[2:4]}/{compact[4:]}"
    found = _DIGITS.match(compact)
    if found is None:
        return None
    try:
        day = date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    except ValueError:
        return None
    if day < EARLIEST or day > (today or date.today()):
        return None
    return day


def day_text(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


class DateField(QWidget):
    """``value()`` is the date typed or picked (None when empty); ``problem()`` says, in
    French, why the text is not a date (None when it is, or is empty)."""

    changed = Signal()

    def __init__(
        self, value: date | None = None, near: date | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.near = near or value
        self.edit = QLineEdit(day_text(value))
        self.edit.setPlaceholderText(self.tr("JJ/MM/AAAA"))
        self.edit.setMaxLength(10)
        self.edit.setAccessibleName(self.tr("Date (JJ/MM/AAAA)"))
        self.edit.editingFinished.connect(self._tidy)
        self.edit.textChanged.connect(lambda _text: self.changed.emit())
        self.pick = QToolButton()
        self.pick.setText(self.tr("Calendrier…"))
        self.pick.setToolTip(self.tr("Choisir la date dans un calendrier"))
        self.pick.clicked.connect(self.open_calendar)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.pick)
        self.calendar: QCalendarWidget | None = None
        self.popup: QWidget | None = None

    def value(self) -> date | None:
        return parse_day(self.edit.text())

    def problem(self) -> str | None:
        text = self.edit.text().strip()
        if not text or self.value() is not None:
            return None
        return self.tr("Date invalide : tapez JJ/MM/AAAA (par exemple 02/02/2021).")

    def set_value(self, value: date | None) -> None:
        self.edit.setText(day_text(value))

    def _tidy(self) -> None:
        """ "02022021" → "02/02/2021" once she leaves the field."""
        day = self.value()
        if day is not None:
            self.edit.setText(day_text(day))

    def open_calendar(self) -> QCalendarWidget:
        """A French calendar on the date typed, else near the document's birth date."""
        popup = QWidget(self, Qt.WindowType.Popup)
        calendar = QCalendarWidget(popup)
        calendar.setLocale(FRENCH)
        calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        calendar.setGridVisible(True)
        calendar.setMinimumDate(QDate(EARLIEST.year, EARLIEST.month, EARLIEST.day))
        calendar.setMaximumDate(QDate.currentDate())
        start = self.value() or self.near
        if start is not None:
            calendar.setSelectedDate(QDate(start.year, start.month, start.day))
        else:  # no date known: the calendar opens on today, never on its minimum
            calendar.setSelectedDate(QDate.currentDate())
        calendar.clicked.connect(self._picked)
        calendar.activated.connect(self._picked)
        box = QVBoxLayout(popup)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(calendar)
        popup.move(self.mapToGlobal(self.rect().bottomLeft()))
        popup.show()
        self.popup, self.calendar = popup, calendar
        return calendar

    def _picked(self, value: QDate) -> None:
        self.set_value(date(value.year(), value.month(), value.day()))
        if self.popup is not None:
            self.popup.close()

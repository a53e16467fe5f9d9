"""The "Résultats" view of one patient over time: table by analyte and date, abnormal values
marked, a chart per analyte; reached from the list's menu and from the filing dialog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.filing.service import Filing
from app.mssante.model import InsKind
from app.store.db import HeaderRow, Store
from app.ui.filing_dialog import FilingDialog
from app.ui.main_window import MainWindow
from app.ui.results_view import ResultsDialog, Sparkline, number
from tests.ui.cda_samples import INS, lab_report, message_with
from tests.ui.conftest import assert_not_blank

OWNER = "dr.martin@medecin.mssante.fr"
# Three reports of the same shape over time: Hb falls then recovers, Leucocytes rise
SERIES = (
    ("20240105", {"Hémoglobine": ("12.4", "N"), "Leucocytes": ("8.2", "N")}),
    ("20240312", {"Hémoglobine": ("10.1", "L"), "Leucocytes": ("13.79", "H")}),
    ("20240420", {"Hémoglobine": ("12.9", "N"), "Leucocytes": ("9.6", "N")}),
)


def _report(day: str, values: dict[str, tuple[str, str]]) -> bytes:
    data = lab_report().decode()
    data = data.replace("20240312", day)
    data = data.replace('extension="DOC-11502-2"', f'extension="DOC-{day}"')  # its own id
    for label, (value, flag) in values.items():
        old = {"Hémoglobine": ('"10.1"', '"L"'), "Leucocytes": ('"13.79"', '"H"')}[label]
        data = data.replace(f"value={old[0]}", f'value="{value}"', 1)
        data = data.replace(f"code={old[1]} codeSystem=\"2.16.840.1.113883.5.83\"",
                            f'code="{flag}" codeSystem="2.16.840.1.113883.5.83"', 1)  # fmt: skip
    return data.encode()


@pytest.fixture
def filed(tmp_path: Path) -> Iterator[tuple[Store, Filing, str]]:
    store = Store.open(tmp_path / "profile")
    account = store.add_account(OWNER, "card", "imaps://imap.test")
    store.upsert_folder(account, "INBOX", ".", "Inbox", True)
    inbox = next(f for f in store.folders(account) if f.name == "INBOX")
    raws = {}
    for uid, (day, values) in enumerate(SERIES, 1):
        raw = message_with([("CR-BIO.xml", "text/xml", _report(day, values))], f"Biologie {day}")
        raws[uid] = raw.replace(b"<cda-sample@", f"<cda-{uid}@".encode())
    store.add_headers(
        inbox,
        [HeaderRow(u, (), datetime(2024, 4, 20), len(r), None, r) for u, r in raws.items()],
    )
    store.add_bodies(inbox, raws)
    root = tmp_path / "Patients"
    root.mkdir()
    filing = Filing.open(tmp_path / "profile", root, store)
    patient = filing.registry.add(
        birth_name="DURAND", first_names="Marie Claire", birth_date=date(1980, 5, 15),
        sex="F", used_name="MARTIN", ins=INS, ins_oid=InsKind.NIR.value,
    )  # fmt: skip
    for message in store.messages():
        result = filing.file_message(message, patient_id=patient.id)
        assert result.status == "filed", result.to_json()
    yield store, filing, patient.id
    filing.close()
    store.close()


def test_the_results_view_table_marks_and_chart(
    qtbot: QtBot, filed: tuple[Store, Filing, str], artefacts: Path
) -> None:
    _store, filing, patient_id = filed
    dialog = ResultsDialog(filing, patient_id)
    qtbot.addWidget(dialog)
    dialog.resize(1000, 700)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10000)
    view = dialog.view
    assert "DURAND" in view.title.text() and "3 date(s)" in view.title.text()
    table = view.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]  # type: ignore[union-attr]
    assert headers[2:5] == ["05/01/2024", "12/03/2024", "20/04/2024"]
    assert headers[-1] == "Évolution"
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}  # type: ignore[union-attr]
    assert set(rows) == {"Hémoglobine", "Leucocytes", "Plaquettes", "Glucose"}
    hb = rows["Hémoglobine"]
    cells = [table.item(hb, c).text() for c in (2, 3, 4)]  # type: ignore[union-attr]
    assert cells == ["12.4", "10.1 ↓", "12.9"]
    assert table.item(hb, 3).font().bold() and not table.item(hb, 2).font().bold()  # type: ignore[union-attr]
    leuco = rows["Leucocytes"]
    assert table.item(leuco, 3).text() == "13.79 ↑"  # type: ignore[union-attr]
    assert isinstance(table.itemDelegateForColumn(table.columnCount() - 1), Sparkline)
    table.selectRow(leuco)
    chart = view.chart
    assert chart.title().startswith("Leucocytes")
    series = chart.series()
    assert series[0].count() == 3  # the line: three dates
    assert series[1].count() == 1  # the abnormal point
    assert len(series) == 4  # and the reference range's two bounds
    qtbot.wait(100)
    dialog.grab().save(str(artefacts / "results-view.png"))
    assert_not_blank(artefacts / "results-view.png")


def test_numbers_as_labs_write_them() -> None:
    assert number("13,79") == 13.79 and number("<0.5") == 0.5 and number("négatif") is None


def test_reached_from_the_list_and_the_filing_dialog(
    qtbot: QtBot,
    filed: tuple[Store, Filing, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, filing, patient_id = filed
    window = MainWindow(store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.filing = filing  # the window's service, already open
    menu = window.list_menu.build(0)
    action = next(a for a in menu.actions() if a.objectName() == "patient-results")
    action.trigger()
    dialog = window.list_menu.results
    assert isinstance(dialog, ResultsDialog)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10000)
    assert dialog.view.table.rowCount() == 4
    message = window.messages.message(0)
    assert message is not None
    docs = filing.documents(message)
    filing_dialog = FilingDialog(filing, message, docs)
    qtbot.addWidget(filing_dialog)
    filing_dialog.patients.setCurrentIndex(filing_dialog.patients.findData(patient_id))
    assert filing_dialog.results_button.isEnabled()
    shown = filing_dialog.show_results()
    assert shown is not None
    qtbot.addWidget(shown)
    qtbot.waitUntil(lambda: shown.loaded, timeout=10000)
    assert shown.view.table.rowCount() == 4
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    filing.undo(filing.journal.filed_for_patient(patient_id)[0].id)
    for entry in filing.journal.filed_for_patient(patient_id):
        filing.undo(entry.id)
    assert window.list_menu.show_results(message) is None or told == []


def test_reference_ranges_as_labs_write_them() -> None:
    from app.ui.results_view import _range_bounds

    assert _range_bounds("4-10") == (4.0, 10.0)
    assert _range_bounds("3,9 - 5,8") == (3.9, 5.8)
    assert _range_bounds("< 5") == (None, 5.0)
    assert _range_bounds("> 60") == (60.0, None)
    assert _range_bounds("négatif") == (None, None)

"""The window says, once, that it stopped unexpectedly last time, and where the report is."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.core.crashes import unexpected_stops
from app.store.db import Store
from app.ui.application import report_unexpected_stops
from app.ui.main_window import MainWindow
from tests.unit.test_crashes import run_child


def test_the_error_bar_names_the_report(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    logs = tmp_path / "logs"
    assert run_child(logs, "segfault").returncode != 0
    stops = unexpected_stops(logs)
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    report_unexpected_stops(window, stops)
    bar = window.error_bar
    assert bar.isVisible()
    assert "s'est arrêté de façon inattendue" in bar.text.text()
    assert str(stops[0].report) in bar.text.text()
    assert "sans données de santé" in bar.text.text()
    assert not bar.again.isVisible()  # nothing to retry: "Détails" and "Fermer" only
    assert str(stops[0].report) in bar.details_text
    window.grab().save(str(artefacts / "crash-notice.png"), "PNG")


def test_a_stop_without_report_says_so_plainly(
    qtbot: QtBot, mail_store: Store, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    assert run_child(logs, "segfault").returncode != 0
    for report in logs.glob("crash-*"):
        report.write_text("")  # killed rather than crashed: faulthandler wrote nothing
    stops = unexpected_stops(logs)
    assert stops and stops[0].report is None
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    report_unexpected_stops(window, stops)
    assert "de façon inattendue" in window.error_bar.text.text()
    assert "rapport technique" not in window.error_bar.text.text()

"""Fichier > Journal d'audit… : entries listed newest first, the check shown, CSV export."""

from __future__ import annotations

import csv
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.core.audit import Action, AuditTrail
from app.ui.audit_dialog import AuditDialog, export_csv


def test_the_dialog_lists_checks_and_exports(qtbot: QtBot, tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "audit")
    trail.record(Action.READ, account="a@x.test", message=7, folder="INBOX", request="local")
    trail.record(Action.MOVE, account="a@x.test", message=7, folder="INBOX", target="Archives",
                 request="UID MOVE")  # fmt: skip
    dialog = AuditDialog(trail)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 4).text() == "déplacement"  # newest first
    assert "intact : 2" in dialog.status.text()
    export_csv(dialog.entries, tmp_path / "export.csv")
    with (tmp_path / "export.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [r["action"] for r in rows] == ["lecture", "déplacement"]

    trail.head_file.write_text('{"seq": 5, "hash": "x"}')
    broken = AuditDialog(trail)
    qtbot.addWidget(broken)
    assert "NON intègre" in broken.status.text()

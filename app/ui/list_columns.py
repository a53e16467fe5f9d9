"""What the message list shows of a message's documents: the "Patient" column (with the INS
status as a mark), an icon per kind, the "classé" mark, abnormal results flagged.

Everything comes from the columns the engine stored with the message at ingest (its
``MessageSummary``: patient, patient_ins, kind, results, abnormal; its flags for "classé"):
nothing is parsed at paint time, so the list stays fast on 100,000 messages. The icons are
drawn once (a coloured tile and a letter: emoji fonts are not on every desk) and cached.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap

from app.mssante.overview import INS_QUALIFIED, INS_READ
from app.store.db import MessageSummary

ABNORMAL_COLOUR = "#b91c1c"
KIND_TILES: dict[str, tuple[str, str, str]] = {  # kind: letter, colour, label
    "results": ("R", "#2563eb", str(QT_TRANSLATE_NOOP("ListColumns", "Résultats"))),
    "discharge": ("L", "#7c3aed", str(QT_TRANSLATE_NOOP("ListColumns", "Lettre de liaison"))),
    "imaging": ("I", "#0f766e", str(QT_TRANSLATE_NOOP("ListColumns", "Imagerie"))),
    "patient": ("P", "#8b5cf6", str(QT_TRANSLATE_NOOP("ListColumns", "Message d'un patient"))),
    "receipt": ("A", "#64748b", str(QT_TRANSLATE_NOOP("ListColumns", "Accusé"))),
    "document": ("D", "#475569", str(QT_TRANSLATE_NOOP("ListColumns", "Document"))),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ListColumns", text)


@cache
def _tile(letter: str, colour: str, size: int = 16) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QBrush(QColor(colour)))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(0, 0, size, size, 3, 3)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(size - 5)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRect(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, letter)
    painter.end()
    return QIcon(pixmap)


def kind_icon(message: MessageSummary) -> QIcon | None:
    """The kind's tile; results with an abnormal value in red."""
    if message.kind not in KIND_TILES:
        return None
    letter, colour, _label = KIND_TILES[message.kind]
    return _tile(letter, ABNORMAL_COLOUR if message.abnormal else colour)


def kind_text(message: MessageSummary) -> str:
    if message.kind not in KIND_TILES:
        return ""
    text = _tr(KIND_TILES[message.kind][2])
    if message.results:
        text += " — " + QCoreApplication.translate("ListColumns", "{0} résultat(s)").format(
            message.results
        )
    if message.abnormal:
        text += " — " + QCoreApplication.translate("ListColumns", "{0} anormal(aux)").format(
            message.abnormal
        )
    return text


def marks(message: MessageSummary) -> str:
    """Column 0's text: unread, flagged, filed ("classé")."""
    unread = "●" if message.unread else ""
    flagged = "⚑" if "\\Flagged" in message.flags else ""
    filed = "✓" if message.filed else ""
    return unread + flagged + filed


def marks_tip(message: MessageSummary) -> str:
    said = [kind_text(message)]
    if message.filed:
        said.append(QCoreApplication.translate("ListColumns", "Classé dans le dossier du patient"))
    return "\n".join(s for s in said if s)


def ins_icon(message: MessageSummary) -> QIcon | None:
    if message.patient is None:
        return None
    if message.patient_ins == INS_QUALIFIED:
        return _tile("✓", "#166534")
    if message.patient_ins == INS_READ:
        return _tile("?", "#b45309")
    return _tile("–", "#94a3b8")


def ins_text(message: MessageSummary) -> str:
    if message.patient_ins == INS_QUALIFIED:
        return QCoreApplication.translate("ListColumns", "INS qualifiée")
    if message.patient_ins == INS_READ:
        return QCoreApplication.translate(
            "ListColumns", "INS lue, non qualifiée (INS de test ou clé fausse)"
        )
    return QCoreApplication.translate(
        "ListColumns", "Pas d'INS : identité lue du document ou de l'objet"
    )


def patient_data(message: MessageSummary, role: int) -> Any:
    """The "Patient" column for ``role``."""
    if message.patient is None:
        return None
    if role == Qt.ItemDataRole.DisplayRole:
        return message.patient
    if role == Qt.ItemDataRole.DecorationRole:
        return ins_icon(message)
    if role == Qt.ItemDataRole.ToolTipRole:
        tip = ins_text(message)
        if message.abnormal:
            tip += "\n" + QCoreApplication.translate(
                "ListColumns", "{0} résultat(s) anormal(aux)"
            ).format(message.abnormal)
        return tip
    if role == Qt.ItemDataRole.ForegroundRole and message.abnormal:
        return QBrush(QColor(ABNORMAL_COLOUR))
    return None

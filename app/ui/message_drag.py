"""Messages dragged from the list onto a folder of the tree: what the drag carries.

Only local ids travel (never a subject or an address: a drag can reach other programs);
the folder tree's model turns a drop into a request the window carries out.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

MESSAGE_IDS = "application/x-caducee-message-ids"


def encode(ids: list[int]) -> QMimeData:
    data = QMimeData()
    data.setData(MESSAGE_IDS, json.dumps(ids).encode())
    return data


def decode(data: QMimeData) -> list[int]:
    """The ids a drag carries; nothing for anything else (another program's drag)."""
    if not data.hasFormat(MESSAGE_IDS):
        return []
    try:
        ids = json.loads(bytes(data.data(MESSAGE_IDS).data()))
    except ValueError:
        return []
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]

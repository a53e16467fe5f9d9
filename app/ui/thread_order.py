"""The message list by conversation (Affichage > Fils de discussion): which rows are shown
when some conversations are collapsed, and what each row shows of its conversation.

The order itself comes from the store in one SQL statement (``views.threaded_rows``); here
only lists are walked (a conversation collapsed or expanded is a slice of rows, collapsing
all is one pass): no sort, so 100,000 messages stay quick. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.store.views import Threaded


@dataclass(frozen=True, slots=True)
class ThreadMark:
    """What a row shows of its conversation."""

    key: str  # the conversation
    indent: int  # 0: its first message shown (the head); replies >= 1
    size: int  # messages of the conversation in the list (its scope)
    collapsed: bool  # a head whose replies are hidden

    @property
    def head(self) -> bool:
        return self.indent == 0

    @property
    def expandable(self) -> bool:
        return self.head and self.size > 1


class ThreadOrder:
    """The scope's conversations (``threaded``) and which are collapsed (``collapsed``: keys,
    shared with the model, kept across reloads)."""

    def __init__(self, threaded: Threaded, collapsed: set[str]) -> None:
        self.threaded = threaded
        self.collapsed = collapsed
        self.position = {message: row for row, message in enumerate(threaded.ids)}

    def visible(self) -> list[int]:
        """The ids shown: every message, less the replies of collapsed conversations."""
        rows = self.threaded
        if not self.collapsed:
            return list(rows.ids)
        return [
            message
            for row, message in enumerate(rows.ids)
            if rows.threads[row] not in self.collapsed or rows.head(row)
        ]

    def mark(self, message: int) -> ThreadMark | None:
        row = self.position.get(message)
        if row is None:
            return None
        rows = self.threaded
        key = rows.threads[row]
        indent = rows.indent(row)
        return ThreadMark(key, indent, rows.sizes[row], indent == 0 and key in self.collapsed)

    def replies(self, head: int) -> list[int]:
        """The messages under ``head`` (its conversation's others, in order)."""
        row = self.position.get(head)
        if row is None or not self.threaded.head(row):
            return []
        return list(self.threaded.ids[row + 1 : row + self.threaded.sizes[row]])

    def head_of(self, message: int) -> int | None:
        row = self.position.get(message)
        if row is None:
            return None
        while not self.threaded.head(row):
            row -= 1
        return self.threaded.ids[row]

    def keys(self) -> set[str]:
        """Every conversation with replies."""
        rows = self.threaded
        return {rows.threads[r] for r in range(len(rows.ids)) if rows.sizes[r] > 1}

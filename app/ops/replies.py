"""Reply, reply to all and forward: the new message's fields and quoted text.

Plain functions over a parsed message, shared by the window's composer and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.ops.outbox import Draft
from app.store.mime import ParsedMessage
from app.store.mime_attachments import attachment_bytes
from app.store.mime_headers import Address

REPLY_PREFIX = "Re: "
FORWARD_PREFIX = "Fwd: "


REPLY_TAGS = ("re:", "re :")
FORWARD_TAGS = ("fwd:", "fw:", "tr:", "tr :")


def _subject(subject: str, prefix: str, tags: tuple[str, ...]) -> str:
    """One prefix, not "Re: Re: ..." (French clients also write "RE :" and "TR :")."""
    stripped = subject.strip()
    return stripped if stripped.lower().startswith(tags) else prefix + stripped


def _show(address: Address) -> str:
    return f"{address.name} <{address.address}>" if address.name else address.address


def _when(date: datetime | None) -> str:
    return date.astimezone().strftime("%d/%m/%Y à %H:%M") if date else "?"


def quote(original: ParsedMessage) -> str:
    who = _show(original.sender) if original.sender else "?"
    lines = original.body_text.rstrip().splitlines() or [""]
    quoted = "\n".join(
        (">" + line if line.startswith(">") else f"> {line}") if line else ">" for line in lines
    )  # ">>" for what was already quoted, as mail clients do
    return f"\n\nLe {_when(original.date)}, {who} a écrit :\n{quoted}\n"


def reply(original: ParsedMessage, me: str, *, to_all: bool = False) -> Draft:
    """Answer the sender (Reply-To first); with ``to_all`` the other recipients in copy."""
    answer_to = list(original.reply_to) or ([original.sender] if original.sender else [])
    to = [_show(a) for a in answer_to]
    cc: list[str] = []
    if to_all:
        seen = {a.address.lower() for a in answer_to} | {me.lower()}
        for address in (*original.to, *original.cc):
            if address.address.lower() not in seen:
                seen.add(address.address.lower())
                cc.append(_show(address))
    references = [*original.references]
    if original.message_id:
        references.append(original.message_id)
    return Draft(
        me,
        to,
        _subject(original.subject, REPLY_PREFIX, REPLY_TAGS),
        quote(original),
        cc=cc,
        in_reply_to=original.message_id,
        references=references[-20:],
    )


def forward(original: ParsedMessage, raw: bytes, me: str) -> Draft:
    """The original's text below a header block, and its attachments carried along."""
    header = [
        "",
        "",
        "-------- Message transféré --------",
        f"Objet : {original.subject}",
        f"Date : {_when(original.date)}",
        f"De : {_show(original.sender) if original.sender else '?'}",
        f"À : {', '.join(_show(a) for a in original.to)}",
        "",
    ]
    carried: Sequence[tuple[str, str, bytes]] = [
        (a.filename, a.content_type, attachment_bytes(raw, a.part_index))
        for a in original.attachments
        if not a.inline
    ]
    return Draft(
        me,
        [],
        _subject(original.subject, FORWARD_PREFIX, FORWARD_TAGS),
        "\n".join(header) + original.body_text,
        forwarded=carried,
    )

"""The header pass's FETCH responses, read without imapclient's general parser (a third of
its time): ``UID FETCH (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER] [MODSEQ])`` as
servers answer it; anything else is left to imapclient (``app.transport.imap``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any


@dataclass(frozen=True)
class FetchedHeader:
    uid: int
    flags: tuple[str, ...]
    internal_date: datetime | None
    size: int
    modseq: int | None
    header: bytes


def flags_of(values: Iterable[bytes | str]) -> tuple[str, ...]:
    decoded = (v.decode() if isinstance(v, bytes) else v for v in values)
    return tuple(sorted(f for f in decoded if f.lower() != "\\recent"))  # per-session only


_HEADER_FETCH = re.compile(rb"\d+ \((.*)BODY\[HEADER\] \{(\d+)\}\Z", re.DOTALL)
_FETCH_ITEM = re.compile(
    rb" *(?:UID (?P<uid>\d+)|RFC822\.SIZE (?P<size>\d+)|MODSEQ \((?P<modseq>\d+)\)"
    rb'|FLAGS \((?P<flags>[^()"{}]*)\)|INTERNALDATE "(?P<date>[^"]*)") *'
)
_INTERNALDATE = re.compile(
    rb"([ \d]?\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\Z"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        b"jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1
    )
}


def _internal_date(text: bytes) -> datetime | None:
    match = _INTERNALDATE.match(text)
    month = _MONTHS.get(match.group(2).lower()) if match else None
    if match is None or month is None:
        return None
    day, _, year, hour, minute, second, sign, zone_hours, zone_minutes = match.groups()
    offset = timedelta(hours=int(zone_hours), minutes=int(zone_minutes))
    try:
        return datetime(
            int(year),
            month,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(-offset if sign == b"-" else offset),
        )
    except ValueError:
        return None


def _fetch_items(text: bytes) -> dict[str, bytes] | None:
    """``UID 5 FLAGS (\\Seen) ...``: exactly the simple items asked for, else None."""
    found: dict[str, bytes] = {}
    pos = 0
    while pos < len(text):
        match = _FETCH_ITEM.match(text, pos)
        if match is None or match.end() == pos:
            return None
        found.update({k: v for k, v in match.groupdict().items() if v is not None})
        pos = match.end()
    return found


def header_responses(data: list[Any]) -> list[FetchedHeader] | None:
    """The answer to ``UID FETCH (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER] [MODSEQ])``
    as servers send it: one literal per message, the other items before or after it.

    None on anything else (an unsolicited FETCH, a header sent as a quoted string or NIL,
    an item not asked for): imapclient's general reader takes over then.
    """
    found: list[FetchedHeader] = []
    pos = 0
    while pos < len(data):
        item = data[pos]
        after = data[pos + 1] if pos + 1 < len(data) else None
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(after, bytes)):
            return None
        prefix, header = item
        match = _HEADER_FETCH.match(prefix) if isinstance(prefix, bytes) else None
        if match is None or not isinstance(header, bytes) or int(match.group(2)) != len(header):
            return None
        rest = after.rstrip()
        if not rest.endswith(b")"):
            return None
        values = _fetch_items(match.group(1) + b" " + rest[:-1])
        if values is None or "uid" not in values:
            return None
        internal_date = _internal_date(values["date"]) if "date" in values else None
        if "date" in values and internal_date is None:
            return None
        found.append(
            FetchedHeader(
                int(values["uid"]),
                flags_of(values.get("flags", b"").split()),
                internal_date,
                int(values.get("size", b"0")),
                int(values["modseq"]) if "modseq" in values else None,
                header,
            )
        )
        pos += 2
    return found

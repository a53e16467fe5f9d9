"""Small HL7 value readers shared by the CDA and XDM readers: timestamps (``TS``: CDA
``effectiveTime``, XDM ``creationTime``) and the ``^``-separated v2 types used in XDM slots
(XCN author, XON institution, XPN patient name)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

_TS = re.compile(r"(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d{1,6})?([+-]\d{4})?\Z")


def parse_ts(value: str | None) -> datetime | None:
    """An HL7 timestamp ``YYYY[MM[DD[HH[MM[SS]]]]][.f][±ZZZZ]``; naive means UTC (XDM).

    None when absent or invalid (never raises).
    """
    if not value:
        return None
    match = _TS.match(value.strip()[:40])
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        tz = UTC
        if zone:
            sign = -1 if zone[0] == "-" else 1
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
            tz = timezone(sign * offset)
        return datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tz,
        )
    except (ValueError, OverflowError):
        return None


def parse_date(value: str | None) -> date | None:
    """The calendar date of an HL7 timestamp as written (no time zone conversion)."""
    if not value or len(value.strip()) < 8:
        return None
    moment = parse_ts(value.strip()[:8])
    return moment.date() if moment else None


def components(value: str) -> list[str]:
    return [part.strip() for part in value.split("^")]


def xcn_name(value: str) -> str | None:
    """An XCN (``id^FAMILY^Given^^^prefix…``) as "prefix Given FAMILY", or None."""
    parts = components(value) + [""] * 6
    words = [parts[5], parts[2], parts[1]]
    text = " ".join(w for w in words if w)
    return text[:200] or None


def xon_name(value: str) -> str | None:
    """An XON (``Organisation name^^^^^&OID&ISO^…``) as its name, or None."""
    name = components(value)[0]
    return name[:200] or None

"""What the header pass stores of a header section besides the server's data: its summary
(subject, addresses, date, ids), the list's sender and recipients, and whether it is a
delivery or read report. Computed apart from the store, so that the sync's worker
processes, idle during the header pass, parse a batch while the sync stores the previous
one (issue 22); ``Store.add_headers`` computes what it is not given."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.mssante.dsn import report_kind
from app.store.ingest import addresses_of
from app.store.mime_headers import HeaderSummary, parse_header_summary


@dataclass(frozen=True, slots=True)
class HeaderFacts:
    summary: HeaderSummary
    sender: str
    recipients: str
    report: str | None  # "dsn", "mdn" or None (app.mssante.dsn)


def header_facts(header: bytes) -> HeaderFacts:
    """Never raises (the parsers degrade instead)."""
    summary = parse_header_summary(header)
    sender, recipients = addresses_of(summary)
    return HeaderFacts(summary, sender, recipients, report_kind(header))


def facts_of(headers: Iterable[bytes]) -> list[HeaderFacts]:
    """:func:`header_facts` of each: one task of a worker process."""
    return [header_facts(header) for header in headers]

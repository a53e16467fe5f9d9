"""Her own MSSanté addresses by RPPS, from the offline directory — for the first run."""

from __future__ import annotations

from pathlib import Path

from app.directory.errors import DirectoryError
from app.directory.index import DirectoryIndex


def own_addresses(data_dir: Path, rpps: str) -> list[str]:
    """The addresses the directory lists for this RPPS; none when there is no index yet."""
    try:
        with DirectoryIndex(data_dir) as index:
            return [mailbox.address for mailbox in index.whoami(rpps)]
    except DirectoryError:  # no directory imported yet: she types her address
        return []

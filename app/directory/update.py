"""``caducee directory update``: fetch the extraction file when it changed, then import it.

A version is recognised by its ETag, else its Last-Modified date, else the AAAAMMJJhhmm
timestamp of its file name (Content-Disposition), as recorded in the installed index. A
``HEAD`` request answers the question (notes §6.3); a server that refuses HEAD gets a
conditional GET (If-None-Match / If-Modified-Since). ``force`` downloads and imports even
an unchanged or suspicious (truncated, much smaller) file.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.directory.download import EXTRACTION_URL, Remote, fetch
from app.directory.errors import DirectoryDownloadError, DirectoryMissingError
from app.directory.index import DirectoryIndex, ImportReport, build_index, index_path
from app.transport.tls import TrustPolicy


@dataclass(frozen=True)
class UpdateResult:
    remote: Remote
    report: ImportReport | None  # None: the installed index is already this version


def installed_meta(data_dir: Path) -> dict[str, str]:
    if not index_path(data_dir).exists():
        return {}
    try:
        with DirectoryIndex(data_dir) as index:
            return dict(index.meta)
    except (DirectoryMissingError, sqlite3.Error):
        return {}


def update_index(
    data_dir: Path,
    download_dir: Path,
    policy: TrustPolicy,
    *,
    url: str = EXTRACTION_URL,
    force: bool = False,
) -> UpdateResult:
    recorded = {} if force else installed_meta(data_dir)
    headers: dict[str, str] = {}
    if recorded:
        try:
            head = fetch(url, policy, method="HEAD").remote
        except DirectoryDownloadError:
            head = None  # e.g. 405: the conditional GET below decides
        if head is not None and head.unchanged(recorded):
            return UpdateResult(head, None)
        if recorded.get("source_etag"):
            headers["If-None-Match"] = recorded["source_etag"]
        if recorded.get("source_last_modified"):
            headers["If-Modified-Since"] = recorded["source_last_modified"]
    download_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fetched = fetch(url, policy, headers=headers, directory=download_dir)
    if fetched.path is None:  # 304 Not Modified
        return UpdateResult(fetched.remote, None)
    try:
        if not force and recorded and fetched.remote.unchanged(recorded):
            return UpdateResult(fetched.remote, None)
        report = build_index(fetched.path, data_dir, force=force, meta=fetched.remote.meta())
    finally:
        with contextlib.suppress(OSError):
            fetched.path.unlink()
    return UpdateResult(fetched.remote, report)

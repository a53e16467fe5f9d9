"""The daily refresh of the offline directory and the liste blanche, as a mail client
keeps them fresh without being asked (both are published daily, notes §6.3 and §7).

``due`` says whether a day went by since the last complete refresh (a stamp file in the
cache); ``refresh`` runs both updates, each on its own (one failing does not stop the
other), and stamps only when both succeeded, so that an offline start tries again next
time. Nothing here shows anything: the window runs it in its directory thread.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import CaduceeError
from app.directory import trusted
from app.directory.download import EXTRACTION_URL
from app.directory.update import update_index
from app.transport.tls import TrustPolicy

STAMP = "directory-refreshed"
EVERY_SECONDS = 24 * 3600
_CLOCK_SLACK_SECONDS = 60  # a stamp further in the future: the clock was set back
log = logging.getLogger(__name__)


@dataclass
class RefreshReport:
    done: list[str] = field(default_factory=list)  # French, one line per update
    failed: list[str] = field(default_factory=list)  # French reasons


def due(cache_dir: Path, now: float | None = None) -> bool:
    """A day went by since the last stamp (or it is missing, unreadable, or in the future:
    the clock was set back)."""
    last = last_refresh(cache_dir)
    if last is None:
        return True
    elapsed = (now if now is not None else time.time()) - last
    return elapsed >= EVERY_SECONDS or elapsed < -_CLOCK_SLACK_SECONDS


def last_refresh(cache_dir: Path) -> float | None:
    """When the last complete refresh ended, by this computer's clock (written in the stamp:
    a file's time on disk is another clock's once copied, restored or on a network drive)."""
    try:
        return float((cache_dir / STAMP).read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def stamp(cache_dir: Path, now: float | None = None) -> None:
    (cache_dir / STAMP).write_text(f"{now if now is not None else time.time()!r}\n", "ascii")


def update_directory(
    data_dir: Path, work_dir: Path, policy: TrustPolicy, url: str = EXTRACTION_URL
) -> str | None:
    """``update_index`` through a download folder of ``work_dir`` (removed after): the
    import report (French), or None when the installed index is already this version."""
    download_dir = work_dir / "directory-download"
    try:
        result = update_index(data_dir, download_dir, policy, url=url)
    finally:
        with contextlib.suppress(OSError):
            download_dir.rmdir()
    return None if result.report is None else result.report.french()


def refresh(
    data_dir: Path,
    cache_dir: Path,
    work_dir: Path,
    *,
    policy: TrustPolicy | None = None,
    directory_url: str = EXTRACTION_URL,
    liste_url: str = trusted.LISTE_BLANCHE_URL,
) -> RefreshReport:
    report = RefreshReport()
    policy = policy or TrustPolicy.for_mssante(cache_dir / "crl")
    try:
        imported = update_directory(data_dir, work_dir, policy, directory_url)
        report.done.append(imported or "Annuaire déjà à jour.")
    except (CaduceeError, OSError) as error:
        log.info("directory refresh failed: %s", type(error).__name__)
        report.failed.append(_french(error))
    try:
        liste = trusted.download(cache_dir, policy, work_dir, liste_url)
        report.done.append(f"Liste blanche MSSanté : {len(liste.domains)} domaines.")
    except (CaduceeError, OSError) as error:
        log.info("liste blanche refresh failed: %s", type(error).__name__)
        report.failed.append(_french(error))
    if not report.failed:
        stamp(cache_dir)
    return report


def _french(error: BaseException) -> str:
    return error.user_message if isinstance(error, CaduceeError) else str(error)

"""The text of received PDFs, for search: pypdf in a child process with hard limits.

A hostile PDF can make any extractor loop or eat memory, so the extraction never runs in
the caller's process: :func:`pdf_texts` spawns a child process (nothing inherited, as the
sync's workers), hands it the PDFs and reads one answer per PDF. The child has a wall
clock limit (killed after ``timeout`` seconds), a memory limit (``RLIMIT_AS`` where the
system has it) and CPU limit, reads at most :data:`MAX_PAGES` pages and keeps at most
:data:`MAX_CHARS` characters per PDF. A PDF that fails, and every PDF after a kill, gets
a French notice instead of text; the caller never sees an exception for bad input.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

log = logging.getLogger(__name__)

MAX_PAGES = 200
MAX_CHARS = 200_000
MAX_PDF_BYTES = 32 * 1024 * 1024
MEMORY_LIMIT = 1024 * 1024 * 1024  # address space of the child
TIMEOUT_PER_PDF = 15.0  # seconds, wall clock
TIMEOUT_MAX = 60.0


@dataclass(frozen=True)
class PdfText:
    text: str
    notice: str | None = None  # French, when the text is missing or partial


def pdf_texts(pdfs: list[bytes], timeout: float | None = None) -> list[PdfText]:
    """The text of each PDF, in order. Never raises for bad input (nor for a child that
    crashes, hangs or is killed: every PDF then gets a notice)."""
    if not pdfs:
        return []
    limit = timeout or min(TIMEOUT_MAX, TIMEOUT_PER_PDF * len(pdfs))
    fits = [len(p) <= MAX_PDF_BYTES for p in pdfs]
    answers = _run_child([p for p, ok in zip(pdfs, fits, strict=True) if ok], limit)
    out: list[PdfText] = []
    read = iter(answers)
    for ok in fits:
        if not ok:
            out.append(PdfText("", "Texte du PDF non extrait : fichier trop volumineux."))
            continue
        answer = next(read, None)
        if answer is None:
            out.append(PdfText("", "Texte du PDF non extrait : délai dépassé ou PDF trop lourd."))
            continue
        out.append(PdfText(answer[0][:MAX_CHARS], answer[1]))
    return out


def _run_child(pdfs: list[bytes], limit: float) -> list[tuple[str, str | None]]:
    """Answers of a spawned child (nothing of this process inherited), in order; fewer
    than asked when it was killed or died."""
    if not pdfs:
        return []
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    child = context.Process(target=_child, args=(theirs, pdfs), name="pdf-text", daemon=True)
    answers: list[tuple[str, str | None]] = []
    try:
        child.start()
        theirs.close()
        deadline = time.monotonic() + limit
        while len(answers) < len(pdfs):
            left = deadline - time.monotonic()
            if left <= 0 or not mine.poll(left):
                break
            try:
                text, notice = mine.recv()
            except (EOFError, OSError):
                break  # the child died (memory limit, crash)
            answers.append((str(text), str(notice) if notice else None))
    except OSError:
        log.exception("PDF text extraction could not start")
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        mine.close()
    return answers


# -- the child ---------------------------------------------------------------------------------


def _limit_resources() -> None:
    try:
        import resource
    except ImportError:  # Windows: the wall clock limit of the parent still holds
        return
    for kind, value in (
        (resource.RLIMIT_AS, MEMORY_LIMIT),
        (resource.RLIMIT_CPU, int(TIMEOUT_MAX) + 5),
    ):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(kind, (value, value))


def _extract(data: bytes) -> tuple[str, str | None]:
    import io

    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return "", "PDF chiffré : texte non extrait."
        pieces: list[str] = []
        size = 0
        notice = None
        for number, page in enumerate(reader.pages):
            if number >= MAX_PAGES:
                notice = f"PDF long : texte des {MAX_PAGES} premières pages seulement."
                break
            text = page.extract_text() or ""
            pieces.append(text)
            size += len(text)
            if size >= MAX_CHARS:
                notice = "PDF long : texte tronqué."
                break
        return "\n".join(pieces)[:MAX_CHARS], notice
    except MemoryError:
        return "", "Texte du PDF non extrait : PDF trop lourd."
    except Exception:  # noqa: BLE001 - any pypdf failure on a bad file: that PDF only
        return "", "Texte du PDF non extrait : PDF illisible."


def _child(connection: Connection, pdfs: list[bytes]) -> None:
    _limit_resources()
    for name in [n for n in os.environ if n.upper().startswith("CADUCEE_")]:
        os.environ.pop(name, None)
    logging.disable(logging.CRITICAL)  # pypdf warns about every odd file
    for data in pdfs:
        text, notice = _extract(data)
        connection.send((text, notice))
    connection.close()

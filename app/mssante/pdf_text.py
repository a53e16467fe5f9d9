"""The text of received PDFs, for search: pypdf in a child process with hard limits.

A hostile PDF can make any extractor loop or eat memory, so the extraction never runs in
the caller's process: :func:`pdf_texts` spawns a child process (nothing inherited, as the
sync's workers), hands it the PDFs and reads one answer per PDF. The child has a wall
clock limit per PDF (killed after ``timeout`` seconds), a memory limit (``RLIMIT_AS`` where the
system has it) and CPU limit, reads at most :data:`MAX_PAGES` pages and keeps at most
:data:`MAX_CHARS` characters per PDF. A PDF that fails, and every PDF after a kill, gets
a French notice instead of text; the caller never sees an exception for bad input.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from dataclasses import dataclass
from multiprocessing.connection import Connection

log = logging.getLogger(__name__)

MAX_PAGES = 200
MAX_CHARS = 200_000
MAX_PDF_BYTES = 32 * 1024 * 1024
MEMORY_LIMIT = 1024 * 1024 * 1024  # address space of the child
TIMEOUT_PER_PDF = 15.0  # seconds, wall clock, each PDF
STARTUP = 10.0  # seconds for a child to start (spawn, imports) on a slow machine
CPU_LIMIT = 600  # seconds of CPU for one child (it reads many PDFs in turn)


@dataclass(frozen=True)
class PdfText:
    text: str
    notice: str | None = None  # French, when the text is missing or partial


def pdf_texts(pdfs: list[bytes], timeout: float | None = None) -> list[PdfText]:
    """The text of each PDF, in order, ``timeout`` seconds at most for each (default
    :data:`TIMEOUT_PER_PDF`). One child reads them in turn; when it overruns (or dies) on a
    PDF, it is killed, that PDF gets a notice, and a new child goes on with the next ones.
    Never raises for bad input."""
    limit = timeout if timeout is not None else TIMEOUT_PER_PDF
    out: list[PdfText | None] = [
        None if len(p) <= MAX_PDF_BYTES else PdfText("", _TOO_BIG) for p in pdfs
    ]
    waiting = [n for n, found in enumerate(out) if found is None]
    while waiting:
        answers = _run_child([pdfs[n] for n in waiting], limit)
        for number, (text, notice) in zip(waiting, answers, strict=False):
            out[number] = PdfText(text[:MAX_CHARS], notice)
        if len(answers) < len(waiting):  # the child overran or died on this one
            out[waiting[len(answers)]] = PdfText("", _FAILED)
        waiting = waiting[len(answers) + 1 :]
    return [found if found is not None else PdfText("", _FAILED) for found in out]


_TOO_BIG = "Texte du PDF non extrait : fichier trop volumineux."
_FAILED = "Texte du PDF non extrait : délai dépassé ou PDF trop lourd."


def _run_child(pdfs: list[bytes], limit: float) -> list[tuple[str, str | None]]:
    """Answers of a spawned child (nothing of this process inherited), in order, each within
    ``limit`` seconds of the previous one; fewer than asked when it overran or died."""
    if not pdfs:
        return []
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    child = context.Process(target=_child, args=(theirs, pdfs), name="pdf-text", daemon=True)
    answers: list[tuple[str, str | None]] = []
    try:
        child.start()
        theirs.close()
        while len(answers) < len(pdfs):
            # the first answer also waits for the child to start (spawn, imports)
            if not mine.poll(limit + (STARTUP if not answers else 0.0)):
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


def limit_resources(address_space: bool = True) -> None:
    """Memory and CPU limits of a child reading hostile files (where the system has them).

    ``address_space=False`` limits the data (allocated memory) instead of the address space:
    for PDFium, whose allocator reserves many gigabytes of addresses it never uses."""
    try:
        import resource
    except ImportError:  # Windows: the wall clock limit of the parent still holds
        return
    memory = resource.RLIMIT_AS if address_space else resource.RLIMIT_DATA
    for kind, value in (
        (memory, MEMORY_LIMIT),
        (resource.RLIMIT_CPU, CPU_LIMIT),
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
    limit_resources()
    for name in [n for n in os.environ if n.upper().startswith("CADUCEE_")]:
        os.environ.pop(name, None)
    logging.disable(logging.CRITICAL)  # pypdf warns about every odd file
    for data in pdfs:
        text, notice = _extract(data)
        connection.send((text, notice))
    connection.close()

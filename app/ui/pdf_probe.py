"""A received PDF is tried by PDFium in a child process before the window loads it.

QtPdf loads and renders with PDFium inside the window's process: a PDF made to hang or
crash PDFium would freeze or kill Caducée with the message on screen. So before a PDF is
drawn in place, :class:`PdfProber` hands its bytes to a spawned child (nothing inherited,
as the sync's workers; a frozen build starts it through ``multiprocessing.freeze_support``)
that loads it with the same QtPdf and renders its first pages. The child has a wall clock
limit per PDF (killed past it), a memory and CPU limit where the system has them; a PDF
it could not read, or that overran or killed it, is not loaded by the window: the reader
says so in French and the attachment stays available.

The child is kept between PDFs (starting one costs about half a second) and started again
after a kill. Probing runs in the reader's thread pool, never on the GUI thread.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from app.mssante.pdf_text import limit_resources

log = logging.getLogger(__name__)

TIME_LIMIT = 4.0  # seconds for one PDF: load and render its first pages
STARTUP = 20.0  # seconds for the child to start (spawn, Qt imports) on a busy machine
PAGES_TRIED = 3  # pages rendered by the child (small), besides loading every page's tree
MAX_PDF_BYTES = 64 * 1024 * 1024

# French, shown above the document; the attachment stays in the list
UNREADABLE = "Ce PDF est illisible ou endommagé : il n'est pas affiché."
DANGEROUS = (
    "Ce PDF n'est pas affiché : son ouverture a dépassé le délai ou fait échouer le "
    "lecteur PDF. Il reste dans les pièces jointes."
)
TOO_BIG = "Ce PDF est trop volumineux pour être affiché ici : il reste dans les pièces jointes."


@dataclass(frozen=True)
class Probe:
    safe: bool  # the window may load it
    pages: int = 0
    notice: str | None = None  # French, when not safe


class PdfProber:
    """One child at a time (a lock: the pool may probe from several threads)."""

    def __init__(self, hook: Any = None, time_limit: float = TIME_LIMIT) -> None:
        self._hook = hook  # tests: a module-level function the child calls on each PDF first
        self.time_limit = time_limit
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self.started = 0  # children started (tests: a kill starts a new one)

    def probe(self, data: bytes) -> Probe:
        """Never raises: a PDF that could not be tried is not loaded by the window."""
        if len(data) > MAX_PDF_BYTES:
            return Probe(False, notice=TOO_BIG)
        with self._lock:
            try:
                connection = self._ready()
                connection.send_bytes(data)
                if connection.poll(self.time_limit):
                    status, pages = connection.recv()
                    if status == "ready":
                        return Probe(True, int(pages))
                    return Probe(False, notice=UNREADABLE)
                log.warning("PDF probe: time limit reached, child killed")
            except (EOFError, OSError) as error:  # died on it (crash, memory limit)
                log.warning("PDF probe: child died (%s)", type(error).__name__)
            self._stop()
            return Probe(False, notice=DANGEROUS)

    def _ready(self) -> Connection:
        if self._process is not None and self._process.is_alive() and self._connection:
            return self._connection
        self._stop()
        context = multiprocessing.get_context("spawn")
        mine, theirs = context.Pipe()
        process = context.Process(target=_child, args=(theirs, self._hook), name="pdf-probe")
        process.daemon = True
        process.start()
        theirs.close()
        self._process, self._connection = process, mine
        self.started += 1
        if not mine.poll(STARTUP) or mine.recv() != "started":
            raise OSError("PDF probe did not start")
        return mine

    def _stop(self) -> None:
        process, connection = self._process, self._connection
        self._process, self._connection = None, None
        if connection is not None:
            connection.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(5)

    def close(self) -> None:
        with self._lock:
            self._stop()


_shared: PdfProber | None = None
_shared_lock = threading.Lock()


def shared_prober() -> PdfProber:
    """The window's prober (one child for the whole application)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = PdfProber()
        return _shared


def close_shared_prober() -> None:
    with _shared_lock:
        if _shared is not None:
            _shared.close()


def _child(connection: Connection, hook: Any = None) -> None:
    """Load each PDF received with QtPdf (PDFium) and render its first pages."""
    limit_resources(address_space=False)  # PDFium reserves gigabytes of addresses
    for name in [n for n in os.environ if n.upper().startswith("CADUCEE_")]:
        os.environ.pop(name, None)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtPdf import QPdfDocument

    application = QGuiApplication.instance() or QGuiApplication([])
    connection.send("started")
    while True:
        try:
            data = connection.recv_bytes()
        except (EOFError, OSError):
            return  # the window closed its end
        if hook is not None:
            hook(data)
        bytes_ = QByteArray(data)
        buffer = QBuffer(bytes_)
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document = QPdfDocument()
        document.load(buffer)
        while document.status() == QPdfDocument.Status.Loading:
            application.processEvents()
        if document.status() != QPdfDocument.Status.Ready:
            connection.send(("error", 0))
            continue
        pages = document.pageCount()
        for page in range(min(pages, PAGES_TRIED)):
            document.render(page, QSize(240, 340))
        connection.send(("ready", pages))
        document.close()
        del document, buffer, bytes_

"""A hook for ``PdfProber``'s child that behaves like a PDFium hang or crash on a marked PDF.

No real PDF is known (and kept here) that hangs or kills the PDFium of the locked QtPdf, so
this stands in for the renderer on two marked inputs; everything else (spawn, pipe, time
limit, kill, a new child for the next PDF, and PDFium reading every other PDF) is the
prober's real code. Module level: the spawned child imports it."""

from __future__ import annotations

import os
import time

HANG = b"%PDF-1.7\n%HANG\n"
CRASH = b"%PDF-1.7\n%CRASH\n"


def misbehave(data: bytes) -> None:
    if data.startswith(HANG):
        time.sleep(3600)
    if data.startswith(CRASH):
        os._exit(139)  # as a segmentation fault ends it (no core file left behind)

"""PDF/A for sending (ECO.2.1.1, ECO.2.1.5): a PDF converted by Ghostscript, a short typed
letter laid out here and made PDF/A the same way.

API (engine; plain Python, no Qt):

- ``to_pdfa(data, name) -> bytes``: a PDF (bytes starting ``%PDF-``) rewritten by Ghostscript's
  ``pdfwrite`` device as PDF/A-1b (``-dPDFA=1``, an sRGB output intent from Ghostscript's own
  ICC profile), checked afterwards (PDF header, the ``pdfaid`` XMP mark, an output intent). A
  file is never merely renamed: anything Ghostscript cannot convert is refused.
- ``letter_pdfa(text, title=None) -> bytes``: a typed letter (plain text, French accents)
  written as PostScript (Helvetica, Latin-1), made PDF/A by the same conversion.
- ``ghostscript() -> str | None``: the Ghostscript program used (``CADUCEE_GHOSTSCRIPT``, else
  ``gs``, ``gswin64c``, ``gswin32c`` on the PATH).
- :class:`PdfaRefused` (``reason``: French, for display) for every failure; nothing else.

Level 1 (PDF/A-1b) because Référentiel #2 ECO.2.1.1 names PDF/A-1 (notes §4.1); ``PDFA_LEVEL``
is the one place to change it. Ghostscript runs with ``-dSAFER`` in a private temporary
directory removed afterwards, with a time limit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

PDFA_LEVEL = 1
TIMEOUT_SECONDS = 120
MAX_INPUT_BYTES = 64 * 1024 * 1024
MAX_LETTER_CHARS = 20_000

_PROGRAMS = ("gs", "gswin64c", "gswin32c")

# The output intent: Ghostscript's own sRGB profile, found in its ICCProfilesDir (a file on
# Linux, its ROM file system on Windows builds), read under -dSAFER.
_OUTPUT_INTENT = b"""%!
/CaduceeDir currentuserparams /ICCProfilesDir known
  { currentuserparams /ICCProfilesDir get } { () } ifelse def
/CaduceePath CaduceeDir length 15 add string
  dup 0 CaduceeDir putinterval dup CaduceeDir length (default_rgb.icc) putinterval def
/CaduceeICC CaduceePath (r) file def
[/_objdef {caducee_icc} /type /stream /OBJ pdfmark
[{caducee_icc} << /N 3 >> /PUT pdfmark
[{caducee_icc} CaduceeICC /PUT pdfmark
[/_objdef {caducee_intent} /type /dict /OBJ pdfmark
[{caducee_intent} << /Type /OutputIntent /S /GTS_PDFA1 /DestOutputProfile {caducee_icc}
  /OutputConditionIdentifier (sRGB) /Info (sRGB) >> /PUT pdfmark
[{Catalog} << /OutputIntents [ {caducee_intent} ] >> /PUT pdfmark
"""


class PdfaRefused(Exception):
    """The document cannot be sent as PDF/A; ``reason`` is French, for display."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def ghostscript() -> str | None:
    configured = os.environ.get("CADUCEE_GHOSTSCRIPT")
    if configured:
        return configured if Path(configured).is_file() else shutil.which(configured)
    return next((found for p in _PROGRAMS if (found := shutil.which(p))), None)


def is_pdfa(data: bytes) -> bool:
    """What the conversion promises, checked on its output: a PDF carrying the PDF/A
    identification (XMP ``pdfaid:part``) and an output intent."""
    marks = (f"pdfaid:part='{PDFA_LEVEL}'".encode(), f'pdfaid:part="{PDFA_LEVEL}"'.encode())
    return (
        data[:5] == b"%PDF-" and any(mark in data for mark in marks) and b"/OutputIntents" in data
    )


def _run(inputs: list[Path], work: Path, name: str) -> bytes:
    program = ghostscript()
    if program is None:
        raise PdfaRefused(
            "Conversion en PDF/A impossible : Ghostscript n'est pas installé sur ce poste "
            "(programme « gs »). Installez-le, ou indiquez son chemin dans CADUCEE_GHOSTSCRIPT."
        )
    intent = work / "intent.ps"
    intent.write_bytes(_OUTPUT_INTENT)
    output = work / "out.pdf"
    command = [
        program,
        "-q",
        "-dBATCH",
        "-dNOPAUSE",
        "-dSAFER",
        "-sDEVICE=pdfwrite",
        f"-dPDFA={PDFA_LEVEL}",
        "-dPDFACompatibilityPolicy=2",  # what cannot be PDF/A: an error, never a plain PDF
        "-sColorConversionStrategy=RGB",
        f"-sOutputFile={output}",
        str(intent),
        *(str(p) for p in inputs),
    ]
    try:
        done = subprocess.run(  # noqa: S603 (a fixed program, our own arguments)
            command,
            cwd=work,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise PdfaRefused(
            f"{name} : la conversion en PDF/A n'a pas abouti en {TIMEOUT_SECONDS} s ; "
            "document non envoyé."
        ) from None
    except OSError as error:
        raise PdfaRefused(
            f"Conversion en PDF/A impossible : Ghostscript ne démarre pas ({error.strerror})."
        ) from None
    data = output.read_bytes() if output.is_file() else b""
    said = done.stdout + done.stderr  # a damaged input is "repaired" into blank pages: refused
    if done.returncode != 0 or b"**** Error" in said or b"No pages" in said or not is_pdfa(data):
        raise PdfaRefused(
            f"{name} ne peut pas être converti en PDF/A (fichier endommagé, protégé par un mot "
            "de passe ou d'un contenu que le format PDF/A n'admet pas) : document non envoyé."
        )
    return data


def to_pdfa(data: bytes, name: str = "Le document") -> bytes:
    """``data`` (a PDF) as PDF/A; :class:`PdfaRefused` when it is not a PDF or cannot be
    converted."""
    if len(data) > MAX_INPUT_BYTES:
        raise PdfaRefused(f"{name} est trop volumineux (plus de 64 Mo) : document non envoyé.")
    if b"%PDF-" not in data[:1024]:
        raise PdfaRefused(f"{name} n'est pas un fichier PDF : seuls les PDF peuvent être envoyés.")
    with tempfile.TemporaryDirectory(prefix="caducee-pdfa-") as temporary:
        work = Path(temporary)
        source = work / "in.pdf"
        source.write_bytes(data)
        return _run([source], work, name)


# -- a typed letter ---------------------------------------------------------------------------

_PAGE_TOP, _PAGE_BOTTOM, _LEFT = 780, 60, 60
_SIZE, _LEADING, _WIDTH = 11, 15, 90  # points, points, characters per line
_REPLACE = {"œ": "oe", "Œ": "OE", "€": "EUR", "’": "'", "‘": "'", "“": '"', "”": '"', "–": "-",
            "—": "-", "…": "...", "\u00a0": " ", "\u202f": " "}  # fmt: skip


def _latin1(text: str) -> bytes:
    for old, new in _REPLACE.items():
        text = text.replace(old, new)
    return text.encode("latin-1", errors="replace")


def _ps_string(line: bytes) -> bytes:
    out = bytearray(b"(")
    for byte in line:
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif byte < 32 or byte > 126:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out + b")")


def _lines(text: str, title: str | None) -> list[tuple[str, bool]]:
    lines: list[tuple[str, bool]] = []
    if title:
        lines += [(t, True) for t in textwrap.wrap(title, _WIDTH - 20)] + [("", False)]
    for paragraph in text.splitlines():
        wrapped = textwrap.wrap(paragraph.expandtabs(4), _WIDTH) or [""]
        lines += [(line, False) for line in wrapped]
    return lines


def letter_postscript(text: str, title: str | None = None) -> bytes:
    """The letter as a PostScript program (pages of 50 lines, Helvetica in Latin-1)."""
    out = [
        b"%!PS-Adobe-3.0",
        b"/Caducee-reencode { findfont dup length dict begin { 1 index /FID ne { def }"
        b" { pop pop } ifelse } forall /Encoding ISOLatin1Encoding def currentdict end"
        b" definefont pop } def",
        b"/CaduceeBody /Helvetica Caducee-reencode",
        b"/CaduceeBold /Helvetica-Bold Caducee-reencode",
        b"<< /PageSize [595 842] >> setpagedevice",
    ]
    y = _PAGE_TOP
    page_open = False
    for line, bold in _lines(text, title):
        if not page_open:
            y = _PAGE_TOP
            page_open = True
        font = b"/CaduceeBold" if bold else b"/CaduceeBody"
        size = _SIZE + 3 if bold else _SIZE
        out.append(
            font + b" findfont %d scalefont setfont %d %d moveto " % (size, _LEFT, y)
            + _ps_string(_latin1(line)) + b" show"
        )  # fmt: skip
        y -= _LEADING
        if y < _PAGE_BOTTOM:
            out.append(b"showpage")
            page_open = False
    if page_open:
        out.append(b"showpage")
    return b"\n".join(out) + b"\n"


def letter_pdfa(text: str, title: str | None = None) -> bytes:
    """A short typed letter as a PDF/A document."""
    if not text.strip():
        raise PdfaRefused("Le courrier est vide : écrivez son texte avant de l'envoyer.")
    if len(text) > MAX_LETTER_CHARS:
        raise PdfaRefused(
            f"Le courrier est trop long (plus de {MAX_LETTER_CHARS} caractères) : joignez-le "
            "plutôt en PDF."
        )
    with tempfile.TemporaryDirectory(prefix="caducee-pdfa-") as temporary:
        work = Path(temporary)
        source = work / "letter.ps"
        source.write_bytes(letter_postscript(text, title))
        return _run([source], work, "Le courrier")

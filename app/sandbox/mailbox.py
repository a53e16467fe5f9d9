"""A deterministic, realistic mailbox of a French general practitioner (sample MSSanté mail).

Used by the demo (``app.sandbox.samples`` picks a few messages from it) and by the benchmarks
(``bench/mailbox.py`` writes a whole plan as a Maildir++ tree). A plan is the mail of
Dr Alice MARTIN (a GP on MSSanté) over the two years before its end date:

- short notes between colleagues, often in threads (``In-Reply-To`` / ``References``);
- lab results with a PDF, some as IHE XDM (``IHE_XDM.ZIP`` + the same PDF);
- discharge letters and imaging reports as IHE XDM: ``IHE_XDM.ZIP`` (README.TXT, INDEX.HTM,
  IHE_XDM/SUBSET01/METADATA.XML, a CDA R2 document DOC0001.XML and the PDF DOC0002.PDF) plus
  the same PDF, subject ``XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de naissance>``,
  ``X-MSS-CODECDA``, ``X-MSS-INS``, ``X-MSS-NIL``;
- consultation letters from specialists, messages from patients (``<INS>@patient.mssante``,
  some with a photo or a scan), the doctor's replies (``X-MSS-MES: FIN`` now and then) and
  referral letters in "Sent";
- read-receipt requests (``Disposition-Notification-To``) and the MDNs that came back;
- accented subjects and names (RFC 2047), accented attachment names (RFC 2231);
- flags in the Maildir file names (Seen ~80 %, Flagged ~3 %, Replied where answered), unread
  recent mail in ``new/``, file mtimes = delivery dates.

Folders, as Dovecot's ``maildir`` format stores them (``LAYOUT=maildir++``, the default: one
directory per folder directly under the Maildir, hierarchy separator ``.``, names in IMAP
modified UTF-7): ``INBOX`` is the Maildir itself, ``Sent`` → ``.Sent``, ``Archives/2024`` →
``.Archives.2024``, ``Archives/2025`` → ``.Archives.2025``, ``Résultats`` → ``.R&AOk-sultats``.

PDFs are valid PDF 1.4 written by hand (Helvetica, WinAnsi text pages; not PDF/A: no embedded
fonts nor XMP). Their size is scaled so that the whole mailbox reaches ``--target-size``: text
pages up to ~320 KB, beyond that a scanned page (an uncompressed grey image of noise), the way
scanned letters make real PDFs large. Same seed, same options → byte-identical files,
whatever the number of worker processes. Standard library only.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_END = dt.date(2026, 6, 30)
FOLDERS = ("INBOX", "Sent", "Archives/2024", "Archives/2025", "Résultats")
TEXT_CAP = 320_000  # bytes of text pages in one PDF; the rest is a scanned page
MAX_PDF = 12_000_000
OWNER_NIL = "DEV000000"  # X-MSS-NIL of the doctor's own software (placeholder)


# -- folder names on disk ------------------------------------------------------------------


def mutf7(name: str) -> str:
    """IMAP modified UTF-7 (RFC 3501 §5.1.3), as Dovecot stores folder names in Maildir++."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def folder_dir(root: Path, folder: str) -> Path:
    """The directory of an IMAP folder in Dovecot's Maildir++ layout (separator ``/`` here)."""
    if folder == "INBOX":
        return root
    return root / ("." + ".".join(mutf7(part) for part in folder.split("/")))

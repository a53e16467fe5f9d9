"""Folder and file names that are readable and safe on Windows, macOS and Linux.

Windows is the strictest: no ``<>:"/\\|?*`` nor control characters, no trailing dot or
space, no reserved device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, also with superscript
digits, CONIN$/CONOUT$) whatever the extension, and paths kept under 260 characters by
default. Every name built from what a message or a CSV file says goes through
:func:`safe_component`, so it can never hold a directory part.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

MAX_FOLDER_CHARS = 100  # one patient folder name
MAX_FILE_CHARS = 120  # one filed document name, extension included
MAX_COMPONENT_BYTES = 240  # UTF-8; most file systems stop at 255
PATH_BUDGET = 250  # Windows MAX_PATH (260) minus a margin: names shrink to fit when they can
FILE_ROOM = 70  # kept for a document's file name when a deep root shortens folder names

_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_RESERVED = re.compile(
    r"(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³]) *(?:\..*)?", re.IGNORECASE
)
_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    kept = []
    for char in text:
        if unicodedata.category(char).startswith("C"):  # control, format (bidi), surrogates
            kept.append(" ")
        elif _FORBIDDEN.match(char):
            kept.append(" " if char in "/\\|" else "")
        else:
            kept.append(char)
    return _SPACES.sub(" ", "".join(kept)).strip()


def _shorten(text: str, max_chars: int) -> str:
    text = text[:max_chars]
    while len(text.encode("utf-8")) > MAX_COMPONENT_BYTES:
        text = text[:-1]
    return text


def _tidy_end(text: str) -> str:
    return text.rstrip(". ").lstrip(". ")  # no trailing dot/space; no hidden ".name"


def safe_component(text: str | None, fallback: str, max_chars: int = MAX_FOLDER_CHARS) -> str:
    """One path component (folder or file name without directory) from untrusted text."""
    result = _tidy_end(_shorten(_clean(text or ""), max_chars))
    if not result:
        result = _tidy_end(_shorten(_clean(fallback), max_chars)) or "_"
    if _RESERVED.fullmatch(result) or result in (".", ".."):
        result = _tidy_end(_shorten("_" + result, max_chars))
    return result


def safe_file_name(stem: str | None, extension: str, fallback: str, max_chars: int) -> str:
    """``stem`` + ``extension`` (".pdf"), the extension kept whole when the stem is cut."""
    ext = "." + re.sub(r"[^A-Za-z0-9_]", "", extension.lstrip("."))[:10]
    ext = "" if ext == "." else ext
    room = max(8, max_chars - len(ext))
    return safe_component(safe_component(stem, fallback, room) + ext, fallback + ext, max_chars)


def with_number(name: str, number: int) -> str:
    """ "x.pdf" -> "x (2).pdf"; used when a name is already taken (never overwrite)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or " " in ext or len(ext) > 10:
        return f"{name} ({number})"
    return f"{stem} ({number}).{ext}"


# -- patient folders ---------------------------------------------------------------------------


def folder_name(
    birth_name: str, first_names: str, birth_date: date | None, max_chars: int = MAX_FOLDER_CHARS
) -> str:
    """Like "DUPONT Marie (1980-05-12)": birth name in capitals, first first name, birth date.

    ``max_chars`` (at least 30) shortens the names, never the date.
    """
    max_chars = max(30, min(max_chars, MAX_FOLDER_CHARS))
    first = first_names.replace(",", " ").split()
    given = first[0].capitalize() if first else ""
    if "-" in given:  # "JEAN-PIERRE" -> "Jean-Pierre"
        given = "-".join(part.capitalize() for part in given.split("-"))
    born = f" ({birth_date.isoformat()})" if birth_date else ""
    base = safe_component(f"{birth_name.upper()} {given}".strip(), "PATIENT", max_chars - 13)
    return safe_component(base + born, "PATIENT", max_chars)


_FOLDER = re.compile(
    r"(?P<names>.+?)\s*[(\[]\s*(?P<date>\d{4}-\d{2}-\d{2}|\d{2}[-.]\d{2}[-.]\d{4})\s*[)\]]"
    r"(?:\s*\(\d+\))?"
)


def parse_folder_name(name: str) -> tuple[str, str, date] | None:
    """(birth name, first names, birth date) from "DUPONT Marie (1980-05-12)", or None.

    The leading words in capitals are the name, the rest the first names; the date is
    ISO or JJ-MM-AAAA / JJ.MM.AAAA. A trailing " (2)" (a second folder of that name) is
    accepted.
    """
    found = _FOLDER.fullmatch(name.strip())
    if found is None:
        return None
    text = found["date"]
    try:
        if text[4] == "-":
            born = date.fromisoformat(text)
        else:
            born = date(int(text[6:]), int(text[3:5]), int(text[:2]))
    except ValueError:
        return None
    words = found["names"].split()
    upper = []
    for word in words:
        if word.upper() == word and any(c.isalpha() for c in word):
            upper.append(word)
        else:
            break
    if len(upper) == len(words) and len(words) > 1:  # "DUPONT A": a one-letter first name
        upper = upper[:-1]
    given = words[len(upper) :]
    if not upper or not given:
        return None
    return " ".join(upper), " ".join(given), born

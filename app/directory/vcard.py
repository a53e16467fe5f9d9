"""vCard 4.0 (RFC 6350) export of directory entries, and a small reader for such files.

One card per mailbox: FN (with the civility), N, KIND (individual or org), EMAIL (the
MSSanté address), ORG (organisation; service), TITLE (profession, specialty), ADR (work),
NOTE (that it is an MSSanté mailbox, its type and RPPS), and a UID made from the address
so that importing the same export twice updates rather than duplicates. Lines end with
CRLF and are folded at 75 octets without cutting a UTF-8 character; text values escape
backslash, comma, semicolon and newline (RFC 6350 §3.4).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from app.directory import labels
from app.directory.index import Mailbox

_LIMIT = 75  # octets per physical line, CRLF excluded


def escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    out: list[str] = []
    current = ""
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = _LIMIT if not out else _LIMIT - 1  # continuation lines start with a space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def card(mailbox: Mailbox) -> str:
    """One vCard 4.0 for ``mailbox`` (CRLF line ends)."""
    person = bool(mailbox.last_name or mailbox.first_name)
    title = ", ".join(p for p in (mailbox.profession, labels.specialty(mailbox)) if p)
    note = f"Messagerie sécurisée de santé MSSanté (BAL {mailbox.bal_type})"
    if mailbox.id_pp:
        note += f", {'RPPS' if mailbox.id_pp_type == '8' else 'identifiant'} {mailbox.id_pp}"
    properties = [
        ("BEGIN", "VCARD"),
        ("VERSION", "4.0"),
        ("UID", f"mailto:{mailbox.address.lower()}"),
        ("KIND", "individual" if person else "org"),
        ("FN", escape(labels.full_name(mailbox))),
    ]
    if person:
        n = [mailbox.last_name, mailbox.first_name, "", labels.civility(mailbox), ""]
        properties.append(("N", ";".join(escape(p) for p in n)))
    properties.append(("EMAIL;TYPE=work", mailbox.address))
    org = [p for p in (mailbox.organisation, mailbox.service) if p]
    if org:
        properties.append(("ORG", ";".join(escape(p) for p in org)))
    if title:
        properties.append(("TITLE", escape(title)))
    if mailbox.street or mailbox.postcode or mailbox.city:
        adr = ["", "", mailbox.street, labels.city(mailbox), "", mailbox.postcode, "France"]
        properties.append(("ADR;TYPE=work", ";".join(escape(p) for p in adr)))
    properties += [("NOTE", escape(note)), ("END", "VCARD")]
    lines: list[str] = []
    for name, value in properties:
        lines += _fold(f"{name}:{value}")
    return "\r\n".join(lines) + "\r\n"


def export(mailboxes: Iterable[Mailbox], target: Path) -> int:
    """Write the cards to ``target`` atomically (UTF-8); returns how many were written."""
    cards = [card(m) for m in mailboxes]
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".vcard-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write("".join(cards).encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        Path(name).replace(target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return len(cards)


def _unescape(value: str) -> str:
    out = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append("\n" if following in "nN" and following else following)
        else:
            out.append(char)
    return "".join(out)


def _split(value: str, separator: str) -> list[str]:
    """Split on unescaped ``separator``; the parts stay escaped."""
    parts, current, escaped = [], "", False
    for char in value:
        if escaped:
            current += "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def read(text: str) -> list[dict[str, list[list[str]]]]:
    """The cards of a vCard file: property name (upper case, parameters dropped) -> one
    list of unescaped components (split on ``;``) per occurrence."""
    unfolded: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t") and unfolded:
            unfolded[-1] += line[1:]
        elif line:
            unfolded.append(line)
    cards: list[dict[str, list[list[str]]]] = []
    current: dict[str, list[list[str]]] | None = None
    for line in unfolded:
        head, _, value = line.partition(":")
        name = head.split(";", 1)[0].upper()
        if name == "BEGIN" and value.upper() == "VCARD":
            current = {}
        elif name == "END" and current is not None:
            cards.append(current)
            current = None
        elif current is not None:
            current.setdefault(name, []).append([_unescape(p) for p in _split(value, ";")])
    return cards

"""Reading a received ZIP archive (``IHE_XDM.ZIP``) entirely in memory, with limits.

Nothing is ever extracted to disk. Each member is streamed through
:class:`app.core.ziplimits.BoundedReader` with a hard cap (declared sizes are not trusted):
the per-member size, what is left of the total, and the compression ratio. Names are
normalised (backslashes → "/") and refused when absolute, with a drive letter, "..", NUL,
control characters or a device name: such an archive is hostile, not just badly made.

Refusals raise :class:`ZipRefused` whose ``reason`` is French, for the doctor.
"""

from __future__ import annotations

import io
import lzma
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from app.core.ziplimits import BoundedReader, TooBig, ratio_exceeded

MiB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    max_archive_bytes: int = 50 * MiB  # an MSSanté message is ≤ 25 MB in practice
    max_total_bytes: int = 128 * MiB  # all members, uncompressed
    max_entry_bytes: int = 64 * MiB  # one member (a scanned PDF)
    max_ratio: int = 100  # uncompressed / compressed, for members above ratio_floor
    ratio_floor: int = 1 * MiB  # small members may compress very well (XML)
    max_entries: int = 500  # an XDM has a handful of files per subset
    max_name_chars: int = 255


DEFAULT_LIMITS = ZipLimits()


class ZipRefused(Exception):
    """The archive is refused; ``reason`` is French, for display."""

    def __init__(self, reason: str, name: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.name = name  # the offending member's name (display only), if any


@dataclass(frozen=True)
class ZipMember:
    name: str  # normalised: "/"-separated, relative, no "." or ".." component
    data: bytes


# What zipfile raises on a corrupt archive (CRC, cut data, bad headers, bad deflate...).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    ValueError,
    OSError,
    RuntimeError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
    UnicodeError,
    LookupError,
    NotImplementedError,
)
_DRIVE = re.compile(r"[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"{prefix}{digit}" for prefix in ("COM", "LPT") for digit in "0123456789¹²³"}
)


def shown(name: str, limit: int = 80) -> str:
    """A hostile name made displayable: control and format characters (bidi overrides that
    would disguise an extension) replaced by "?", length capped."""
    text = "".join(
        "?" if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") else c
        for c in name[: limit + 1]
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dangerous(name: str) -> ZipRefused:
    return ZipRefused(f"Nom de fichier dangereux dans l'archive : {shown(name)}", name)


def normalise_name(name: str, limits: ZipLimits = DEFAULT_LIMITS) -> str:
    """The member name made relative and "/"-separated; :class:`ZipRefused` when it tries to
    leave the archive (absolute, drive, "..") or names a device or holds control chars."""
    if len(name) > limits.max_name_chars or _CONTROL.search(name):
        raise _dangerous(name)
    path = name.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        raise _dangerous(name)
    parts = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part.strip() == ".." or part.strip(" .") == "" or ":" in part:
            raise _dangerous(name)
        if part.split(".", 1)[0].rstrip(" ").upper() in _DEVICES:
            raise _dangerous(name)
        parts.append(part)
    return "/".join(parts)


def is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def read_zip(data: bytes, limits: ZipLimits = DEFAULT_LIMITS) -> list[ZipMember]:
    """The files of the archive (directories left out), in archive order.

    Raises :class:`ZipRefused` for anything hostile or unreadable; nothing else.
    """
    if len(data) > limits.max_archive_bytes:
        raise ZipRefused("Archive refusée : fichier trop volumineux.")
    if not is_zip(data):
        raise ZipRefused("Archive refusée : ce n'est pas une archive ZIP.")
    # Each central directory record starts with this signature: counting them bounds the
    # work zipfile does before any check of ours (a million tiny entries).
    if data.count(b"PK\x01\x02") > limits.max_entries:
        raise ZipRefused("Archive refusée : trop de fichiers dans l'archive.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as error:
        raise ZipRefused("Archive refusée : archive ZIP illisible ou incomplète.") from error
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise ZipRefused("Archive refusée : trop de fichiers dans l'archive.")
        declared = 0
        seen: set[str] = set()
        plan: list[tuple[zipfile.ZipInfo, str]] = []
        for info in infos:
            raw_name = info.orig_filename if "\x00" in info.orig_filename else info.filename
            name = normalise_name(raw_name, limits)
            if info.is_dir() or info.filename.endswith(("/", "\\")) or not name:
                continue
            if name.casefold() in seen:
                raise ZipRefused(f"Archive refusée : nom en double ({shown(name)}).", name)
            seen.add(name.casefold())
            if info.flag_bits & 0x1:
                raise ZipRefused("Archive refusée : fichier chiffré dans l'archive.", name)
            declared += info.file_size
            if info.file_size > limits.max_entry_bytes or declared > limits.max_total_bytes:
                raise ZipRefused(
                    "Archive refusée : taille décompressée trop grande (bombe de décompression ?).",
                    name,
                )
            if ratio_exceeded(
                info.file_size, info.compress_size, limits.max_ratio, limits.ratio_floor
            ):
                raise ZipRefused(
                    "Archive refusée : taux de compression anormal (bombe de décompression ?).",
                    name,
                )
            plan.append((info, name))
        members = []
        total = 0
        for info, name in plan:
            cap = min(
                limits.max_entry_bytes,
                limits.max_total_bytes - total,
                max(limits.max_ratio * max(info.compress_size, 1), limits.ratio_floor),
            )
            content = _read_member(archive, info, cap, name)
            total += len(content)
            members.append(ZipMember(name, content))
        return members


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, name: str) -> bytes:
    try:
        with archive.open(info) as inner, BoundedReader(inner, cap) as bounded:
            chunks = []
            while chunk := bounded.read(1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
    except TooBig as error:
        raise ZipRefused(
            "Archive refusée : taille décompressée trop grande (bombe de décompression ?).", name
        ) from error
    except NotImplementedError as error:
        raise ZipRefused(
            "Archive refusée : méthode de compression non prise en charge.", name
        ) from error
    except _ZIP_ERRORS as error:
        raise ZipRefused("Archive refusée : archive ZIP corrompue ou incomplète.", name) from error

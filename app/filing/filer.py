"""Writing a document's files into a patient folder: atomic, never overwriting, inside root.

Each file is written to a temporary file in the destination folder (``.caducee-*.tmp``,
created with O_EXCL), flushed and fsynced, then given its final name by ``os.link``, which
fails instead of replacing an existing file; the temporary name is then removed and the
folder fsynced. Where hard links are not supported (FAT, some network shares) the final
name is created with O_EXCL and written (a crash there may leave a partial file: recovery
never removes a file whose hash is not the planned one, so the doctor sees it). On any
failure the temporary file is removed. Every destination is resolved and checked to be a
direct child folder of the patients root: a symbolic link or a hostile name cannot lead out.

The patients folder is the practice's, not Caducée's profile (often shared with colleagues
through a group or a network share): a folder or file created there gets the rights of the
patients root itself (``app.core.private.shared_modes``: a 0750 root gives 0750 folders
and 0640 files, a 0700 one 0700 and 0600), never Caducée's private 0600 / 0700.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.core.clocks import folder_now
from app.core.private import set_mode, shared_modes
from app.filing.errors import FilingError, OutsideRootError
from app.filing.journal import DocumentKeys
from app.filing.names import (
    MAX_FILE_CHARS,
    PATH_BUDGET,
    safe_component,
    safe_file_name,
    with_number,
)
from app.mssante.model import DocumentFile, ReceivedDocument

log = logging.getLogger(__name__)

_NOT_KEYS = ("application/zip", "text/html")  # the container; our rendering
TEMP_PREFIX = ".caducee-"
TEMP_SUFFIX = ".tmp"
TEMP_MAX_AGE = 120.0  # seconds; a live filing writes a file in well under a second
_EXTENSIONS = {
    "application/pdf": "pdf",
    "text/html": "html",
    "text/plain": "txt",
    "text/xml": "xml",
    "application/xml": "xml",
    "application/zip": "zip",
}


@dataclass(frozen=True)
class PlannedFile:
    name: str  # final name in the patient folder
    data: bytes
    sha256: str


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(document: ReceivedDocument) -> str:
    """One hash for the readable file and the originals, in order (duplicates detection)."""
    digest = hashlib.sha256()
    for item in _files_of(document):
        digest.update(hashlib.sha256(item.data).digest())
    return digest.hexdigest()


def document_keys(document: ReceivedDocument) -> DocumentKeys:
    """What makes it the same document (issue 19): its ids, and the sha256 of each file
    it is read from — the PDF, the CDA, the HPRIM file — never of the IHE_XDM.ZIP
    container, whose bytes change with each packaging, nor of the HTML Caducée renders
    from a CDA (two reports may share their narrative and differ in their values)."""
    contents = [
        sha256(f.data) for f in _files_of(document) if f.data and f.media_type not in _NOT_KEYS
    ]
    return DocumentKeys(
        ids=document.unique_ids,
        contents=tuple(dict.fromkeys(contents)),
        set_id=document.set_id,
        version=document.version,
    )


def _files_of(document: ReceivedDocument) -> list[DocumentFile]:
    return ([document.readable] if document.readable else []) + list(document.originals)


def has_content(document: ReceivedDocument) -> bool:
    return any(f.data for f in _files_of(document))


def _extension(item: DocumentFile) -> str:
    suffix = Path(item.name).suffix.lstrip(".").lower() if "." in item.name else ""
    return _EXTENSIONS.get(item.media_type.lower(), suffix if suffix.isalnum() else "bin")


def _original_suffix(item: DocumentFile) -> str:
    media = item.media_type.lower()
    if media in ("text/xml", "application/xml"):
        return "_CDA.xml"
    if media == "application/zip":
        return "_IHE_XDM.zip"
    if media == "text/plain":
        return "_HPRIM.txt"
    return f"_original.{_extension(item)}"


def base_name(document: ReceivedDocument, message_date: date | None, sender: str | None) -> str:
    """``AAAA-MM-JJ_<type>_<émetteur>`` (unsafe characters removed)."""
    day = document.act_date or message_date or date.today()
    kind = document.type_label or document.title or "document"
    author = document.author or sender or "expediteur"
    kind = safe_component(kind, "document", 50).replace("_", "-")
    author = safe_component(author, "expediteur", 40).replace("_", "-")
    return f"{day.isoformat()}_{kind}_{author}"


def plan(
    folder: Path,
    document: ReceivedDocument,
    message_date: date | None,
    sender: str | None,
) -> list[PlannedFile]:
    """The files to write, with names free in ``folder`` now (" (2)" etc. when taken)."""
    readable = document.readable
    items: list[tuple[str, DocumentFile]] = []
    if readable is not None:
        items.append((f".{_extension(readable)}", readable))
    items += [(_original_suffix(o), o) for o in document.originals]
    if not items:
        return []
    seen: dict[str, int] = {}
    for position, (suffix, item) in enumerate(items):  # two CDA files: "_CDA.xml", "_CDA-2.xml"
        count = seen[suffix.casefold()] = seen.get(suffix.casefold(), 0) + 1
        if count > 1:
            dot = suffix.rfind(".")
            items[position] = (f"{suffix[:dot] or '_'}-{count}{suffix[dot:]}", item)
    # Keep the whole path under PATH_BUDGET when the folder leaves room for a readable name.
    longest = max(len(suffix) for suffix, _ in items) + len(" (99)")
    room = min(MAX_FILE_CHARS, max(30, PATH_BUDGET - len(str(folder)) - 1)) - longest
    stem = base_name(document, message_date, sender)[: max(20, room)].rstrip(" ._-")
    for number in range(1, 1000):
        tagged = stem if number == 1 else f"{stem} ({number})"
        names = [
            safe_file_name(
                tagged + s[: s.rfind(".")], s[s.rfind(".") :], "document", MAX_FILE_CHARS + 10
            )
            for s, _ in items
        ]
        if len(set(n.casefold() for n in names)) == len(names) and not any(
            (folder / n).exists() for n in names
        ):
            return [
                PlannedFile(n, item.data, sha256(item.data))
                for n, (_, item) in zip(names, items, strict=True)
            ]
    raise FilingError("no free file name", user_message="Trop de documents du même nom.")


def patient_folder(root: Path, folder: str) -> Path:
    """``root/folder`` created if needed, refused unless it is a real direct child of root."""
    if not folder or folder in (".", "..") or safe_component(folder, "_", 255) != folder:
        raise OutsideRootError("bad patient folder name")
    target = root / folder
    if target.is_symlink():
        raise OutsideRootError("patient folder is a symbolic link")
    try:
        target.mkdir(mode=0o700)
    except FileExistsError as error:
        if not target.is_dir():
            raise FilingError(
                "cannot create patient folder",
                user_message=f"Impossible de créer le dossier du patient ({error.strerror}).",
            ) from error
        # else the practice's folder, left as it is
    except OSError as error:
        raise FilingError(
            "cannot create patient folder",
            user_message=f"Impossible de créer le dossier du patient ({error.strerror}).",
        ) from error
    else:
        set_mode(target, shared_modes(root)[0])  # the root's rights, not our umask's
    if inside(root, target).parent != root.resolve():
        raise OutsideRootError("patient folder is not directly in the root")
    return target


def inside(root: Path, path: Path) -> Path:
    """``path`` resolved (links followed), refused unless strictly below ``root``."""
    resolved = path.resolve()
    if root.resolve() not in resolved.parents:
        raise OutsideRootError("path leaves the patients root")
    return resolved


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory; NTFS journals the metadata
    try:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:  # some network file systems refuse it; the data is synced
        log.info("folder not synced (%s)", type(error).__name__)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_new(
    root: Path,
    folder: Path,
    name: str,
    data: bytes,
    *,
    on_taken: Callable[[str], str] | None = None,
    modes_from: Path | None = None,
) -> Path:
    """Create ``folder/name`` with ``data``, atomically; never replaces an existing file.

    ``on_taken(name) -> other name`` is asked when the name was taken meanwhile (default:
    raise ``FileExistsError``). The file gets the rights of ``modes_from`` (default
    ``root``: the patients root; the practice software's import folder for its files).
    """
    inside(root, folder)
    if safe_component(name, "_", 255) != name:
        raise OutsideRootError("unsafe file name")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    temp = folder / f"{TEMP_PREFIX}{secrets.token_hex(8)}{TEMP_SUFFIX}"
    mode = shared_modes(modes_from or root)[1]
    fd = os.open(temp, flags, 0o600)
    try:
        try:
            set_mode(fd, mode)  # the final name is a link to this file: same rights
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        while True:
            final = folder / name
            try:
                _link_or_create(temp, final, data, flags, mode)
                break
            except FileExistsError:
                if on_taken is None:
                    raise
                name = on_taken(name)
    finally:
        try:
            temp.unlink()
        except FileNotFoundError:
            pass
        except OSError as error:  # held open (antivirus...): the next filing removes it
            log.warning("temporary file not removed (%s)", type(error).__name__)
    _fsync_dir(folder)
    return final


def _link_or_create(temp: Path, final: Path, data: bytes, flags: int, mode: int) -> None:
    try:
        os.link(temp, final)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in (
            errno.EPERM,
            errno.ENOTSUP,
            errno.EOPNOTSUPP,
            errno.EXDEV,
            errno.EMLINK,
            errno.ENOSYS,
            errno.EACCES,
        ):
            raise
        log.info("hard links not supported here; exclusive create instead")
        fd = os.open(final, flags, 0o600)
        try:
            set_mode(fd, mode)
            _write_all(fd, data)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                final.unlink()
            raise
        os.close(fd)


def remove_temporaries(folder: Path, older_than: float = TEMP_MAX_AGE) -> int:
    """Left-over ``.caducee-*.tmp`` files (a killed filing): removed, counted.

    Only those older than ``older_than`` seconds: a younger one may belong to a filing
    running in another process right now.
    """
    count = 0
    if not folder.is_dir():
        return 0
    limit = folder_now(folder, f"{TEMP_PREFIX}clock-", TEMP_SUFFIX) - older_than
    for entry in folder.iterdir():
        if entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX):
            with contextlib.suppress(OSError):
                if entry.lstat().st_mtime <= limit:
                    entry.unlink()
                    count += 1
    return count


def same_content(path: Path, digest: str) -> bool:
    """True when ``path`` is a regular file whose sha256 is ``digest`` (undo, recovery)."""
    if path.is_symlink() or not path.is_file():
        return False
    hasher = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest() == digest


def plan_again(folder: Path, name: str) -> str:
    """The next free "name (n).ext" in ``folder`` (a name taken between plan and write)."""
    for number in range(2, 1000):
        other = with_number(name, number)
        if not (folder / other).exists():
            return other
    raise FilingError("no free file name", user_message="Trop de documents du même nom.")

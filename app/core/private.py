"""Files private to the user: every file Caducée creates in its profile is 0600, every
directory 0700.

The profile holds mail, the filing journal, the patient registry, settings and logs (even
redacted, they say who wrote when): another account on the same computer must read none of
it. Three layers, so that no single forgotten ``open`` leaks:

- ``restrict_umask()`` once at process start (``app.cli.main``): whatever the process
  creates — SQLite's ``-wal``/``-shm``, Qt's ``ui.ini``, temporary files, attachments
  opened with another program — is private, including what a library writes;
- the files that matter are also created with an explicit mode (``create_private``,
  ``private_database``, ``Profile.ensure``, ``BlobStore``, the log), so that it holds when
  the engine runs in a process whose umask is not ours (the tests, another program);
- a file or directory an older Caducée created 0644 / 0755 is tightened when it is opened.

Programs Caducée starts (a PDF viewer) inherit the umask: what they save is private too.

The patients folder is not the profile: it is the practice's (often shared with colleagues,
a network share). What is filed there gets that folder's own permissions
(``shared_modes``), not these.

Windows: POSIX modes mean little there (``chmod`` only sets read-only); the per-user
profile directories (``%APPDATA%``, ``%LOCALAPPDATA%``) are private to the user by their
ACLs, which what is created inside inherits. These functions change nothing there.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

PRIVATE_UMASK = 0o077
_POSIX = os.name == "posix"
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def restrict_umask() -> int:
    """From now on this process creates private files and directories; returns the umask
    it had."""
    return os.umask(PRIVATE_UMASK)


def tighten(path: Path) -> None:
    """Remove the group's and others' rights from ``path`` if it exists (and is ours to
    change); a symbolic link is left alone."""
    if not _POSIX:
        return
    with contextlib.suppress(OSError):
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            path.chmod(stat.S_IMODE(mode) & ~0o077)


def private_directory(path: Path) -> None:
    """``path`` and its missing parents created 0700; ``path`` itself tightened if it
    existed (its parents are not: they may be the user's own folders)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    tighten(path)


def create_private(path: Path) -> None:
    """``path`` created empty and 0600 if missing, else tightened: what a library then opens
    there (SQLite, the logging module) stays private whatever the umask."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        tighten(path)
    else:
        os.close(descriptor)


def private_database(path: Path) -> None:
    """Before ``sqlite3.connect(path)``: the database file 0600. SQLite creates its ``-wal``
    and ``-shm`` files with the database file's mode; those of an older Caducée are
    tightened too."""
    create_private(path)
    for suffix in _SQLITE_COMPANIONS:
        tighten(path.with_name(path.name + suffix))


def shared_modes(root: Path) -> tuple[int, int]:
    """(directory mode, file mode) for what is created inside ``root``, a folder that is
    not ours (the patients folder): the rights ``root`` gives, its setgid bit kept for the
    directories (a group-shared folder), never write for others, never execute for files.
    A 0750 root gives 0750 / 0640; a 0700 one, 0700 / 0600."""
    try:
        mode = root.stat().st_mode
    except OSError:
        return 0o700, 0o600
    directory = mode & (stat.S_ISGID | 0o775) | stat.S_IRWXU
    return directory, directory & 0o664 | stat.S_IRUSR | stat.S_IWUSR


def set_mode(target: int | Path, mode: int) -> None:
    """``chmod`` (an open descriptor: ``fchmod``), which the umask does not narrow; POSIX
    only, errors ignored (a file system without modes: a network share, FAT)."""
    if not _POSIX:
        return
    with contextlib.suppress(OSError):
        if isinstance(target, int):
            os.fchmod(target, mode)
        else:
            target.chmod(mode)


def write_atomically(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` whole, or what it held before: a private temporary file
    beside it, fsynced, renamed over it, the directory fsynced."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def fsync_file(path: Path) -> None:
    """What was written to ``path`` (a file, or a directory on POSIX) made durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(directory: Path) -> None:
    """A rename in ``directory`` made durable (Windows has no directory fsync: NTFS
    journals the rename)."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fsync_file(directory)

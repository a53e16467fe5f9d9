"""What the frozen smoke tests share: running the frozen ``caducee``, filling a lab Maildir,
reading its screenshots."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

from tests.lab.dovecot import Dovecot, MailAccount


def run(
    frozen: Path, args: list[str], profile: Path, timeout: float = 180, **env: str
) -> subprocess.CompletedProcess[str]:
    """The frozen executable on ``profile``, offscreen, with none of this process's
    ``CADUCEE_*`` variables (only those given in ``env``)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CADUCEE_")}
    return subprocess.run(
        [str(frozen), "--profile-dir", str(profile), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**clean, "QT_QPA_PLATFORM": "offscreen", **env},
        stdin=subprocess.DEVNULL,
    )


def fill_maildir(
    dovecot: Dovecot, account: MailAccount, count: int, subject: str = "Bilan", body: str = ""
) -> None:
    """Small messages written straight into the Maildir, as a delivery agent would:
    ``{subject} {n}`` and ``Résultat {n}. {body}``."""
    home = dovecot.home(account)
    maildir = home / "Maildir"
    shutil.rmtree(maildir, ignore_errors=True)
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    stamp = int(time.time())
    for number in range(count):
        raw = (
            f"From: labo{number}@biolab.mssante.test\r\nTo: {account.address}\r\n"
            f"Subject: {subject} {number}\r\nMessage-ID: <frozen-{number}@lab.test>\r\n"
            f"Date: Mon, 16 Nov 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
            f"\r\nRésultat {number}. {body}\r\n"
        )
        (maildir / "cur" / f"{stamp}.{number}.lab:2,S").write_bytes(raw.encode())
    owner = home.stat()
    for path in [maildir, *maildir.rglob("*")]:
        os.chown(path, owner.st_uid, owner.st_gid)


def soname(name: str) -> str:
    """``libffi.so.8.1.2`` → ``libffi.so``."""
    return name[: name.index(".so") + 3] if ".so" in name else name


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def rows(path: Path) -> list[int]:
    """A checksum per pixel row of a PNG (8-bit, non-interlaced, as Qt writes them)."""
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    (height,) = struct.unpack(">I", data[20:24])
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = len(raw) // height
    return [zlib.crc32(raw[row * stride : (row + 1) * stride]) for row in range(height)]


def png_summary(path: Path) -> tuple[int, int, int]:
    """Width, height and how many distinct pixel rows (a blank image has one)."""
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height, len(set(rows(path)))

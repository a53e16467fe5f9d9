"""The in-memory ZIP reader: names, bombs, lies about sizes, broken archives."""

from __future__ import annotations

import io
import struct
import time
import zipfile

import pytest

from app.core.ziplimits import BoundedReader, TooBig
from app.mssante.safezip import ZipLimits, ZipRefused, normalise_name, read_zip, shown


def make_zip(files: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, (2026, 11, 22, 8, 0, 0))
            info.compress_type = method
            archive.writestr(info, data)
    return out.getvalue()


def patch_sizes(data: bytes, uncompressed: int) -> bytes:
    """Every local and central header made to declare ``uncompressed`` bytes."""
    buf = bytearray(data)
    position = 0
    while (position := buf.find(b"PK\x03\x04", position)) >= 0:
        struct.pack_into("<I", buf, position + 22, uncompressed)
        position += 4
    position = 0
    while (position := buf.find(b"PK\x01\x02", position)) >= 0:
        struct.pack_into("<I", buf, position + 24, uncompressed)
        position += 4
    return bytes(buf)


def refusal(data: bytes, limits: ZipLimits | None = None) -> str:
    started = time.perf_counter()
    with pytest.raises(ZipRefused) as caught:
        read_zip(data, limits) if limits else read_zip(data)
    assert time.perf_counter() - started < 5
    return caught.value.reason


def test_a_good_archive_is_read_in_order_with_names_normalised() -> None:
    data = make_zip([("README.TXT", b"hello"), ("IHE_XDM\\SUBSET01\\DOC0001.XML", b"<a/>")])
    members = read_zip(data)
    assert [(m.name, m.data) for m in members] == [
        ("README.TXT", b"hello"),
        ("IHE_XDM/SUBSET01/DOC0001.XML", b"<a/>"),
    ]
    stored = read_zip(make_zip([("./a//b.txt", b"x" * 10)], zipfile.ZIP_STORED))
    assert [(m.name, m.data) for m in stored] == [("a/b.txt", b"x" * 10)]


@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "IHE_XDM/SUBSET01/../../../evil.txt",
        "..\\..\\Windows\\evil.txt",
        "IHE_XDM\\..\\..\\evil.txt",
        "/etc/passwd",
        "\\\\server\\share\\evil.txt",
        "C:\\Windows\\System32\\evil.dll",
        "c:/evil.txt",
        "IHE_XDM/CON",
        "IHE_XDM/nul.txt",
        "IHE_XDM/COM1.XML",
        "IHE_XDM/a\x01b.xml",
        "IHE_XDM/file.xml:stream",
        "IHE_XDM/ .. /x",
    ],
)
def test_dangerous_names_are_refused(name: str) -> None:
    reason = refusal(make_zip([("README.TXT", b"ok"), (name, b"x")]))
    assert reason.startswith("Nom de fichier dangereux dans l'archive : ")
    with pytest.raises(ZipRefused):
        normalise_name(name)


def test_a_nul_byte_in_a_name_is_refused() -> None:
    data = make_zip([("IHE_XDM/evil.xmlX.pdf", b"x")])
    data = data.replace(b"evil.xmlX.pdf", b"evil.xml\x00.pdf")
    assert refusal(data).startswith("Nom de fichier dangereux")


def test_ratio_bomb_is_refused_before_decompressing() -> None:
    bomb = make_zip([("IHE_XDM/SUBSET01/DOC0001.XML", b"\0" * (20 * 1024 * 1024))])
    assert len(bomb) < 100_000
    assert "bombe de décompression" in refusal(bomb)


def test_declared_size_too_big_is_refused() -> None:
    data = patch_sizes(make_zip([("IHE_XDM/SUBSET01/DOC0001.PDF", b"%PDF-1.4 x")]), 2**31)
    assert refusal(data) == (
        "Archive refusée : taille décompressée trop grande (bombe de décompression ?)."
    )


def test_a_member_lying_about_its_size_never_gives_more_than_declared() -> None:
    # 4 MiB of zeros declared as 10 bytes: zipfile stops at the declared size, the CRC
    # then fails: refused as corrupt, the 4 MiB are never produced
    data = patch_sizes(make_zip([("IHE_XDM/x.bin", b"\0" * (4 * 1024 * 1024))]), 10)
    assert refusal(data) == "Archive refusée : archive ZIP corrompue ou incomplète."


def test_the_bounded_reader_refuses_more_than_its_limit() -> None:
    with BoundedReader(io.BytesIO(b"x" * 100), 100) as exact:
        assert exact.read() == b"x" * 100
    with BoundedReader(io.BytesIO(b"x" * 101), 100) as over, pytest.raises(TooBig):
        over.read()


def test_total_and_entry_limits() -> None:
    files = [(f"IHE_XDM/SUBSET01/DOC{i:04d}.PDF", bytes(range(256)) * 40) for i in range(5)]
    data = make_zip(files, zipfile.ZIP_STORED)
    assert len(read_zip(data)) == 5
    assert "taille décompressée" in refusal(data, ZipLimits(max_total_bytes=30_000))
    assert "taille décompressée" in refusal(data, ZipLimits(max_entry_bytes=5_000))
    assert "trop de fichiers" in refusal(data, ZipLimits(max_entries=4))
    assert "trop volumineux" in refusal(data, ZipLimits(max_archive_bytes=10_000))


def test_too_many_entries_is_refused_quickly() -> None:
    data = make_zip([(f"f{i}", b"") for i in range(2_000)], zipfile.ZIP_STORED)
    assert refusal(data) == "Archive refusée : trop de fichiers dans l'archive."


def test_broken_archives() -> None:
    good = make_zip([("README.TXT", b"hello" * 1000), ("IHE_XDM/S/METADATA.XML", b"<a/>")])
    assert "illisible" in refusal(good[: len(good) // 2])
    assert refusal(b"not a zip at all") == "Archive refusée : ce n'est pas une archive ZIP."
    assert refusal(b"") == "Archive refusée : ce n'est pas une archive ZIP."
    corrupted = bytearray(good)
    start = corrupted.find(b"hello")  # stored? no: deflated; damage the compressed bytes
    position = 40 if start < 0 else start
    corrupted[position : position + 8] = b"\xff" * 8
    assert refusal(bytes(corrupted)).startswith("Archive refusée")


def test_duplicate_and_encrypted_members() -> None:
    data = make_zip([("a.txt", b"1"), ("A.TXT", b"2")])
    assert "nom en double" in refusal(data)
    encrypted = bytearray(make_zip([("a.txt", b"1")]))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = encrypted.find(signature)
        encrypted[position + offset] |= 1
    assert "chiffré" in refusal(bytes(encrypted))


def test_names_shown_in_refusals_cannot_disguise_themselves() -> None:
    assert shown("facture\u202efdp.exe") == "facture?fdp.exe"
    assert shown("a\x00b\nc") == "a?b?c"
    assert shown("x" * 200) == "x" * 79 + "…"

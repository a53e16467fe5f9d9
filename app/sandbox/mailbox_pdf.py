"""The generated mailbox's files: a minimal PDF 1.4 writer (text pages, a scanned page of
noise) and a patient's photo (PNG, drawn here: the engine has no imaging library)."""

# Seeded pseudo-random data on purpose (reproducible mailboxes), never used for security.

from __future__ import annotations

import datetime as dt
import io
import math
import random
import struct
import zlib

from app.sandbox.mailbox import PARIS

# -- a minimal PDF writer -------------------------------------------------------------------


def _pdf_text(line: str) -> bytes:
    raw = line.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_page_stream(
    lines: list[str], size: int = 9, *, top: int = 800, monospace: bool = False
) -> bytes:
    """A text page: ``lines`` from the left, ``top`` points up, Helvetica ``size`` points
    (Courier with ``monospace``: tables aligned by spaces)."""
    body = b"".join(_pdf_text(line) + b" Tj T*\n" for line in lines)
    font = b"F2" if monospace else b"F1"
    header = b"BT /%s %d Tf %d TL 50 %d Td\n" % (font, size, size + 4, top)
    return header + body + b"ET\n"


def pdf_document(
    title: str, pages: list[bytes], scan: bytes = b"", created: dt.datetime | None = None
) -> bytes:
    """A valid PDF 1.4: text pages (content streams), then one scanned page if ``scan``."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_id = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    fixed = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
    kids = []
    resources = b"<< /Font << /F1 %d 0 R /F2 %d 0 R >> >>" % (font, fixed)
    for stream in pages:
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources %s "
                b"/Contents %d 0 R >>" % (pages_id, resources, content)
            )
        )
    if scan:
        width = 1240
        height = max(1, len(scan) // width)
        scan = scan[: width * height]
        image = add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream"
            % (width, height, len(scan), scan)
        )
        draw = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(draw), draw))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /XObject << /Im1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_id, image, content)
            )
        )
    stamp = (created or dt.datetime(2025, 1, 1, tzinfo=PARIS)).strftime("D:%Y%m%d%H%M%S")
    info = add(
        b"<< /Title %s /Producer (Caducee bench PDF writer) /CreationDate (%s) >>"
        % (_pdf_text(title), stamp.encode())
    )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, catalog, info, xref)
    )
    return out.getvalue()


def photo_png(rng: random.Random, size: int) -> bytes:
    """A patient's photo of a red patch of skin: a valid RGB PNG of about ``size`` bytes
    (4:3, stored without compression so that its size is what the plan says; at least
    160 x 120). Skin lit from above, an oval redness fading at its edges, a scab line
    across it; its place and shape from ``rng``."""
    height = max(120, int(math.sqrt(max(size, 1) / 4)))
    width = height * 4 // 3
    cx, cy = width * rng.uniform(0.4, 0.6), height * rng.uniform(0.4, 0.6)
    rx, ry = width * rng.uniform(0.14, 0.22), height * rng.uniform(0.12, 0.2)
    tilt = rng.uniform(-0.35, 0.35)
    rows = []
    for y in range(height):
        light = 1.08 - 0.25 * y / height  # lit from above
        skin = bytes(min(255, int(c * light)) for c in (232, 190, 160))
        row = bytearray(skin * width)
        top, bottom = cy - ry * 1.4, cy + ry * 1.4
        if top <= y <= bottom:
            for x in range(max(0, int(cx - rx * 1.4)), min(width, int(cx + rx * 1.4) + 1)):
                dx, dy = (x - cx) / rx, (y - cy) / ry
                distance = math.hypot(dx, dy)
                if distance >= 1.4:
                    continue
                red = min(1.0, (1.4 - distance) / 0.8)  # fading edge
                scab = abs(dy - tilt * dx) < 0.06 and abs(dx) < 0.7
                r, g, b = (150, 60, 55) if scab else (205, 85, 80)
                at = 3 * x
                for offset, target in enumerate((r, g, b)):
                    base = row[at + offset]
                    row[at + offset] = int(base + (target - base) * red)
        rows.append(b"\x00" + bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 0))
        + chunk(b"IEND", b"")
    )

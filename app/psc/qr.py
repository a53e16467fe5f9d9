"""The QR code of a device sign-in, as PNG bytes (qrcode's pure-Python PNG writer: no
Pillow). The e-CPS app on the phone flashes it; it holds only the verification URL with the
user code, which is useless once the two minutes are over."""

from __future__ import annotations

import io
import os
from pathlib import Path

MAX_URL = 1024


def png(url: str, *, box_size: int = 8, border: int = 4) -> bytes:
    if not url or len(url) > MAX_URL:
        raise ValueError("QR URL empty or too long")
    import qrcode  # only when a QR code is drawn: every command imports this module
    from qrcode.image.pure import PyPNGImage

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=border,
        image_factory=PyPNGImage,
    )
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def write_png(url: str, path: Path) -> None:
    """Write the QR code to ``path`` (replaced atomically, readable by her only)."""
    data = png(url)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    temporary.replace(path)

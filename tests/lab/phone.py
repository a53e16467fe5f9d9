"""The lab's phone: it reads the sign-in QR code off the screen (a PNG the application
wrote) with a real decoder (zxing-cpp), then answers on the provider's e-CPS page.

    url = phone.scan(png_path)                 # verification_uri_complete, from the image
    phone.approve(url, national_id)            # "Approuver" on the e-CPS de démonstration
    phone.refuse(url)                          # "Refuser"

PNG decoding is Qt's (QImage works without an application object); tests may use Qt.
"""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PySide6.QtGui import QImage

from app.sandbox.psc import phone_answer


class NoQrCode(Exception):
    """The image holds no readable QR code."""


def scan(png_path: Path | str) -> str:
    """The text of the one QR code in the image (its URL)."""
    image = QImage(str(png_path))
    if image.isNull():
        raise NoQrCode(f"not an image: {png_path}")
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    texts = [b.text for b in found if b.valid]
    if len(texts) != 1:
        raise NoQrCode(f"{len(texts)} QR codes in {png_path}")
    return texts[0]


def approve(url: str, national_id: str) -> str:
    """Approve on the provider's page; its confirmation text (ValueError if refused)."""
    return phone_answer(url, national_id, approve=True)


def refuse(url: str) -> str:
    return phone_answer(url, "", approve=False)


def write_qr(text: str, png_path: Path) -> Path:
    """A QR code PNG of ``text`` (zxing-cpp's encoder), for tests of the phone itself."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    pixels = memoryview(barcode.to_image(scale=6))
    height, width = pixels.shape[:2]
    image = QImage(bytes(pixels), width, height, width, QImage.Format.Format_Grayscale8)
    if not image.save(str(png_path), "PNG"):
        raise OSError(f"cannot write {png_path}")
    return png_path

"""The lab's phone reads a QR code image and answers on the provider's e-CPS page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.sandbox.psc import PscProvider
from tests.lab import phone
from tests.lab.build import PSC_CLIENT, PSC_DUPONT, PSC_MARTIN
from tests.lab.oidc import Client


@pytest.fixture
def provider() -> Iterator[PscProvider]:
    with PscProvider(users=[PSC_MARTIN, PSC_DUPONT], clients=[PSC_CLIENT]) as running:
        yield running


def test_scan_then_approve_gives_the_device_its_tokens(
    provider: PscProvider, tmp_path: Path
) -> None:
    client = Client(provider)
    started = client.device()
    png = phone.write_qr(started["verification_uri_complete"], tmp_path / "qr.png")
    url = phone.scan(png)
    assert url == started["verification_uri_complete"]
    assert "approuvée" in phone.approve(url, PSC_MARTIN.national_id)
    status, tokens = client.poll(started["device_code"])
    assert status == 200, tokens
    assert client.introspect(tokens["access_token"])["sub"] == PSC_MARTIN.national_id
    with pytest.raises(ValueError, match="expiré"):  # a code serves once
        phone.approve(url, PSC_MARTIN.national_id)


def test_refused_on_the_phone(provider: PscProvider, tmp_path: Path) -> None:
    client = Client(provider)
    started = client.device()
    url = phone.scan(phone.write_qr(started["verification_uri_complete"], tmp_path / "qr.png"))
    assert "refusée" in phone.refuse(url)
    assert client.poll(started["device_code"])[1]["error"] == "access_denied"


def test_an_image_without_a_qr_code(tmp_path: Path) -> None:
    blank = QImage(200, 200, QImage.Format.Format_Grayscale8)
    blank.fill(255)
    assert blank.save(str(tmp_path / "blank.png"))
    with pytest.raises(phone.NoQrCode):
        phone.scan(tmp_path / "blank.png")
    (tmp_path / "not.png").write_bytes(b"not a png")
    with pytest.raises(phone.NoQrCode):
        phone.scan(tmp_path / "not.png")

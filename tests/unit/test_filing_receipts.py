"""MDNs after filing: ``processed``, or ``processed/error`` with the IG-MDN error code."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from app.ops.receipts import INTEGRATION_ERRORS, processing_receipt
from app.store.mime import parse_message
from tests.filing_support import raw_message

ME = "dr@mssante.test"


def parts(raw: bytes) -> list[object]:
    built = message_from_bytes(raw, policy=policy.default)
    assert built.get_content_type() == "multipart/report"
    assert built.get_param("report-type") == "disposition-notification"
    return list(built.iter_parts())  # type: ignore[attr-defined]


def test_processed_receipt_carries_the_original() -> None:
    original = raw_message("cr-1@chu.test", receipt=True)
    mdn = processing_receipt(parse_message(original), ME, original).as_bytes()
    human, machine, attached = parts(mdn)
    text = mdn.decode("ascii", "replace")
    assert "Disposition: manual-action/MDN-sent-manually; processed\r\n" in text
    assert "Original-Message-ID: <cr-1@chu.test>" in text and "Error:" not in text
    assert machine.get_content_type() == "message/disposition-notification"  # type: ignore[attr-defined]
    assert attached.get_content_type() == "message/rfc822"  # type: ignore[attr-defined]
    assert b"Message-ID: <cr-1@chu.test>" in mdn.split(b"message/rfc822", 1)[1]
    assert "intégrés" in human.get_content()  # type: ignore[attr-defined]
    built = message_from_bytes(mdn, policy=policy.default)
    assert built["To"] == "paul.durand@chu.mssante.test"
    assert built["Subject"] == parse_message(original).subject  # ANS: the original's subject


@pytest.mark.parametrize("code", sorted(INTEGRATION_ERRORS))
def test_error_receipts_follow_ig_mdn(code: int) -> None:
    original = raw_message("cr-1@chu.test", receipt=True)
    mdn = processing_receipt(parse_message(original), ME, original, error_code=code).as_bytes()
    text = mdn.decode("ascii", "replace")
    assert "Disposition: manual-action/MDN-sent-manually; processed/error\r\n" in text
    assert f"Error: {code}^{INTEGRATION_ERRORS[code]}\r\n" in text
    built = message_from_bytes(mdn, policy=policy.default)
    assert built["Subject"].startswith(f"[KO Intégration système !][{code}] XDM/1.0/DDM+")


def test_no_receipt_without_a_request_or_with_an_unknown_code() -> None:
    original = raw_message("cr-1@chu.test", receipt=False)
    with pytest.raises(ValueError, match="no read receipt"):
        processing_receipt(parse_message(original), ME, original)
    asked = raw_message("cr-1@chu.test", receipt=True)
    with pytest.raises(ValueError, match="unknown"):
        processing_receipt(parse_message(asked), ME, asked, error_code=999)

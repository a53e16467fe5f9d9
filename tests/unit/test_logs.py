"""The support log: in the profile, created at the first record, no addresses or ids."""

from __future__ import annotations

import logging
from pathlib import Path

from app.core.logs import LOG_NAME, redact, setup


def test_addresses_and_identifiers_are_masked() -> None:
    line = redact(
        "no server for alice.martin@medecin.mssante.fr, RPPS 10009876543, INS 2880659495804"
    )
    assert "alice.martin" not in line and "***@medecin.mssante.fr" in line
    assert "10009876543" not in line and "2880659495804" not in line
    assert redact("port 993, 250 ms") == "port 993, 250 ms"  # ordinary numbers stay


def test_the_file_appears_with_the_first_record(tmp_path: Path) -> None:
    handler = setup(tmp_path / "logs")
    try:
        assert not (tmp_path / "logs").exists()  # a command that logs nothing leaves nothing
        logging.getLogger("app.sync.engine").info("sync of dr@mssante.fr done")
        handler.flush()
        written = (tmp_path / "logs" / LOG_NAME).read_text(encoding="utf-8")
        assert "sync of ***@mssante.fr done" in written
    finally:
        logging.getLogger("app").removeHandler(handler)
        handler.close()

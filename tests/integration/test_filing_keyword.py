"""The "filed" keyword reaches the server (the lab's Dovecot) so other devices see it, and
undo takes it back — through the ordinary flag replay of the sync."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.filing.service import FILED, FILED_KEYWORD, Filing
from app.mssante.model import InsKind
from app.store.db import Store
from tests.filing_support import MATRICULE, document, documents, identity, ins, raw_message
from tests.integration.test_sync import Server, sync_once
from tests.lab.build import LabAccounts, LabPki
from tests.lab.dovecot import Dovecot


@pytest.fixture
def server(
    dovecot_password: Dovecot, lab_pki: LabPki, lab_accounts: LabAccounts
) -> Iterator[Server]:
    box = Server(dovecot_password, lab_pki, lab_accounts.sync)
    box.reset()
    yield box
    box.reset()


def server_flags(server: Server) -> set[bytes]:
    with server.client() as client:
        client.select_folder("INBOX", readonly=True)
        [(_uid, data)] = client.fetch(client.search(["ALL"]), ["FLAGS"]).items()
    return set(data[b"FLAGS"])


def test_the_keyword_goes_to_the_server_and_back(server: Server, tmp_path: Path) -> None:
    server.append("INBOX", [raw_message("cr-lab@chu.test")])
    root = tmp_path / "Patients"
    root.mkdir()
    store, other_device = Store.open(tmp_path / "a"), Store.open(tmp_path / "b")
    try:
        sync_once(store, server)
        sync_once(other_device, server)
        message = store.find("cr-lab@chu.test")
        assert message is not None
        filing = Filing.open(tmp_path / "a", root, store)
        try:
            filing.registry.add(
                birth_name="DUPONT", first_names="Marie", birth_date=date(1980, 5, 12),
                sex="F", ins=MATRICULE, ins_oid=InsKind.NIR.value,
            )  # fmt: skip
            result = filing.file_message(message, documents(document(identity(ins_value=ins()))))
            assert result.status == FILED and result.keyword_added
            sync_once(store, server)
            assert FILED_KEYWORD.encode() in server_flags(server)
            sync_once(other_device, server)
            seen = other_device.find("cr-lab@chu.test")
            assert seen is not None and FILED_KEYWORD in seen.flags  # the other device sees it

            filing.undo(result.outcomes[0].entry_id or 0)
            sync_once(store, server)
            assert FILED_KEYWORD.encode() not in server_flags(server)
        finally:
            filing.close()
    finally:
        store.close()
        other_device.close()

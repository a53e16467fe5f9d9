"""``caducee demo --psc`` and back: the one demo account changes its way of signing in (and
its servers), keeping its local copy; no second account, nothing of the other way left."""

from __future__ import annotations

from pathlib import Path

from app.cli.demo import set_up_account
from app.core.paths import Profile
from app.sandbox.operator import DEMO_ADDRESS, OperatorEndpoints, SandboxOperator
from app.store.db import Store

ENDPOINTS = OperatorEndpoints(
    imap_url="imaps://127.0.0.1:1001",
    smtp_url="smtps://127.0.0.1:1002",
    crl_url="http://127.0.0.1:1003",
    psc_issuer="http://127.0.0.1:1004/auth/realms/esante-wallet",
    psc_client_id="caducee",
    psc_imap_url="imaps://127.0.0.1:1005",
    psc_smtp_url="smtps://127.0.0.1:1006",
)


def test_card_then_psc_then_card_again(tmp_path: Path) -> None:
    profile = Profile.from_dir(tmp_path / "demo")
    profile.ensure()
    operator = SandboxOperator(profile.data_dir / "demo", DEMO_ADDRESS)  # not started
    set_up_account(profile, operator, ENDPOINTS)
    store = Store.open(profile.data_dir)
    try:
        (card,) = store.accounts()
        store.upsert_folder(card, "INBOX", ".", "Inbox", True)  # its local copy
        set_up_account(profile, operator, ENDPOINTS, psc=True)
        (psc,) = store.accounts()
        assert (psc.id, psc.auth, psc.imap_url, psc.smtp_url) == (
            card.id, "psc", ENDPOINTS.psc_imap_url, ENDPOINTS.psc_smtp_url
        )  # fmt: skip
        assert (psc.psc_issuer, psc.psc_client_id, psc.pkcs12) == (
            ENDPOINTS.psc_issuer, "caducee", None
        )  # fmt: skip
        assert psc.trust == str(operator.files.trust)
        assert [f.name for f in store.folders(psc)] == ["INBOX"]
        set_up_account(profile, operator, ENDPOINTS)
        (again,) = store.accounts()
        assert (again.auth, again.imap_url, again.pkcs12, again.psc_issuer) == (
            "pkcs12", ENDPOINTS.imap_url, str(operator.files.pkcs12), None
        )  # fmt: skip
    finally:
        store.close()

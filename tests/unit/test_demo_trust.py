"""Why a demo colleague on ``medecin.mssante.test`` was "hors MSSanté" while the demo's own
address on that domain was not: her own address is skipped as hers (a note to herself),
the colleague's was judged by the liste blanche — absent (before the demo installed its
own: then only ``.mssante.fr`` passes) or one without the sandbox's domains. The domain
of an MSSanté account is in the trust space by construction, so it now counts as such
whatever the list says; and the demo's list always names the sandbox's domains."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.paths import Profile
from app.directory import trusted
from app.ops.accounts import mssante_domains
from app.ops.send_documents import SendRefused, check_recipients
from app.sandbox.colleagues import DEMO_COLLEAGUES, liste_blanche, set_up_directory
from app.sandbox.operator import DEMO_ADDRESS
from app.store.db import Store

CLAIRE = DEMO_COLLEAGUES[0].address  # claire.fontaine@medecin.mssante.test
NURSE = DEMO_COLLEAGUES[2].address  # sophie.garnier@infirmier.mssante.test


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(tmp_path / "profile")
    opened.add_account(DEMO_ADDRESS, "pkcs12", "imaps://127.0.0.1:1", pkcs12="carte.p12")
    return opened


def test_her_mssante_accounts_domain_is_trusted_without_a_list(
    store: Store, tmp_path: Path
) -> None:
    own = mssante_domains(store.accounts(), tmp_path / "cache")
    assert own == {"medecin.mssante.test"}
    # before: the colleague on her own domain was reported, with no list cached
    assert trusted.outside_trust_space(None, [CLAIRE]).untrusted == [CLAIRE]
    verdict = trusted.outside_trust_space(None, [CLAIRE, NURSE, "x@gmail.com"], own)
    assert verdict.untrusted == [NURSE, "x@gmail.com"] and not verdict.list_cached


def test_and_with_a_list_that_does_not_name_it(store: Store, tmp_path: Path) -> None:
    stale = trusted.parse(liste_blanche(["ch-valmont.fr"]))
    own = mssante_domains(store.accounts(), tmp_path / "cache")
    assert trusted.outside_trust_space(stale, [CLAIRE, "a@ch-valmont.fr"], own).untrusted == []
    assert trusted.outside_trust_space(stale, ["a@MEDECIN.mssante.test."], own).untrusted == []
    assert trusted.outside_trust_space(stale, ["a@sub.medecin.mssante.test"], own).untrusted


def test_a_password_account_off_mssante_vouches_for_nothing(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "profile")
    store.add_account("moi@gmail.com", "password", "imaps://imap.gmail.com")
    mssante = store.add_account("dr@hop.mssante.fr", "password", "imaps://imap.hop.mssante.fr")
    assert mssante_domains(store.accounts(), tmp_path / "cache") == {"hop.mssante.fr"}
    assert mssante.address == "dr@hop.mssante.fr"


def test_sending_documents_checks_recipients_the_same_way(store: Store, tmp_path: Path) -> None:
    cache = tmp_path / "cache"  # no list
    check_recipients([CLAIRE], cache, accounts=store.accounts())
    with pytest.raises(SendRefused) as refused:
        check_recipients([CLAIRE, NURSE], cache, accounts=store.accounts())
    assert NURSE in refused.value.user_message and CLAIRE not in refused.value.user_message
    with pytest.raises(SendRefused):
        check_recipients([CLAIRE], cache)  # without her accounts: the old verdict


def test_the_demo_list_names_the_sandbox_domains_even_over_another(tmp_path: Path) -> None:
    profile = Profile.from_dir(tmp_path / "demo")
    profile.ensure()
    trusted.store(liste_blanche(["ch-valmont.fr"]), profile.cache_dir)  # a list from elsewhere
    set_up_directory(profile, DEMO_ADDRESS)
    listed = trusted.load(profile.cache_dir)
    assert listed is not None
    assert all(listed.is_trusted(c.address) for c in DEMO_COLLEAGUES)
    assert listed.is_trusted(DEMO_ADDRESS) and listed.is_trusted("a@ch-valmont.fr")
    assert listed.is_trusted("123@patient.mssante.test")
    trusted.cache_path(profile.cache_dir).write_bytes(b"<pas du xml")  # damaged
    set_up_directory(profile, DEMO_ADDRESS)
    again = trusted.load(profile.cache_dir)
    assert again is not None and again.is_trusted(CLAIRE)

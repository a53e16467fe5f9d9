"""The wizard's card page is never a dead end (issue 20 item 7): without Cryptolib CPS it
gives this platform's advice (no .rpm on Debian), "Parcourir…" for the module file, and the
other ways in (PKCS#12; Pro Santé Connect when the operator takes it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.paths import Profile
from app.ui import file_dialogs
from app.ui.wizard import FirstRunWizard
from app.ui.wizard_page import PAGE_ADDRESS, PAGE_CARD, PKCS12
from tests.ui.conftest import assert_not_blank

OPENSC = Path("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")  # a real module; no pcscd: no reader
WAIT = 30_000


@pytest.fixture
def wizard(qtbot: QtBot, tmp_path: Path) -> Iterator[FirstRunWizard]:
    profile = Profile.from_dir(tmp_path / "profile")
    for directory in (profile.data_dir, profile.cache_dir):
        directory.mkdir(parents=True, exist_ok=True)
    opened = FirstRunWizard(
        profile, None, module=str(tmp_path / "absent" / "libcps3_pkcs11_lux.so"),
        discover=lambda _address: None, edition=None,
    )  # fmt: skip
    qtbot.addWidget(opened)
    opened.show()
    try:
        yield opened
    finally:
        opened.reject()


def to_card_page(qtbot: QtBot, wizard: FirstRunWizard, platform: str, release: Path) -> str:
    wizard.card_page.platform = platform
    wizard.card_page.os_release = release
    wizard.next()  # "carte CPS" is the default mode
    assert wizard.currentId() == PAGE_CARD
    qtbot.waitUntil(lambda: wizard.card_page.state == "no-module", timeout=WAIT)
    return wizard.card_page.status.text.text()


def test_debian_gets_no_rpm_and_a_way_forward(
    qtbot: QtBot, wizard: FirstRunWizard, tmp_path: Path, artefacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    release = tmp_path / "os-release"
    release.write_text('PRETTY_NAME="Debian GNU/Linux 12"\nID=debian\n', encoding="utf-8")
    text = to_card_page(qtbot, wizard, "linux", release)
    page = wizard.card_page
    assert ".rpm" not in text and "Debian" in text and "« Parcourir… »" in text
    assert "--module" not in text  # no command-line option in the window
    assert page.ways.isVisible() and page.browse.isVisible() and page.use_pkcs12.isVisible()
    assert not page.use_psc.isVisible()  # no Pro Santé Connect for this operator
    target = artefacts / "wizard-card-no-module-debian.png"
    wizard.grab().save(str(target))
    assert_not_blank(target)

    monkeypatch.setattr(file_dialogs, "open_file", lambda *_a, **_k: OPENSC)
    page.browse.click()
    assert wizard.module == str(OPENSC)  # stored with the account, as --module is
    qtbot.waitUntil(lambda: page.state == "no-reader", timeout=WAIT)  # the module loaded
    assert not page.browse.isVisible()  # the module is right; the reader is missing
    assert page.use_pkcs12.isVisible()

    page.use_pkcs12.click()
    assert wizard.currentId() == PAGE_ADDRESS and wizard.mode() == PKCS12


@pytest.mark.parametrize(
    ("platform", "release", "expected"),
    [
        ("win32", "", ".msi"),
        ("darwin", "", ".pkg"),
        ("linux", 'ID="fedora"\n', ".rpm"),
    ],
)
def test_the_advice_of_each_platform(
    qtbot: QtBot, wizard: FirstRunWizard, tmp_path: Path,
    platform: str, release: str, expected: str,
) -> None:  # fmt: skip
    path = tmp_path / "os-release"
    path.write_text(release, encoding="utf-8")
    assert expected in to_card_page(qtbot, wizard, platform, path)


def test_pro_sante_connect_is_offered_when_the_operator_takes_it(
    qtbot: QtBot, wizard: FirstRunWizard, tmp_path: Path
) -> None:
    wizard.psc_config = object()  # type: ignore[assignment] - only its presence matters here
    wizard.mode_page.psc.setVisible(True)
    to_card_page(qtbot, wizard, "win32", tmp_path / "none")
    assert wizard.card_page.use_psc.isVisible()
    wizard.card_page.use_psc.click()
    assert wizard.currentId() == PAGE_ADDRESS and wizard.mode() == "psc"

"""The sample mail can be answered: its correspondents (labs, hospital services, imaging
centres, the colleagues who wrote) are in the demo's directory and hosted by the demo
operator, its patient too; an older demo's directory gains them."""

from __future__ import annotations

import time
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from app.core.paths import Profile
from app.directory.index import DirectoryIndex, build_index
from app.sandbox.colleagues import (
    DEMO_COLLEAGUES,
    correspondents,
    extraction_text,
    hosted_addresses,
    set_up_directory,
)
from app.sandbox.mailbox import PARIS
from app.sandbox.operator import DEMO_ADDRESS, SandboxOperator
from app.sandbox.samples import sample_mail

NOW = datetime(2031, 7, 14, 10, 30, tzinfo=PARIS)


def senders() -> list[str]:
    found = []
    for sample in sample_mail(DEMO_ADDRESS, NOW):
        message = message_from_bytes(sample.raw, policy=policy.default)
        found.append(parseaddr(str(message["From"]))[1].lower())
    return found


def test_every_sender_of_the_sample_mail_is_hosted(tmp_path: Path) -> None:
    hosted = hosted_addresses()
    assert set(senders()) <= hosted
    listed = {c.address for c in correspondents()}
    professionals = [s for s in senders() if "@patient." not in s]
    assert set(professionals) <= listed
    assert {c.bal_type for c in correspondents()} == {"ORG", "PER"}
    assert not {c.address for c in DEMO_COLLEAGUES} & listed


def test_the_demo_directory_lists_them_in_the_files_format(tmp_path: Path) -> None:
    profile = Profile.from_dir(tmp_path / "demo")
    profile.ensure()
    old = tmp_path / "Extraction_Correspondance_MSSante_old.txt"  # an older demo's: 4 rows
    old.write_text("\n".join(extraction_text().splitlines()[:5]) + "\n", encoding="utf-8")
    build_index(old, profile.data_dir, meta={"source": "démonstration"})
    set_up_directory(profile, DEMO_ADDRESS)
    with DirectoryIndex(profile.data_dir) as index:
        for professional in correspondents():
            found = index.lookup(professional.address)
            assert found is not None, professional.address
            assert found.bal_type == professional.bal_type
        lab = index.search("biotest")
        assert [m.bal_type for m in lab] == ["ORG"] and lab[0].organisation.startswith("Labo")
        assert index.search("cardiologie valmont")
    mine = tmp_path / "mine"  # a directory she imported into the demo profile: left alone
    other = Profile.from_dir(mine)
    other.ensure()
    build_index(old, other.data_dir, meta={"source": "ailleurs"})
    set_up_directory(other, DEMO_ADDRESS)
    with DirectoryIndex(other.data_dir) as index:
        assert index.lookup(correspondents()[0].address) is None


def _inbox(operator: SandboxOperator) -> list[EmailMessage]:
    inbox = operator.files.mailboxes / DEMO_ADDRESS
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for d in ("new", "cur")
        for p in (inbox / d).iterdir()
    ]


def test_answering_the_sample_mail_is_delivered_and_answered(tmp_path: Path) -> None:
    operator = SandboxOperator(tmp_path / "demo", DEMO_ADDRESS, now=lambda: NOW, reply_after=0)
    lab, patient = senders()[0], next(s for s in senders() if "@patient." in s)
    with operator:
        before = len(_inbox(operator))
        for to in (lab, patient):
            answer = EmailMessage()
            answer["From"] = DEMO_ADDRESS
            answer["To"] = to
            answer["Subject"] = "Re: vos résultats"
            answer["Message-ID"] = f"<{to}@demo>"
            answer.set_content("Merci.")
            operator._deliver(DEMO_ADDRESS, [to], answer.as_bytes())
        deadline = time.monotonic() + 20
        while len(_inbox(operator)) < before + 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # the patient answers nothing
        new = [m for m in _inbox(operator) if "vos résultats" in str(m["Subject"])]
        assert [parseaddr(str(m["From"]))[1] for m in new] == [lab]
        assert "nous revenons vers vous" in " ".join(new[0].get_content().split())
        for to in (lab, patient):
            assert any((operator.files.mailboxes / to / d).iterdir() for d in ("new", "cur"))

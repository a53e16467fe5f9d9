"""``caducee file --auto`` on real messages, read by the real readers: the demo's sample mail
(IHE_XDM.ZIP + CDA + PDF, HPRIM, plain PDF) and a hostile archive. Exit 0 whenever nothing
is filed for a reason the doctor can act on; nothing written outside the patients root."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.cli.main import main
from app.mssante.model import InsKind
from app.sandbox.mailbox import PARIS
from app.store.db import HeaderRow, Store
from tests.filing_support import DEMO_ME, put_demo_mail


def bomb_message() -> bytes:
    """An IHE_XDM.ZIP whose one member inflates 200 MB of zeros: refused, never expanded."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("IHE_XDM/SUBSET01/DOC0001.XML", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(200):
                member.write(chunk)
    message = EmailMessage()
    message["From"] = "labo@labo.mssante.test"
    message["To"] = DEMO_ME
    message["Subject"] = "XDM/1.0/DDM+Résultats DUPONT Marie 12/05/1980"
    message["Message-ID"] = "<bomb@labo.mssante.test>"
    message.set_content("Résultats.")
    message.add_attachment(
        buffer.getvalue(), maintype="application", subtype="zip", filename="IHE_XDM.ZIP"
    )
    return message.as_bytes()


def run(
    profile: Path, root: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> dict[str, object]:
    code = main(
        ["--profile-dir", str(profile), "file", "--patients-dir", str(root), *args, "--json"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data: dict[str, object] = json.loads(captured.out)
    return data


def test_auto_files_a_qualified_ins_and_explains_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    profile, root = tmp_path / "profile", tmp_path / "Patients"
    root.mkdir()
    store = Store.open(profile)
    now = datetime(2031, 7, 14, 10, 0, tzinfo=PARIS)  # any day: the same mail, dated before
    put_demo_mail(store, monkeypatch, InsKind.NIR.value, now)  # qualified INS in the XDM/CDA
    inbox = store.folders(store.accounts()[0])[0]
    raw = bomb_message()
    store.add_headers(inbox, [HeaderRow(99, (), None, len(raw), None, raw.split(b"\n\n")[0])])
    store.add_bodies(inbox, {99: raw})
    by_subject = {m.subject: m.message_id for m in store.messages()}
    store.close()
    imaging = next(i for s, i in by_subject.items() if "SCANNER THORACIQUE" in s)
    letter = next(i for s, i in by_subject.items() if "LETTRE DE LIAISON" in s)
    assert main([
        "--profile-dir", str(profile), "patients", "add", "--patients-dir", str(root),
        "--birth-name", "GARNIER", "--first-names", "François", "--birth-date", "1947-03-18",
        "--sex", "M", "--ins", "147030150804141", "--ins-oid", InsKind.NIR.value,
    ]) == 0  # fmt: skip
    capsys.readouterr()

    filed = run(profile, root, capsys, "--message-id", str(imaging), "--auto")
    assert filed["status"] == "filed" and filed["keyword"] == "$MSSanteClasse"
    (folder,) = [p for p in root.iterdir() if p.is_dir() and p.name != ".caducee"]
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3 and names[0].startswith("2031-07-13_") and names[0].endswith(".pdf")
    assert (folder / names[0]).read_bytes().startswith(b"%PDF-")

    queued = run(profile, root, capsys, "--message-id", str(letter), "--auto")
    assert queued["status"] == "queued"  # nobody registered: waits in À classer

    again = run(profile, root, capsys, "--message-id", str(imaging), "--auto")
    assert again["status"] == "duplicate"

    before = set(root.rglob("*"))
    hostile = run(profile, root, capsys, "--message-id", "bomb@labo.mssante.test", "--auto")
    assert hostile["status"] == "refused" and hostile["documents"] == []
    (refused,) = hostile["refused_inputs"]  # type: ignore[misc]
    assert refused["name"] == "IHE_XDM.ZIP" and "refusée" in refused["reason"]
    assert set(root.rglob("*")) == before

"""Issue 19 item 1: a document is the same one by its ids (CDA id, XDM uniqueId) or its
readable content (PDF, CDA), never by its container's bytes; a new version (CDA RPLC, same
set id, higher version) is filed beside the one it replaces, an older one is not filed.

Real messages read by ``app.mssante.documents``, a real store, a real patients root."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.filing.patients import Patient
from app.filing.service import DUPLICATE, FILED, Filing
from app.mssante import cda as cda_reader
from app.mssante.documents import read_message
from app.mssante.model import InsKind
from app.mssante.xdm import read_xdm
from app.store.db import MessageSummary, Store
from tests.filing_support import (
    DOC_ROOT,
    MATRICULE,
    PDF,
    SET_ROOT,
    cda_xml,
    mail_with,
    put_raw,
    xdm_zip,
)

ACCOUNT = "dr@mssante.test"
PDF_V2 = b"%PDF-1.4\n% compte rendu, version corrigee\n%%EOF\n"
ZIP = "application/zip"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    yield opened
    opened.close()


@pytest.fixture
def filing(tmp_path: Path, store: Store) -> Iterator[Filing]:
    root = tmp_path / "Patients"
    root.mkdir()
    opened = Filing.open(tmp_path / "profile", root, store)
    yield opened
    opened.close()


@pytest.fixture
def marie(filing: Filing) -> Patient:
    return filing.registry.add(
        birth_name="DUPONT",
        first_names="Marie Louise",
        birth_date=date(1980, 5, 12),
        sex="F",
        ins=MATRICULE,
        ins_oid=InsKind.NIR.value,
    )


def received(store: Store, uid: int, raw: bytes) -> MessageSummary:
    put_raw(store, ACCOUNT, uid, raw)
    return next(m for m in store.messages(limit=50) if m.uid == uid)


def xdm_mail(uid: int, cda: bytes, **packing: object) -> bytes:
    return mail_with(f"m{uid}@chu.test", ("IHE_XDM.ZIP", ZIP, xdm_zip(cda, **packing)))  # type: ignore[arg-type]


def files_in(filing: Filing, patient: Patient) -> list[str]:
    return sorted(p.name for p in (filing.root / patient.folder).iterdir())


# -- the reader gives the document's own identity ---------------------------------------------


def test_the_cda_reader_gives_id_set_version_and_the_version_it_replaces() -> None:
    document = cda_reader.read_cda(cda_xml("cr-2", version=2, replaces="cr-1"))
    assert document.document_id == f"{DOC_ROOT}^cr-2"
    assert document.set_id == f"{SET_ROOT}^set-1"
    assert document.version == 2
    assert document.replaces == (f"{DOC_ROOT}^cr-1",)
    first = cda_reader.read_cda(cda_xml("cr-1"))
    assert first.replaces == () and first.version == 1


def test_the_xdm_reader_gives_the_entry_unique_id_and_the_document_carries_both_ids() -> None:
    archive = read_xdm(xdm_zip(cda_xml("cr-1"), unique_id="1.2.250.1.999.7^77"))
    (entry,) = [d.entry for d in archive.subsets[0].documents if d.entry]
    assert entry.unique_id == "1.2.250.1.999.7^77"
    raw = mail_with("x@chu.test", ("IHE_XDM.ZIP", ZIP, xdm_zip(cda_xml("cr-1"), unique_id="u-77")))
    (document,) = read_message(raw).documents
    assert document.unique_ids == (f"{DOC_ROOT}^cr-1", "u-77")
    assert (document.set_id, document.version, document.replaces) == (
        f"{SET_ROOT}^set-1",
        1,
        (),
    )


def test_a_bare_pdf_has_no_ids() -> None:
    (document,) = read_message(
        mail_with("p@chu.test", ("cr.pdf", "application/pdf", PDF))
    ).documents
    assert document.unique_ids == () and document.set_id is None and document.version is None


# -- the same document again --------------------------------------------------------------------


def test_the_same_cda_repackaged_in_a_fresh_xdm_is_a_duplicate_and_nothing_is_written(
    filing: Filing, store: Store, marie: Patient
) -> None:
    cda = cda_xml("cr-1")
    first = xdm_zip(cda, stamp=(2026, 11, 16, 9, 0, 0))
    again = xdm_zip(cda, stamp=(2026, 11, 18, 17, 42, 10), readme="Renvoi du CHU")
    assert first != again  # another container, byte for byte
    result = filing.file_message(received(store, 1, xdm_mail(1, cda)), None)
    assert result.status == FILED
    written = files_in(filing, marie)
    raw = mail_with("m2@chu.test", ("IHE_XDM.ZIP", ZIP, again))
    result = filing.file_message(received(store, 2, raw))
    (outcome,) = result.outcomes
    assert outcome.status == DUPLICATE, outcome.message
    assert outcome.message.startswith("Déjà classé le ")
    assert f"dans le dossier de {marie.display} ({marie.folder})" in outcome.message
    assert files_in(filing, marie) == written  # no "(2)"
    assert outcome.to_json()["earlier"] == result_entry(filing, "m1@chu.test")


def result_entry(filing: Filing, message_id: str) -> int:
    (entry,) = filing.journal.filed_for_message(ACCOUNT, message_id)
    return entry.id


def test_the_same_pdf_bare_or_inside_an_xdm_is_a_duplicate_both_ways(
    filing: Filing, store: Store, marie: Patient
) -> None:
    assert filing.file_message(received(store, 1, xdm_mail(1, cda_xml("cr-1")))).status == FILED
    bare = mail_with("m2@chu.test", ("CR imagerie.pdf", "application/pdf", PDF))
    result = filing.file_message(received(store, 2, bare), patient_id=marie.id)
    assert result.status == DUPLICATE
    written = files_in(filing, marie)
    # the other way round: the bare PDF first (her choice), then the XDM carrying it
    other = PDF.replace(b"compte rendu", b"autre compte rendu")
    bare = mail_with("m3@chu.test", ("autre.pdf", "application/pdf", other))
    assert filing.file_message(received(store, 3, bare), patient_id=marie.id).status == FILED
    packed = xdm_mail(4, cda_xml("cr-9", pdf=other, set_id="set-9"))
    assert filing.file_message(received(store, 4, packed)).status == DUPLICATE
    assert len(files_in(filing, marie)) == len(written) + 1  # only the bare PDF was added


def test_the_same_document_id_with_other_bytes_is_a_duplicate(
    filing: Filing, store: Store, marie: Patient
) -> None:
    assert filing.file_message(received(store, 1, xdm_mail(1, cda_xml("cr-1")))).status == FILED
    redone = cda_xml("cr-1", pdf=PDF_V2, effective="20261117100000+0100")
    result = filing.file_message(received(store, 2, xdm_mail(2, redone)))
    assert result.status == DUPLICATE


# -- versions -----------------------------------------------------------------------------------


def test_a_replacement_is_filed_beside_the_original_which_is_marked_replaced(
    filing: Filing, store: Store, marie: Patient
) -> None:
    assert filing.file_message(received(store, 1, xdm_mail(1, cda_xml("cr-1")))).status == FILED
    before = files_in(filing, marie)
    v2 = cda_xml("cr-2", pdf=PDF_V2, version=2, replaces="cr-1")
    result = filing.file_message(received(store, 2, xdm_mail(2, v2, stamp=(2026, 11, 20, 8, 0, 0))))
    (outcome,) = result.outcomes
    assert outcome.status == FILED, outcome.message
    original = result_entry(filing, "m1@chu.test")
    assert outcome.replaces == original
    assert "remplace la version 1 du " in outcome.message
    assert outcome.to_json()["replaces"] == original
    after = files_in(filing, marie)
    assert set(before) < set(after) and len(after) == 2 * len(before)  # beside it, same folder
    old = filing.journal.entry(original)
    assert old is not None and old.replaced_by == outcome.entry_id
    assert old.label == "classé, remplacé" and old.to_json()["replaced"] is True
    new = filing.journal.entry(outcome.entry_id or 0)
    assert new is not None and (new.version, new.replaces) == (2, original)


def test_an_older_version_is_not_filed_and_says_so(
    filing: Filing, store: Store, marie: Patient
) -> None:
    v2 = cda_xml("cr-2", pdf=PDF_V2, version=2, replaces="cr-1")
    assert filing.file_message(received(store, 1, xdm_mail(1, v2))).status == FILED
    written = files_in(filing, marie)
    result = filing.file_message(received(store, 2, xdm_mail(2, cda_xml("cr-1"))))
    (outcome,) = result.outcomes
    assert outcome.status == DUPLICATE
    assert outcome.message.startswith("Version 1 plus ancienne que la version 2 déjà classée le ")
    assert files_in(filing, marie) == written


def test_undoing_a_replacement_makes_the_original_current_again(
    filing: Filing, store: Store, marie: Patient
) -> None:
    filing.file_message(received(store, 1, xdm_mail(1, cda_xml("cr-1"))))
    v2 = cda_xml("cr-2", pdf=PDF_V2, version=2, replaces="cr-1")
    (outcome,) = filing.file_message(received(store, 2, xdm_mail(2, v2))).outcomes
    assert outcome.entry_id is not None and outcome.replaces is not None
    filing.undo(outcome.entry_id)
    original = filing.journal.entry(outcome.replaces)
    assert original is not None and original.replaced_by is None and original.status == "filed"
    # and the replacement can be filed again
    (again,) = filing.file_message(received(store, 3, xdm_mail(3, v2))).outcomes
    assert again.status == FILED and again.replaces == outcome.replaces


def test_the_results_of_a_replaced_lab_report_give_way_to_the_corrected_one(
    filing: Filing, store: Store
) -> None:
    from app.filing.results import patient_results
    from tests.ui.cda_samples import INS, lab_report

    durand = filing.registry.add(
        birth_name="DURAND", first_names="Marie Claire", birth_date=date(1980, 5, 15),
        sex="F", used_name="MARTIN", ins=INS, ins_oid=InsKind.NIR.value,
    )  # fmt: skip
    identity = '<setId root="1.2.3" extension="bio-1"/><versionNumber value="{0}"/>'
    first = lab_report().replace(b'<languageCode code="fr-FR"/>', identity.format(1).encode(), 1)
    corrected = (
        lab_report()
        .replace(b'extension="DOC-11502-2"', b'extension="DOC-11502-2-v2"')
        .replace(b'<languageCode code="fr-FR"/>', identity.format(2).encode(), 1)
        .replace(b'value="10.1"', b'value="11.1"', 1)
        .replace(
            b"<component><structuredBody>",
            b'<relatedDocument typeCode="RPLC"><parentDocument>'
            b'<id root="1.2.250.1.999.1" extension="DOC-11502-2"/></parentDocument>'
            b"</relatedDocument><component><structuredBody>",
            1,
        )
    )
    for uid, data in ((1, first), (2, corrected)):
        raw = mail_with(f"bio-{uid}@labo.test", ("CR-BIO.xml", "text/xml", data))
        (outcome,) = filing.file_message(received(store, uid, raw), patient_id=durand.id).outcomes
        assert outcome.status == FILED, outcome.message
    assert outcome.replaces is not None
    haemoglobin = next(
        a for a in patient_results(filing, durand.id).analytes if a.label == "Hémoglobine"
    )
    assert [p.row.value for p in haemoglobin.points] == ["11.1"]  # not 10.1 any more


def test_a_new_version_with_the_same_pdf_is_still_a_new_version(
    filing: Filing, store: Store, marie: Patient
) -> None:
    filing.file_message(received(store, 1, xdm_mail(1, cda_xml("cr-1"))))
    v2 = cda_xml("cr-2", version=2, replaces="cr-1", effective="20261120080000+0100")
    (outcome,) = filing.file_message(received(store, 2, xdm_mail(2, v2))).outcomes
    assert outcome.status == FILED and outcome.replaces is not None, outcome.message

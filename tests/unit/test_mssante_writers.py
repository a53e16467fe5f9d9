"""The MSSanté writers (CDA, IHE_XDM.ZIP, the message, PDF/A) read back by Caducée's readers,
and the sending checks of app/ops/send_documents: each refusal before anything is queued."""

from __future__ import annotations

import email
import email.policy
import io
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.filing.db import FilingDb
from app.filing.patients import Registry, open_root_db
from app.mssante import cda as cda_reader
from app.mssante import pdfa, xdm
from app.mssante.cda_writer import write_cda
from app.mssante.documents import read_message
from app.mssante.headers import NIL_REFERENCE
from app.mssante.ins import key_of, make_ins
from app.mssante.message_writer import build_message
from app.mssante.model import PatientIdentity
from app.mssante.outgoing import (
    OutgoingDocument,
    Professional,
    Shipment,
    document_type,
    pdf_name,
    subject_for,
)
from app.mssante.xdm_writer import write_metadata, write_xdm
from app.ops import send_documents as ops
from app.ops.outbox import Draft, enqueue, enqueue_message
from app.store.db import Store
from app.store.outbox import OutboxStore

NIR13 = "2840512345678"
MATRICULE = NIR13 + f"{key_of(NIR13):02d}"
NIR_OID = "1.2.250.1.213.1.4.8"
TEST_OID = "1.2.250.1.213.1.4.10"
WHEN = datetime(2026, 12, 7, 9, 30, tzinfo=timezone(timedelta(hours=1)))
AUTHOR = Professional(
    "alice.martin@medecin.mssante.test", "MARTIN", "Alice", "810001234567", "Cabinet du Parc"
)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return pdfa.letter_pdfa("Cher confrère,\nJe vous adresse Mme Élodie DUPONT.", "Lettre")


def patient(ins_oid: str | None = NIR_OID) -> PatientIdentity:
    return PatientIdentity(
        ins=make_ins(MATRICULE, ins_oid) if ins_oid else None,
        birth_name="DUPONT",
        used_name="MARTIN",
        first_names=("Élodie", "Marie"),
        birth_date=date(1984, 5, 12),
        sex="F",
    )


def shipment(pdf: bytes | list[bytes], *codes: str, ins_oid: str | None = NIR_OID) -> Shipment:
    documents = []
    for number, code in enumerate(codes or ("96349-6",)):
        kind = document_type(code)
        assert kind is not None
        data = pdf[number] if isinstance(pdf, list) else pdf
        documents.append(OutgoingDocument(data, kind, f"{kind.short} {number}", date(2026, 12, 1)))
    return Shipment(
        AUTHOR, ["bob@lab.mssante.test"], patient(ins_oid), "k7q2mx", documents, WHEN, "Bonjour"
    )


def test_the_document_message_is_read_back_with_patient_type_author_and_documents(
    pdf: bytes,
) -> None:
    pdfs = [pdf, pdfa.letter_pdfa("Résultats joints.", "Biologie")]
    sent = shipment(pdfs, "96349-6", "11502-2")
    raw = build_message(sent).as_bytes()
    read = read_message(raw)
    assert read.refused == ()
    assert read.mss_headers == {"X-MSS-CODECDA": "96349-6,11502-2", "X-MSS-INS": "O"}
    assert read.sender == "Alice MARTIN"
    assert len(read.documents) == 2
    for document, kind, data in zip(read.documents, ("96349-6", "11502-2"), pdfs, strict=True):
        identity = document.identity
        assert identity is not None and identity.ins == make_ins(MATRICULE, NIR_OID)
        assert identity.ins.qualified
        assert (identity.birth_name, identity.used_name) == ("DUPONT", "MARTIN")
        assert identity.first_names == ("Élodie", "Marie")
        assert (identity.birth_date, identity.sex) == (date(1984, 5, 12), "F")
        assert document.type_code == kind and document.act_date == date(2026, 12, 1)
        assert document.author == "Alice MARTIN"
        assert document.readable is not None and document.readable.data == data
        assert document.readable.name.startswith("20261201_")  # the PDF/A beside the zip
        assert [o.name for o in document.originals][-1] == "IHE_XDM.ZIP"
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "XDM/1.0/DDM+Lettre d'adressage 0 DUPONT Élodie 12/05/1984"
    assert parsed["From"] == "Alice MARTIN <alice.martin@medecin.mssante.test>"
    assert parsed["Message-ID"].endswith("@medecin.mssante.test>")
    names = [part.get_filename() for part in parsed.iter_attachments()]
    assert names == [
        "IHE_XDM.ZIP",
        "20261201_Lettre d'adressage_DUPONT_Élodie_k7q2mx.pdf",
        "20261201_CR de biologie_DUPONT_Élodie_k7q2mx.pdf",
    ]
    assert parsed.get_body(("plain",)).get_content_charset() == "utf-8"
    assert "Disposition-Notification-To" not in parsed


def test_without_ins_and_with_a_test_ins_the_message_says_n(pdf: bytes) -> None:
    for oid in (None, TEST_OID):
        sent = shipment(pdf, ins_oid=oid)
        message = build_message(sent)
        assert message["X-MSS-INS"] == "N"
        read = read_message(message.as_bytes())
        identity = read.documents[0].identity
        assert identity is not None
        assert (identity.ins is None) if oid is None else (identity.ins.oid == TEST_OID)


def test_metadata_carries_the_document_entry_fields(pdf: bytes) -> None:
    sent = shipment(pdf)
    cda = write_cda(sent, sent.documents[0])
    metadata = write_metadata(sent, [cda])
    [entry] = xdm.read_metadata(metadata)
    assert entry.patient_id == f"{MATRICULE}^^^&{NIR_OID}&ISO^NH"
    assert entry.identity is not None and entry.identity.first_names == ("Élodie", "Marie")
    assert (entry.type_code, entry.class_code, entry.mime_type) == ("96349-6", "10", "text/xml")
    assert entry.author == "Alice MARTIN" and entry.uri == "DOC0001.XML"
    text = metadata.decode()
    import hashlib

    assert hashlib.sha1(cda, usedforsecurity=False).hexdigest() in text
    assert f"<rim:Value>{len(cda)}</rim:Value>" in text
    for fragment in (
        "urn:ihe:iti:xds-sd:pdf:2008",  # formatCode
        'nodeRepresentation="AMBULATOIRE"',  # practiceSettingCode
        'nodeRepresentation="SA07"',  # healthcareFacilityTypeCode
        'nodeRepresentation="N"',  # confidentialityCode
        "810001234567^MARTIN^Alice^^^^^^&amp;1.2.250.1.71.4.2.1&amp;ISO",  # author national id
        "<rim:Value>fr-FR</rim:Value>",
        sent.documents[0].unique_id,
    ):
        assert fragment in text, fragment
    archive = zipfile.ZipFile(io.BytesIO(write_xdm(sent, [cda])))
    assert archive.namelist() == [
        "README.TXT",
        "INDEX.HTM",
        "IHE_XDM/SUBSET01/METADATA.XML",
        "IHE_XDM/SUBSET01/DOC0001.XML",
    ]


def test_pdf_names_stay_readable_when_the_labels_hold_separators(pdf: bytes) -> None:
    sent = shipment(pdf)
    odd = Shipment(
        AUTHOR,
        ["x@y.mssante.test"],
        PatientIdentity(
            birth_name="D'ARC_/X", first_names=("Jeanne",), birth_date=date(1412, 1, 6)
        ),
        "ab/cd",
        sent.documents,
        WHEN,
    )
    name = pdf_name(odd, odd.documents[0])
    assert name == "20261201_Lettre d'adressage_D'ARC X_Jeanne_ab cd.pdf"
    assert subject_for(odd).endswith("D'ARC_/X Jeanne 06/01/1412")


# -- the CDA header of the CI-SIS examples -------------------------------------------------------

# A document of our own that follows the structure of the ANS level-1 example (test INS, a
# second local id, the birth first names in an unqualified given, the first one qualified BR,
# the used names qualified CL).
CISIS_LIKE = b"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <realmCode code="FR"/><typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <id root="1.2.3.4.5"/>
  <code code="11502-2" displayName="CR d'examens biologiques" codeSystem="2.16.840.1.113883.6.1"/>
  <title>Compte rendu de biologie</title><effectiveTime value="20250301101500+0100"/>
  <recordTarget><patientRole>
    <id extension="LOCAL-42" root="1.2.3.4.567"/>
    <id extension="%s" root="1.2.250.1.213.1.4.10"/>
    <patient classCode="PSN"><name>
      <family qualifier="BR">EXEMPLE-DEUX</family>
      <given>CLAUDE ANNE-SOPHIE</given><given qualifier="BR">CLAUDE</given>
      <family qualifier="CL">EXEMPLE</family><given qualifier="CL">CLO</given>
    </name><administrativeGenderCode code="F"/><birthTime value="19810214"/></patient>
  </patientRole></recordTarget>
  <author><time value="20250301"/><assignedAuthor><id root="1.2.250.1.71.4.2.1" extension="8100"/>
    <assignedPerson><name><prefix>M</prefix><given>Marc</given><family>BIOLO</family>
    <suffix>DR</suffix></name></assignedPerson></assignedAuthor></author>
  <documentationOf><serviceEvent><effectiveTime><low value="20250228083000+0100"/>
  </effectiveTime></serviceEvent></documentationOf>
  <component><nonXMLBody><text mediaType="application/pdf" representation="B64">JVBERi0=</text>
  </nonXMLBody></component>
</ClinicalDocument>"""


def test_a_cisis_structured_header_is_read_as_ours() -> None:
    document = cda_reader.read_cda(CISIS_LIKE % MATRICULE.encode())
    identity = document.identity
    assert identity is not None and identity.ins is not None
    assert identity.ins.oid == TEST_OID and not identity.ins.qualified
    assert (identity.birth_name, identity.used_name) == ("EXEMPLE-DEUX", "EXEMPLE")
    assert identity.first_names == ("CLAUDE", "ANNE-SOPHIE")
    assert (identity.birth_date, identity.sex) == (date(1981, 2, 14), "F")
    assert (document.code, document.act_date) == ("11502-2", date(2025, 2, 28))
    assert document.author == "M Marc BIOLO"


def test_our_cda_has_the_cisis_header(pdf: bytes) -> None:
    sent = shipment(pdf)
    data = write_cda(sent, sent.documents[0]).decode()
    for fragment in (
        '<realmCode code="FR" />',
        '<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040" />',
        '<templateId root="1.3.6.1.4.1.19376.1.2.20" />',
        f'<id root="{NIR_OID}" extension="{MATRICULE}" />',
        '<family qualifier="BR">DUPONT</family>',
        '<given qualifier="BR">Élodie</given>',
        '<id root="1.2.250.1.71.4.2.1" extension="810001234567" />',
        "<custodian>",
        '<signatureCode code="S" />',
        '<text mediaType="application/pdf" representation="B64">',
    ):
        assert fragment in data, fragment


# -- PDF/A --------------------------------------------------------------------------------------


def test_pdfa_conversion_output_is_pdfa_and_refuses_what_it_cannot_convert(pdf: bytes) -> None:
    assert pdfa.is_pdfa(pdf)
    converted = pdfa.to_pdfa(pdf)
    assert pdfa.is_pdfa(converted) and b"/OutputIntents" in converted
    plain = subprocess.run(
        ["gs", "-q", "-dBATCH", "-dNOPAUSE", "-dSAFER", "-sDEVICE=pdfwrite", "-o", "-", "-"],
        input=pdfa.letter_postscript("Bonjour"),
        capture_output=True,
        check=True,
    ).stdout
    assert plain[:5] == b"%PDF-" and not pdfa.is_pdfa(plain)  # a plain PDF is not taken as is
    assert pdfa.is_pdfa(pdfa.to_pdfa(plain))
    with pytest.raises(pdfa.PdfaRefused, match="n'est pas un fichier PDF"):
        pdfa.to_pdfa(b"GIF89a...", "photo.pdf")
    with pytest.raises(pdfa.PdfaRefused, match="ne peut pas être converti"):
        pdfa.to_pdfa(b"%PDF-1.4\nnot really", "abime.pdf")
    with pytest.raises(pdfa.PdfaRefused, match="vide"):
        pdfa.letter_pdfa("  \n")


def test_without_ghostscript_the_refusal_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADUCEE_GHOSTSCRIPT", "/nonexistent/gs")
    with pytest.raises(pdfa.PdfaRefused, match="Ghostscript n'est pas installé"):
        pdfa.to_pdfa(b"%PDF-1.4\n")
    assert shutil.which("gs")  # the real one is there for the other tests


# -- sending checks --------------------------------------------------------------------------------


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[FilingDb, Path, Registry]]:
    root = tmp_path / "patients"
    root.mkdir()
    db = open_root_db(root, tmp_path / "profile")
    try:
        yield db, root, Registry(db, root)
    finally:
        db.close()


def test_patient_checks(registry: tuple[FilingDb, Path, Registry]) -> None:
    db, root, reg = registry
    common = {"first_names": "Élodie Marie", "birth_date": date(1984, 5, 12), "sex": "F"}
    qualified = reg.add(birth_name="DUPONT", ins=MATRICULE, ins_oid=NIR_OID, **common)
    test = reg.add(birth_name="TEST", ins=MATRICULE, ins_oid=TEST_OID, **common)
    none = reg.add(birth_name="SANSINS", **common)
    assert ops.patient_identity(qualified).ins == make_ins(MATRICULE, NIR_OID)
    with pytest.raises(ops.SendRefused) as refused:
        ops.patient_identity(none)
    assert "pas d'INS" in refused.value.user_message
    assert ops.patient_identity(none, without_ins=True).ins is None
    with pytest.raises(ops.SendRefused, match="test INS"):
        ops.patient_identity(test)
    assert ops.patient_identity(test, test_ins=True).ins is not None
    _, found = ops.open_patient(db, root, qualified.id)
    assert found == qualified
    with pytest.raises(ops.SendRefused) as refused:
        ops.open_patient(db, root, "zzzzzz")
    assert "déplacé" in refused.value.user_message
    moved = root.parent / "moved"
    root.rename(moved)
    with pytest.raises(ops.SendRefused) as refused:
        ops.open_patient(db, root, qualified.id)
    assert "n'existe pas" in refused.value.user_message
    root.mkdir()  # an empty folder now stands where the patients were
    with pytest.raises(ops.SendRefused) as refused:
        ops.open_patient(db, root, qualified.id)
    assert "déplacé" in refused.value.user_message


def test_document_recipient_and_size_checks(tmp_path: Path, pdf: bytes) -> None:
    kind = document_type("11488-4")
    assert kind is not None
    text = tmp_path / "notes.txt"
    text.write_text("pas un PDF")
    with pytest.raises(ops.SendRefused) as refused:
        ops.prepare_documents([ops.DocumentChoice(kind, "CR", date(2026, 1, 2), path=text)])
    assert "n'est pas un fichier PDF" in refused.value.user_message
    with pytest.raises(ops.SendRefused, match="no document"):
        ops.prepare_documents([])
    good = tmp_path / "cr.pdf"
    good.write_bytes(pdf)
    [document] = ops.prepare_documents([ops.DocumentChoice(kind, "CR", date(2026, 1, 2), good)])
    assert pdfa.is_pdfa(document.pdf)
    ops.check_recipients(["bob@lab.mssante.fr"], tmp_path)
    with pytest.raises(ops.SendRefused) as refused:
        ops.check_recipients(["bob@gmail.com"], tmp_path)
    assert "bob@gmail.com" in refused.value.user_message
    ops.check_recipients(["bob@gmail.com"], tmp_path, confirmed=True)
    message = build_message(shipment(pdf))
    size = ops.check_size(message, None)
    assert ops.check_size(message, size) == size
    with pytest.raises(ops.SendRefused) as refused:
        ops.check_size(message, size - 1)
    assert "trop volumineux" in refused.value.user_message
    assert (ops.human_size(999), ops.human_size(20_001), ops.human_size(12_400_000)) == (
        "1 Ko",
        "21 Ko",
        "12,4 Mo",
    )


def test_every_queued_message_carries_x_mss_nil(tmp_path: Path, pdf: bytes) -> None:
    store = Store.open(tmp_path / "profile")
    try:
        account = store.add_account(AUTHOR.address, "password", "imaps://imap.test")
        item = enqueue_message(store, account, build_message(shipment(pdf)), dsn=True)
        raw = OutboxStore(store).raw(item)
        plain = enqueue(store, account, Draft(AUTHOR.address, ["b@x.mssante.fr"], "Objet", "Texte"))
        plain_raw = OutboxStore(store).raw(plain)
    finally:
        store.close()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["X-MSS-NIL"] == NIL_REFERENCE and parsed["X-MSS-CODECDA"] == "96349-6"
    assert item.dsn
    parsed = email.message_from_bytes(plain_raw, policy=email.policy.default)
    assert parsed["X-MSS-NIL"] == NIL_REFERENCE  # ECO.2.4.3: every message, documents or not
    assert parsed["X-MSS-CODECDA"] is None and parsed["X-MSS-INS"] is None  # only with a CDA


# The order of ClinicalDocument's children in the CDA R2 schema (POCD_MT000040), as facts: the
# official XSD cannot be shipped here (docs/notes.md says how it was checked by hand).
CDA_ORDER = [
    "realmCode",
    "typeId",
    "templateId",
    "id",
    "code",
    "title",
    "effectiveTime",
    "confidentialityCode",
    "languageCode",
    "setId",
    "versionNumber",
    "copyTime",
    "recordTarget",
    "author",
    "dataEnterer",
    "informant",
    "custodian",
    "informationRecipient",
    "legalAuthenticator",
    "authenticator",
    "participant",
    "inFulfillmentOf",
    "documentationOf",
    "relatedDocument",
    "authorization",
    "componentOf",
    "component",
]


def test_cda_header_elements_come_in_the_schema_order(pdf: bytes) -> None:
    from app.mssante.xmlsafe import parse_xml

    for oid in (NIR_OID, None):
        sent = shipment(pdf, ins_oid=oid)
        root = parse_xml(write_cda(sent, sent.documents[0]), "CDA")
        names = [child.tag.rpartition("}")[2] for child in root]
        assert names == sorted(names, key=CDA_ORDER.index)
        for required in ("typeId", "id", "code", "effectiveTime", "confidentialityCode",
                         "recordTarget", "author", "custodian", "component"):  # fmt: skip
            assert required in names


SUBSET_XSD = Path(__file__).parent.parent / "data" / "cda_level1_subset.xsd"


def xmllint(schema: Path, document: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "doc.xml"
    path.write_bytes(document)
    return subprocess.run(
        ["xmllint", "--noout", "--schema", str(schema), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cda_validates_against_our_level1_schema_and_a_broken_one_does_not(
    pdf: bytes, tmp_path: Path
) -> None:
    for oid in (NIR_OID, TEST_OID, None):
        sent = shipment(pdf, ins_oid=oid)
        done = xmllint(SUBSET_XSD, write_cda(sent, sent.documents[0]), tmp_path)
        assert done.returncode == 0, done.stderr
    sent = shipment(pdf)
    broken = write_cda(sent, sent.documents[0]).replace(b'<signatureCode code="S" />', b"")
    done = xmllint(SUBSET_XSD, broken, tmp_path)
    assert done.returncode != 0 and "signatureCode" in done.stderr


def test_prepare_runs_every_step_and_refuses_before_asking_for_secrets(
    registry: tuple[FilingDb, Path, Registry], tmp_path: Path, pdf: bytes
) -> None:
    from app.ops.accounts import AccountSession

    _db, _root, reg = registry
    someone = reg.add(
        birth_name="DUPONT", first_names="Élodie", birth_date=date(1984, 5, 12), sex="F",
        ins=MATRICULE, ins_oid=NIR_OID,
    )  # fmt: skip
    store = Store.open(tmp_path / "store")
    try:
        account = store.add_account("moi@cabinet.mssante.fr", "password", "imaps://imap.test")
    finally:
        store.close()
    asked: list[str] = []

    def secret(prompt: str) -> str:
        asked.append(prompt)
        return "x"

    session = AccountSession(account, tmp_path, lambda *_: "0000", secret)
    kind = document_type("11488-4")
    assert kind is not None
    letter = ops.DocumentChoice(kind, "CR de consultation", date(2026, 3, 4), letter="Bonjour")
    request = ops.SendRequest(["x@gmail.com"], someone, [letter])
    with pytest.raises(ops.SendRefused, match="trust"):
        ops.prepare(request, session, tmp_path)
    request = ops.SendRequest(["bob@lab.mssante.fr"], someone, [letter])
    with pytest.raises(ops.SendRefused) as refused:
        ops.prepare(request, session, tmp_path)  # no card, no certificate, no author given
    assert "--author-name" in refused.value.user_message
    request = ops.SendRequest(
        ["bob@lab.mssante.fr"], someone, [letter], author_name="Alice MARTIN", max_size=10**7
    )
    prepared = ops.prepare(request, session, tmp_path)
    assert asked == []  # a password account's secret is not needed to prepare
    assert prepared.shipment.sender.display_name == "Alice MARTIN"
    assert prepared.message["X-MSS-INS"] == "O" and prepared.limit == 10**7
    [document] = read_message(prepared.message.as_bytes()).documents
    assert document.author == "Alice MARTIN" and document.type_code == "11488-4"

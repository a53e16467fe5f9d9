"""read_message: realistic MSSanté messages in, documents to file out; hostile ones refused
fast, in French, with nothing written anywhere.

The builders here make the messages (also used by test_mssante_readers and the fuzz tests).
"""

from __future__ import annotations

import base64
import io
import os
import time
import zipfile
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest

from app.mssante import documents
from app.mssante.documents import read_message
from app.mssante.model import InsKind, MessageDocuments
from app.sandbox.mailbox import PARIS
from app.sandbox.samples import sample_mail

NIR_OID = "1.2.250.1.213.1.4.8"
TEST_OID = "1.2.250.1.213.1.4.10"
DEMO_OID = "1.2.250.1.213.1.4.11"
LOCAL_OID = "1.2.250.1.999.1"
MATRICULE = "255081416802538"  # key checks out
OTHER_MATRICULE = "185052A00608435"  # Corsica, key checks out
LOINC = "2.16.840.1.113883.6.1"
AUTHOR = "8100^LEROY^Paul^^^Dr^^^&1.2.250.1.71.4.2.1&ISO"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol9;</title></ClinicalDocument>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&xxe;</title></ClinicalDocument>
"""


def pdf(text: str) -> bytes:
    """A tiny but well-formed one-page PDF."""
    stream = f"BT /F1 12 Tf 50 800 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def cda(
    *,
    ids: tuple[tuple[str, str], ...] = ((NIR_OID, MATRICULE),),
    code: str = "11490-0",
    label: str = "Lettre de sortie",
    title: str = "Compte rendu de sortie",
    when: str = "20261120143000+0100",
    family: str = "MARTIN",
    used: str | None = "DURAND",
    given: tuple[str, ...] = ("Élodie", "Marie"),
    birth: str = "19550812",
    sex: str = "F",
    body: str | None = None,
    embedded_pdf: bytes | None = None,
) -> bytes:
    id_lines = "".join(f"<id root={quoteattr(r)} extension={quoteattr(e)}/>" for r, e in ids)
    names = "".join(f"<given>{escape(g)}</given>" for g in given)
    names += f'<family qualifier="BR">{escape(family)}</family>'
    if used:
        names += f'<family qualifier="SP">{escape(used)}</family>'
    if embedded_pdf is not None:
        encoded = base64.encodebytes(embedded_pdf).decode()
        content = (
            '<nonXMLBody><text mediaType="application/pdf" representation="B64">'
            f"{encoded}</text></nonXMLBody>"
        )
    else:
        content = body or (
            "<structuredBody><component><section>"
            f'<code code="{code}" codeSystem="{LOINC}"/><title>Motif</title>'
            "<text><paragraph>Douleur thoracique &lt;script&gt;alert(1)&lt;/script&gt;</paragraph>"
            '<list listType="ordered"><item>ECG normal</item><item>Troponine négative</item>'
            "</list><table><thead><tr><th>Examen</th><th>Résultat</th></tr></thead>"
            "<tbody><tr><td>CRP</td><td><content styleCode='Bold'>3 mg/L</content></td></tr>"
            '</tbody></table><linkHtml href="http://evil.test/x">voir</linkHtml></text>'
            "<component><section><title>Conclusion</title><text>Retour à domicile"
            "</text></section></component></section></component></structuredBody>"
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <code code="{code}" codeSystem="{LOINC}" displayName={quoteattr(label)}/>
  <title>{escape(title)}</title>
  <effectiveTime value="{when}"/>
  <recordTarget><patientRole>{id_lines}
    <patient><name>{names}</name>
      <administrativeGenderCode code="{sex}" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="{birth}"/>
    </patient></patientRole></recordTarget>
  <author><time value="{when}"/><assignedAuthor><id root="1.2.250.1.71.4.2.1" extension="8100"/>
    <assignedPerson><name><prefix>Dr</prefix><given>Paul</given><family>LEROY</family></name>
    </assignedPerson></assignedAuthor></author>
  <component>{content}</component>
</ClinicalDocument>
""".encode()


def slot(name: str, value: str) -> str:
    return f'<rim:Slot name="{name}"><rim:ValueList><rim:Value>{escape(value)}</rim:Value>' + (
        "</rim:ValueList></rim:Slot>"
    )


def metadata(entries: list[dict[str, str]]) -> bytes:
    """METADATA.XML; each entry: uri, mime, title, type, type_label, patient, created,
    optional author and source (PID-5 value)."""
    parts = []
    for number, entry in enumerate(entries, 1):
        eid = f"Document{number:02d}"
        source = "".join(
            f"<rim:Value>{escape(v)}</rim:Value>"
            for v in (
                f"PID-5|{entry.get('source', 'MARTIN^Élodie^Marie^^^^L')}",
                "PID-7|19550812",
                "PID-8|F",
            )
        )
        parts.append(f"""
    <rim:ExtrinsicObject id="{eid}" mimeType="{entry["mime"]}"
        objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
      {slot("creationTime", entry.get("created", "20261120133000"))}
      {slot("URI", entry["uri"])}
      {slot("sourcePatientId", entry["patient"])}
      <rim:Slot name="sourcePatientInfo"><rim:ValueList>{source}</rim:ValueList></rim:Slot>
      <rim:Name><rim:LocalizedString value={quoteattr(entry["title"])}/></rim:Name>
      <rim:Classification classificationScheme="urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
          classifiedObject="{eid}" nodeRepresentation="">
        {slot("authorPerson", entry.get("author", AUTHOR))}
        {slot("authorInstitution", "CH Valmont^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1690000")}
      </rim:Classification>
      <rim:Classification classificationScheme="urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
          classifiedObject="{eid}" nodeRepresentation="10">
        <rim:Name><rim:LocalizedString value="Compte rendu"/></rim:Name>
      </rim:Classification>
      <rim:Classification classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
          classifiedObject="{eid}" nodeRepresentation="{entry["type"]}">
        <rim:Name><rim:LocalizedString value={quoteattr(entry["type_label"])}/></rim:Name>
      </rim:Classification>
      <rim:ExternalIdentifier identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
          registryObject="{eid}" value={quoteattr(entry["patient"])}/>
    </rim:ExtrinsicObject>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
    xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
  <rim:RegistryObjectList>
    <rim:RegistryPackage id="SubmissionSet01"/>{"".join(parts)}
  </rim:RegistryObjectList>
</lcm:SubmitObjectsRequest>
""".encode()


def make_zip(files: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, (2026, 11, 20, 14, 30, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def patient_id(matricule: str = MATRICULE, oid: str = NIR_OID) -> str:
    return f"{matricule}^^^&{oid}&ISO^NH"


def good_xdm() -> bytes:
    """Two subsets, three CDA documents: a structured body, an embedded PDF (another
    patient, Corsica, in lower-case paths), a structured one with a PDF beside it."""
    first = cda(title="Compte rendu de sortie")
    second = cda(
        ids=((LOCAL_OID, "IPP42"), (NIR_OID, OTHER_MATRICULE)),
        code="18748-4",
        label="CR d'imagerie médicale",
        title="Scanner thoracique",
        family="SANTONI",
        used=None,
        given=("Ange",),
        birth="19850501",
        sex="M",
        embedded_pdf=pdf("Scanner thoracique SANTONI"),
    )
    third = cda(code="11502-2", label="CR d'examens biologiques", title="Bilan biologique")
    subset1 = metadata(
        [
            {
                "uri": "DOC0001.XML",
                "mime": "text/xml",
                "title": "Compte rendu de sortie",
                "type": "11490-0",
                "type_label": "Lettre de sortie",
                "patient": patient_id(),
            },
            {
                "uri": "DOC0002.XML",
                "mime": "text/xml",
                "title": "Bilan biologique",
                "type": "11502-2",
                "type_label": "CR d'examens biologiques",
                "patient": patient_id(),
            },
        ]
    )
    subset2 = metadata(
        [
            {
                "uri": "doc0001.xml",
                "mime": "text/xml",
                "title": "Scanner thoracique",
                "type": "18748-4",
                "type_label": "CR d'imagerie médicale",
                "patient": patient_id(OTHER_MATRICULE),
                "source": "SANTONI^Ange^^^^^L",
            }
        ]
    )
    return make_zip(
        [
            ("README.TXT", "Emetteur : CH Valmont\r\n".encode("cp1252")),
            ("INDEX.HTM", b"<html><body>IHE XDM</body></html>"),
            ("IHE_XDM/SUBSET01/METADATA.XML", subset1),
            ("IHE_XDM/SUBSET01/DOC0001.XML", first),
            ("IHE_XDM/SUBSET01/DOC0002.XML", third),
            ("ihe_xdm/subset02/metadata.xml", subset2),
            ("ihe_xdm/subset02/DOC0001.XML", second),
        ]
    )


HPRIM = (
    "4512378\nMARTIN\nÉlodie\n12 rue des Lilas\n\n69000 LYON\n12/08/1955\n255081416802538\n"
    "987654321\n19/11/2026\n\nDr Démo CADUCÉE\n****LAB****\n"
    "RES|Glycémie|GLY|N|5.10|mmol/L|3.9|5.8|N|F\n****FINLAB****\n"
)


def message(
    attachments: list[tuple[str, bytes, str, str]],
    subject: str = "XDM/1.0/DDM+COMPTE RENDU DE SORTIE MARTIN Élodie 12/08/1955",
    headers: dict[str, str] | None = None,
) -> bytes:
    email = EmailMessage()
    email["From"] = "CH Valmont <cardio@ch-valmont.mssante.test>"
    email["To"] = "dr.demo@cabinet.mssante.test"
    email["Subject"] = subject
    email["Message-ID"] = "<abc@ch-valmont.mssante.test>"
    for name, value in (headers or {}).items():
        email[name] = value
    email.set_content("Veuillez trouver ci-joint le document.\n")
    for filename, data, maintype, subtype in attachments:
        email.add_attachment(data, maintype, subtype, filename=filename)
    return email.as_bytes()


def xdm_message() -> bytes:
    return message(
        [
            ("IHE_XDM.ZIP", good_xdm(), "application", "zip"),
            ("20261120_Bilan biologique_MARTIN_Élodie.pdf", pdf("Bilan"), "application", "pdf"),
            ("20261120_CR de sortie_MARTIN_Élodie.pdf", pdf("Sortie"), "application", "pdf"),
        ],
        headers={"X-MSS-CODECDA": "11490-0,18748-4,11502-2", "X-MSS-INS": "O"},
    )


# -- realistic messages -------------------------------------------------------------------------


def test_an_xdm_with_two_subsets_and_three_documents() -> None:
    result = read_message(xdm_message())
    assert result.refused == ()
    assert result.mss_headers["X-MSS-CODECDA"] == "11490-0,18748-4,11502-2"
    assert result.mss_headers["X-MSS-INS"] == "O"
    assert result.message_id == "abc@ch-valmont.mssante.test"
    assert result.sender == "CH Valmont"
    assert result.subject_identity is not None
    assert result.subject_identity.source == "subject"
    assert result.subject_identity.birth_name == "MARTIN"
    assert len(result.documents) == 3
    by_title = {d.title: d for d in result.documents}
    sortie = by_title["Compte rendu de sortie"]
    assert sortie.identity is not None and sortie.identity.source == "cda"
    assert sortie.identity.ins is not None and sortie.identity.ins.qualified
    assert sortie.identity.ins.matricule == MATRICULE
    assert sortie.identity.birth_name == "MARTIN" and sortie.identity.used_name == "DURAND"
    assert sortie.identity.first_names == ("Élodie", "Marie")
    assert sortie.identity.birth_date == date(1955, 8, 12) and sortie.identity.sex == "F"
    assert sortie.type_code == "11490-0" and sortie.type_label == "CR-sortie"
    assert sortie.act_date == date(2026, 11, 20) and sortie.author == "Dr Paul LEROY"
    # the PDF attached beside the zip whose name matches the title is its readable form;
    # the body rendered as HTML stays beside it
    assert sortie.readable is not None and sortie.readable.media_type == "application/pdf"
    assert sortie.readable.name == "20261120_CR de sortie_MARTIN_Élodie.pdf"
    assert [o.name for o in sortie.originals] == ["DOC0001.XML", "IHE_XDM.ZIP", "DOC0001.html"]
    assert sortie.originals[1].data == good_xdm()
    bilan = by_title["Bilan biologique"]
    assert bilan.readable is not None
    assert bilan.readable.name == "20261120_Bilan biologique_MARTIN_Élodie.pdf"
    scanner = by_title["Scanner thoracique"]
    assert scanner.readable is not None and scanner.readable.data == pdf(
        "Scanner thoracique SANTONI"
    )
    assert scanner.identity is not None and scanner.identity.ins is not None
    assert scanner.identity.ins.matricule == OTHER_MATRICULE and scanner.identity.ins.qualified
    assert scanner.identity.birth_name == "SANTONI" and scanner.identity.sex == "M"


def test_a_cda_without_pdf_is_rendered_as_safe_html() -> None:
    result = read_message(message([("IHE_XDM.ZIP", good_xdm(), "application", "zip")]))
    sortie = next(d for d in result.documents if d.title == "Compte rendu de sortie")
    assert sortie.readable is not None and sortie.readable.media_type == "text/html"
    page = sortie.readable.data.decode()
    assert "<h1>Compte rendu de sortie</h1>" in page
    assert "<h2>Motif</h2>" in page and "<h3>Conclusion</h3>" in page
    assert "<ol><li>ECG normal</li><li>Troponine négative</li></ol>" in page
    assert "<th>Examen</th>" in page and "<td><strong>3 mg/L</strong></td>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "evil.test" not in page and "href" not in page and "<a " not in page
    assert "</table>voir</div>" in page  # the link's text is kept, not the link


def test_test_and_demo_ins_are_kept_but_never_qualified() -> None:
    for oid, kind in ((TEST_OID, InsKind.TEST), (DEMO_OID, InsKind.DEMO)):
        document = cda(ids=((oid, MATRICULE),), embedded_pdf=pdf("x"))
        archive = make_zip(
            [
                (
                    "IHE_XDM/SUBSET01/METADATA.XML",
                    metadata(
                        [
                            {
                                "uri": "DOC0001.XML",
                                "mime": "text/xml",
                                "title": "CR",
                                "type": "11490-0",
                                "type_label": "CR",
                                "patient": patient_id(oid=oid),
                            }
                        ]
                    ),
                ),
                ("IHE_XDM/SUBSET01/DOC0001.XML", document),
            ]
        )
        result = read_message(message([("IHE_XDM.ZIP", archive, "application", "zip")]))
        (only,) = result.documents
        assert only.identity is not None and only.identity.ins is not None
        assert only.identity.ins.kind is kind and only.identity.ins.key_ok
        assert not only.identity.ins.qualified


def test_metadata_identity_when_the_cda_has_none() -> None:
    body = (
        cda(embedded_pdf=pdf("x"))
        .replace(b"<recordTarget>", b"<!--")
        .replace(b"</recordTarget>", b"-->")
    )
    archive = make_zip(
        [
            (
                "IHE_XDM/SUBSET01/METADATA.XML",
                metadata(
                    [
                        {
                            "uri": "DOC0001.XML",
                            "mime": "text/xml",
                            "title": "CR",
                            "type": "11490-0",
                            "type_label": "CR",
                            "patient": patient_id(oid=DEMO_OID),
                        }
                    ]
                ),
            ),
            ("IHE_XDM/SUBSET01/DOC0001.XML", body),
        ]
    )
    (only,) = read_message(message([("IHE_XDM.ZIP", archive, "application", "zip")])).documents
    assert only.identity is not None and only.identity.source == "xdm-metadata"
    assert only.identity.ins is not None and only.identity.ins.kind is InsKind.DEMO
    assert only.identity.birth_name == "MARTIN"
    assert only.identity.first_names == ("Élodie", "Marie")
    assert only.identity.birth_date == date(1955, 8, 12) and only.identity.sex == "F"


def test_a_plain_pdf_takes_the_subject_identity() -> None:
    result = read_message(message([("CR.pdf", pdf("CR"), "application", "pdf")]))
    (only,) = result.documents
    assert only.readable is not None and only.readable.data == pdf("CR")
    assert only.identity is not None and only.identity.source == "subject"
    assert only.identity.birth_name == "MARTIN" and only.identity.first_names == ("Élodie",)
    assert only.identity.birth_date == date(1955, 8, 12) and only.identity.ins is None
    assert only.title == "COMPTE RENDU DE SORTIE"


def test_a_subject_only_message_gives_a_hint_and_no_document() -> None:
    result = read_message(message([]))
    assert result.documents == () and result.refused == ()
    assert result.subject_identity is not None
    assert result.subject_identity.birth_date == date(1955, 8, 12)
    plain = read_message(message([], subject="Bonjour"))
    assert plain.subject_identity is None


def test_hprim_with_its_pdf_is_one_document() -> None:
    raw = message(
        [
            ("resultats.pdf", pdf("Résultats"), "application", "pdf"),
            ("RESULTATS.HPR", HPRIM.encode("cp1252"), "application", "octet-stream"),
        ],
        subject="Résultats d'analyses",
    )
    (only,) = read_message(raw).documents
    assert only.readable is not None and only.readable.media_type == "application/pdf"
    assert [o.name for o in only.originals] == ["RESULTATS.HPR"]
    assert only.identity is not None and only.identity.source == "hprim"
    assert only.identity.birth_name == "MARTIN" and only.identity.first_names == ("Élodie",)
    assert only.identity.birth_date == date(1955, 8, 12)
    # The 8th header line: the matricule as read, without OID (never qualified, never certain)
    ins = only.identity.ins
    assert ins is not None and (ins.matricule, ins.oid, ins.key_ok) == ("255081416802538", "", True)
    assert ins.kind is None and not ins.qualified
    assert only.act_date == date(2026, 11, 19)
    alone = read_message(message([("R.HPR", HPRIM.encode(), "text", "plain")], subject="x"))
    (hprim_only,) = alone.documents
    assert hprim_only.readable is not None and hprim_only.readable.media_type == "text/plain"
    assert hprim_only.identity is not None and hprim_only.identity.birth_name == "MARTIN"


def test_a_plain_pdf_without_subject_identity_takes_the_names_of_its_eco_file_name() -> None:
    """ECO.2.1.6 names the patient in the PDF's name: the names only (no birth date, no
    INS), so the dialog and the new-patient form are not empty; never a certain match."""
    named = "20261129_CR de consultation_CARON_Gaëlle_000390.pdf"
    result = read_message(
        message([(named, pdf("CR"), "application", "pdf")], subject="CR de consultation")
    )
    (only,) = result.documents
    assert only.identity is not None and only.identity.source == "file-name"
    assert (only.identity.birth_name, only.identity.first_names) == ("CARON", ("Gaëlle",))
    assert only.identity.birth_date is None and only.identity.ins is None
    assert only.act_date == date(2026, 11, 29) and only.title == "CR de consultation"
    odd = read_message(
        message([("20261129_CR_2_3_x.pdf", pdf("CR"), "application", "pdf")], subject="x")
    )
    assert odd.documents[0].identity is None  # digits are not names


def test_the_demo_samples_read_as_expected() -> None:
    samples = sample_mail("dr.demo@cabinet.mssante.test", datetime(2026, 11, 22, 10, tzinfo=PARIS))
    results = [read_message(sample.raw) for sample in samples]
    assert all(r.refused == () for r in results)
    xdm = [r for r in results if "X-MSS-CODECDA" in r.mss_headers]
    assert len(xdm) == 3
    for result in xdm:
        (only,) = result.documents  # the PDF beside the zip is the same document
        assert only.readable is not None and only.readable.media_type == "application/pdf"
        assert not only.readable.name.upper().startswith("DOC")  # the sender's name is kept
        assert only.identity is not None and only.identity.source == "cda"
        assert only.type_code == result.mss_headers["X-MSS-CODECDA"]
        assert only.identity.ins is None or not only.identity.ins.qualified  # test INS
        assert [o.media_type for o in only.originals] == ["text/xml", "application/zip"]


# -- hostile input --------------------------------------------------------------------------------


@pytest.fixture
def sealed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory with an empty private temp dir: both must stay empty."""
    work = tmp_path / "work"
    temp = tmp_path / "temp"
    work.mkdir()
    temp.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    return tmp_path


def refused_fast(raw: bytes, sealed: Path) -> MessageDocuments:
    started = time.perf_counter()
    result = read_message(raw)
    assert time.perf_counter() - started < 5
    assert sorted(p.relative_to(sealed) for p in sealed.rglob("*")) == [Path("temp"), Path("work")]
    assert not any(os.scandir(sealed / "temp")) and not any(os.scandir(sealed / "work"))
    assert result.refused, "expected a refusal"
    return result


def reasons(result: MessageDocuments) -> list[str]:
    return [r.reason for r in result.refused]


def zip_message(archive: bytes, name: str = "IHE_XDM.ZIP") -> bytes:
    return message([(name, archive, "application", "zip")])


def test_zip_bomb_by_ratio(sealed: Path) -> None:
    bomb = make_zip([("IHE_XDM/SUBSET01/DOC0001.XML", b"\0" * (30 * 1024 * 1024))])
    result = refused_fast(zip_message(bomb), sealed)
    assert reasons(result) == [
        "Archive refusée : taux de compression anormal (bombe de décompression ?). "
        "(IHE_XDM/SUBSET01/DOC0001.XML)"
    ]
    assert result.documents == ()


def test_zip_bomb_by_declared_size(sealed: Path) -> None:
    from tests.unit.test_mssante_safezip import patch_sizes

    archive = patch_sizes(make_zip([("IHE_XDM/SUBSET01/DOC0001.PDF", pdf("x"))]), 2**31)
    (reason,) = reasons(refused_fast(zip_message(archive), sealed))
    assert reason.startswith("Archive refusée : taille décompressée trop grande")


def test_zip_with_too_many_entries(sealed: Path) -> None:
    archive = make_zip([(f"IHE_XDM/SUBSET01/F{i}.TXT", b"") for i in range(1_000)])
    assert reasons(refused_fast(zip_message(archive), sealed)) == [
        "Archive refusée : trop de fichiers dans l'archive."
    ]


def test_nested_zips_are_not_opened(sealed: Path) -> None:
    inner_bomb = make_zip([("x", b"\0" * (5 * 1024 * 1024))])
    nested = make_zip([("IHE_XDM/SUBSET01/INNER.ZIP", make_zip([("b.zip", inner_bomb)]))])
    result = refused_fast(zip_message(nested), sealed)
    assert reasons(result) == [
        "Archive dans l'archive : non ouverte (pas de décompression en cascade)."
    ]
    assert result.refused[0].name == "IHE_XDM.ZIP : IHE_XDM/SUBSET01/INNER.ZIP"


@pytest.mark.parametrize(
    "name",
    [
        "../../../../tmp/evil.xml",
        "IHE_XDM\\SUBSET01\\..\\..\\..\\evil.xml",
        "/etc/cron.d/evil",
        "C:\\Users\\Public\\evil.xml",
    ],
)
def test_traversal_names_in_the_archive(sealed: Path, name: str) -> None:
    archive = make_zip([("IHE_XDM/SUBSET01/DOC0001.XML", cda()), (name, b"<x/>")])
    (reason,) = reasons(refused_fast(zip_message(archive), sealed))
    assert reason.startswith("Nom de fichier dangereux dans l'archive : ")
    assert name[:20] in reason


def test_traversal_in_a_metadata_uri(sealed: Path) -> None:
    entry = {
        "uri": "..\\..\\..\\README.TXT",
        "mime": "text/xml",
        "title": "CR",
        "type": "11490-0",
        "type_label": "CR",
        "patient": patient_id(),
    }
    archive = make_zip([("README.TXT", b"x"), ("IHE_XDM/SUBSET01/METADATA.XML", metadata([entry]))])
    result = refused_fast(zip_message(archive), sealed)
    assert result.refused[0].name == "IHE_XDM.ZIP : ..\\..\\..\\README.TXT"
    assert "nom de fichier dangereux" in result.refused[0].reason


def test_hostile_attachment_names_never_leave_the_name_field(sealed: Path) -> None:
    raw = message([("..\\..\\C:\\evil.pdf", pdf("x"), "application", "pdf")])
    result = read_message(raw)
    (only,) = result.documents
    assert only.readable is not None and "/" not in only.readable.name
    assert "\\" not in only.readable.name and ".." not in only.readable.name
    assert not any(os.scandir(sealed / "work")) and not any(os.scandir(sealed / "temp"))


@pytest.mark.parametrize("hostile", [XXE, BILLION_LAUGHS])
def test_entities_in_metadata(sealed: Path, hostile: bytes) -> None:
    archive = make_zip(
        [("IHE_XDM/SUBSET01/METADATA.XML", hostile), ("IHE_XDM/SUBSET01/DOC0001.XML", cda())]
    )
    assert reasons(refused_fast(zip_message(archive), sealed)) == [
        "METADATA.XML refusé : XML avec DTD ou entités (attaque XXE ou d'expansion ?)."
    ]


@pytest.mark.parametrize("hostile", [XXE, BILLION_LAUGHS])
def test_entities_in_the_cda(sealed: Path, hostile: bytes) -> None:
    archive = make_zip([("IHE_XDM/SUBSET01/DOC0001.XML", hostile)])
    result = refused_fast(zip_message(archive), sealed)
    assert reasons(result) == [
        "DOC0001.XML refusé : XML avec DTD ou entités (attaque XXE ou d'expansion ?)."
    ]
    assert result.refused[0].name == "IHE_XDM.ZIP : IHE_XDM/SUBSET01/DOC0001.XML"
    alone = refused_fast(message([("cda.xml", hostile, "text", "xml")]), sealed)
    assert reasons(alone) == [
        "cda.xml refusé : XML avec DTD ou entités (attaque XXE ou d'expansion ?)."
    ]


def test_malformed_xml(sealed: Path) -> None:
    archive = make_zip(
        [
            ("IHE_XDM/SUBSET01/METADATA.XML", b"<lcm:SubmitObjectsRequest><oops"),
            ("IHE_XDM/SUBSET01/DOC0001.XML", cda()),
        ]
    )
    assert reasons(refused_fast(zip_message(archive), sealed)) == [
        "METADATA.XML refusé : XML mal formé ou incomplet."
    ]
    broken_cda = make_zip([("IHE_XDM/SUBSET01/DOC0001.XML", cda()[:400])])
    assert reasons(refused_fast(zip_message(broken_cda), sealed)) == [
        "DOC0001.XML refusé : XML mal formé ou incomplet."
    ]


def test_truncated_zip(sealed: Path) -> None:
    archive = good_xdm()
    assert reasons(refused_fast(zip_message(archive[: len(archive) // 2]), sealed)) == [
        "Archive refusée : archive ZIP illisible ou incomplète."
    ]


def test_not_a_zip_named_zip(sealed: Path) -> None:
    assert reasons(refused_fast(zip_message(b"%PDF-1.4 not a zip"), sealed)) == [
        "Archive refusée : ce n'est pas une archive ZIP."
    ]


def test_a_zip_without_xdm_structure(sealed: Path) -> None:
    archive = make_zip([("photos/a.jpg", b"\xff\xd8")])
    assert reasons(refused_fast(zip_message(archive, "photos.zip"), sealed)) == [
        "Archive sans structure IHE XDM (dossier IHE_XDM/SUBSETnn absent)."
    ]


def test_not_a_pdf_named_pdf(sealed: Path) -> None:
    raw = message([("CR.pdf", b"MZ\x90\x00 an executable", "application", "pdf")])
    assert reasons(refused_fast(raw, sealed)) == ["Pièce jointe refusée : ce n'est pas un PDF."]


def test_huge_attachment(sealed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_ATTACHMENT_BYTES", 10_000)
    raw = message([("CR.pdf", pdf("x") + b"\0" * 20_000, "application", "pdf")])
    assert reasons(refused_fast(raw, sealed)) == ["Pièce jointe refusée : fichier trop volumineux."]


def test_garbage_message(sealed: Path) -> None:
    for raw in (b"", b"\0" * 1000, b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"):
        result = read_message(raw)
        assert result.documents == ()
    assert not any(os.scandir(sealed / "work")) and not any(os.scandir(sealed / "temp"))


def test_a_reader_bug_is_logged_and_refused(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(data: bytes) -> None:
        raise ZeroDivisionError

    monkeypatch.setattr(documents, "read_xdm", broken)
    result = read_message(xdm_message())
    assert reasons(result) == ["Pièce jointe illisible (erreur de lecture)."]
    assert "document reader failed" in caplog.text
    assert "MARTIN" not in caplog.text  # no patient data in logs


def _entry(uri: str, mime: str, title: str = "CR") -> dict[str, str]:
    return {
        "uri": uri,
        "mime": mime,
        "title": title,
        "type": "11490-0",
        "type_label": "Lettre de sortie",
        "patient": patient_id(),
    }


def test_a_second_rendering_is_kept_beside_never_filed_twice_nor_lost() -> None:
    embedded = pdf("embedded")
    archive = make_zip(
        [
            (
                "IHE_XDM/SUBSET01/METADATA.XML",
                metadata(
                    [
                        _entry("DOC0001.XML", "text/xml"),
                        _entry("DOC0002.PDF", "application/pdf"),
                        _entry("DOC0003.PDF", "application/pdf"),
                    ]
                ),
            ),
            ("IHE_XDM/SUBSET01/DOC0001.XML", cda(embedded_pdf=embedded)),
            ("IHE_XDM/SUBSET01/DOC0002.PDF", embedded),  # the same bytes: dropped
            ("IHE_XDM/SUBSET01/DOC0003.PDF", pdf("regenerated")),  # kept beside
        ]
    )
    raw = message(
        [
            ("IHE_XDM.ZIP", archive, "application", "zip"),
            ("20261120_CR de sortie_MARTIN_Élodie.pdf", pdf("attached"), "application", "pdf"),
        ]
    )
    (only,) = read_message(raw).documents
    assert only.readable is not None and only.readable.data == embedded
    assert [o.name for o in only.originals] == [
        "DOC0001.XML",
        "IHE_XDM.ZIP",
        "DOC0003.PDF",
        "20261120_CR de sortie_MARTIN_Élodie.pdf",
    ]


def test_pdfs_in_a_subset_without_cda_are_documents_with_the_metadata_identity() -> None:
    archive = make_zip(
        [
            (
                "IHE_XDM/SUBSET01/METADATA.XML",
                metadata([_entry("DOC0001.PDF", "application/pdf", "Ordonnance")]),
            ),
            ("IHE_XDM/SUBSET01/DOC0001.PDF", pdf("ordonnance")),
        ]
    )
    (only,) = read_message(message([("IHE_XDM.ZIP", archive, "application", "zip")])).documents
    assert only.title == "Ordonnance" and only.readable is not None
    assert only.readable.name == "DOC0001.PDF"
    assert only.identity is not None and only.identity.source == "xdm-metadata"
    assert only.identity.ins is not None and only.identity.ins.matricule == MATRICULE
    assert only.act_date == date(2026, 11, 20) and only.author == "Dr Paul LEROY"


def test_archive_member_names_are_made_safe_file_names() -> None:
    archive = make_zip([('IHE_XDM/SUBSET01/DOC<1>|"?.XML', cda(embedded_pdf=pdf("x")))])
    (only,) = read_message(message([("IHE_XDM.ZIP", archive, "application", "zip")])).documents
    assert only.originals[0].name == "DOC1.XML"
    assert only.readable is not None and only.readable.name == "DOC1.pdf"


def test_an_eco_pdf_name_gives_the_act_date_and_type_but_never_the_patient() -> None:
    raw = message(
        [("20220531_CR d'imagerie médicale_CORSE_FIGATELLIX.pdf", pdf("x"), "application", "pdf")],
        subject="Compte rendu",
    )
    (only,) = read_message(raw).documents
    assert only.act_date == date(2022, 5, 31) and only.title == "CR d'imagerie médicale"
    assert only.identity is None


def test_unrelated_pdfs_are_not_glued_to_a_readable_xdm_document() -> None:
    archive = make_zip(
        [
            ("IHE_XDM/SUBSET01/DOC0001.XML", cda(embedded_pdf=pdf("embedded"))),
            ("IHE_XDM/SUBSET01/SIGNATURE.XML", b"<Signature><SignedInfo/></Signature>"),
        ]
    )
    raw = message(
        [
            ("IHE_XDM.ZIP", archive, "application", "zip"),
            ("ordonnance.pdf", pdf("ordonnance"), "application", "pdf"),
            ("certificat.pdf", pdf("certificat"), "application", "pdf"),
        ]
    )
    result = read_message(raw)
    assert result.refused == ()  # the signature is another XML file, not a refusal
    xdm_document, *others = result.documents
    assert [o.name for o in xdm_document.originals] == ["DOC0001.XML", "IHE_XDM.ZIP"]
    assert [d.readable.name for d in others if d.readable] == ["ordonnance.pdf", "certificat.pdf"]
    assert all(d.identity is not None and d.identity.source == "subject" for d in others)

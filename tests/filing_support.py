"""Builders for the filing tests: documents as ``app.mssante.documents`` will give them.

The readers live on another branch until merged; these tests build ``MessageDocuments`` and
``ReceivedDocument`` objects directly (the contract of ``app/mssante/model.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage

import pytest

from app.mssante.ins import key_of
from app.mssante.model import (
    DocumentFile,
    Ins,
    InsKind,
    MessageDocuments,
    PatientIdentity,
    ReceivedDocument,
    RefusedInput,
)
from app.store.db import HeaderRow, Store


def with_key(nir13: str) -> str:
    """The 15-character matricule of a 13-character NIR/NIA (made-up test data)."""
    key = key_of(nir13)
    assert key is not None, nir13
    return f"{nir13}{key:02d}"


MATRICULE = with_key("2800575123456")  # a woman born in May 1980 in Paris (made up)
OTHER_MATRICULE = with_key("1750313055123")
PDF = b"%PDF-1.4\n% compte rendu\n%%EOF\n"
CDA = b"<?xml version='1.0'?><ClinicalDocument xmlns='urn:hl7-org:v3'/>"
XDM = b"PK\x05\x06" + b"\x00" * 18


def ins(matricule: str = MATRICULE, kind: InsKind = InsKind.NIR) -> Ins:
    return Ins(matricule=matricule, oid=kind.value, key_ok=True)


def identity(
    *,
    ins_value: Ins | None = None,
    birth_name: str | None = "DUPONT",
    first_names: tuple[str, ...] = ("Marie", "Louise"),
    birth_date: date | None = date(1980, 5, 12),
    sex: str | None = "F",
    used_name: str | None = None,
) -> PatientIdentity:
    return PatientIdentity(
        ins=ins_value,
        birth_name=birth_name,
        used_name=used_name,
        first_names=first_names,
        birth_date=birth_date,
        sex=sex,
        source="cda",
    )


def document(
    who: PatientIdentity | None = None,
    *,
    pdf: bytes = PDF,
    type_label: str | None = "CR-imagerie",
    author: str | None = "Dr Paul DURAND",
    act_date: date | None = date(2026, 11, 16),
) -> ReceivedDocument:
    return ReceivedDocument(
        readable=DocumentFile("cr.pdf", "application/pdf", pdf),
        originals=(
            DocumentFile("DOC0001.XML", "text/xml", CDA + pdf[-8:]),
            DocumentFile("IHE_XDM.ZIP", "application/zip", XDM + pdf[-8:]),
        ),
        identity=who,
        title="Compte rendu d'imagerie",
        type_label=type_label,
        act_date=act_date,
        author=author,
    )


def documents(*docs: ReceivedDocument, refused: tuple[RefusedInput, ...] = ()) -> MessageDocuments:
    return MessageDocuments(documents=docs, refused=refused, sender="Dr Paul DURAND")


def raw_message(message_id: str = "cr-1@chu.mssante.test", *, receipt: bool = False) -> bytes:
    message = EmailMessage()
    message["From"] = "Dr Paul DURAND <paul.durand@chu.mssante.test>"
    message["To"] = "dr@mssante.test"
    message["Subject"] = "XDM/1.0/DDM+CR imagerie DUPONT Marie 12/05/1980"
    message["Message-ID"] = f"<{message_id}>"
    message["Date"] = "Mon, 16 Nov 2026 09:00:00 +0100"
    if receipt:
        message["Disposition-Notification-To"] = "paul.durand@chu.mssante.test"
    message.set_content("Voici le compte rendu.")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="cr.pdf")
    return message.as_bytes()


DEMO_ME = "docteur.demo@medecin.mssante.test"


def put_demo_mail(
    store: Store, monkeypatch: pytest.MonkeyPatch, ins_oid: str, now: datetime | None = None
) -> None:
    """The demo's sample mailbox (IHE_XDM.ZIP + PDF, HPRIM, plain PDF) in ``store``, its
    identities carrying ``ins_oid`` (the generator's test OID, or a NIR OID standing for a
    hospital that sends qualified INS). The same messages whatever the day, dated in the
    days before ``now`` (default: the current time, as "À classer" looks at the last 60 days
    of the real clock)."""
    import app.sandbox.mailbox_build
    from app.sandbox.samples import sample_mail

    monkeypatch.setattr(app.sandbox.mailbox_build, "INS_NIR_TEST", ins_oid)
    account = store.account(DEMO_ME) or store.add_account(DEMO_ME, "card", "imaps://imap.test")
    store.upsert_folder(account, "INBOX", "/", "Inbox", True)
    inbox = next(f for f in store.folders(account) if f.name == "INBOX")
    samples = sample_mail(DEMO_ME, now)
    store.add_headers(
        inbox,
        [
            HeaderRow(uid, s.flags, s.when, len(s.raw), None, s.raw.split(b"\r\n\r\n")[0])
            for uid, s in enumerate(samples, start=1)
        ],
    )
    store.add_bodies(inbox, {uid: s.raw for uid, s in enumerate(samples, start=1)})


# -- real documents: a CDA with its own identity, packed in an IHE_XDM.ZIP -------------------

DOC_ROOT = "1.2.250.1.999.1.1"  # a made-up sender OID for document ids
SET_ROOT = "1.2.250.1.999.1.2"


def cda_xml(
    number: str = "cr-1",
    *,
    pdf: bytes = PDF,
    set_id: str = "set-1",
    version: int = 1,
    replaces: str | None = None,
    matricule: str = MATRICULE,
    effective: str = "20261116090000+0100",
    birth: str = "19800512",
) -> bytes:
    """A CI-SIS-like CDA: id ``DOC_ROOT^number``, setId, versionNumber, an RPLC
    relatedDocument when ``replaces`` (the parent's number), the PDF as nonXMLBody."""
    import base64

    related = (
        f'<relatedDocument typeCode="RPLC"><parentDocument>'
        f'<id root="{DOC_ROOT}" extension="{replaces}"/>'
        f'<setId root="{SET_ROOT}" extension="{set_id}"/>'
        f'<versionNumber value="{version - 1}"/></parentDocument></relatedDocument>'
        if replaces
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <id root="{DOC_ROOT}" extension="{number}"/>
  <code code="18748-4" codeSystem="2.16.840.1.113883.6.1" displayName="CR d'imagerie"/>
  <title>Compte rendu d'imagerie</title>
  <effectiveTime value="{effective}"/>
  <setId root="{SET_ROOT}" extension="{set_id}"/>
  <versionNumber value="{version}"/>
  <recordTarget><patientRole>
    <id root="{InsKind.NIR.value}" extension="{matricule}"/>
    <patient>
      <name><given>Marie Louise</given><family qualifier="BR">DUPONT</family></name>
      <administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="{birth}"/>
    </patient>
  </patientRole></recordTarget>
  <author><assignedAuthor><assignedPerson><name>Dr Paul DURAND</name></assignedPerson>
  </assignedAuthor></author>
  {related}
  <component><nonXMLBody><text mediaType="application/pdf" representation="B64">{
        base64.b64encode(pdf).decode()
    }</text></nonXMLBody></component>
</ClinicalDocument>
""".encode()


def xdm_zip(
    cda: bytes,
    *,
    stamp: tuple[int, int, int, int, int, int] = (2026, 11, 16, 9, 0, 0),
    unique_id: str | None = None,
    readme: str = "Envoi du CHU",
) -> bytes:
    """An IHE_XDM.ZIP holding ``cda`` (its METADATA.XML gives ``unique_id``); ``stamp``
    dates the zip's members and the metadata: two packagings differ byte for byte."""
    import io
    import zipfile

    rim = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
    identifier = (
        f'<rim:ExternalIdentifier identificationScheme="urn:uuid:2e82c1f6-a085-4c72-9da3-'
        f'8640a32e42ab" value="{unique_id}" id="uid1" registryObject="Doc1"/>'
        if unique_id
        else ""
    )
    metadata = f"""<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
  xmlns:rim="{rim}"><rim:RegistryObjectList>
  <rim:ExtrinsicObject id="Doc1" mimeType="text/xml"
    objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
    <rim:Slot name="URI"><rim:ValueList><rim:Value>DOC0001.XML</rim:Value></rim:ValueList>
    </rim:Slot>
    <rim:Slot name="creationTime"><rim:ValueList>
      <rim:Value>{"{:04d}{:02d}{:02d}{:02d}{:02d}{:02d}".format(*stamp)}</rim:Value></rim:ValueList></rim:Slot>
    {identifier}
  </rim:ExtrinsicObject>
</rim:RegistryObjectList></lcm:SubmitObjectsRequest>
""".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in (
            ("README.TXT", readme.encode()),
            ("IHE_XDM/SUBSET01/METADATA.XML", metadata),
            ("IHE_XDM/SUBSET01/DOC0001.XML", cda),
        ):
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def mail_with(
    message_id: str,
    *attachments: tuple[str, str, bytes],  # (file name, media type, data)
    subject: str = "XDM/1.0/DDM+CR imagerie",
) -> bytes:
    """A received message carrying ``attachments``."""
    message = EmailMessage()
    message["From"] = "Dr Paul DURAND <paul.durand@chu.mssante.test>"
    message["To"] = "dr@mssante.test"
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}>"
    message["Date"] = "Mon, 16 Nov 2026 09:00:00 +0100"
    message.set_content("Voici le document.")
    for name, media, data in attachments:
        maintype, subtype = media.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def put_raw(store: Store, account: str, uid: int, raw: bytes) -> None:
    """``raw`` as message ``uid`` of ``account``'s INBOX (created if needed), downloaded."""
    found = store.account(account) or store.add_account(account, "password", "imaps://imap.test")
    store.upsert_folder(found, "INBOX", "/", "Inbox", True)
    inbox = next(f for f in store.folders(found) if f.name == "INBOX")
    store.add_headers(inbox, [HeaderRow(uid, (), None, len(raw), None, raw.split(b"\n\n")[0])])
    store.add_bodies(inbox, {uid: raw})


def certain_docs() -> MessageDocuments:
    """One document with Marie's qualified INS and traits (a certain match)."""
    return documents(document(identity(ins_value=ins())))

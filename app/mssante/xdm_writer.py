"""``IHE_XDM.ZIP`` for sending (IHE ITI XDM, CI-SIS): read back by ``app.mssante.xdm``.

API: ``write_xdm(shipment, cdas) -> bytes`` where ``cdas`` holds one CDA file (from
``cda_writer.write_cda``) per document of the shipment, in order; ``write_metadata(shipment,
cdas) -> bytes`` is the ``METADATA.XML`` alone.

Layout: ``README.TXT`` (sender, software, tree), ``INDEX.HTM`` (XHTML, links to the README and
the documents), ``IHE_XDM/SUBSET01/METADATA.XML`` and ``IHE_XDM/SUBSET01/DOC0001.XML``…
(ISO 9660 level 1 names). METADATA.XML is an ebRIM 3.0 ``SubmitObjectsRequest``: one
SubmissionSet (RegistryPackage: submissionTime, intendedRecipient, author, uniqueId,
sourceId, patientId) and one DocumentEntry (ExtrinsicObject) per CDA: slots creationTime,
hash (SHA-1, as XDM asks), size, languageCode, legalAuthenticator, serviceStartTime,
sourcePatientId, sourcePatientInfo (PID-5 birth name and first names, PID-7, PID-8), URI;
classifications author (authorPerson with the national id, authorInstitution), classCode,
confidentialityCode, formatCode (XDS-SD PDF), healthcareFacilityTypeCode,
practiceSettingCode, typeCode; external identifiers patientId (INS + its OID) and uniqueId;
one HasMember association per document.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from datetime import UTC
from html import escape
from xml.etree import ElementTree as ET  # building only; reading goes through xmlsafe

from app import __version__
from app.mssante import xdm
from app.mssante.cda_writer import FACILITY, FACILITY_TYPES, NATIONAL_ID_OID, STRUCTURE_ID_OID
from app.mssante.outgoing import CLASS_CODES, LOINC, Professional, Shipment

LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
ET.register_namespace("lcm", LCM)
ET.register_namespace("rim", RIM)

SUBSET = "IHE_XDM/SUBSET01"
# Caducée's own OIDs, under the UUID arc 2.25 (ITU-T X.667: no registration needed)
SOURCE_OID = "2.25.276588043413366702386938498622093563226"
LOCAL_PATIENT_OID = "2.25.105208497546392417425357004052398718866"  # registry ids (no INS)

SUBMISSION_SET = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
SUBMISSION_AUTHOR = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
SUBMISSION_UNIQUE_ID = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
SUBMISSION_SOURCE_ID = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
SUBMISSION_PATIENT_ID = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
CONFIDENTIALITY_SCHEME = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
FORMAT_SCHEME = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
FACILITY_SCHEME = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
PRACTICE_SCHEME = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
CLASSIFICATION_NODE = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
FORMAT = (
    "urn:ihe:iti:xds-sd:pdf:2008",
    "1.3.6.1.4.1.19376.1.2.3",
    "Document à corps non structuré en Pdf/A-1",
)
PRACTICE = ("AMBULATOIRE", "1.2.250.1.213.1.1.4.9", "Ambulatoire")


def _rim(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{RIM}}}{tag}", attrs)


def _slot(parent: ET.Element, name: str, *values: str) -> None:
    values_element = _rim(_rim(parent, "Slot", name=name), "ValueList")
    for value in values:
        _rim(values_element, "Value").text = value


def _named(parent: ET.Element, text: str, tag: str = "Name") -> None:
    _rim(_rim(parent, tag), "LocalizedString", value=text, charset="UTF-8", **{"xml:lang": "fr-FR"})


def _classify(
    parent: ET.Element, ident: str, scheme: str, code: str, coding: str, label: str
) -> None:
    owner = parent.get("id", "")
    element = _rim(
        parent,
        "Classification",
        id=ident,
        classificationScheme=scheme,
        classifiedObject=owner,
        nodeRepresentation=code,
        objectType=CLASSIFICATION_NODE,
    )
    _slot(element, "codingScheme", coding)
    _named(element, label)


def _identify(parent: ET.Element, ident: str, scheme: str, value: str, label: str) -> None:
    element = _rim(
        parent,
        "ExternalIdentifier",
        id=ident,
        identificationScheme=scheme,
        registryObject=parent.get("id", ""),
        value=value,
        objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier",
    )
    _named(element, label)


def author_person(who: Professional) -> str:
    """XCN: ``<national id>^FAMILY^Given^^^^^^&<OID>&ISO^D^^^IDNPS``."""
    if who.national_id:
        return f"{who.national_id}^{who.family}^{who.given or ''}^^^^^^&{NATIONAL_ID_OID}&ISO^D^^^IDNPS"  # noqa: E501
    return f"^{who.family}^{who.given or ''}"


def author_institution(who: Professional) -> str:
    name = who.organisation or who.display_name
    if who.structure_id:
        return f"{name}^^^^^&{STRUCTURE_ID_OID}&ISO^IDNST^^^{who.structure_id}"
    return name


def patient_cx(shipment: Shipment) -> str:
    ins = shipment.patient.ins
    if ins is not None:
        return f"{ins.matricule}^^^&{ins.oid}&ISO^NH"
    return f"{shipment.folder_number}^^^&{LOCAL_PATIENT_OID}&ISO^PI"


def source_patient_info(shipment: Shipment) -> list[str]:
    patient = shipment.patient
    first, others = (patient.first_names[:1] or ("",))[0], " ".join(patient.first_names[1:])
    values = [f"PID-5|{patient.birth_name or ''}^{first}^{others}^^^^L"]
    if patient.used_name and patient.used_name != patient.birth_name:
        values.append(f"PID-5|{patient.used_name}^{first}^^^^^D")
    if patient.birth_date:
        values.append(f"PID-7|{patient.birth_date.strftime('%Y%m%d')}")
    values.append(f"PID-8|{patient.sex if patient.sex in ('F', 'M') else 'U'}")
    return values


def _utc(shipment: Shipment) -> str:
    return shipment.created.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _author(parent: ET.Element, ident: str, scheme: str, who: Professional) -> None:
    element = _rim(
        parent,
        "Classification",
        id=ident,
        classificationScheme=scheme,
        classifiedObject=parent.get("id", ""),
        nodeRepresentation="",
        objectType=CLASSIFICATION_NODE,
    )
    _slot(element, "authorPerson", author_person(who))
    _slot(element, "authorInstitution", author_institution(who))
    _slot(element, "authorTelecommunication", f"^^Internet^{who.address}")


def document_name(number: int) -> str:
    return f"DOC{number:04d}.XML"


def write_metadata(shipment: Shipment, cdas: Sequence[bytes]) -> bytes:
    root = ET.Element(f"{{{LCM}}}SubmitObjectsRequest")
    objects = _rim(root, "RegistryObjectList")
    patient = patient_cx(shipment)
    who = shipment.sender
    package = _rim(objects, "RegistryPackage", id="SubmissionSet01",
                   objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage")  # fmt: skip  # noqa: E501
    _slot(package, "submissionTime", _utc(shipment))
    _slot(
        package, "intendedRecipient", *(f"||^^Internet^{a}" for a in [*shipment.to, *shipment.cc])
    )
    _named(package, shipment.documents[0].title if shipment.documents else "Documents")
    _author(package, "SubmissionSet01-author", SUBMISSION_AUTHOR, who)
    _identify(package, "SubmissionSet01-uid", SUBMISSION_UNIQUE_ID, shipment.submission_id,
              "XDSSubmissionSet.uniqueId")  # fmt: skip
    _identify(package, "SubmissionSet01-source", SUBMISSION_SOURCE_ID, SOURCE_OID,
              "XDSSubmissionSet.sourceId")  # fmt: skip
    _identify(package, "SubmissionSet01-patient", SUBMISSION_PATIENT_ID, patient,
              "XDSSubmissionSet.patientId")  # fmt: skip
    _rim(objects, "Classification", id="SubmissionSet01-class", classifiedObject="SubmissionSet01",
         classificationNode=SUBMISSION_SET, objectType=CLASSIFICATION_NODE)  # fmt: skip
    for number, (document, cda) in enumerate(zip(shipment.documents, cdas, strict=True), 1):
        ident = f"Document{number:02d}"
        entry = _rim(objects, "ExtrinsicObject", id=ident, mimeType="text/xml",
                     objectType=xdm.DOCUMENT_ENTRY)  # fmt: skip
        _slot(entry, "creationTime", _utc(shipment))
        _slot(entry, "hash", hashlib.sha1(cda, usedforsecurity=False).hexdigest())
        _slot(entry, "size", str(len(cda)))
        _slot(entry, "languageCode", "fr-FR")
        _slot(entry, "legalAuthenticator", author_person(who))
        _slot(entry, "serviceStartTime", document.act_date.strftime("%Y%m%d"))
        _slot(entry, "sourcePatientId", patient)
        _slot(entry, "sourcePatientInfo", *source_patient_info(shipment))
        _slot(entry, "URI", document_name(number))
        _named(entry, document.title)
        _author(entry, f"{ident}-author", xdm.AUTHOR_SCHEME, who)
        kind = document.type
        _classify(entry, f"{ident}-class", xdm.CLASS_CODE_SCHEME, kind.class_code, CLASS_CODES,
                  kind.class_label)  # fmt: skip
        _classify(entry, f"{ident}-conf", CONFIDENTIALITY_SCHEME, "N",
                  "2.16.840.1.113883.5.25", "Normal")  # fmt: skip
        _classify(entry, f"{ident}-format", FORMAT_SCHEME, FORMAT[0], FORMAT[1], FORMAT[2])
        _classify(entry, f"{ident}-facility", FACILITY_SCHEME, FACILITY[0], FACILITY_TYPES,
                  FACILITY[1])  # fmt: skip
        _classify(entry, f"{ident}-practice", PRACTICE_SCHEME, *PRACTICE)
        _classify(entry, f"{ident}-type", xdm.TYPE_CODE_SCHEME, kind.code, LOINC, kind.label)
        _identify(entry, f"{ident}-patient", xdm.PATIENT_ID_SCHEME, patient,
                  "XDSDocumentEntry.patientId")  # fmt: skip
        _identify(entry, f"{ident}-uid", xdm.UNIQUE_ID_SCHEME, document.unique_id,
                  "XDSDocumentEntry.uniqueId")  # fmt: skip
        association = _rim(objects, "Association", id=f"Association{number:02d}",
                           associationType=HAS_MEMBER, sourceObject="SubmissionSet01",
                           targetObject=ident)  # fmt: skip
        _slot(association, "SubmissionSetStatus", "Original")
    ET.indent(root, space="  ")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _readme(shipment: Shipment, count: int) -> str:
    who = shipment.sender
    tree = "\n".join(f"        {document_name(n)}" for n in range(1, count + 1))
    lines = [
        "IHE XDM - échange de documents de santé",
        "",
        f"Expéditeur : {who.display_name} <{who.address}>",
        f"Organisation : {who.organisation or '-'}",
        f"Application : Caducée {__version__} (éditeur : projet Caducée)",
        f"Date : {shipment.created.strftime('%d/%m/%Y %H:%M')}",
        "",
        "Contenu :",
        "README.TXT",
        "INDEX.HTM",
        "IHE_XDM/",
        "    SUBSET01/",
        "        METADATA.XML",
        tree,
        "",
    ]
    return "\r\n".join(lines)


def _index(count: int) -> str:
    links = "".join(
        f'<li><a href="{SUBSET}/{escape(document_name(n))}">Document {n}</a></li>'
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr"><head>'
        "<title>IHE XDM</title></head><body>"
        '<p><a href="README.TXT">README.TXT</a></p>'
        f'<p><a href="{SUBSET}/METADATA.XML">METADATA.XML</a></p><ul>{links}</ul>'
        "</body></html>\n"
    )


def write_xdm(shipment: Shipment, cdas: Sequence[bytes]) -> bytes:
    if len(cdas) != len(shipment.documents) or not cdas:
        raise ValueError("one CDA per document, at least one")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.TXT", _readme(shipment, len(cdas)).encode("utf-8"))
        archive.writestr("INDEX.HTM", _index(len(cdas)).encode("utf-8"))
        archive.writestr(f"{SUBSET}/METADATA.XML", write_metadata(shipment, cdas))
        for number, cda in enumerate(cdas, 1):
            archive.writestr(f"{SUBSET}/{document_name(number)}", cda)
    return buffer.getvalue()

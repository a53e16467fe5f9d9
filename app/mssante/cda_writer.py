"""CDA R2 level 1 documents for sending (CI-SIS "Structuration minimale", IHE XDS-SD): a
header and a ``nonXMLBody`` carrying the PDF/A in base 64.

API: ``write_cda(shipment, document) -> bytes`` (UTF-8 XML), read back by
``app.mssante.cda.read_cda``. ``hl7_ts(moment)`` formats an HL7 timestamp.

Header, in the order of the CDA schema (POCD_MT000040.ClinicalDocument): realmCode FR,
typeId POCD_HD000040, templateIds (HL7 France, CI-SIS, XDS-SD), id (the document's unique
id), code (LOINC type and its French label), title, effectiveTime, confidentialityCode N,
languageCode fr-FR, setId, versionNumber 1; recordTarget/patientRole with the INS (root = its
OID, extension = matricule; ``nullFlavor="NI"`` when she sends without INS) and the identity
traits as the CI-SIS examples write them (family ``BR`` birth name, the first names then the
first one ``BR``, family ``CL`` used name, administrativeGenderCode, birthTime); author
(time, national id under the RPPS-based OID 1.2.250.1.71.4.2.1, her MSSanté address, name,
organisation); custodian (her organisation);
legalAuthenticator (her, signature code S); documentationOf/serviceEvent (the act date);
componentOf/encompassingEncounter (the act date, the facility type ``SA07`` "Cabinet
individuel"); component/nonXMLBody.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from xml.etree import ElementTree as ET  # building only; reading goes through xmlsafe

from app.mssante.outgoing import LOINC, OutgoingDocument, Professional, Shipment

HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NATIONAL_ID_OID = "1.2.250.1.71.4.2.1"  # national ids of professionals ("8" + RPPS)
STRUCTURE_ID_OID = "1.2.250.1.71.4.2.2"  # national ids of organisations
FACILITY_TYPES = "1.2.250.1.71.4.2.4"  # TRE_R02-SecteurActivite
FACILITY = ("SA07", "Cabinet individuel")
TEMPLATES = ("2.16.840.1.113883.2.8.2.1", "1.2.250.1.213.1.1.1.1", "1.3.6.1.4.1.19376.1.2.20")
GENDERS = "2.16.840.1.113883.5.1"
CONFIDENTIALITY = "2.16.840.1.113883.5.25"

ET.register_namespace("", HL7)
ET.register_namespace("xsi", XSI)


def hl7_ts(moment: datetime | date) -> str:
    """``YYYYMMDDHHMMSS+ZZZZ`` for an aware datetime, ``YYYYMMDD`` for a date."""
    if isinstance(moment, datetime):
        return moment.strftime("%Y%m%d%H%M%S%z")
    return moment.strftime("%Y%m%d")


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{HL7}}}{tag}", {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _id(parent: ET.Element, root: str | None, extension: str | None, tag: str = "id") -> None:
    if root and extension:
        _el(parent, tag, root=root, extension=extension)
    elif root:
        _el(parent, tag, root=root)
    else:
        _el(parent, tag, nullFlavor="NI")


def _person(parent: ET.Element, tag: str, who: Professional) -> None:
    name = _el(_el(parent, tag), "name")
    if who.given:
        _el(name, "given", who.given)
    _el(name, "family", who.family)


def _organisation(parent: ET.Element, tag: str, who: Professional) -> None:
    organisation = _el(parent, tag)
    _id(organisation, STRUCTURE_ID_OID if who.structure_id else None, who.structure_id)
    _el(organisation, "name", who.organisation or who.display_name)


def _record_target(root: ET.Element, shipment: Shipment) -> None:
    patient = shipment.patient
    role = _el(_el(root, "recordTarget"), "patientRole")
    ins = patient.ins
    if ins is not None:
        _el(role, "id", root=ins.oid, extension=ins.matricule)
    else:
        _el(role, "id", nullFlavor="NI")
    person = _el(role, "patient", classCode="PSN")
    name = _el(person, "name")
    if patient.birth_name:
        _el(name, "family", patient.birth_name, qualifier="BR")
    if patient.first_names:
        _el(name, "given", " ".join(patient.first_names))
        _el(name, "given", patient.first_names[0], qualifier="BR")
    if patient.used_name and patient.used_name != patient.birth_name:
        _el(name, "family", patient.used_name, qualifier="CL")
    sex = patient.sex if patient.sex in ("F", "M") else "UN"
    labels = {"F": "Féminin", "M": "Masculin", "UN": "Inconnu"}
    _el(person, "administrativeGenderCode", code=sex, displayName=labels[sex], codeSystem=GENDERS)
    if patient.birth_date:
        _el(person, "birthTime", value=hl7_ts(patient.birth_date))
    else:
        _el(person, "birthTime", nullFlavor="UNK")


def _author(root: ET.Element, shipment: Shipment) -> None:
    who = shipment.sender
    author = _el(root, "author")
    _el(author, "time", value=hl7_ts(shipment.created))
    assigned = _el(author, "assignedAuthor")
    _id(assigned, NATIONAL_ID_OID if who.national_id else None, who.national_id)
    _el(assigned, "telecom", value=f"mailto:{who.address}", use="WP")
    _person(assigned, "assignedPerson", who)
    _organisation(assigned, "representedOrganization", who)


def write_cda(shipment: Shipment, document: OutgoingDocument) -> bytes:
    who = shipment.sender
    root = ET.Element(f"{{{HL7}}}ClinicalDocument")
    _el(root, "realmCode", code="FR")
    _el(root, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    for template in TEMPLATES:
        _el(root, "templateId", root=template)
    _el(root, "id", root=document.unique_id)
    kind = document.type
    _el(root, "code", code=kind.code, displayName=kind.label, codeSystem=LOINC,
        codeSystemName="LOINC")  # fmt: skip
    _el(root, "title", document.title)
    _el(root, "effectiveTime", value=hl7_ts(shipment.created))
    _el(root, "confidentialityCode", code="N", displayName="Normal", codeSystem=CONFIDENTIALITY)
    _el(root, "languageCode", code="fr-FR")
    _el(root, "setId", root=f"{document.unique_id}.1")
    _el(root, "versionNumber", value="1")
    _record_target(root, shipment)
    _author(root, shipment)
    custodian = _el(_el(root, "custodian"), "assignedCustodian")
    _organisation(custodian, "representedCustodianOrganization", who)
    legal = _el(root, "legalAuthenticator")
    _el(legal, "time", value=hl7_ts(shipment.created))
    _el(legal, "signatureCode", code="S")
    entity = _el(legal, "assignedEntity")
    _id(entity, NATIONAL_ID_OID if who.national_id else None, who.national_id)
    _person(entity, "assignedPerson", who)
    event = _el(_el(root, "documentationOf"), "serviceEvent")
    _el(_el(event, "effectiveTime"), "low", value=hl7_ts(document.act_date))
    encounter = _el(_el(root, "componentOf"), "encompassingEncounter")
    _el(_el(encounter, "effectiveTime"), "low", value=hl7_ts(document.act_date))
    facility = _el(_el(encounter, "location"), "healthCareFacility")
    _el(facility, "code", code=FACILITY[0], displayName=FACILITY[1], codeSystem=FACILITY_TYPES)
    body = _el(_el(root, "component"), "nonXMLBody")
    text = _el(body, "text", mediaType="application/pdf", representation="B64")
    ET.indent(root, space="  ")
    text.text = base64.encodebytes(document.pdf).decode("ascii")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data

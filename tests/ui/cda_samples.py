# ruff: noqa: E501 - XML samples read best on one line each
"""CI-SIS-shaped CDA documents built by the tests (never copies of the official examples):
a lab report (CR-BIO, LOINC 11502-2) with coded observations, a discharge letter
(11490-0), and the MSSanté messages that carry them."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from xml.sax.saxutils import escape

NIR_OID = "1.2.250.1.213.1.4.8"


def nir_with_key(nir13: str) -> str:
    return f"{nir13}{97 - int(nir13) % 97:02d}"


INS = nir_with_key("2800575123456")

LAB_VALUES = (  # LOINC, label, value, unit, low, high, interpretation
    ("718-7", "Hémoglobine", "10.1", "g/dL", "11.5", "15.5", "L"),
    ("6690-2", "Leucocytes", "13.79", "10*9/L", "4", "10", "H"),
    ("777-3", "Plaquettes", "250", "10*9/L", "150", "400", "N"),
    ("2345-7", "Glucose", "5.1", "mmol/L", "3.9", "5.8", "N"),
)


def _header(code: str, display: str, title: str, when: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <realmCode code="FR"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="1.2.250.1.213.1.1.1.1"/>
  <id root="1.2.250.1.999.1" extension="DOC-{code}"/>
  <code code="{code}" codeSystem="2.16.840.1.113883.6.1" displayName="{escape(display)}"/>
  <title>{escape(title)}</title>
  <effectiveTime value="{when}"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="fr-FR"/>
  <recordTarget><patientRole>
    <id root="{NIR_OID}" extension="{INS}"/>
    <patient>
      <name><given>Marie Claire</given><given qualifier="BR">Marie</given>
        <family qualifier="BR">DURAND</family><family qualifier="SP">MARTIN</family></name>
      <administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="19800515"/>
    </patient>
  </patientRole></recordTarget>
  <author><time value="{when}"/><assignedAuthor>
    <id root="1.2.250.1.71.4.2.1" extension="810001234567"/>
    <assignedPerson><name><prefix>Dr</prefix><given>Paul</given><family>BIOLOGISTE</family></name></assignedPerson>
    <representedOrganization><name>Laboratoire des Tilleuls</name></representedOrganization>
  </assignedAuthor></author>
  <custodian><assignedCustodian><representedCustodianOrganization>
    <id root="1.2.250.1.71.4.2.2" extension="1750000000"/><name>Laboratoire des Tilleuls</name>
  </representedCustodianOrganization></assignedCustodian></custodian>
  <documentationOf><serviceEvent><effectiveTime><low value="{when[:8]}"/></effectiveTime></serviceEvent></documentationOf>
"""


def _observation(
    code: str, label: str, value: str, unit: str, low: str, high: str, flag: str
) -> str:
    return f"""<component><observation classCode="OBS" moodCode="EVN">
      <templateId root="1.3.6.1.4.1.19376.1.3.1.6"/>
      <code code="{code}" codeSystem="2.16.840.1.113883.6.1" displayName="{escape(label)}"/>
      <statusCode code="completed"/>
      <effectiveTime value="20240312"/>
      <value xsi:type="PQ" value="{value}" unit="{unit}"/>
      <interpretationCode code="{flag}" codeSystem="2.16.840.1.113883.5.83"/>
      <referenceRange><observationRange><value xsi:type="IVL_PQ">
        <low value="{low}" unit="{unit}"/><high value="{high}" unit="{unit}"/>
      </value></observationRange></referenceRange>
    </observation></component>"""


def lab_report() -> bytes:
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td>{value}</td><td>{unit}</td><td>{low}-{high}</td>"
        f"<td>{'' if flag == 'N' else flag}</td></tr>"
        for _code, label, value, unit, low, high, flag in LAB_VALUES
    )
    observations = "".join(_observation(*values) for values in LAB_VALUES)
    body = f"""  <component><structuredBody><component>
    <section>
      <templateId root="1.3.6.1.4.1.19376.1.3.3.2.1"/>
      <code code="18723-7" codeSystem="2.16.840.1.113883.6.1" displayName="Hématologie"/>
      <title>Hématologie</title>
      <text><table border="1"><thead><tr><th>Analyse</th><th>Résultat</th><th>Unité</th>
        <th>Référence</th><th>Interprétation</th></tr></thead><tbody>{rows}</tbody></table>
        <paragraph>Prélèvement du 12/03/2024. <content styleCode="Bold">Contrôle conseillé.</content></paragraph>
        <paragraph><linkHtml href="https://tracker.example/x">lien distant</linkHtml></paragraph>
        <renderMultiMedia referencedObject="img1"/>
      </text>
      <entry><act classCode="ACT" moodCode="EVN"><code code="18723-7" codeSystem="2.16.840.1.113883.6.1"/>
        <statusCode code="completed"/>
        <entryRelationship typeCode="COMP"><organizer classCode="BATTERY" moodCode="EVN">
          <code code="58410-2" codeSystem="2.16.840.1.113883.6.1" displayName="Numération"/>
          <statusCode code="completed"/>
          {observations}
        </organizer></entryRelationship>
      </act></entry>
    </section></component></structuredBody></component>
</ClinicalDocument>
"""
    head = _header(
        "11502-2", "CR d'examens biologiques", "Compte rendu de biologie", "20240312101500+0100"
    )
    return (head + body).encode("utf-8")


def discharge_letter() -> bytes:
    body = """  <component><structuredBody>
    <component><section><code code="46241-6" codeSystem="2.16.840.1.113883.6.1"/>
      <title>Motif d'hospitalisation</title>
      <text><paragraph>Pneumopathie communautaire &lt;script&gt;alert(1)&lt;/script&gt;.</paragraph></text>
    </section></component>
    <component><section><code code="10164-2" codeSystem="2.16.840.1.113883.6.1"/>
      <title>Synthèse du séjour</title>
      <text><list><item>Antibiothérapie 7 jours</item><item>Apyrexie à J3</item></list></text>
    </section></component>
    <component><section><code code="10183-2" codeSystem="2.16.840.1.113883.6.1"/>
      <title>Traitements de sortie</title>
      <text><table><thead><tr><th>Médicament</th><th>Posologie</th><th>Durée</th></tr></thead>
        <tbody><tr><td>Amoxicilline 1 g</td><td>1 cp x 3/j</td><td>3 jours</td></tr>
        <tr><td>Paracétamol 1 g</td><td>si douleur</td><td>—</td></tr></tbody></table></text>
      <component><section><title>Suivi</title>
        <text><paragraph>Consultation chez le médecin traitant sous 8 jours.</paragraph></text>
      </section></component>
    </section></component>
  </structuredBody></component>
</ClinicalDocument>
"""
    head = _header(
        "11490-0",
        "Lettre de liaison à la sortie",
        "Lettre de liaison de sortie",
        "20240320160000+0100",
    )
    head = head.replace("BIOLOGISTE", "HOSPITALIER").replace(
        "Laboratoire des Tilleuls", "CH de Démo"
    )
    return (head + body).encode("utf-8")


def pdf_cda(pdf: bytes) -> bytes:
    """A CDA R2 level 1: the PDF in nonXMLBody (B64)."""
    encoded = base64.b64encode(pdf).decode()
    body = (
        '  <component><nonXMLBody><text mediaType="application/pdf" representation="B64">'
        f"{encoded}</text></nonXMLBody></component>\n</ClinicalDocument>\n"
    )
    return (
        _header(
            "11488-4", "CR de consultation", "Compte rendu de consultation", "20240301090000+0100"
        )
        + body
    ).encode()


def message_with(attachments: list[tuple[str, str, bytes]], subject: str = "Résultats") -> bytes:
    message = EmailMessage()
    message["From"] = "Laboratoire <labo@labo.mssante.fr>"
    message["To"] = "dr.martin@medecin.mssante.fr"
    message["Subject"] = subject
    message["Message-ID"] = "<cda-sample@labo.mssante.fr>"
    message["Date"] = "Tue, 12 Mar 2024 10:30:00 +0100"
    message.set_content("Veuillez trouver ci-joint le document.")
    for name, media, data in attachments:
        main, sub = media.split("/")
        message.add_attachment(data, main, sub, filename=name)
    return message.as_bytes()

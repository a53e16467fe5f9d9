"""Builders of CI-SIS-shaped lab reports (CR-BIO) and HPRIM files for the results tests.

Our own documents, of the shape the official examples have (ansforge/TestContenuCDA-3-0,
BIO-CR-BIO_*): a chapter section, a sub-chapter with a narrative table whose cells carry
IDs, and an entry act whose entryRelationship observations (directly, or inside a battery
organizer) give the code, originalText/reference to the narrative, PQ value, the
interpretationCode and the referenceRange/observationRange IVL_PQ.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from tests.unit.test_mssante_documents import LOINC, cda


@dataclass(frozen=True)
class Analysis:
    code: str
    label: str
    value: str
    unit: str
    low: str | None
    high: str | None
    flag: str | None  # interpretationCode
    xsi_type: str = "PQ"


TSH = Analysis("3016-3", "Thyréostimuline (TSH)", "1.950", "m[IU]/L", "0.270", "4.200", "N")
FT4 = Analysis("3024-7", "Thyroxine libre (FT4)", "7.67", "pg/mL", "9.30", "17.00", "L")
HB = Analysis("718-7", "Hémoglobine", "17.9", "g/dL", "12.0", "16.0", "H")


def _observation(number: int, item: Analysis, when: str) -> str:
    if item.xsi_type == "PQ":
        value = f'<value xsi:type="PQ" value={quoteattr(item.value)} unit={quoteattr(item.unit)}/>'
    elif item.xsi_type == "ST":
        value = f'<value xsi:type="ST">{escape(item.value)}</value>'
    else:
        value = f'<value xsi:type="CD" code="X" displayName={quoteattr(item.value)}/>'
    flag = (
        f'<interpretationCode code="{item.flag}" codeSystem="2.16.840.1.113883.5.83"/>'
        if item.flag
        else ""
    )
    reference = ""
    if item.low or item.high:
        low = f'<low value="{item.low}" unit={quoteattr(item.unit)}/>' if item.low else ""
        high = f'<high value="{item.high}" unit={quoteattr(item.unit)}/>' if item.high else ""
        reference = (
            '<referenceRange typeCode="REFV"><observationRange classCode="OBS" '
            f'moodCode="EVN.CRT"><value xsi:type="IVL_PQ">{low}{high}</value>'
            '<interpretationCode code="N" codeSystem="2.16.840.1.113883.5.83"/>'
            "</observationRange></referenceRange>"
        )
    return (
        '<observation classCode="OBS" moodCode="EVN">'
        '<templateId root="1.3.6.1.4.1.19376.1.3.1.6"/>'
        f'<code code="{item.code}" codeSystem="{LOINC}" displayName="code {item.code}">'
        f'<originalText><reference value="#res-{number}"/></originalText></code>'
        f'<statusCode code="completed"/><effectiveTime value="{when}"/>'
        f"{value}{flag}{reference}</observation>"
    )


def lab_body(
    items: list[Analysis], when: str = "20261118073500+0100", battery: bool = False
) -> str:
    rows = "".join(
        f'<tr><td><content ID="res-{n}">{escape(a.label)}</content></td>'
        f"<td>{escape(a.value)} {escape(a.unit)}</td></tr>"
        for n, a in enumerate(items)
    )
    observations = "".join(_observation(n, a, when) for n, a in enumerate(items))
    if battery:
        inner = (
            '<entryRelationship typeCode="COMP"><organizer classCode="BATTERY" moodCode="EVN">'
            '<statusCode code="completed"/>'
            + "".join(
                f"<component>{_observation(n, a, when)}</component>" for n, a in enumerate(items)
            )
            + "</organizer></entryRelationship>"
        )
    else:
        inner = "".join(
            f'<entryRelationship typeCode="COMP">{o}</entryRelationship>'
            for o in [_observation(n, a, when) for n, a in enumerate(items)]
        )
    del observations
    return (
        '<structuredBody><component><section><templateId root="1.3.6.1.4.1.19376.1.3.3.2.1"/>'
        f'<code code="18719-5" codeSystem="{LOINC}"/><title>BIOCHIMIE</title>'
        '<component><section><templateId root="1.3.6.1.4.1.19376.1.3.3.2.2"/>'
        f'<code code="18719-5" codeSystem="{LOINC}"/>'
        f"<text><table><tbody>{rows}</tbody></table></text>"
        '<entry typeCode="DRIV"><templateId root="1.3.6.1.4.1.19376.1.3.1"/>'
        f'<act classCode="ACT" moodCode="EVN"><code code="18719-5" codeSystem="{LOINC}"/>'
        f'<statusCode code="completed"/>{inner}</act></entry>'
        "</section></component></section></component></structuredBody>"
    )


def lab_report(items: list[Analysis], *, battery: bool = False, **kwargs: object) -> bytes:
    """A CR-BIO document (LOINC 11502-2) with ``items`` as structured results."""
    data = cda(
        code="11502-2",
        label="CR d'examens biologiques",
        title="Compte rendu d'examens biologiques",
        body=lab_body(items, battery=battery),
        **kwargs,  # type: ignore[arg-type]
    )
    # the xsi prefix the values use
    return data.replace(
        b'<ClinicalDocument xmlns="urn:hl7-org:v3">',
        b'<ClinicalDocument xmlns="urn:hl7-org:v3" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    )


def hprim_file(lines: list[str], *, sampled: str = "18/11/2026") -> bytes:
    header = (
        "4512378\nMARTIN\nÉlodie\n12 rue des Lilas\n\n69000 LYON\n12/08/1955\n"
        f"255081416802538\n987654321\n{sampled}\n\nDr Démo CADUCÉE\n****LAB****\n"
    )
    return (header + "\n".join(lines) + "\n****FINLAB****\n").encode("utf-8")

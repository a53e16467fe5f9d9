"""Building one message of a generated mailbox from its plan: the text, the PDF, IHE_XDM.ZIP
(CDA, metadata), HPRIM, MDNs, the RFC 5322 bytes."""

# Seeded pseudo-random data on purpose (reproducible mailboxes), never used for security.
# ruff: noqa: S311

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import textwrap
import zipfile
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime
from typing import cast

from app.sandbox.mailbox import MAX_PDF, TEXT_CAP
from app.sandbox.mailbox_lab import abnormal_text, hprim_text, lab_report, report_lines
from app.sandbox.mailbox_pdf import pdf_document, pdf_page_stream, photo_png
from app.sandbox.mailbox_people import OWNER, Patient
from app.sandbox.mailbox_plan import Plan, Planned, _digest
from app.sandbox.mailbox_texts import (
    ANALYTES,
    CONSULT_SENTENCES,
    DISCHARGE_SECTIONS,
    DISCHARGE_SENTENCES,
    DOC_TITLES,
    DRUGS,
    FILE_LABELS,
    IMAGING_SENTENCES,
    LOINC,
    NOTE_SENTENCES,
    PATIENT_PHOTO,
    PATIENT_SCAN,
    PATIENT_SENTENCES,
    REPLY_TO_PATIENT,
)

PAGE_LINES = 56
INS_NIR_TEST = "1.2.250.1.213.1.4.10"  # test identities: never real patients
LOCAL_PATIENT_ID = "1.2.250.1.999.1"  # unqualified identity: a local id, not an INS (made up)


# -- building one message ----------------------------------------------------------------------


class Builder:
    """Builds the messages of a plan; pure functions of (plan, index)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.pools: dict[tuple[str, int], bytes] = {}

    def rng(self, index: int, what: str) -> random.Random:
        return random.Random(f"{self.plan.seed}:{what}:{index}")

    # pools of text pages, per document kind, the same in every worker
    def pool_page(self, kind: str, number: int) -> bytes:
        key = (kind, number % 48)
        page = self.pools.get(key)
        if page is None:
            rng = random.Random(f"{self.plan.seed}:page:{kind}:{key[1]}")
            page = pdf_page_stream(self._page_lines(kind, rng))
            self.pools[key] = page
        return page

    def _page_lines(self, kind: str, rng: random.Random) -> list[str]:
        lines: list[str] = []
        if kind == "lab":  # earlier visits only: the day's results are on the first page
            lines.append("Antériorités : résultats des dossiers précédents")
            while len(lines) < PAGE_LINES:
                name, unit, low, high = rng.choice(ANALYTES)
                value = rng.uniform(low * 0.7, high * 1.3)
                mark = " *" if value < low or value > high else "  "
                lines.append(
                    f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 13):02d}   {name:<34}"
                    f"{value:>9.2f}{mark} {unit:<14} ({low:g} – {high:g})"
                )
            return lines
        pool = {
            "imaging": IMAGING_SENTENCES,
            "discharge": DISCHARGE_SENTENCES,
            "consult": CONSULT_SENTENCES,
            "referral": NOTE_SENTENCES,
        }[kind]
        while len(lines) < PAGE_LINES:
            if kind == "discharge" and rng.random() < 0.2:
                lines += ["", rng.choice(DISCHARGE_SECTIONS).upper()]
            paragraph = " ".join(rng.choice(pool) for _ in range(rng.randrange(2, 6)))
            paragraph = paragraph.replace("{med}", rng.choice(DRUGS)).replace("{civ}", "")
            paragraph = paragraph.replace("{nom}", "").replace("{prenom}", "")
            lines += textwrap.wrap(paragraph, 105)
        return lines[:PAGE_LINES]

    # text ------------------------------------------------------------------------------
    def body_text(self, message: Planned) -> str:
        """The text part; regenerated (same RNG) to quote a parent in a reply."""
        rng = self.rng(message.index, "body")
        patient = message.patient

        def fill(sentence: str) -> str:
            return sentence.format(
                civ=patient.civility if patient else "",
                nom=patient.surname if patient else "",
                prenom=patient.given if patient else "",
                med=rng.choice(DRUGS),
            )

        sender, recipient = message.sender, message.recipients[0]
        if message.kind in ("note", "note_reply", "referral"):
            lines = [
                f"{'Bonjour ' if ' ' not in recipient.greeting else ''}{recipient.greeting},",
                "",
            ]
            lines += textwrap.wrap(
                " ".join(fill(rng.choice(NOTE_SENTENCES)) for _ in range(rng.randrange(1, 5))), 72
            )
            if message.kind == "referral":
                lines += ["", "Vous trouverez ci-joint mon courrier d'adressage."]
            lines += [
                "",
                rng.choice(["Bien confraternellement,", "Bien à vous,", "Cordialement,"]),
                sender.signature,
            ]
        elif message.kind == "patient":
            said = [fill(s) for s in rng.sample(PATIENT_SENTENCES, rng.randrange(2, 5))]
            said.sort(key=lambda s: 0 if s.startswith("Bonjour") else 2 if "Merci" in s else 1)
            if message.photo_base:  # the attachment is announced, and only when it is there
                greeted = said[0].startswith("Bonjour")
                said.insert(int(greeted), PATIENT_SCAN if message.scan else PATIENT_PHOTO)
            lines = textwrap.wrap(" ".join(said), 72)
            lines += ["", sender.display]
        elif message.kind == "patient_reply":
            lines = [fill(REPLY_TO_PATIENT[0]), ""]
            lines += textwrap.wrap(
                " ".join(
                    fill(rng.choice(REPLY_TO_PATIENT[1:-1])) for _ in range(rng.randrange(1, 4))
                ),
                72,
            )
            if message.end_conversation:
                lines += ["", REPLY_TO_PATIENT[-1]]
            lines += ["", "Bien cordialement,", sender.signature]
        elif message.kind == "mdn":
            lines = [
                f"Le message envoyé à {sender.address} a été affiché par le destinataire.",
                "Cet accusé de lecture ne garantit pas que le message a été lu ni compris.",
            ]
        else:
            patient = _patient(message)
            lines = [
                "Madame, Monsieur, cher confrère,",
                "",
                f"Veuillez trouver ci-joint le document concernant {patient.civility} "
                f"{patient.given} {patient.surname}, né(e) le {patient.born}.",
            ]
            if message.kind == "lab":
                lines += [
                    "",
                    "Résultat(s) hors des valeurs de référence :",
                    *abnormal_text(lab_report(self.plan.seed, message)),
                ]
            if message.xdm:
                lines += [
                    "",
                    "Le document structuré (CDA) est dans l'archive IHE_XDM.ZIP jointe ;",
                    "sa version PDF est jointe pour lecture sans logiciel métier.",
                ]
            lines += [
                "",
                "Ce message est confidentiel, destiné au seul professionnel de santé destinataire.",
                sender.signature,
            ]
        return "\n".join(lines) + "\n"

    def quoted(self, message: Planned) -> str:
        if message.parent is None:
            return ""
        parent = self.plan.messages[message.parent]
        when = parent.date.strftime("%d/%m/%Y à %H:%M")
        text = self.body_text(parent)
        return f"\nLe {when}, {parent.sender.display} a écrit :\n" + "".join(
            f"> {line}\n" if line else ">\n" for line in text.splitlines()
        )

    # documents ---------------------------------------------------------------------------
    def pdf(self, message: Planned, kind: str, rng: random.Random) -> bytes:
        patient = _patient(message)
        size = min(MAX_PDF, int(message.pdf_base * self.plan.scale))
        text_size = min(size, TEXT_CAP)
        organisation = message.organisation
        issuer = organisation.name if organisation else message.sender.display
        title = message.exam or DOC_TITLES[kind]
        first = [
            issuer,
            organisation.service if organisation else message.sender.signature.split("\n")[-1],
            organisation.city if organisation else "Valmont",
            "",
            title,
            "",
            f"Patient : {patient.civility} {patient.surname} {patient.given}",
            f"Né(e) le {patient.born}",
            # an identity not qualified has no INS to send (only qualified ones travel)
            f"INS : {patient.ins} (qualifiée)"
            if patient.qualified
            else "INS : non transmis (identité non qualifiée)",
            f"Date : {message.date.strftime('%d/%m/%Y')}",
            f"Destinataire : {message.recipients[0].display}",
            "",
        ]
        pages = [pdf_page_stream(first)]
        if kind == "lab":  # the results the mail text and the HPRIM file give
            table = report_lines(lab_report(self.plan.seed, message))
            pages[0] += pdf_page_stream(table, 8, top=800 - 13 * len(first) - 8, monospace=True)
        total = len(pages[0])
        number = rng.randrange(48)
        while total < text_size:
            footer = pdf_page_stream(
                [f"{patient.surname} {patient.given} – page {len(pages) + 1}"], 7
            ).replace(b"50 800 Td", b"50 30 Td")
            page = footer + self.pool_page(kind, number)
            number += 1
            pages.append(page)
            total += len(page) + 160
        scan = rng.randbytes(size - total) if size > total + 10_000 else b""
        return pdf_document(f"{title} {patient.surname}", pages, scan, message.date)

    def pdf_name(self, message: Planned, kind: str) -> str:
        patient = _patient(message)
        label = FILE_LABELS[kind] if kind != "imaging" else "CR d'imagerie médicale"
        folder = f"{message.index:06d}"
        return f"{message.date:%Y%m%d}_{label}_{patient.surname}_{patient.given}_{folder}.pdf"

    def xdm_zip(self, message: Planned, kind: str, pdf: bytes, pdf_name: str) -> bytes:
        patient = _patient(message)
        code, code_label = LOINC[kind]
        cda = self.cda(message, kind, code, code_label).encode()
        documents = [("DOC0001.XML", cda, "text/xml"), ("DOC0002.PDF", pdf, "application/pdf")]
        metadata = self.metadata(message, code, code_label, documents)
        stamp = message.date.timetuple()[:6]
        sender = message.sender
        organisation = message.organisation.name if message.organisation else sender.display
        readme = (
            "IHE XDM - Echange de documents de sante\r\n\r\n"
            f"Emetteur : {sender.display}\r\n"
            f"Organisation : {organisation}\r\n"
            f"Adresse : {sender.address}\r\n"
            "Telephone : 04 00 00 00 00\r\n\r\n"
            f"Application : logiciel de production de documents (NIL {sender.nil})\r\n"
            "Editeur : editeur de test\r\n\r\n"
            "Contenu :\r\n  README.TXT\r\n  INDEX.HTM\r\n  IHE_XDM/\r\n    SUBSET01/\r\n"
            "      METADATA.XML\r\n      DOC0001.XML\r\n      DOC0002.PDF\r\n"
        ).encode("cp1252", errors="replace")
        index = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>IHE XDM</title></head><body>'
            f"<h1>{code_label}</h1><p>{patient.surname} {patient.given}</p>"
            '<ul><li><a href="README.TXT">README.TXT</a></li>'
            '<li><a href="IHE_XDM/SUBSET01/DOC0001.XML">Document CDA</a></li>'
            f'<li><a href="IHE_XDM/SUBSET01/DOC0002.PDF">{pdf_name}</a></li></ul></body></html>\n'
        ).encode()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in (
                ("README.TXT", readme),
                ("INDEX.HTM", index),
                ("IHE_XDM/SUBSET01/METADATA.XML", metadata),
                *((f"IHE_XDM/SUBSET01/{n}", d) for n, d, _ in documents),
            ):
                info = zipfile.ZipInfo(name, stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data, compresslevel=6)
        return out.getvalue()

    def cda(self, message: Planned, kind: str, code: str, code_label: str) -> str:
        """A CDA R2 document (CI-SIS-like header, structured body with the letter's text)."""
        patient = _patient(message)
        rng = self.rng(message.index, "cda")
        when = message.date.strftime("%Y%m%d%H%M%S%z")
        author = message.sender
        organisation = message.organisation
        custodian_id = f"1{organisation.finess if organisation else '690000000'}"
        custodian = organisation.name if organisation else author.display
        patient_root = INS_NIR_TEST if patient.qualified else LOCAL_PATIENT_ID
        loinc = "2.16.840.1.113883.6.1"
        if kind == "lab":
            lines = report_lines(lab_report(self.plan.seed, message))
        else:
            lines = self._page_lines(kind, rng)[:30]
        paragraphs = "".join(f"<paragraph>{_xml(line)}</paragraph>" for line in lines if line)
        name = (
            f"<name><given>{_xml(patient.given)}</given>"
            f'<family qualifier="BR">{_xml(patient.surname)}</family></name>'
        )
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <realmCode code="FR"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.2.8.2.1"/>
  <templateId root="1.2.250.1.213.1.1.1.1"/>
  <id root="1.2.250.1.213.1.1.9" extension="{message.msgid.strip("<>")}"/>
  <code code="{code}" codeSystem="{loinc}" displayName="{_xml(code_label)}"/>
  <title>{_xml(message.exam or code_label)}</title>
  <effectiveTime value="{when}"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="fr-FR"/>
  <setId root="1.2.250.1.213.1.1.9" extension="{message.index}"/>
  <versionNumber value="1"/>
  <recordTarget><patientRole>
    <id root="{patient_root}" extension="{patient.ins}"/>
    <patient>
      {name}
      <administrativeGenderCode code="{patient.sex}" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="{patient.birth:%Y%m%d}"/>
    </patient>
  </patientRole></recordTarget>
  <author><time value="{when}"/><assignedAuthor>
    <id root="1.2.250.1.71.4.2.1" extension="810000000000"/>
    <telecom value="mailto:{author.address}"/>
    <assignedPerson><name>{_xml(author.display)}</name></assignedPerson>
  </assignedAuthor></author>
  <custodian><assignedCustodian><representedCustodianOrganization>
    <id root="1.2.250.1.71.4.2.2" extension="{custodian_id}"/>
    <name>{_xml(custodian)}</name>
  </representedCustodianOrganization></assignedCustodian></custodian>
  <informationRecipient><intendedRecipient>
    <telecom value="mailto:{OWNER.address}"/>
    <informationRecipient><name>{_xml(OWNER.display)}</name></informationRecipient>
  </intendedRecipient></informationRecipient>
  <component><structuredBody><component><section>
    <code code="{code}" codeSystem="{loinc}"/>
    <title>{_xml(code_label)}</title>
    <text>{paragraphs}</text>
  </section></component></structuredBody></component>
</ClinicalDocument>
"""

    def metadata(
        self,
        message: Planned,
        code: str,
        code_label: str,
        documents: list[tuple[str, bytes, str]],
    ) -> bytes:
        """METADATA.XML: an ebRIM SubmitObjectsRequest (submission set + document entries)."""
        patient = _patient(message)
        oid = INS_NIR_TEST if patient.qualified else LOCAL_PATIENT_ID
        patient_id = f"{patient.ins}^^^&amp;{oid}&amp;ISO^NH"
        when = message.date.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")
        label = _xml(code_label)
        entries = []
        for number, (name, data, mime) in enumerate(documents, 1):
            entry = f"Document{number:02d}"
            digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
            entries.append(f"""
    <rim:ExtrinsicObject id="{entry}" mimeType="{mime}"
        objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
      {_slot("creationTime", when)}
      {_slot("hash", digest)}
      {_slot("size", str(len(data)))}
      {_slot("URI", name)}
      {_slot("languageCode", "fr-FR")}
      {_slot("sourcePatientId", patient_id)}
      <rim:Name><rim:LocalizedString value="{label}"/></rim:Name>
      <rim:Classification classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
          classifiedObject="{entry}" nodeRepresentation="{code}">
        {_slot("codingScheme", "2.16.840.1.113883.6.1")}
        <rim:Name><rim:LocalizedString value="{label}"/></rim:Name>
      </rim:Classification>
      <rim:ExternalIdentifier identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
          registryObject="{entry}" value="{patient_id}">
        <rim:Name><rim:LocalizedString value="XDSDocumentEntry.patientId"/></rim:Name>
      </rim:ExternalIdentifier>
    </rim:ExtrinsicObject>""")
            entries.append(f"""
    <rim:Association id="Assoc{number:02d}"
        associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
        sourceObject="SubmissionSet01" targetObject="{entry}">
      {_slot("SubmissionSetStatus", "Original")}
    </rim:Association>""")
        recipient = f"|{OWNER.address}^^^^^^^^^^^^^INTERNET"
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
    xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
  <rim:RegistryObjectList>
    <rim:RegistryPackage id="SubmissionSet01">
      {_slot("submissionTime", when)}
      {_slot("intendedRecipient", recipient)}
      <rim:ExternalIdentifier identificationScheme="urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
          registryObject="SubmissionSet01" value="{patient_id}">
        <rim:Name><rim:LocalizedString value="XDSSubmissionSet.patientId"/></rim:Name>
      </rim:ExternalIdentifier>
    </rim:RegistryPackage>
    <rim:Classification classifiedObject="SubmissionSet01"
        classificationNode="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"/>{"".join(entries)}
  </rim:RegistryObjectList>
</lcm:SubmitObjectsRequest>
""".encode()

    # the message -------------------------------------------------------------------------
    def build(self, message: Planned) -> bytes:
        rng = self.rng(message.index, "message")
        email = EmailMessage()
        sender = message.sender
        if not message.outgoing:
            email["Return-Path"] = f"<{sender.address}>"
            email["Delivered-To"] = message.recipients[0].address
            relay = (
                "mx1.operateur.mssante.test" if ".mssante." in sender.address else "mx.example.test"
            )
            email["Received"] = (
                f"from {relay} ([127.0.0.{rng.randrange(2, 250)}]) by imap.operateur.mssante.test "
                f"with LMTP id {rng.getrandbits(64):016x}; {format_datetime(message.date)}"
            )
        email["Message-ID"] = message.msgid
        # written a few seconds before delivery, in real time: wall-clock arithmetic would be
        # an hour off when the day changes to or from daylight saving time
        written = message.date.astimezone(dt.UTC) - dt.timedelta(seconds=rng.randrange(1, 90))
        email["Date"] = format_datetime(written.astimezone(message.date.tzinfo))
        email["From"] = sender.header
        email["To"] = ", ".join(r.header for r in message.recipients)
        if message.kind == "note" and rng.random() < 0.1:
            email["Cc"] = "Secrétariat du cabinet <secretariat@cabinet-test.mssante.test>"
        email["Subject"] = message.subject
        if message.references:
            email["In-Reply-To"] = message.references[-1]
            email["References"] = " ".join(message.references)
        if message.dnt:
            email["Disposition-Notification-To"] = sender.address
        if sender.nil:
            email["X-MSS-NIL"] = sender.nil
        if message.end_conversation:
            email["X-MSS-MES"] = "FIN"
        kind = "imaging" if message.kind == "imaging" else message.kind
        if message.xdm:
            email["X-MSS-CODECDA"] = LOINC[kind][0]
            email["X-MSS-INS"] = "O" if _patient(message).qualified else "N"
        if message.kind == "mdn":
            return self._mdn(email, message)
        if sender.nil and not message.outgoing and rng.random() < 0.5:
            email["User-Agent"] = rng.choice(["LPS métier 7.2", "Mailiz Web", "DPI Hôpital 2024.1"])
        text = self.body_text(message) + self.quoted(message)
        cte = "quoted-printable" if rng.random() < 0.4 else None
        email.set_content(text, cte=cte)
        if message.kind == "discharge" and rng.random() < 0.5:
            html = "".join(f"<p>{_xml(line)}</p>" for line in text.splitlines() if line)
            email.add_alternative(f"<html><body>{html}</body></html>\n", subtype="html")
        if message.pdf_base:
            pdf = self.pdf(message, kind, rng)
            name = self.pdf_name(message, kind)
            if message.xdm:
                archive = self.xdm_zip(message, kind, pdf, name)
                email.add_attachment(archive, "application", "zip", filename="IHE_XDM.ZIP")
            email.add_attachment(pdf, "application", "pdf", filename=name)
        if message.hprim:
            email.add_attachment(self.hprim(message), filename="RESULTATS.HPR")
        if message.photo_base:
            size = int(message.photo_base * self.plan.scale)
            if not message.scan:
                email.add_attachment(
                    photo_png(rng, size),
                    "image",
                    "png",
                    filename=f"photo_{message.date:%Y%m%d_%H%M%S}.png",
                )
            else:
                scan = pdf_document("Document scanné", [], rng.randbytes(size), message.date)
                email.add_attachment(scan, "application", "pdf", filename="ordonnance scannée.pdf")
        return _serialise(email, message)

    def hprim(self, message: Planned) -> str:
        """The lab results as HPRIM Net, as French labs send them beside the PDF."""
        report = lab_report(self.plan.seed, message)
        return hprim_text(report, _patient(message), message.date, message.recipients[0].display)

    def _mdn(self, email: EmailMessage, message: Planned) -> bytes:
        if message.parent is None:
            raise ValueError(f"MDN {message.index} answers no message")
        original = self.plan.messages[message.parent]
        email.set_content(self.body_text(message))
        email.make_mixed()
        email.set_type("multipart/report")
        email.set_param("report-type", "disposition-notification")
        report = MIMEPart()
        report["Content-Type"] = "message/disposition-notification"
        report.set_payload(
            "Reporting-UA: messagerie.mssante.test; Messagerie securisee de sante\n"
            f"Original-Recipient: rfc822;{message.sender.address}\n"
            f"Final-Recipient: rfc822;{message.sender.address}\n"
            f"Original-Message-ID: {original.msgid}\n"
            "Disposition: manual-action/MDN-sent-manually; displayed\n"
        )
        email.attach(cast(EmailMessage, report))  # typeshed: attach() takes messages only
        returned = EmailMessage()
        returned["Message-ID"] = original.msgid
        returned["Date"] = format_datetime(original.date)
        returned["From"] = original.sender.header
        returned["To"] = ", ".join(r.header for r in original.recipients)
        returned["Subject"] = original.subject
        returned.set_content(self.body_text(original))
        copy = MIMEPart()
        copy.set_content(returned)
        email.attach(cast(EmailMessage, copy))
        return _serialise(email, message)


def _slot(name: str, value: str) -> str:
    values = f"<rim:ValueList><rim:Value>{value}</rim:Value></rim:ValueList>"
    return f'<rim:Slot name="{name}">{values}</rim:Slot>'


def _patient(message: Planned) -> Patient:
    if message.patient is None:
        raise ValueError(f"message {message.index} ({message.kind}) has no patient")
    return message.patient


def _xml(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _serialise(email: EmailMessage, message: Planned) -> bytes:
    """Bytes with LF line ends; MIME boundaries fixed so that output is reproducible."""
    for number, part in enumerate(email.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_caducee_{_digest(f'{message.msgid}:{number}', 20)}")
        if number:
            del part["MIME-Version"]
    return email.as_bytes(policy=policy.default)

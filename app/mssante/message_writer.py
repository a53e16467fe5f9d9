"""The message that carries documents the MSSanté way (ECO.2.1.x, ECO.2.2.x, ECO.2.4.x).

API: ``build_message(shipment) -> EmailMessage`` — ready for ``app.ops.outbox.
enqueue_message`` (which adds ``X-MSS-NIL`` to every message Caducée sends). It holds:

- ``From: "Prénom NOM" <adresse>`` (ECO.2.2.7), To, Cc, Date, ``Message-ID`` (ECO.2.2.1);
- the subject ``XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de naissance>`` (ECO.2.1.3),
  RFC 2047-encoded as needed;
- ``X-MSS-CODECDA`` (the CDA codes, comma-separated) and ``X-MSS-INS`` (``O`` only with a
  qualified INS, else ``N``) (ECO.2.4.1-2);
- ``Disposition-Notification-To`` when a read receipt is asked (ECO.2.3.2; the DSN is asked
  on the envelope by the outbox, ECO.2.3.1);
- a UTF-8 ``text/plain`` body (ECO.2.2.3-4), then ``IHE_XDM.ZIP`` and the same documents as
  PDF/A, named per ECO.2.1.6 (RFC 2231 ``filename*`` for accents).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid

from app.mssante.cda_writer import write_cda
from app.mssante.outgoing import Shipment, pdf_name, subject_for
from app.mssante.xdm_writer import write_xdm

XDM_NAME = "IHE_XDM.ZIP"


def mss_headers_for(shipment: Shipment) -> dict[str, str]:
    codes = ",".join(dict.fromkeys(d.type.code for d in shipment.documents))
    return {"X-MSS-CODECDA": codes, "X-MSS-INS": "O" if shipment.qualified_ins else "N"}


def build_message(shipment: Shipment) -> EmailMessage:
    if not shipment.documents:
        raise ValueError("a shipment carries at least one document")
    cdas = [write_cda(shipment, document) for document in shipment.documents]
    message = EmailMessage(policy=SMTP)
    sender = shipment.sender
    message["From"] = formataddr((sender.display_name, sender.address))
    message["To"] = ", ".join(shipment.to)
    if shipment.cc:
        message["Cc"] = ", ".join(shipment.cc)
    message["Subject"] = subject_for(shipment)
    message["Date"] = format_datetime(shipment.created)
    message["Message-ID"] = make_msgid(domain=sender.address.rpartition("@")[2] or None)
    for name, value in mss_headers_for(shipment).items():
        message[name] = value
    if shipment.mdn:
        message["Disposition-Notification-To"] = sender.address
    message.set_content(
        shipment.body or "Veuillez trouver ci-joint les documents.", charset="utf-8"
    )
    message.add_attachment(
        write_xdm(shipment, cdas), maintype="application", subtype="zip", filename=XDM_NAME
    )
    for document in shipment.documents:
        message.add_attachment(
            document.pdf,
            maintype="application",
            subtype="pdf",
            filename=pdf_name(shipment, document),
        )
    return message

"""The document's identity as every view says it: one French line and one JSON object.

The reader (``app.mssante.documents``) gives each document its one identity
(``ReceivedDocument.identity``); "Classer", "À classer" and ``caducee file`` show it through
these two functions, the reading pane through the same fields (``document_pane``).
"""

from __future__ import annotations

from typing import Any

from app.mssante.ins import kind_label
from app.mssante.model import PatientIdentity

SOURCES = {
    "cda": "document CDA",
    "xdm-metadata": "métadonnées IHE_XDM",
    "hprim": "fichier HPRIM",
    "subject": "objet du message",
    "file-name": "nom du fichier PDF",
}


def ins_text(identity: PatientIdentity | None) -> str:
    """ "146109979783919 (INS (NIR))", "… (identifiant sans OID)", "" when absent."""
    ins = identity.ins if identity else None
    if ins is None:
        return ""
    if ins.kind is None and not ins.oid:
        return f"{ins.matricule} (sans OID : non vérifiable comme INS)"
    return f"{ins.matricule} ({kind_label(ins)})"


def identity_line(identity: PatientIdentity | None) -> str:
    """ "SCHMITT Maël, né(e) le 01/10/1946, sexe M, INS 1461… (…) — lu dans : fichier HPRIM"."""
    if identity is None:
        return "Patient non indiqué par le document"
    name = " ".join(p for p in (identity.birth_name or "", *identity.first_names) if p) or "?"
    parts = [name]
    if identity.used_name and identity.used_name != identity.birth_name:
        parts.append(f"nom utilisé {identity.used_name}")
    if identity.birth_date:
        parts.append(f"né(e) le {identity.birth_date:%d/%m/%Y}")
    if identity.sex in ("F", "M"):
        parts.append(f"sexe {identity.sex}")
    parts.append(f"INS {ins_text(identity)}" if identity.ins else "INS absente")
    where = SOURCES.get(identity.source, identity.source)
    return ", ".join(parts) + (f" — lu dans : {where}" if where else "")


def identity_short(identity: PatientIdentity | None) -> str:
    """ "SCHMITT Maël, 01/10/1946, INS 146109979783919" (a list's cell; the line in its tip)."""
    if identity is None:
        return "?"
    name = " ".join(p for p in (identity.birth_name or "", *identity.first_names) if p) or "?"
    parts = [name]
    if identity.birth_date:
        parts.append(f"{identity.birth_date:%d/%m/%Y}")
    parts.append(f"INS {identity.ins.matricule}" if identity.ins else "sans INS")
    return ", ".join(parts)


def identity_json(identity: PatientIdentity | None) -> dict[str, Any] | None:
    if identity is None:
        return None
    ins = identity.ins
    return {
        "birth_name": identity.birth_name,
        "used_name": identity.used_name,
        "first_names": list(identity.first_names),
        "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
        "sex": identity.sex,
        "ins": None
        if ins is None
        else {
            "matricule": ins.matricule,
            "oid": ins.oid or None,
            "key_ok": ins.key_ok,
            "qualified": ins.qualified,
        },
        "source": identity.source,
    }

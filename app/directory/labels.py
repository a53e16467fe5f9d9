"""How a directory entry is named in the window and in exports (plain Python, French)."""

from __future__ import annotations

import re

from app.directory.index import Mailbox

_CIVILITIES = {"DR": "Dr", "PR": "Pr", "MME": "Mme", "M": "M.", "MLLE": "Mlle"}
_QUALIFIER = re.compile(r"\s*\((?:SM|CEX|DES|DESC|CAP|SI)\)\s*$")


def civility(mailbox: Mailbox) -> str:
    """ "Dr", "Mme"… as written in letters; the file's codes otherwise kept as they are."""
    code = mailbox.civility.strip().upper().rstrip(".")
    return _CIVILITIES.get(code, mailbox.civility.strip())


def full_name(mailbox: Mailbox) -> str:
    """ "Dr Jean DUPONT" for a person; the service and organisation for an ORG box."""
    if mailbox.last_name or mailbox.first_name:
        return " ".join(p for p in (civility(mailbox), mailbox.display_name) if p)
    parts = [p for p in (mailbox.service, mailbox.organisation) if p]
    return " — ".join(parts) if parts else mailbox.display_name


def specialty_label(text: str) -> str:
    """A specialty label without the file's "(SM)" qualifier."""
    return _QUALIFIER.sub("", text).strip()


def specialty(mailbox: Mailbox) -> str:
    return specialty_label(mailbox.specialty)


def occupation(mailbox: Mailbox) -> str:
    """ "Médecin, Cardiologie et maladies vasculaires", or the service of an ORG box."""
    parts = [p for p in (mailbox.profession, specialty(mailbox)) if p]
    return ", ".join(parts) if parts else mailbox.service


def city(mailbox: Mailbox) -> str:
    return mailbox.city.title() if mailbox.city.isupper() else mailbox.city


def one_line(mailbox: Mailbox) -> str:
    """What the composer proposes: "Dr Jean DUPONT — Cardiologie, Lyon <jean@x.mssante.fr>"."""
    what = specialty(mailbox) or mailbox.profession
    if not (mailbox.last_name or mailbox.first_name):
        what = ""  # an ORG box's name already says its service
    details = ", ".join(p for p in (what, city(mailbox)) if p)
    name = full_name(mailbox)
    head = f"{name} — {details}" if details else name
    return f"{head} <{mailbox.address}>"

"""The MSSanté subject convention for documents (Référentiel #2 ECO.2.1.3):
``XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de naissance>``.

The prefix is for machines and is hidden from the doctor (ECO.3.1.3); the rest says which
document for which patient. Parsing is a best effort: title and surname are both upper
case by convention, so the surname is taken as the one word before the first names. The
patient's identity for filing comes from the documents (INS), never from the subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

PREFIX = "XDM/1.0/DDM+"
_PREFIX = re.compile(r"XDM/1\.0/DDM\+\s*", re.IGNORECASE)
_BIRTH = re.compile(r"(\d{2})/(\d{2})/(\d{4})$")


@dataclass(frozen=True)
class DocumentSubject:
    title: str
    surname: str | None
    first_names: str | None
    birth_date: date | None


def displayed(subject: str) -> str:
    """The subject without the machine prefix (kept around it: a "[KO ...]" mark, say)."""
    return _PREFIX.sub("", subject, count=1).strip()


def parse(subject: str) -> DocumentSubject | None:
    """The parts of a document subject, or None when it does not follow the convention."""
    match = _PREFIX.search(subject)
    if match is None:
        return None
    words = subject[match.end() :].split()
    birth: date | None = None
    if words and (found := _BIRTH.match(words[-1])):
        try:
            birth = date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
            words = words[:-1]
        except ValueError:
            birth = None
    if birth is None or len(words) < 3:
        return DocumentSubject(" ".join(words), None, None, birth)
    first: list[str] = []
    while len(words) > 2 and not words[-1].isupper():  # "Élodie", "Jean-Pierre"
        first.insert(0, words.pop())
    if not first:  # everything upper case (the ANS example): one word each
        first.append(words.pop())
    surname = words.pop()
    return DocumentSubject(" ".join(words), surname, " ".join(first), birth)

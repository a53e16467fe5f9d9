"""The one call into the document readers of ``app/mssante``: tests of the filing engine
replace :func:`read_documents` to hand it documents built by hand."""

from __future__ import annotations

from app.mssante.documents import read_message
from app.mssante.model import MessageDocuments


def read_documents(raw: bytes) -> MessageDocuments:
    """The documents, identities and refused inputs of one raw RFC 5322 message."""
    return read_message(raw)

"""The one call into the document readers of ``app/mssante`` (another branch until merged).

``app.mssante.documents.read_message(raw) -> MessageDocuments`` is looked up at call time,
so this module (and everything above it) type-checks and runs before that module exists;
tests replace :func:`read_documents` in-process.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from app.filing.errors import FilingError
from app.mssante.model import MessageDocuments

READER_MODULE = "app.mssante.documents"


def read_documents(raw: bytes) -> MessageDocuments:
    """The documents, identities and refused inputs of one raw RFC 5322 message."""
    try:
        module = importlib.import_module(READER_MODULE)
    except ModuleNotFoundError as error:
        if error.name != READER_MODULE:
            raise
        raise FilingError(
            "document readers not available",
            user_message="Lecture des documents impossible : cette version de Caducée ne "
            "contient pas encore les lecteurs de documents (IHE_XDM, CDA, HPRIM).",
        ) from error
    read_message = cast(Callable[[bytes], MessageDocuments], module.read_message)
    return read_message(raw)

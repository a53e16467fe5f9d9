"""What the reader shows of a message's documents, prepared off the GUI thread.

``load_documents(raw)`` reads the message once with the engine's reader
(``app.mssante.documents.read_message``) and turns each clinical document into a
:class:`Shown`: its header (patient with INS, type, author, date), its PDF (the CDA's own
one when it has one), its structured body as sanitised and bounded HTML (the engine builds
it from the parsed CDA, escaping every text; ``readable_html`` then allow-lists and bounds
it, so nothing remote is loaded and Qt's layout stays linear), and its results rows. Files
the reader refused come back as French notices. Nothing here imports Qt: the pane runs it in
the thread pool with a time limit (``document_pane.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from app.mssante import cda as cda_reader
from app.mssante.documents import read_message
from app.mssante.model import PatientIdentity, ReceivedDocument
from app.mssante.xmlsafe import XmlRefused
from app.store.html_body import readable_html

log = logging.getLogger(__name__)

MAX_DOCUMENTS = 20  # tabs per message; the rest are said
MAX_RESULTS = 2000  # rows per document's table; the rest are said


class ResultLike(Protocol):
    """One result line as the engine reads it (``app.mssante.results.ResultRow``)."""

    @property
    def label(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def reference_range(self) -> str | None: ...
    @property
    def flag(self) -> str | None: ...  # "normal", "high", "low", "abnormal", "critical"
    @property
    def abnormal(self) -> bool: ...


def abnormal(result: ResultLike) -> bool:
    """High, low, abnormal or critical (BIO/va1.01): highlighted."""
    return bool(result.abnormal)


@dataclass(frozen=True)
class Shown:
    """One document of the message, ready for its tab."""

    title: str
    kind: str  # "cda", "hprim", "pdf"
    identity: PatientIdentity | None = None
    type_label: str | None = None
    author: str | None = None
    organisation: str | None = None
    act_date: date | None = None
    pdf: bytes | None = None
    structured: str | None = None  # sanitised, bounded HTML
    results: tuple[ResultLike, ...] = ()
    notices: tuple[str, ...] = ()  # French, shown above the document
    sources: frozenset[str] = frozenset()  # attachment names it was read from

    @property
    def abnormal(self) -> int:
        return sum(1 for result in self.results if abnormal(result))


@dataclass(frozen=True)
class MessageView:
    documents: tuple[Shown, ...] = ()
    notices: tuple[str, ...] = field(default_factory=tuple)


def load_documents(raw: bytes) -> MessageView:
    """Every document of ``raw``; bad input gives notices, never an exception."""
    read = read_message(raw)
    notices = [f"{refused.name} : {refused.reason}" for refused in read.refused]
    shown: list[Shown] = []
    for number, document in enumerate(read.documents):
        if number >= MAX_DOCUMENTS:
            notices.append(
                f"{len(read.documents) - MAX_DOCUMENTS} autres documents ne sont pas affichés "
                "ici : ouvrez-les depuis les pièces jointes."
            )
            break
        try:
            shown.append(_shown(document))
        except Exception:  # a defect: the document is said, the others shown
            log.exception("document not prepared for display")
            notices.append("Un document n'a pas pu être affiché (erreur de lecture).")
    return MessageView(tuple(shown), tuple(notices))


def _shown(document: ReceivedDocument) -> Shown:
    notices = list(document.notices)
    structured = None
    readable = document.readable
    if readable is not None and readable.media_type == "text/html":
        structured = _bounded(readable.data.decode("utf-8", "replace"), notices)
    source = document.source
    kind = document.source_kind or "pdf"
    if kind == "cda" and structured is None and source is not None:
        structured = _structured(source.data, notices)  # beside its PDF, one click away
    results: tuple[ResultLike, ...] = document.results
    if len(results) > MAX_RESULTS:
        notices.append(
            f"{len(results) - MAX_RESULTS} résultats de plus ne sont pas affichés : "
            "le document en compte trop."
        )
        results = results[:MAX_RESULTS]
    names = {f.name for f in document.originals}
    if readable is not None:
        names.add(readable.name)
    pdf = document.pdf
    return Shown(
        title=document.title or document.type_name or _default_title(kind),
        kind=kind,
        identity=document.identity,
        type_label=document.type_name or document.title or document.type_label,
        author=document.author,
        organisation=document.organisation,
        act_date=document.act_date,
        pdf=pdf.data if pdf is not None else None,
        structured=structured,
        results=results,
        notices=tuple(notices),
        sources=frozenset(names),
    )


def _default_title(kind: str) -> str:
    return {"hprim": "Résultats (HPRIM)", "cda": "Document CDA"}.get(kind, "Document PDF")


def _structured(data: bytes, notices: list[str]) -> str | None:
    """The CDA's structured body (the PDF is shown first when it has one)."""
    try:
        document = cda_reader.read_cda(data)
    except (XmlRefused, cda_reader.CdaRefused) as error:
        notices.append(error.reason)
        return None
    return _bounded(document.html, notices) if document.html else None


def _bounded(markup: str, notices: list[str]) -> str | None:
    clean = readable_html(markup)
    if clean is None:
        notices.append(
            "Ce document est trop complexe pour être affiché en entier ; "
            "ouvrez-le depuis les pièces jointes."
        )
    return clean

"""XML from received documents, parsed without DTDs, entities or external references
(defusedxml over expat), with a size cap; plus small namespace-blind lookups.

:class:`XmlRefused` carries a French reason, for the doctor.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

MAX_XML_BYTES = 64 * 1024 * 1024  # a CDA may hold a PDF in base64 (nonXMLBody)


class XmlRefused(Exception):
    """The XML document is refused; ``reason`` is French, for display."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_xml(data: bytes, what: str, limit: int = MAX_XML_BYTES) -> Element:
    """The root element of ``data``; :class:`XmlRefused` when too big, malformed or using a
    DTD, entities or external references. ``what`` names the file in the reason."""
    if len(data) > limit:
        raise XmlRefused(f"{what} refusé : fichier XML trop volumineux.")
    try:
        root: Element = SafeET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DefusedXmlException as error:
        raise XmlRefused(
            f"{what} refusé : XML avec DTD ou entités (attaque XXE ou d'expansion ?)."
        ) from error
    except (ParseError, ValueError, UnicodeError, LookupError, RecursionError) as error:
        raise XmlRefused(f"{what} refusé : XML mal formé ou incomplet.") from error
    return root


def local(tag: object) -> str:
    """The tag without its namespace ("{urn:hl7-org:v3}title" → "title")."""
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    return tag.rpartition("}")[2]


def children(element: Element, name: str) -> Iterator[Element]:
    for child in element:
        if local(child.tag) == name:
            yield child


def child(element: Element | None, *path: str) -> Element | None:
    """The first descendant along ``path`` of local names, or None."""
    for name in path:
        if element is None:
            return None
        element = next(children(element, name), None)
    return element


def text_of(element: Element | None, limit: int = 10_000) -> str:
    """The element's text content, whitespace collapsed, capped; "" when None."""
    if element is None:
        return ""
    pieces: list[str] = []
    size = 0
    for piece in element.itertext():
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            break
    return " ".join("".join(pieces).split())[:limit]


def attr(element: Element | None, name: str, limit: int = 1000) -> str:
    if element is None:
        return ""
    return (element.get(name) or "").strip()[:limit]

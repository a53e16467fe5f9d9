"""The liste blanche: the MSSanté domains of the trust space (notes §7).

Source: ``https://espacedeconfiance.mssante.fr/listeblanchemssante.xml`` (IGC-Santé TLS),
an XML document in the namespace ``https://listeblanche.mssante.fr/schema`` whose domain
names are ``//Domaine/Nom``. The parser also accepts the same elements without the
namespace (a local copy re-saved by a tool) and refuses DTDs and entities (defusedxml).
Assumption, as §7 gives no schema: only ``Domaine/Nom`` is needed; ``DateDeGeneration``
is kept for display when present.

The document is cached in the profile (``<cache>/liste-blanche.xml``, replaced
atomically) so that the check works offline. ``is_trusted(address)`` is an exact match of
the address's domain, IDNA-normalised (lowercase punycode, trailing dot removed), against
the list's names normalised the same way: a subdomain of a listed domain is **not** trusted.

``is_mssante_host(host)`` is the other question, asked for the trust policy of an account
(issue 17): is a mail server an MSSanté one? A host under ``.mssante.fr``, or a host whose
domain or one of its parent domains is on the list (``imap.ch-exemple.fr`` for the listed
``ch-exemple.fr``). Such a host gets the IGC-Santé policy whatever the account's
authentication: widening on purpose, as a wrong "yes" costs a refused connection and a wrong
"no" a silent trust hole.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.directory.errors import TrustedListError
from app.transport.tls import TrustPolicy

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

LISTE_BLANCHE_URL = "https://espacedeconfiance.mssante.fr/listeblanchemssante.xml"
NAMESPACE = "https://listeblanche.mssante.fr/schema"
CACHE_NAME = "liste-blanche.xml"
MAX_BYTES = 20 * 1024 * 1024  # 8,655 domains in 2026 make ~5 MB
# Hosts under these suffixes are MSSanté whatever the list says (tests add their own).
MSSANTE_SUFFIXES: tuple[str, ...] = (".mssante.fr",)


def normalise_domain(name: str) -> str | None:
    """Lowercase IDNA (punycode) form of a domain name; None when it is not one."""
    name = name.strip().rstrip(".")
    if not name or len(name) > 253 or any(c.isspace() for c in name):
        return None
    try:
        encoded = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = encoded.split(".")
    if len(labels) < 2 or any(not label or len(label) > 63 for label in labels):
        return None
    return encoded


@dataclass(frozen=True)
class TrustedList:
    domains: frozenset[str]
    generated: str | None
    skipped: int  # names that are not domain names

    def is_trusted(self, address: str) -> bool:
        _, at, domain = address.strip().rpartition("@")
        normalised = normalise_domain(domain) if at else None
        return normalised is not None and normalised in self.domains


def is_mssante_host(host: str, listed: TrustedList | None = None) -> bool:
    """True for an MSSanté mail server: a ``.mssante.fr`` host, or one on a listed domain."""
    name = normalise_domain(host)
    if name is None:
        return False
    if any(name.endswith(suffix) or name == suffix[1:] for suffix in MSSANTE_SUFFIXES):
        return True
    if listed is None:
        return False
    labels = name.split(".")
    return any(".".join(labels[i:]) in listed.domains for i in range(len(labels) - 1))


def parse(data: bytes) -> TrustedList:
    # The XML parser is loaded here: most commands only ask is_mssante_host (a sync).
    import defusedxml.ElementTree as safe_xml
    from defusedxml import DefusedXmlException

    try:
        root: Element = safe_xml.fromstring(data)
    except (safe_xml.ParseError, DefusedXmlException, ValueError) as error:
        raise TrustedListError(f"liste blanche XML: {error}") from error
    names: list[str] = []
    for tag in (f"{{{NAMESPACE}}}", ""):
        names = [d.findtext(f"{tag}Nom") or "" for d in root.iter(f"{tag}Domaine")]
        if names:
            generated = root.findtext(f".//{tag}DateDeGeneration")
            break
    else:
        raise TrustedListError(
            "no Domaine/Nom element",
            user_message="La liste blanche MSSanté ne contient aucun domaine (format inattendu).",
        )
    domains = {d for d in map(normalise_domain, names) if d is not None}
    return TrustedList(frozenset(domains), generated, len(names) - len(domains))


def cache_path(cache_dir: Path) -> Path:
    return cache_dir / CACHE_NAME


def store(data: bytes, cache_dir: Path) -> TrustedList:
    """Check ``data`` parses, then replace the cached copy atomically."""
    if len(data) > MAX_BYTES:
        raise TrustedListError(f"{len(data)} bytes")
    trusted = parse(data)
    cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".liste-blanche-", dir=cache_dir)  # 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        Path(name).replace(cache_path(cache_dir))
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return trusted


def load(cache_dir: Path) -> TrustedList | None:
    """The cached list, or None when there is none yet."""
    path = cache_path(cache_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return parse(data)


def download(
    cache_dir: Path, policy: TrustPolicy, work_dir: Path, url: str = LISTE_BLANCHE_URL
) -> TrustedList:
    """Fetch the list (IGC-Santé TLS), check it parses, then replace the cached copy."""
    from app.directory.download import fetch

    fetched = fetch(url, policy, directory=work_dir, max_bytes=MAX_BYTES)
    if fetched.path is None:  # no body (cannot happen for a plain GET)
        raise TrustedListError("empty answer")
    try:
        data = fetched.path.read_bytes()
    finally:
        fetched.path.unlink(missing_ok=True)
    return store(data, cache_dir)


PATIENT_DOMAIN = "patient.mssante.fr"  # Mon espace santé: MSSanté, whatever the list says
MSSANTE_SUFFIX = ".mssante.fr"


@dataclass(frozen=True)
class TrustVerdict:
    untrusted: list[str]  # addresses outside the MSSanté trust space
    list_cached: bool  # False: no liste blanche yet, the ".mssante.fr" rule was used


def outside_trust_space(
    liste: TrustedList | None, addresses: list[str], own_domains: Iterable[str] = ()
) -> TrustVerdict:
    """The addresses whose domain is not MSSanté.

    With the liste blanche cached: exact domain match (``TrustedList.is_trusted``).
    Without it (never downloaded), a careful fallback rather than silence: a domain that
    does not end in ``.mssante.fr`` is reported, so that a typo for gmail.com is still
    caught; MSSanté domains outside ``mssante.fr`` are then reported too, and the dialog
    says the list is missing. ``patient.mssante.fr`` (Mon espace santé) is always MSSanté,
    and so are ``own_domains``: the domains of her own MSSanté mailboxes (her operator gave
    her that address, so its domain is in the trust space whatever a stale or missing list
    says — without this, a colleague on her own domain was reported while her address,
    skipped as hers, was not).
    """
    known = {d for d in map(normalise_domain, own_domains) if d is not None}
    untrusted = []
    for address in addresses:
        _, at, domain = address.strip().rpartition("@")
        normalised = normalise_domain(domain) if at else None
        if normalised == PATIENT_DOMAIN or (normalised is not None and normalised in known):
            continue
        if liste is not None:
            if not liste.is_trusted(address):
                untrusted.append(address)
        elif normalised is None or not normalised.endswith(MSSANTE_SUFFIX):
            untrusted.append(address)
    return TrustVerdict(untrusted, liste is not None)

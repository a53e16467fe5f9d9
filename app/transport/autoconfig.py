"""Finding the IMAP and SMTP servers of a mail address when the user did not give them.

``discover(address)`` tries these sources in order and stops at the first one that yields
an IMAP server (DST TM3.3C, Référentiel #2 ECO.1.1.9):

1. **Operator profiles** (``OperatorProfile``, read by ``load_operator_profiles``). A profile
   domain covers itself and its subdomains (``mssante.fr`` covers ``medecin.mssante.fr``).
   When several profiles cover the address, the most specific domain wins, then the first
   profile in the list.
2. **DNS SRV** on the full domain of the address (RFC 6186, RFC 8314). For receiving,
   ``_imaps._tcp`` (implicit TLS, preferred as RFC 8314 recommends) then ``_imap._tcp``
   (STARTTLS). For sending, ``_submissions._tcp`` then ``_submission._tcp``. The four
   queries run in parallel, so the whole step takes at most about one ``timeout``. Within
   one service the lowest priority wins (RFC 2782). Among records of equal priority,
   RFC 2782 asks for a weighted random choice; here the choice is deterministic: the
   heaviest weight wins, and ties go to the smallest target name, then the smallest port.
   The result is a setting shown to the user and stored, not a per-connection choice, so
   the same DNS data must give the same answer. A target of ``.`` ("service decidedly not
   available"), port 0 and target names that are not host names are ignored.
3. **Autoconfiguration XML** (the Thunderbird ``config-v1.1.xml`` format), first
   ``https://autoconfig.<domain>/mail/config-v1.1.xml?emailaddress=<address>``, then
   ``https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml``. Fetches use HTTPS only,
   with the caller's ``ssl.SSLContext`` (for example the IGC-Santé context of
   ``app.transport.tls``) or, without one, the system's trust store. Redirects must stay on
   https: (at most ``MAX_REDIRECTS``). A body is limited to ``MAX_AUTOCONFIG_BYTES``, and a
   whole download to ``_DOWNLOAD_TIME_FACTOR`` × ``timeout``. The document is parsed with
   defusedxml: any DTD, and so any entity, is refused. The only servers used are
   ``incomingServer type="imap"`` and ``outgoingServer type="smtp"``, with ``socketType``
   ``SSL`` (implicit TLS) or ``STARTTLS``, never ``plain``. Servers are taken in the
   document's order, which is the provider's order of preference. ``%EMAILADDRESS%``,
   ``%EMAILLOCALPART%`` and ``%EMAILDOMAIN%`` are substituted in host names. Without a
   ``<port>``, the protocol's usual port applies (993/143, 465/587).
4. **Nothing**: ``None``, and the caller (first-run wizard, command line) asks the user.

Hostile or broken answers never raise. This covers DNS failures, timeouts, HTTP errors,
redirects to http: or file:, oversized bodies, XML bombs, external entities, non-XML data
and unusable host names. Each one makes its source yield nothing and is logged at info
level with the domain only. The local part of the address never reaches the logs, since
an address can identify a patient. It is still sent to the first autoconfiguration URL,
over HTTPS, as Thunderbird does. ``ServerSettings.source`` names that URL without its query.

Trust: SRV answers are not DNSSEC-validated here, and an autoconfiguration document is only
as trustworthy as the TLS context that fetched it. So the result is a proposal. Show it
(``source``) for confirmation. The TLS check of each connection (IGC-Santé anchors, the
server's host name; RFC 7817) is what authenticates the servers.

Names: the address's domain is IDNA-encoded (punycode, lowercase) for lookups, URLs and
host names. ``MailAddress.domain`` keeps the user's spelling for display.

Operator profile file (TOML, UTF-8); unknown keys are refused so that a typo is not
silently ignored::

    [[operator]]
    name = "Opérateur exemple"                          # shown to the user
    domains = ["exemple-sante.fr", "ght-exemple.fr"]     # each covers its subdomains
    imap = "imap+starttls://imap.exemple-sante.fr:143"  # app.transport.endpoints URL forms
    smtp = "smtp+starttls://smtp.exemple-sante.fr:587"  # optional
    autoconfig_url = "https://exemple-sante.fr/mail/config-v1.1.xml"  # optional, https

``autoconfig_url`` records where the operator publishes its autoconfiguration document. It
is informative only: ``discover`` uses the profile's own servers and does not fetch it.

Plain Python, no Qt. ``discover`` blocks on the network, so call it from a worker thread.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import re
import ssl
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Protocol as TypingProtocol

import dns.exception
import dns.rdtypes.IN.SRV
import dns.resolver
from defusedxml import ElementTree as SafeElementTree

from app.transport.download import read_bounded, restricted_opener
from app.transport.endpoints import Endpoint, EndpointError, Protocol, Security

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0  # seconds, per DNS query and per HTTPS operation
MAX_AUTOCONFIG_BYTES = 1024 * 1024
MAX_REDIRECTS = 3

Fetch = Callable[[str, float, ssl.SSLContext | None], bytes]
"""``(https URL, timeout in seconds, TLS context or None) -> body``. Raises ``OSError``,
``ValueError`` or ``http.client.HTTPException`` on failure; anything else is a bug and
propagates. The default is ``https_get``."""

_DOWNLOAD_TIME_FACTOR = 2  # a whole download may take this many timeouts (slow-drip servers)
_FETCH_ERRORS = (OSError, ValueError, http.client.HTTPException)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PORT = re.compile(r"[0-9]{1,5}")
_PLACEHOLDER = re.compile(r"%(EMAILADDRESS|EMAILLOCALPART|EMAILDOMAIN)%")
_DEFAULT_PORTS = {
    (Protocol.IMAP, Security.IMPLICIT): 993,
    (Protocol.IMAP, Security.STARTTLS): 143,
    (Protocol.SMTP, Security.IMPLICIT): 465,
    (Protocol.SMTP, Security.STARTTLS): 587,
}
_SOCKET_TYPES = {"SSL": Security.IMPLICIT, "STARTTLS": Security.STARTTLS}
# In order of preference within each protocol (RFC 8314 section 5.1: implicit TLS first).
_SRV_SERVICES = (
    ("_imaps._tcp", Protocol.IMAP, Security.IMPLICIT),
    ("_imap._tcp", Protocol.IMAP, Security.STARTTLS),
    ("_submissions._tcp", Protocol.SMTP, Security.IMPLICIT),
    ("_submission._tcp", Protocol.SMTP, Security.STARTTLS),
)

SOURCE_DNS = "DNS (SRV)"


# -- names ------------------------------------------------------------------------------------


def _ascii_domain(name: str) -> str | None:
    """``name`` as a lowercase IDNA (punycode) DNS name of letter-digit-hyphen labels, or
    None when it is not one (no trailing dot, no empty label, at most 253 characters)."""
    if not name or len(name) > 1024:
        return None
    try:
        encoded = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if len(encoded) > 253:
        return None
    if not all(_LABEL.fullmatch(label) for label in encoded.split(".")):
        return None
    return encoded


def _server_host(name: str) -> str | None:
    """A server host name from DNS or a document (one trailing dot allowed): an IP address
    or a DNS name, normalised as for ``_ascii_domain``; None when unusable."""
    name = name.strip()
    if name.endswith("."):
        name = name[:-1]
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return _ascii_domain(name)


class AddressError(ValueError):
    """An unusable mail address; the message is French, for the user."""


@dataclass(frozen=True)
class MailAddress:
    local: str  # never logged
    domain: str  # as the user typed it, for display
    ascii_domain: str  # lowercase, IDNA-encoded: for DNS, URLs and host names

    @classmethod
    def parse(cls, address: str) -> MailAddress:
        """Check the address: exactly one "@", a local part, an IDNA-encodable domain.

        Raises ``AddressError`` (a ``ValueError``) with a French message. The message
        never repeats the local part.
        """
        text = address.strip()
        if text.count("@") != 1:
            raise AddressError(
                "Adresse de messagerie invalide : elle doit contenir un et un seul « @ » "
                "(par exemple prenom.nom@medecin.mssante.fr)."
            )
        local, domain = text.split("@")
        if not local:
            raise AddressError("Adresse de messagerie invalide : il manque la partie avant « @ ».")
        if any(char.isspace() or not char.isprintable() for char in local):
            raise AddressError(
                "Adresse de messagerie invalide : elle ne doit contenir ni espace ni caractère "
                "de contrôle."
            )
        if not domain:
            raise AddressError("Adresse de messagerie invalide : il manque le domaine après « @ ».")
        ascii_domain = _ascii_domain(domain)
        if ascii_domain is None:
            shown = domain if domain.isprintable() and len(domain) <= 100 else "…"
            raise AddressError(
                f"Adresse de messagerie invalide : « {shown} » n'est pas un nom de domaine valide."
            )
        return cls(local, domain, ascii_domain)

    @property
    def ascii_address(self) -> str:
        return f"{self.local}@{self.ascii_domain}"


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSettings:
    imap: Endpoint
    smtp: Endpoint | None
    source: str  # French, for the user: where the settings came from


# -- 1. operator profiles ---------------------------------------------------------------------


class OperatorProfileError(ValueError):
    """An unusable operator profile (file); the message is French, for the user."""


@dataclass(frozen=True)
class OperatorProfile:
    name: str
    domains: tuple[str, ...]  # each covers itself and its subdomains
    imap: Endpoint
    smtp: Endpoint | None = None
    autoconfig_url: str | None = None  # informative, see the module documentation

    def __post_init__(self) -> None:
        where = f"Profil d'opérateur « {self.name} »"
        if not self.name.strip():
            raise OperatorProfileError("Profil d'opérateur sans nom.")
        if not self.domains:
            raise OperatorProfileError(f"{where} : aucun domaine.")
        for domain in self.domains:
            if _ascii_domain(domain) is None:
                raise OperatorProfileError(f"{where} : domaine invalide « {domain} ».")
        if self.imap.protocol is not Protocol.IMAP:
            raise OperatorProfileError(f"{where} : « imap » doit être une adresse IMAP.")
        if self.smtp is not None and self.smtp.protocol is not Protocol.SMTP:
            raise OperatorProfileError(f"{where} : « smtp » doit être une adresse SMTP.")
        if self.autoconfig_url is not None and not _is_https(self.autoconfig_url):
            raise OperatorProfileError(
                f"{where} : « autoconfig_url » doit être une adresse https://."
            )

    def coverage(self, ascii_domain: str) -> int:
        """How many labels of ``ascii_domain`` the best matching profile domain has (0 when
        no profile domain covers it): the larger, the more specific the match."""
        best = 0
        for domain in self.domains:
            ours = _ascii_domain(domain)
            if ours is not None and (ascii_domain == ours or ascii_domain.endswith("." + ours)):
                best = max(best, ours.count(".") + 1)
        return best

    @property
    def source(self) -> str:
        return f"profil opérateur « {self.name} »"


_PROFILE_KEYS = frozenset({"name", "domains", "imap", "smtp", "autoconfig_url"})


def _is_https(url: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() == "https" and bool(parts.hostname)


def _profile_endpoint(where: str, key: str, value: object) -> Endpoint:
    if not isinstance(value, str):
        raise OperatorProfileError(f"{where} : « {key} » (adresse de serveur) est attendu.")
    try:
        return Endpoint.parse(value)
    except EndpointError as error:
        raise OperatorProfileError(f"{where} : {error}") from error


def _profile_from_table(index: int, table: object) -> OperatorProfile:
    where = f"Profil d'opérateur n° {index}"
    if not isinstance(table, Mapping):
        raise OperatorProfileError(f"{where} : une table [[operator]] est attendue.")
    unknown = sorted(str(key) for key in table if key not in _PROFILE_KEYS)
    if unknown:
        raise OperatorProfileError(f"{where} : clé(s) inconnue(s) : {', '.join(unknown)}.")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise OperatorProfileError(f"{where} : « name » (texte) est obligatoire.")
    where = f"Profil d'opérateur « {name} »"
    domains = table.get("domains")
    if (
        not isinstance(domains, list)
        or not domains
        or not all(isinstance(domain, str) for domain in domains)
    ):
        raise OperatorProfileError(f"{where} : « domains » (liste de domaines) est obligatoire.")
    imap = _profile_endpoint(where, "imap", table.get("imap"))
    smtp_url = table.get("smtp")
    smtp = None if smtp_url is None else _profile_endpoint(where, "smtp", smtp_url)
    autoconfig_url = table.get("autoconfig_url")
    if autoconfig_url is not None and not isinstance(autoconfig_url, str):
        raise OperatorProfileError(f"{where} : « autoconfig_url » doit être un texte.")
    return OperatorProfile(
        name=name.strip(),
        domains=tuple(domain.strip() for domain in domains),
        imap=imap,
        smtp=smtp,
        autoconfig_url=autoconfig_url,
    )


def load_operator_profiles(path: Path) -> list[OperatorProfile]:
    """The profiles of a TOML file (format in the module documentation), in file order.

    Raises ``OperatorProfileError`` (a ``ValueError``, French message) for a file that is
    not UTF-8 TOML or an entry that is not a valid profile; ``OSError`` when the file
    cannot be read.
    """
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise OperatorProfileError(
            f"Fichier de profils d'opérateurs illisible ({path.name}) : {error}"
        ) from error
    unknown = sorted(key for key in data if key != "operator")
    if unknown:
        raise OperatorProfileError(
            f"Fichier de profils d'opérateurs ({path.name}) : clé(s) inconnue(s) : "
            f"{', '.join(unknown)}."
        )
    tables = data.get("operator", [])
    if not isinstance(tables, list):
        raise OperatorProfileError(
            f"Fichier de profils d'opérateurs ({path.name}) : « operator » doit être une "
            "liste de tables [[operator]]."
        )
    return [_profile_from_table(index, table) for index, table in enumerate(tables, start=1)]


def from_profiles(mail: MailAddress, profiles: Sequence[OperatorProfile]) -> ServerSettings | None:
    """The settings of the profile that covers the address most specifically, if any."""
    best: OperatorProfile | None = None
    best_coverage = 0
    for profile in profiles:
        coverage = profile.coverage(mail.ascii_domain)
        if coverage > best_coverage:
            best, best_coverage = profile, coverage
    if best is None:
        return None
    return ServerSettings(best.imap, best.smtp, best.source)


# -- 2. DNS SRV -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    target: str  # host name, "." for "service not available"


class Resolver(TypingProtocol):
    def srv(self, name: str) -> list[SrvRecord]:
        """The SRV records of ``name``. Empty on NXDOMAIN, no answer, timeout or any other
        DNS failure; never raises for those."""
        ...


class SystemResolver:
    """``Resolver`` over dnspython. By default it uses the system's DNS configuration,
    with ``lifetime`` (the whole query, retries included) set to ``timeout``. Pass a
    configured ``dns.resolver.Resolver`` to use other servers; it is used as it is."""

    def __init__(
        self, timeout: float = DEFAULT_TIMEOUT, *, resolver: dns.resolver.Resolver | None = None
    ) -> None:
        if resolver is None:
            try:
                resolver = dns.resolver.Resolver()  # /etc/resolv.conf, or the Windows registry
            except (dns.exception.DNSException, OSError) as error:
                log.info("no DNS configuration, SRV lookups disabled (%s)", type(error).__name__)
            else:
                resolver.lifetime = timeout
        self._resolver = resolver

    def srv(self, name: str) -> list[SrvRecord]:
        if self._resolver is None:
            return []
        try:
            answer = self._resolver.resolve(name, "SRV", search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            log.debug("no SRV record for %s", name)
            return []
        except (dns.exception.DNSException, OSError) as error:
            log.info("SRV lookup of %s failed (%s)", name, type(error).__name__)
            return []
        return [
            SrvRecord(
                int(rdata.priority),
                int(rdata.weight),
                int(rdata.port),
                rdata.target.to_text(omit_final_dot=True),
            )
            for rdata in answer
            if isinstance(rdata, dns.rdtypes.IN.SRV.SRV)
        ]


def choose_srv(records: Sequence[SrvRecord]) -> tuple[str, int] | None:
    """The (host, port) to use among one service's records, or None when none is usable.

    Lowest priority first. Among equal priorities, the heaviest weight, then the smallest
    host name and port: a deterministic stand-in for RFC 2782's weighted random choice
    (see the module documentation). Targets "." and port 0 are skipped.
    """
    usable: list[tuple[int, int, str, int]] = []
    for record in records:
        if record.target.strip() in ("", ".") or not 0 < record.port <= 65535:
            continue
        host = _server_host(record.target)
        if host is None:
            continue
        usable.append((record.priority, -record.weight, host, record.port))
    if not usable:
        return None
    _, _, host, port = min(usable)
    return host, port


def _from_srv(mail: MailAddress, resolver: Resolver) -> ServerSettings | None:
    names = [f"{service}.{mail.ascii_domain}" for service, _, _ in _SRV_SERVICES]
    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="srv") as pool:
        answers = list(pool.map(resolver.srv, names))
    found: dict[Protocol, Endpoint] = {}
    for (_, protocol, security), records in zip(_SRV_SERVICES, answers, strict=True):
        if protocol in found:
            continue
        chosen = choose_srv(records)
        if chosen is not None:
            found[protocol] = Endpoint(protocol, security, *chosen)
    imap = found.get(Protocol.IMAP)
    if imap is None:
        log.info("DNS SRV: no usable IMAP record for %s", mail.ascii_domain)
        return None
    return ServerSettings(imap, found.get(Protocol.SMTP), SOURCE_DNS)


# -- 3. autoconfiguration XML -----------------------------------------------------------------


def _opener(context: ssl.SSLContext | None) -> urllib.request.OpenerDirector:
    return restricted_opener(allow_http=False, context=context, max_redirections=MAX_REDIRECTS)


def https_get(
    url: str,
    timeout: float = DEFAULT_TIMEOUT,
    ssl_context: ssl.SSLContext | None = None,
    *,
    max_bytes: int = MAX_AUTOCONFIG_BYTES,
) -> bytes:
    """GET an https URL and return the body: the default ``Fetch`` of ``discover``.

    ``ssl_context`` verifies the server (default: the system's trust store). Refuses
    other schemes (``ValueError``), redirects to anything but https: and more than
    ``MAX_REDIRECTS`` redirects (``urllib.error.URLError`` / ``HTTPError``), non-2xx
    answers (``HTTPError``), bodies over ``max_bytes`` (``ValueError``) and downloads that
    take more than ``_DOWNLOAD_TIME_FACTOR`` timeouts in all (``TimeoutError``).
    """
    if not _is_https(url):
        raise ValueError("only https URLs are fetched")
    context = ssl_context if ssl_context is not None else ssl.create_default_context()
    request = urllib.request.Request(  # noqa: S310 - https only, checked just above
        url,
        headers={
            "User-Agent": "Caducee-autoconfig/1",
            "Accept": "application/xml, text/xml;q=0.9, */*;q=0.1",
            "Accept-Encoding": "identity",
        },
    )
    with _opener(context).open(request, timeout=timeout) as response:
        return read_bounded(
            response, max_bytes=max_bytes, seconds=timeout * _DOWNLOAD_TIME_FACTOR, what="body"
        )


def _substitute(text: str, mail: MailAddress) -> str:
    values = {
        "EMAILADDRESS": mail.ascii_address,
        "EMAILLOCALPART": mail.local,
        "EMAILDOMAIN": mail.ascii_domain,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _xml_server(element: Element, protocol: Protocol, mail: MailAddress) -> Endpoint | None:
    security = _SOCKET_TYPES.get((element.findtext("socketType") or "").strip().upper())
    if security is None:  # "plain", missing or unknown: never without TLS
        return None
    host = _server_host(_substitute(element.findtext("hostname") or "", mail))
    if host is None:
        return None
    port_text = (element.findtext("port") or "").strip()
    if not port_text:
        port = _DEFAULT_PORTS[protocol, security]
    elif _PORT.fullmatch(port_text) and 0 < int(port_text) <= 65535:
        port = int(port_text)
    else:
        return None
    return Endpoint(protocol, security, host, port)


def parse_autoconfig(body: bytes, mail: MailAddress) -> tuple[Endpoint, Endpoint | None] | None:
    """The first usable IMAP and SMTP servers of a Thunderbird autoconfiguration document,
    or None without a usable IMAP server.

    Raises ``ValueError`` for a body over ``MAX_AUTOCONFIG_BYTES``, a document with a DTD
    or entities (defusedxml) or undecodable text; ``SyntaxError`` (``ParseError``) for
    malformed XML; ``LookupError`` for an unknown or non-text ``encoding`` declaration.
    """
    if len(body) > MAX_AUTOCONFIG_BYTES:
        raise ValueError(f"document too large: {len(body)} bytes")
    root: Element = SafeElementTree.fromstring(
        body, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    if root.tag != "clientConfig":
        return None
    imap: Endpoint | None = None
    smtp: Endpoint | None = None
    for provider in root.findall("emailProvider"):
        for element in provider.findall("incomingServer"):
            if imap is None and element.get("type", "").strip().lower() == "imap":
                imap = _xml_server(element, Protocol.IMAP, mail)
        for element in provider.findall("outgoingServer"):
            if smtp is None and element.get("type", "").strip().lower() == "smtp":
                smtp = _xml_server(element, Protocol.SMTP, mail)
    return None if imap is None else (imap, smtp)


def autoconfig_urls(mail: MailAddress) -> list[tuple[str, str]]:
    """(URL to fetch, URL to show) pairs, in order; the shown URL has no query, so that it
    never carries the local part of the address."""
    first = f"https://autoconfig.{mail.ascii_domain}/mail/config-v1.1.xml"
    query = urllib.parse.urlencode(
        {"emailaddress": mail.ascii_address}, quote_via=urllib.parse.quote
    )
    well_known = f"https://{mail.ascii_domain}/.well-known/autoconfig/mail/config-v1.1.xml"
    return [(f"{first}?{query}", first), (well_known, well_known)]


def _redacted(error: BaseException, mail: MailAddress) -> str:
    """``error`` for the log, without the local part of the address."""
    text = str(error)
    for secret in {
        mail.local,
        urllib.parse.quote(mail.local, safe=""),
        urllib.parse.quote_plus(mail.local),
    }:
        text = text.replace(secret, "…")
    return f"{type(error).__name__}: {text[:200]}"


def _from_autoconfig(
    mail: MailAddress, fetch: Fetch, ssl_context: ssl.SSLContext | None, timeout: float
) -> ServerSettings | None:
    for url, shown in autoconfig_urls(mail):
        try:
            body = fetch(url, timeout, ssl_context)
        except _FETCH_ERRORS as error:
            log.info("autoconfig: nothing from %s (%s)", shown, _redacted(error, mail))
            continue
        try:
            found = parse_autoconfig(body, mail)
        except (SyntaxError, ValueError, LookupError) as error:  # see parse_autoconfig
            log.info("autoconfig: unusable document from %s (%s)", shown, _redacted(error, mail))
            continue
        if found is None:
            log.info("autoconfig: no usable IMAP server in the document from %s", shown)
            continue
        imap, smtp = found
        return ServerSettings(imap, smtp, f"autoconfiguration ({shown})")
    return None


# -- the whole search -------------------------------------------------------------------------


def discover(
    address: str,
    *,
    profiles: Sequence[OperatorProfile] = (),
    resolver: Resolver | None = None,
    fetch: Fetch | None = None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ServerSettings | None:
    """The servers of ``address`` from the first source that has an IMAP server (operator
    profiles, DNS SRV, autoconfiguration), or None when none has.

    ``resolver`` defaults to ``SystemResolver(timeout)`` and ``fetch`` to ``https_get``;
    ``ssl_context`` is passed to ``fetch``. Raises ``AddressError`` (``ValueError``,
    French message) for an invalid address; the sources themselves never raise.
    """
    mail = MailAddress.parse(address)
    found = (
        from_profiles(mail, profiles)
        or _from_srv(mail, resolver if resolver is not None else SystemResolver(timeout))
        or _from_autoconfig(mail, fetch if fetch is not None else https_get, ssl_context, timeout)
    )
    if found is None:
        log.info("no server settings found for %s", mail.ascii_domain)
    else:
        log.info("server settings for %s from %s", mail.ascii_domain, found.source)
    return found

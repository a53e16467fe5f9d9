"""Live search in the Annuaire Santé FHIR API (mssante-notes §6.2).

Public API (what the window's directory panel calls, from a worker thread — every call
blocks on the network)::

    directory = fhir.from_profile(profile)     # None: no API key configured
    directory.search("dupont cardio", limit=20)  # -> list[Mailbox], as DirectoryIndex.search
    directory.whoami("10101201234")            # -> list[Mailbox], as DirectoryIndex.whoami

``FhirDirectory(api_key, base_url=DEFAULT_URL, trust_file=None, timeout=30.0)`` builds one
directly. Rows are ``app.directory.index.Mailbox``, the offline index's own type; fields
the API does not give are empty strings. Mailboxes on the liste rouge and non-MSSanté
e-mails (APICRYPT…) are never returned (``fhir_parse``). Every failure raises a
``FhirApiError`` (a ``DirectoryError`` and a ``TransportError``) whose ``user_message`` is
French: refused API key, too many requests, timeout, network unreachable, TLS, an
``OperationOutcome``, malformed JSON.

The API: header ``ESANTE-API-KEY``; at most 17 calls per second per application (one
``RateLimiter`` per client, shared by its threads); 50 results per page, ``link[next]``
followed up to ``max_pages`` and only on the base URL's own origin (the key goes nowhere
else); no ``_type`` and no batch, so Practitioner (with its PractitionerRoles through
``_revinclude``) and Organization are asked separately. The mailbox type (PER, ORG, APP, CAB)
is always filtered here too; a search for a type asks only the resources that carry it
(ORG and APP: Organization; PER and CAB: Practitioner and its roles), and uses the API's
``mailbox-mss-type`` search parameter (IG Annuaire Santé; the MSSanté FHIR API IG's
searches) where the server's CapabilityStatement (``metadata``, read once per client, at the
first search for a type) lists it for that resource: on Organization, and on Practitioner
for CAB — not for PER, whose mailboxes also sit on the roles, which a filtered Practitioner
search would lose. The gateway did not list it in 2026 (its answer: "Parameter
mailbox-mss-type not found"). The value is the bare code (``PER``): a token without system
matches whatever system the server codes it in (the IGs' examples name TRE_R256 in the
search and TRE_R257 in the resources). HTTPS only; the gateway has a public web
certificate, so the system trust store is used (or ``trust_file``, for tests); a proxy from
the environment is used as in ``download``.

Settings (``config.toml`` of the profile, all optional)::

    [annuaire]
    api_url = "https://gateway.api.esante.gouv.fr/fhir/v2"
    api_delai_secondes = 30
    api_autorites = ""   # a PEM file of authorities instead of the system store

The key lives in the OS keyring (``keychain.esante_api_key()``), or in the environment
variable ``CADUCEE_ESANTE_API_KEY``, which wins. It is never logged.
"""

from __future__ import annotations

import collections
import http.client
import json
import logging
import os
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from app.core.errors import CaduceeError
from app.core.keychain import esante_api_key, get_secret
from app.core.paths import Profile
from app.core.settings import Settings, SettingsError
from app.directory.download import _connection
from app.directory.errors import DirectoryError, FhirError
from app.directory.fhir_parse import (
    IDNPS_SYSTEM,
    RPPS_SYSTEM,
    Json,
    Resources,
    search_parameters,
    unique,
)
from app.directory.index import Mailbox, _passes
from app.transport.tls import TrustPolicy, classify

DEFAULT_URL = "https://gateway.api.esante.gouv.fr/fhir/v2"
API_KEY_ENV = "CADUCEE_ESANTE_API_KEY"
REQUESTS_PER_SECOND = 17
PAGE_SIZE = 50
MAX_PAGES = 6
TIMEOUT = 30.0
MAX_BODY = 20 * 1024 * 1024
MAX_RETRY_AFTER = 2.0
_IDS_PER_QUERY = 50
MAILBOX_TYPE = "mailbox-mss-type"
_ORGANISATION_TYPES = ("ORG", "APP")  # mailboxes of Organization; PER and CAB: practitioners
log = logging.getLogger(__name__)


class FhirApiError(FhirError, DirectoryError):
    """Any failure of the FHIR client."""

    default_message = "L'API Annuaire Santé a refusé la demande."


class FhirKeyError(FhirApiError, PermissionError):
    default_message = (
        "Clé d'API Annuaire Santé refusée. Vérifiez-la sur le portail de l'ANS "
        "(portal.api.esante.gouv.fr), puis enregistrez-la avec « caducee directory api-key »."
    )


class FhirNoKeyError(FhirApiError, PermissionError):
    default_message = (
        "Aucune clé d'API Annuaire Santé n'est enregistrée. Obtenez-en une sur "
        "portal.api.esante.gouv.fr, puis lancez « caducee directory api-key »."
    )


class FhirRateLimitError(FhirApiError):
    retryable = True
    default_message = (
        "Trop de requêtes vers l'API Annuaire Santé (17 par seconde au plus). "
        "Réessayez dans un instant."
    )


class FhirTimeoutError(FhirApiError, TimeoutError):
    retryable = True
    default_message = "L'API Annuaire Santé n'a pas répondu à temps."


class FhirUnreachableError(FhirApiError):
    retryable = True
    default_message = (
        "L'API Annuaire Santé est injoignable. Vérifiez la connexion à Internet ; "
        "l'annuaire hors ligne reste utilisable."
    )


class FhirResponseError(FhirApiError, ValueError):
    default_message = "L'API Annuaire Santé a envoyé une réponse illisible."


class RateLimiter:
    """At most ``calls`` starts in any window of ``period`` seconds (a sliding log of the
    last ``calls`` start times), for every thread sharing it. ``margin`` widens the window,
    so that jitter between here and the server (scheduling, TLS handshakes, the network)
    does not let the server count one call too many: 0.05 s was seen too small on a loaded
    machine (19 arrivals in one second at the lab's server); 0.25 s costs a fifth of the
    throughput of long bursts only."""

    def __init__(
        self,
        calls: int = REQUESTS_PER_SECOND,
        period: float = 1.0,
        *,
        margin: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.calls = calls
        self.window = period + margin
        self._clock = clock
        self._sleep = sleep
        self._starts: collections.deque[float] = collections.deque(maxlen=calls)
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this call may start; returns its start time (``clock``)."""
        with self._lock:
            now = self._clock()
            start = now
            if self._starts:
                start = max(start, self._starts[-1])
            if len(self._starts) == self.calls:
                start = max(start, self._starts[0] + self.window)
            self._starts.append(start)  # the slot is taken before sleeping: threads queue
        if start > now:
            self._sleep(start - now)
        return start


def _outcome_text(data: object) -> str:
    """The diagnostics of an OperationOutcome, short."""
    if not isinstance(data, dict) or data.get("resourceType") != "OperationOutcome":
        return ""
    texts = []
    for issue in data.get("issue") or []:
        if isinstance(issue, dict):
            details = issue.get("details")
            detail_text = details.get("text") if isinstance(details, dict) else None
            text = issue.get("diagnostics") or detail_text
            if isinstance(text, str) and text.strip():
                texts.append(text.strip())
    return " ; ".join(texts)[:300]


class FhirDirectory:
    """A client of the Annuaire Santé FHIR API; thread-safe (one connection per call)."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_URL,
        *,
        trust_file: Path | None = None,
        timeout: float = TIMEOUT,
        limiter: RateLimiter | None = None,
        max_pages: int = MAX_PAGES,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url.strip())
        if parts.scheme != "https" or not parts.hostname:
            raise FhirApiError(
                f"refused API URL scheme {parts.scheme!r}",
                user_message="Adresse de l'API Annuaire Santé refusée : seul https est accepté.",
            )
        if not api_key.strip():
            raise FhirNoKeyError("empty API key")
        self.base_url = base_url.strip().rstrip("/")
        self._origin = (parts.scheme, parts.netloc.lower())
        self._key = api_key.strip()
        self._policy = TrustPolicy.for_generic(trust_file)
        self.timeout = timeout
        self.limiter = limiter or RateLimiter()
        self.max_pages = max_pages
        self._search_params: dict[str, frozenset[str]] | None = None
        self._capabilities_lock = threading.Lock()

    def __repr__(self) -> str:  # never the key
        return f"FhirDirectory({self.base_url!r})"

    # -- searches ------------------------------------------------------------------------

    def search(
        self,
        text: str,
        limit: int = 20,
        *,
        bal_type: str | None = None,
        profession: str | None = None,
        department: str | None = None,
    ) -> list[Mailbox]:
        """Mailboxes matching ``text``: an address (or its beginning) when it holds "@", an
        RPPS or national id when it is 11-12 digits, else names of practitioners (every
        word must begin one of the names) and of organisations (every word inside the
        name). Filters as the offline search, applied here."""
        text = " ".join(text.split())
        if not text:
            return []
        wanted_type = (bal_type or "").strip().upper()
        if "@" in text:
            rows = self.by_mailbox(text)
        elif text.isdigit() and len(text) in (11, 12):
            rows = self.whoami(text)
        else:
            want = max(limit, 1)
            rows = []
            if wanted_type not in _ORGANISATION_TYPES:
                words = [("name", word) for word in text.split()]
                if wanted_type == "CAB":
                    words += self._type_filter("Practitioner", wanted_type)
                rows += self.practitioners(words, want)
            if wanted_type not in ("PER", "CAB"):
                # Organization names are whole strings ("CHU DE RENNES"): a plain ``name``
                # matches their beginning only, so each word must be contained instead.
                contained = [("name:contains", w) for w in text.split()]
                if wanted_type:
                    contained += self._type_filter("Organization", wanted_type)
                rows += self.organizations(contained, want)
        kept = [row for row in unique(rows) if _passes(row, profession, department, bal_type)]
        return kept[: max(limit, 1)]

    def _type_filter(self, resource: str, bal_type: str) -> list[tuple[str, str]]:
        """``mailbox-mss-type`` for ``resource`` when the server offers it, else nothing."""
        return [(MAILBOX_TYPE, bal_type)] if MAILBOX_TYPE in self.offered(resource) else []

    def offered(self, resource: str) -> frozenset[str]:
        """The search parameters the server's CapabilityStatement lists for ``resource``
        (read once; an unreadable statement offers nothing: the filters stay here)."""
        with self._capabilities_lock:
            if self._search_params is None:
                try:
                    statement = self.get(f"{self.base_url}/metadata")
                except FhirApiError as error:
                    log.info("FHIR metadata unreadable (%s): filters applied here", error)
                    statement = {}
                self._search_params = search_parameters(statement)
            return self._search_params.get(resource, frozenset())

    def whoami(self, rpps: str) -> list[Mailbox]:
        """The person's own MSSanté mailboxes (Practitioner and PractitionerRole), by RPPS
        (11 digits) or national id (IDNPS: ``8`` + RPPS, ``0`` + ADELI), sorted by address."""
        value = rpps.strip()
        if not value.isdigit() or len(value) not in (10, 11, 12):
            raise FhirApiError(
                "malformed RPPS",
                user_message="Identifiant refusé : un RPPS compte 11 chiffres (l'identifiant "
                "national : 8 + RPPS, ou 0 + ADELI).",
            )
        if len(value) == 11:
            identifiers = [f"{RPPS_SYSTEM}|{value}", f"{IDNPS_SYSTEM}|8{value}"]
        elif value.startswith("8"):
            identifiers = [f"{RPPS_SYSTEM}|{value[1:]}", f"{IDNPS_SYSTEM}|{value}"]
        else:
            identifiers = [f"{IDNPS_SYSTEM}|{value}"]
        rows = self.practitioners([("identifier", ",".join(identifiers))], 1000)
        return sorted(unique(rows), key=lambda row: row.address.casefold())

    def by_mailbox(self, text: str) -> list[Mailbox]:
        """Mailboxes whose address starts with ``text`` (``mailbox-mss``), on the three
        resources that carry them."""
        params = [("mailbox-mss", text)]
        rows = self.practitioners(params, 50)
        found = Resources()
        for page in self.pages(
            "PractitionerRole",
            [
                *params,
                ("_include", "PractitionerRole:practitioner"),
                ("_include", "PractitionerRole:organization"),
            ],
        ):
            found.add(page)
        rows += list(found.rows(organization_rows=False))
        rows += self.organizations(params, 50)
        needle = text.casefold()
        return [row for row in rows if needle in row.address.casefold()]

    def practitioners(self, params: Sequence[tuple[str, str]], limit: int) -> list[Mailbox]:
        """Mailboxes of the practitioners matching ``params`` and of their roles, with the
        roles' structures."""
        found = Resources()
        query = [*params, ("_revinclude", "PractitionerRole:practitioner")]
        for page in self.pages("Practitioner", query):
            found.add(page)
            if len(list(found.rows(organization_rows=False))) >= limit:
                break
        self._add_organizations(found)
        return list(found.rows(organization_rows=False))

    def organizations(self, params: Sequence[tuple[str, str]], limit: int) -> list[Mailbox]:
        """ORG, APP (and other) mailboxes of the organisations matching ``params``."""
        found = Resources()
        for page in self.pages("Organization", params):
            found.add(page)
            if len(list(found.rows())) >= limit:
                break
        return list(found.rows())

    def _add_organizations(self, found: Resources) -> None:
        missing = found.missing_organizations()
        for start in range(0, len(missing), _IDS_PER_QUERY):
            ids = ",".join(missing[start : start + _IDS_PER_QUERY])
            for page in self.pages("Organization", [("_id", ids)]):
                found.add(page)

    # -- HTTP ----------------------------------------------------------------------------

    def pages(self, resource: str, params: Sequence[tuple[str, str]]) -> Iterator[list[Json]]:
        """The resources of each page of a search, following ``next`` links."""
        query = urllib.parse.urlencode([*params, ("_count", str(PAGE_SIZE))])
        url: str | None = f"{self.base_url}/{resource}?{query}"
        for _ in range(self.max_pages):
            if url is None:
                return
            bundle = self.get(url)
            entries = bundle.get("entry")
            resources = [
                e["resource"]
                for e in (entries if isinstance(entries, list) else [])
                if isinstance(e, dict) and isinstance(e.get("resource"), dict)
            ]
            yield resources
            url = self._next(bundle)

    def _next(self, bundle: Json) -> str | None:
        links = bundle.get("link")
        for link in links if isinstance(links, list) else []:
            if isinstance(link, dict) and link.get("relation") == "next":
                target = urllib.parse.urljoin(self.base_url + "/", str(link.get("url") or ""))
                parts = urllib.parse.urlsplit(target)
                if (parts.scheme, parts.netloc.lower()) != self._origin:
                    raise FhirResponseError(
                        "next link to another origin",
                        user_message="L'API Annuaire Santé a renvoyé vers un autre serveur : "
                        "suite des résultats refusée.",
                    )
                return target
        return None

    def get(self, url: str) -> Json:
        """One GET (rate limited); the JSON resource, or a ``FhirApiError``. A 429 (another
        program using the same key) is retried once, after its ``Retry-After`` (≤ 2 s)."""
        parts = urllib.parse.urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            raise FhirApiError(f"URL outside {self.base_url}")
        status, body, retry_after = self._exchange(parts)
        if status == 429:
            time.sleep(retry_after)
            status, body, _ = self._exchange(parts)
        return self._decode(status, body)

    def _exchange(self, parts: urllib.parse.SplitResult) -> tuple[int, bytes, float]:
        """(status, body, seconds to wait before a retry) of one rate-limited GET."""
        self.limiter.wait()
        began = time.monotonic()
        resource = parts.path.rsplit("/", 1)[-1] or "/"
        connection = _connection(parts.geturl(), self._policy, self.timeout)
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request(
                "GET",
                target,
                headers={
                    "ESANTE-API-KEY": self._key,
                    "Accept": "application/fhir+json",
                    "User-Agent": "Caducee",
                },
            )
            response = connection.getresponse()
            body = response.read(MAX_BODY + 1)
        except CaduceeError:
            raise
        except TimeoutError as error:
            raise FhirTimeoutError(
                f"no answer in {self.timeout} s",
                user_message=f"L'API Annuaire Santé n'a pas répondu en {self.timeout:g} s.",
            ) from error
        except ssl.SSLError as error:
            raise FhirApiError(str(error), user_message=classify(error).user_message) from error
        except (OSError, http.client.HTTPException) as error:
            raise FhirUnreachableError(f"{type(error).__name__}: {error}") from error
        finally:
            connection.close()
        log.info("FHIR %s: HTTP %s in %.2f s", resource, response.status, time.monotonic() - began)
        header = (response.getheader("Retry-After") or "").strip()
        retry_after = min(float(header), MAX_RETRY_AFTER) if header.isdigit() else 1.0
        return response.status, body, retry_after

    def _decode(self, status: int, body: bytes) -> Json:
        if len(body) > MAX_BODY:
            raise FhirResponseError("body too large")
        try:
            data: Any = json.loads(body) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
            if status == 200:
                raise FhirResponseError("malformed JSON") from None
        outcome = _outcome_text(data)
        if status in (401, 403):
            raise FhirKeyError(f"HTTP {status}")
        if status == 429:
            raise FhirRateLimitError("HTTP 429")
        if status in (408, 504):
            raise FhirTimeoutError(f"HTTP {status}")
        if status != 200 or outcome:
            said = f" : {outcome}" if outcome else "."
            raise FhirApiError(
                f"HTTP {status}",
                user_message=f"L'API Annuaire Santé a refusé la demande (HTTP {status}){said}",
            )
        if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
            raise FhirResponseError("not a FHIR resource")
        return data


# -- from the profile ------------------------------------------------------------------------


def api_key() -> str | None:
    """The API key: ``CADUCEE_ESANTE_API_KEY``, else the OS keyring; None if neither."""
    from_env = os.environ.get(API_KEY_ENV, "").strip()
    if from_env:
        return from_env
    stored = get_secret(esante_api_key())
    return stored.strip() if stored and stored.strip() else None


def from_profile(
    profile: Profile,
    *,
    base_url: str | None = None,
    trust_file: Path | None = None,
    timeout: float | None = None,
) -> FhirDirectory | None:
    """The client the profile's settings describe (arguments win), or None when no API key
    is configured (then only the offline directory is used)."""
    key = api_key()
    if key is None:
        return None
    try:
        settings = Settings.load(profile.config_file)
    except SettingsError:
        settings = Settings()  # reported by the commands that need the other settings
    return FhirDirectory(
        key,
        base_url or settings.api_url or DEFAULT_URL,
        trust_file=trust_file or settings.api_authorities,
        timeout=timeout or settings.api_timeout or TIMEOUT,
    )


def online_search(profile: Profile) -> Callable[[str], list[Mailbox]]:
    """A search the window's address book runs in its own thread: the client is built at
    the first search (the keyring is read then, not at start), and with no API key the
    search says so in French (``FhirNoKeyError``) instead of finding nothing."""
    built: list[FhirDirectory] = []

    def search(text: str) -> list[Mailbox]:
        if not built:
            client = from_profile(profile)
            if client is None:
                raise FhirNoKeyError("no API key")
            built.append(client)
        return built[0].search(text)

    return search

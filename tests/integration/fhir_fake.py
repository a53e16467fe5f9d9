"""A small Annuaire Santé FHIR API on 127.0.0.1 (HTTPS, test PKI), for the tests.

It answers like the real gateway does (mssante-notes §6.2): ``ESANTE-API-KEY`` required
(401 with an OperationOutcome otherwise), searchset Bundles of at most ``_count`` matches
with the ``_include``/``_revinclude`` resources of the page, ``next`` links to the base
with ``_getpages`` (as HAPI FHIR writes them), search parameters ``name`` (every value
must match the beginning of a word of the name), ``name:contains`` (inside the name),
``identifier`` (``system|value``, comma = or), ``mailbox-mss`` (beginning of an
address), ``_id`` (comma = or). Resources are built with the helpers below, shaped like
the ANS IG (fr-core e-mail type extension, ``as-ext-mailbox-mss-metadata``; ``bal(...,
messaging=None)``: the metadata alone, as the MSSanté FHIR API IG's examples).

``metadata`` is a CapabilityStatement listing, per resource, the search parameters above;
``mailbox-mss-type`` (the type code in the mailbox metadata, ``system|code`` or the bare
code) only with ``Site.mailbox_type``: without it, as the gateway in 2026, asking for it
is a 400 ("Parameter mailbox-mss-type not found").

Misbehaviour on request, by a ``name`` value: ``erreur`` (400 OperationOutcome), ``trop``
(429, always), ``trop-une-fois`` (429 once), ``lent`` (answers after ``slow_seconds``),
``casse`` (malformed JSON), ``ailleurs`` (a next link to another host).
"""

from __future__ import annotations

import http.server
import json
import ssl
import threading
import time
import unicodedata
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from app.directory.fhir_parse import IDNPS_SYSTEM, MAILBOX_METADATA, RPPS_SYSTEM
from app.sandbox.pki import TestPki

KEY = "cle-de-test-5f3a9c"
BASE_PATH = "/fhir/v2"
EMAIL_TYPE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type"
TRE_R256 = "https://mos.esante.gouv.fr/NOS/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie"
TRE_R257 = "https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL"
TRE_G15 = "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"
TRE_R38 = (
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"
)
FINESS = "https://finess.esante.gouv.fr"
Json = dict[str, Any]


def bal(
    address: str,
    bal_type: str,
    *,
    liste_rouge: bool = False,
    service: str = "",
    description: str = "",
    messaging: str | None = "MSSANTE",
) -> Json:
    """A telecom e-mail of the given messaging type (MSSANTE, APICRYPT…; None: no e-mail
    type extension, the MSSanté metadata alone)."""
    metadata: list[Json] = [
        {
            "url": "type",
            "valueCodeableConcept": {"coding": [{"system": TRE_R257, "code": bal_type}]},
        },
        {"url": "listeRouge", "valueBoolean": liste_rouge},
    ]
    if service:
        metadata.append({"url": "service", "valueString": service})
    if description:
        metadata.append({"url": "description", "valueString": description})
    email_type = (
        []
        if messaging is None
        else [{"url": EMAIL_TYPE, "valueCoding": {"system": TRE_R256, "code": messaging}}]
    )
    return {
        "extension": [*email_type, {"url": MAILBOX_METADATA, "extension": metadata}],
        "system": "email",
        "value": address,
    }


def practitioner(
    key: str,
    rpps: str,
    family: str,
    given: str,
    telecom: list[Json],
    *,
    prefix: str = "DR",
    profession: tuple[str, str] = ("10", "Médecin"),
    specialty: tuple[str, str] | None = None,
) -> Json:
    qualifications = [
        {"code": {"coding": [{"system": TRE_G15, "code": profession[0], "display": profession[1]}]}}
    ]
    if specialty:
        qualifications.append(
            {
                "code": {
                    "coding": [{"system": TRE_R38, "code": specialty[0], "display": specialty[1]}]
                }
            }
        )
    return {
        "resourceType": "Practitioner",
        "id": key,
        "meta": {
            "profile": [
                "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-practitioner"
            ]
        },
        "identifier": [
            {"system": RPPS_SYSTEM, "value": rpps, "type": {"coding": [{"code": "RPPS"}]}},
            {"system": IDNPS_SYSTEM, "value": "8" + rpps, "type": {"coding": [{"code": "IDNPS"}]}},
        ],
        "active": True,
        "name": [{"use": "usual", "family": family, "given": [given], "prefix": [prefix]}],
        "telecom": telecom,
        "qualification": qualifications,
    }


def role(key: str, practitioner_key: str, organization_key: str, telecom: list[Json]) -> Json:
    return {
        "resourceType": "PractitionerRole",
        "id": key,
        "active": True,
        "practitioner": {"reference": f"Practitioner/{practitioner_key}"},
        "organization": {"reference": f"Organization/{organization_key}"},
        "telecom": telecom,
    }


def organization(
    key: str, finess: str, name: str, line: str, postcode: str, city: str, telecom: list[Json]
) -> Json:
    return {
        "resourceType": "Organization",
        "id": key,
        "identifier": [{"system": FINESS, "value": finess}],
        "active": True,
        "name": name,
        "telecom": telecom,
        "address": [{"line": [line], "postalCode": postcode, "city": city}],
    }


def outcome(code: str, text: str) -> Json:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _names(resource: Json) -> list[str]:
    if resource["resourceType"] == "Organization":
        return _fold(resource.get("name", "")).split()
    words = []
    for name in resource.get("name", []):
        words += _fold(" ".join([name.get("family", ""), *name.get("given", [])])).split()
    return words


def _matches(resource: Json, params: list[tuple[str, str]]) -> bool:
    for name, value in params:
        if name == "name":
            if not all(
                any(w.startswith(v) for w in _names(resource)) for v in _fold(value).split()
            ):
                return False
        elif name == "name:contains":
            if _fold(value) not in " ".join(_names(resource)):
                return False
        elif name == "identifier":
            wanted = {tuple(v.split("|", 1)) for v in value.split(",")}
            have = {(i["system"], i["value"]) for i in resource.get("identifier", [])}
            if not wanted & have:
                return False
        elif name == "mailbox-mss":
            addresses = [t["value"].casefold() for t in resource.get("telecom", [])]
            if not any(a.startswith(value.casefold()) for a in addresses):
                return False
        elif name == "_id":
            if resource["id"] not in value.split(","):
                return False
        elif name == "mailbox-mss-type" and value.rpartition("|")[2] not in _types(resource):
            return False
    return True


def _types(resource: Json) -> set[str]:
    """The mailbox type codes of a resource's telecoms."""
    found = set()
    for telecom in resource.get("telecom", []):
        for extension in telecom.get("extension", []) if isinstance(telecom, dict) else []:
            if extension.get("url") == MAILBOX_METADATA:
                for sub in extension.get("extension", []):
                    if sub.get("url") == "type":
                        found |= {c["code"] for c in sub["valueCodeableConcept"]["coding"]}
    return found


SEARCH_PARAMETERS = ("name", "name:contains", "identifier", "mailbox-mss", "_id")


def capability_statement(mailbox_type: bool) -> Json:
    names = [*SEARCH_PARAMETERS, *(["mailbox-mss-type"] * mailbox_type)]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "rest": [
            {
                "mode": "server",
                "resource": [
                    {"type": kind, "searchParam": [{"name": n, "type": "string"} for n in names]}
                    for kind in ("Practitioner", "PractitionerRole", "Organization")
                ],
            }
        ],
    }


@dataclass
class Site:
    resources: list[Json]
    slow_seconds: float = 1.0
    mailbox_type: bool = False  # mailbox-mss-type offered (CapabilityStatement, searches)
    throttled_once: bool = False
    requests: list[tuple[float, str]] = field(default_factory=list)
    searches: dict[str, tuple[str, list[tuple[str, str]]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self, resource: str) -> list[str]:
        """The request targets that asked for ``resource`` (first page) or a next page."""
        with self.lock:
            return [p for _, p in self.requests if p.startswith(f"{BASE_PATH}/{resource}")]


class _Handler(http.server.BaseHTTPRequestHandler):
    site: Site
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: object) -> None:
        pass

    def _json(self, status: int, data: Json | bytes, *, retry_after: str = "") -> None:
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        self.send_response(status)
        if retry_after:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Type", "application/fhir+json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        site = self.site
        with site.lock:
            site.requests.append((time.monotonic(), self.path))
        if self.headers.get("ESANTE-API-KEY") != KEY:
            self._json(401, outcome("security", "Clé d'API invalide ou absente"))
            return
        parts = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qsl(parts.query)
        query = dict(params)
        if parts.path == BASE_PATH and "_getpages" in query:
            search = site.searches.get(query["_getpages"])
            if search is None:
                self._json(410, outcome("not-found", "Recherche expirée"))
                return
            resource, search_params = search
            self._bundle(resource, search_params, query["_getpages"], int(query["_getpagesoffset"]))
            return
        resource = parts.path.removeprefix(BASE_PATH + "/")
        if resource == "metadata":
            self._json(200, capability_statement(site.mailbox_type))
            return
        if resource not in ("Practitioner", "PractitionerRole", "Organization"):
            self._json(404, outcome("not-supported", f"Type de ressource inconnu : {resource}"))
            return
        trigger = query.get("name", "")
        if "mailbox-mss-type" in query and not site.mailbox_type:
            self._json(400, outcome("invalid", "Parameter mailbox-mss-type not found"))
            return
        if trigger == "erreur":
            self._json(400, outcome("invalid", "Paramètre de recherche inconnu : foo"))
            return
        if trigger == "trop" or (trigger == "trop-une-fois" and not site.throttled_once):
            site.throttled_once = site.throttled_once or trigger == "trop-une-fois"
            self._json(429, outcome("throttled", "Quota dépassé"), retry_after="1")
            return
        if trigger == "casse":
            self._json(200, b'{"resourceType": "Bundle", "entry": [')
            return
        if trigger == "lent":
            time.sleep(site.slow_seconds)
        key = str(uuid.uuid4())
        site.searches[key] = (resource, params)
        self._bundle(resource, params, key, 0)

    def _bundle(self, resource: str, params: list[tuple[str, str]], key: str, offset: int) -> None:
        site = self.site
        count = int(dict(params).get("_count", "50"))
        found = [r for r in site.resources if r["resourceType"] == resource and _matches(r, params)]
        page = found[offset : offset + count]
        included: list[Json] = []
        page_ids = {r["id"] for r in page}
        for name, value in params:
            if name == "_revinclude" and value == "PractitionerRole:practitioner":
                included += [
                    r
                    for r in site.resources
                    if r["resourceType"] == "PractitionerRole"
                    and r["practitioner"]["reference"].split("/")[1] in page_ids
                ]
            if name == "_include" and value.startswith("PractitionerRole:"):
                field_name = value.split(":")[1]
                wanted = {r[field_name]["reference"] for r in page if field_name in r}
                included += [
                    r for r in site.resources if f"{r['resourceType']}/{r['id']}" in wanted
                ]
        host, port = self.server.server_address[:2]
        origin = f"https://{host}:{port}"
        links = [{"relation": "self", "url": f"{origin}{self.path}"}]
        if offset + count < len(found) or dict(params).get("name") == "ailleurs":
            where = "https://ailleurs.example" if dict(params).get("name") == "ailleurs" else origin
            links.append(
                {
                    "relation": "next",
                    "url": f"{where}{BASE_PATH}?_getpages={key}&_getpagesoffset={offset + count}"
                    f"&_count={count}&_pretty=true&_bundletype=searchset",
                }
            )
        entries = [
            {
                "fullUrl": f"{origin}{BASE_PATH}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in page
        ] + [
            {
                "fullUrl": f"{origin}{BASE_PATH}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "include"},
            }
            for r in included
        ]
        self._json(
            200,
            {
                "resourceType": "Bundle",
                "id": key,
                "meta": {"lastUpdated": "2026-11-22T08:00:00.000+01:00"},
                "type": "searchset",
                "total": len(found),
                "link": links,
                "entry": entries,
            },
        )


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (the timeout test) is expected, not worth a traceback


@dataclass
class FakeApi:
    url: str
    site: Site
    root_pem: Path


@contextmanager
def serve(resources: list[Json], directory: Path) -> Iterator[FakeApi]:
    pki = TestPki()
    issued = pki.server(["localhost", "127.0.0.1"])
    chain, key, root = directory / "chain.pem", directory / "key.pem", directory / "root.pem"
    chain.write_bytes(pki.chain_pem(issued))
    key.write_bytes(issued.key_pem())
    root.write_bytes(pki.root.certificate.public_bytes(serialization.Encoding.PEM))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(chain), str(key))
    site = Site(resources)
    handler = type("Handler", (_Handler,), {"site": site})
    httpd = _Server(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeApi(f"https://127.0.0.1:{httpd.server_address[1]}{BASE_PATH}", site, root)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)

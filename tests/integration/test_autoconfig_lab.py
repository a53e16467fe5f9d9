"""Server discovery against real servers on loopback: a small DNS server answering SRV
queries (the default ``SystemResolver`` end to end), and an HTTPS server publishing
autoconfiguration documents (the default ``https_get``: TLS with the caller's context,
redirects, size limit)."""

from __future__ import annotations

import http.server
import socket
import ssl
import threading
import time
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
import pytest

from app.sandbox.pki import TestPki
from app.transport.autoconfig import (
    MAX_AUTOCONFIG_BYTES,
    SOURCE_DNS,
    ServerSettings,
    SrvRecord,
    SystemResolver,
    discover,
    https_get,
)
from app.transport.endpoints import Endpoint, Protocol, Security
from app.transport.tls import TrustPolicy

DOMAIN = "medecin.mssante.test"
ADDRESS = f"jean.dupont@{DOMAIN}"

# name -> SRV records as zone-file text ("priority weight port target")
ZONE = {
    f"_imaps._tcp.{DOMAIN}.": [
        "20 0 993 backup.mssante.test.",
        "10 10 993 imap-b.mssante.test.",
        "10 60 10993 imap-a.mssante.test.",
    ],
    f"_imap._tcp.{DOMAIN}.": ["0 0 143 imap.mssante.test."],
    f"_submissions._tcp.{DOMAIN}.": ["0 0 0 ."],
    f"_submission._tcp.{DOMAIN}.": ["0 0 587 smtp.mssante.test."],
    "_imaps._tcp.starttls-only.test.": ["0 0 0 ."],
    "_imap._tcp.starttls-only.test.": ["0 0 143 mail.starttls-only.test."],
    "_submission._tcp.starttls-only.test.": ["0 0 587 mail.starttls-only.test."],
}
SILENT = "silent.test."  # names under this one get no answer at all: the client times out


class DnsServer:
    """A UDP DNS server on 127.0.0.1 answering SRV questions from ``ZONE``."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port: int = self.socket.getsockname()[1]
        self.questions: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="dns-test", daemon=True)

    def _answer(self, wire: bytes) -> bytes | None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text().lower()
        self.questions.append(name)
        if name.endswith(SILENT):
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        records = ZONE.get(name)
        if records is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.SRV:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 300, "IN", "SRV", records)
            )
        return response.to_wire()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            answer = self._answer(wire)
            if answer is not None:
                self.socket.sendto(answer, client)

    def resolver(self, lifetime: float = 2.0) -> dns.resolver.Resolver:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.port
        resolver.lifetime = lifetime
        return resolver

    def __enter__(self) -> DnsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    with DnsServer() as server:
        yield server


def test_system_resolver_reads_srv_records(dns_server: DnsServer) -> None:
    resolver = SystemResolver(resolver=dns_server.resolver())
    records = resolver.srv(f"_imaps._tcp.{DOMAIN}")
    assert sorted(records, key=lambda r: (r.priority, -r.weight)) == [
        SrvRecord(10, 60, 10993, "imap-a.mssante.test"),
        SrvRecord(10, 10, 993, "imap-b.mssante.test"),
        SrvRecord(20, 0, 993, "backup.mssante.test"),
    ]
    assert resolver.srv(f"_submissions._tcp.{DOMAIN}") == [SrvRecord(0, 0, 0, ".")]


def test_system_resolver_nxdomain_and_timeout_are_empty(dns_server: DnsServer) -> None:
    resolver = SystemResolver(resolver=dns_server.resolver(lifetime=0.5))
    assert resolver.srv("_imaps._tcp.unknown.test") == []
    started = time.monotonic()
    assert resolver.srv(f"_imaps._tcp.{SILENT}") == []
    assert time.monotonic() - started < 2.0
    assert f"_imaps._tcp.{SILENT}" in dns_server.questions


def test_discover_through_real_dns(dns_server: DnsServer) -> None:
    resolver = SystemResolver(resolver=dns_server.resolver())
    found = discover(ADDRESS, resolver=resolver, fetch=_no_fetch)
    assert found == ServerSettings(
        Endpoint(Protocol.IMAP, Security.IMPLICIT, "imap-a.mssante.test", 10993),
        Endpoint(Protocol.SMTP, Security.STARTTLS, "smtp.mssante.test", 587),
        SOURCE_DNS,
    )
    assert {f"_imaps._tcp.{DOMAIN}.", f"_submission._tcp.{DOMAIN}."} <= set(dns_server.questions)

    only_starttls = discover("a@starttls-only.test", resolver=resolver, fetch=_no_fetch)
    assert only_starttls is not None
    assert only_starttls.imap == Endpoint(
        Protocol.IMAP, Security.STARTTLS, "mail.starttls-only.test", 143
    )
    assert only_starttls.smtp == Endpoint(
        Protocol.SMTP, Security.STARTTLS, "mail.starttls-only.test", 587
    )

    assert discover("a@unknown.test", resolver=resolver, fetch=_no_fetch) is None


def test_discover_with_unresponsive_dns_stays_within_the_timeout(dns_server: DnsServer) -> None:
    resolver = SystemResolver(resolver=dns_server.resolver(lifetime=0.5))
    started = time.monotonic()
    assert discover(f"a@x.{SILENT[:-1]}", resolver=resolver, fetch=_no_fetch) is None
    assert time.monotonic() - started < 2.0  # the four queries run in parallel


def _no_fetch(url: str, timeout: float, context: ssl.SSLContext | None) -> bytes:
    raise urllib.error.URLError("no network in this test")


# -- HTTPS --------------------------------------------------------------------------------------


CONFIG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">'
    b'<emailProvider id="mssante.test"><incomingServer type="imap">'
    b"<hostname>imap.%EMAILDOMAIN%</hostname><port>143</port><socketType>STARTTLS</socketType>"
    b'</incomingServer><outgoingServer type="smtp"><hostname>smtp.%EMAILDOMAIN%</hostname>'
    b"<port>465</port><socketType>SSL</socketType></outgoingServer></emailProvider>"
    b"</clientConfig>"
)


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "test"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _body(self, body: bytes, *, length: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        path = self.path.split("?")[0]
        if path == "/mail/config-v1.1.xml":
            self.server.seen_paths.append(self.path)  # type: ignore[attr-defined]
            self._body(CONFIG)
        elif path == "/redirect/https":
            self._redirect(f"https://localhost:{port}/mail/config-v1.1.xml")
        elif path == "/redirect/http":
            self._redirect(f"http://localhost:{port}/mail/config-v1.1.xml")
        elif path == "/redirect/file":
            self._redirect("file:///etc/passwd")
        elif path == "/redirect/loop":
            self._redirect(f"https://localhost:{port}/redirect/loop")
        elif path == "/big":
            self._body(b" " * (MAX_AUTOCONFIG_BYTES + 1))
        elif path == "/big-unannounced":
            self._body(b" " * (MAX_AUTOCONFIG_BYTES + 1), length=False)
        else:
            self.send_error(404)


@dataclass
class HttpsServer:
    base_url: str
    context: ssl.SSLContext  # trusts only the test IGC-Santé root
    seen_paths: list[str]


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsServer]:
    pki = TestPki()
    issued = pki.server(["localhost", "127.0.0.1"])
    directory: Path = tmp_path_factory.mktemp("autoconfig-https")
    chain, key = directory / "chain.pem", directory / "key.pem"
    chain.write_bytes(pki.chain_pem(issued))
    key.write_bytes(issued.key_pem())
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(str(chain), str(key))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    server.seen_paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = TrustPolicy(anchors=[pki.root.certificate]).context()
    try:
        yield HttpsServer(
            f"https://localhost:{server.server_address[1]}",
            context,
            server.seen_paths,  # type: ignore[attr-defined]
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_https_get_with_the_callers_context(https_server: HttpsServer) -> None:
    url = f"{https_server.base_url}/mail/config-v1.1.xml"
    assert https_get(url, 5.0, https_server.context) == CONFIG
    assert https_get(f"{https_server.base_url}/redirect/https", 5.0, https_server.context) == (
        CONFIG
    )


def test_https_get_refuses_a_server_the_context_does_not_trust(https_server: HttpsServer) -> None:
    url = f"{https_server.base_url}/mail/config-v1.1.xml"
    with pytest.raises(OSError) as error:
        https_get(url, 5.0, ssl.create_default_context())  # system store: no test root
    assert "CERTIFICATE_VERIFY_FAILED" in str(error.value)


@pytest.mark.parametrize("target", ["http", "file"])
def test_https_get_refuses_redirects_off_https(https_server: HttpsServer, target: str) -> None:
    with pytest.raises(urllib.error.URLError):
        https_get(f"{https_server.base_url}/redirect/{target}", 5.0, https_server.context)


def test_https_get_redirect_loop_ends(https_server: HttpsServer) -> None:
    with pytest.raises(urllib.error.HTTPError):
        https_get(f"{https_server.base_url}/redirect/loop", 5.0, https_server.context)


@pytest.mark.parametrize("path", ["/big", "/big-unannounced"])
def test_https_get_size_limit(https_server: HttpsServer, path: str) -> None:
    with pytest.raises(ValueError, match="too large"):
        https_get(f"{https_server.base_url}{path}", 5.0, https_server.context)


def test_https_get_http_error(https_server: HttpsServer) -> None:
    with pytest.raises(urllib.error.HTTPError):
        https_get(f"{https_server.base_url}/nothing-here", 5.0, https_server.context)


def test_discover_from_autoconfig_over_https(https_server: HttpsServer) -> None:
    """The real fetch and TLS, with the autoconfig host names mapped to the test server."""

    def fetch(url: str, timeout: float, context: ssl.SSLContext | None) -> bytes:
        local = url.replace(f"https://autoconfig.{DOMAIN}", https_server.base_url)
        local = local.replace(f"https://{DOMAIN}", f"{https_server.base_url}/redirect")
        return https_get(local, timeout, context)

    found = discover(
        ADDRESS,
        resolver=SystemResolver(resolver=_empty_resolver()),
        fetch=fetch,
        ssl_context=https_server.context,
        timeout=5.0,
    )
    assert found == ServerSettings(
        Endpoint(Protocol.IMAP, Security.STARTTLS, f"imap.{DOMAIN}", 143),
        Endpoint(Protocol.SMTP, Security.IMPLICIT, f"smtp.{DOMAIN}", 465),
        f"autoconfiguration (https://autoconfig.{DOMAIN}/mail/config-v1.1.xml)",
    )
    assert f"/mail/config-v1.1.xml?emailaddress=jean.dupont%40{DOMAIN}" in https_server.seen_paths

    # Untrusted certificate: no result, no exception.
    assert (
        discover(
            ADDRESS,
            resolver=SystemResolver(resolver=_empty_resolver()),
            fetch=fetch,
            ssl_context=ssl.create_default_context(),
            timeout=5.0,
        )
        is None
    )


def _empty_resolver() -> dns.resolver.Resolver:
    """A resolver with nowhere to ask: every SRV lookup fails at once (NoNameservers)."""
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = []
    return resolver

"""``update_index`` against an HTTPS server on 127.0.0.1 whose certificate comes from a test
PKI shaped like IGC-Santé: download, version detection (HEAD, ETag, conditional GET),
redirects, an untrusted server, http: refused, size limit."""

from __future__ import annotations

import http.server
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.core.errors import CertificateUntrustedError
from app.directory import refresh, trusted
from app.directory.download import fetch
from app.directory.errors import DirectoryDownloadError
from app.directory.index import DirectoryIndex
from app.directory.update import update_index
from app.sandbox.pki import TestPki
from app.transport.tls import TrustPolicy
from bench import directory_data

STAMP = "202611220300"


@dataclass
class Site:
    zip_bytes: bytes
    etag: str = '"v1"'
    liste: bytes = b""
    requests: list[tuple[str, str]] = field(default_factory=list)


class _Handler(http.server.BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *_: object) -> None:
        pass

    def _send(self, body: bool) -> None:
        site = self.site
        site.requests.append((self.command, self.path))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/extraction")
            self.end_headers()
            return
        if self.path == "/listeblanche.xml" and site.liste:
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(site.liste)))
            self.end_headers()
            if body:
                self.wfile.write(site.liste)
            return
        if self.path != "/extraction":
            self.send_error(404)
            return
        if self.headers.get("If-None-Match") == site.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header(
            "Content-Disposition",
            f"attachment; filename=Extraction_Correspondance_MSSante_{STAMP}.zip",
        )
        self.send_header("ETag", site.etag)
        self.send_header("Last-Modified", "Sun, 22 Nov 2026 03:00:00 GMT")
        self.send_header("Content-Length", str(len(site.zip_bytes)))
        self.end_headers()
        if body:
            self.wfile.write(site.zip_bytes)

    def do_GET(self) -> None:
        self._send(True)

    def do_HEAD(self) -> None:
        self._send(False)


@dataclass
class Server:
    url: str
    site: Site
    policy: TrustPolicy


def _zip(tmp: Path, rows: int) -> bytes:
    text = directory_data.write(tmp / f"Extraction_Correspondance_MSSante_{STAMP}.txt", rows)
    archive = tmp / "x.zip"
    directory_data.write_zip(text, archive)
    return archive.read_bytes()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    pki = TestPki()
    issued = pki.server(["localhost", "127.0.0.1"])
    chain, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    chain.write_bytes(pki.chain_pem(issued))
    key.write_bytes(issued.key_pem())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(chain), str(key))
    site = Site(_zip(tmp_path, 300))
    handler = type("Handler", (_Handler,), {"site": site})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(
            f"https://127.0.0.1:{httpd.server_address[1]}",
            site,
            TrustPolicy(anchors=[pki.root.certificate]),
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_update_downloads_once_then_detects_the_same_version(
    server: Server, tmp_path: Path
) -> None:
    data, downloads = tmp_path / "data", tmp_path / "tmp"
    first = update_index(data, downloads, server.policy, url=f"{server.url}/redirect")
    assert first.report is not None and first.report.entries == 300
    assert first.remote.stamp == STAMP
    with DirectoryIndex(data) as index:
        assert index.meta["source_etag"] == '"v1"'
    assert list(downloads.iterdir()) == []  # the download is removed after the import

    server.site.requests.clear()
    again = update_index(data, downloads, server.policy, url=f"{server.url}/extraction")
    assert again.report is None
    assert server.site.requests == [("HEAD", "/extraction")]  # no body downloaded

    server.site.etag = '"v2"'  # a new version is published
    newer = update_index(data, downloads, server.policy, url=f"{server.url}/extraction")
    assert newer.report is not None

    forced = update_index(
        data, downloads, server.policy, url=f"{server.url}/extraction", force=True
    )
    assert forced.report is not None and forced.report.previous_entries == 300


def test_untrusted_server_http_and_oversized_bodies_are_refused(
    server: Server, tmp_path: Path
) -> None:
    other = TrustPolicy(anchors=[TestPki(label="AUTRE").root.certificate])
    with pytest.raises(CertificateUntrustedError):
        update_index(tmp_path / "d", tmp_path / "t", other, url=f"{server.url}/extraction")
    with pytest.raises(DirectoryDownloadError) as http_refused:
        update_index(tmp_path / "d", tmp_path / "t", server.policy, url="http://127.0.0.1:1/x")
    assert "https" in http_refused.value.user_message
    with pytest.raises(DirectoryDownloadError):
        fetch(f"{server.url}/extraction", server.policy, directory=tmp_path, max_bytes=1000)
    with pytest.raises(DirectoryDownloadError) as missing:
        fetch(f"{server.url}/nothing", server.policy, directory=tmp_path)
    assert "HTTP 404" in missing.value.user_message
    assert not (tmp_path / "d" / "directory.sqlite3").exists()


LISTE = (
    b'<?xml version="1.0" encoding="UTF-8"?><ListeBlanche xmlns="https://listeblanche.mssante.fr/schema">'
    b"<DateDeGeneration>2026-11-22</DateDeGeneration>"
    b"<Domaine><Nom>medecin.mssante.fr</Nom></Domaine><Domaine><Nom>ch-valmont.mssante.fr</Nom></Domaine>"
    b"</ListeBlanche>"
)


def test_the_daily_refresh_updates_both_and_waits_a_day(server: Server, tmp_path: Path) -> None:
    data, cache, work = tmp_path / "data", tmp_path / "cache", tmp_path / "work"
    cache.mkdir()
    work.mkdir()
    urls = {
        "directory_url": f"{server.url}/extraction",
        "liste_url": f"{server.url}/listeblanche.xml",
    }
    assert refresh.due(cache)
    failed = refresh.refresh(data, cache, work, policy=server.policy, **urls)  # no list yet
    assert len(failed.done) == 1 and len(failed.failed) == 1
    assert refresh.due(cache)  # not stamped: the next start tries again

    server.site.liste = LISTE
    report = refresh.refresh(data, cache, work, policy=server.policy, **urls)
    assert report.failed == [] and "Annuaire déjà à jour." in report.done[0]
    assert "2 domaines" in report.done[1]
    assert trusted.load(cache) is not None and not refresh.due(cache)
    assert refresh.due(cache, now=time.time() + refresh.EVERY_SECONDS + 1)
    assert list(work.iterdir()) == []  # nothing left behind

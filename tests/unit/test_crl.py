"""CRL download, checks and cache (ECO.1.1.6 / ECO.1.1.7) against a CRL server on loopback."""

from __future__ import annotations

import functools
import http.client
import http.server
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.core.errors import (
    CertificateRevokedError,
    CertificateUntrustedError,
    NoRevocationListError,
    RevocationUnknownError,
)
from app.sandbox.pki import Authority, TestPki
from app.transport.crl import (
    FAILURE_RETRY,
    MAX_CRL_BYTES,
    CrlCache,
    Fetch,
    crl_urls,
    http_get,
    parse_crl,
)
from tests.lab.crlserver import CrlServer

HOST = "mss.operateur.test"


# -- helpers ----------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class CountingFetch:
    """Wraps a fetch function and records the URLs asked for."""

    def __init__(self, inner: Fetch = http_get) -> None:
        self.inner = inner
        self.urls: list[str] = []

    def __call__(self, url: str, timeout: float) -> bytes:
        self.urls.append(url)
        return self.inner(url, timeout)


def failing_fetch(url: str, timeout: float) -> bytes:
    raise ConnectionRefusedError(f"refused: {url}")


@dataclass
class Lab:
    """A TestPki whose CRLs are published on a loopback CRL server, and a cache directory.

    ``own_server`` labs have a server of their own that ``stop()`` takes down (connection
    refused afterwards); the others share one server, each in its own sub-directory.
    """

    server: CrlServer
    crl_dir: Path
    pki: TestPki
    cache_dir: Path
    own_server: bool = False
    clock: FakeClock = field(default_factory=FakeClock)
    running: bool = True

    @property
    def crl_url(self) -> str:
        """Where the "organisations" authority's CRL is published."""
        url = self.pki.organisations.crl_url
        assert url is not None
        return url

    def publish(self) -> None:
        self.pki.write_crls(self.crl_dir)

    def publish_crl(self, authority: Authority, crl: x509.CertificateRevocationList) -> None:
        (self.crl_dir / f"{authority.slug}.crl").write_bytes(
            crl.public_bytes(serialization.Encoding.DER)
        )

    def publish_body(self, authority: Authority, body: bytes) -> None:
        (self.crl_dir / f"{authority.slug}.crl").write_bytes(body)

    def cache(self, fetch: Fetch | None = None) -> CrlCache:
        return CrlCache(self.cache_dir, fetch, timeout=5.0, now=self.clock)

    def stop(self) -> None:
        if not self.own_server:
            raise RuntimeError("this lab shares its CRL server: use the lab_own fixture")
        if self.running:
            self.running = False
            self.server.stop()

    def cached_files(self) -> list[Path]:
        return sorted(self.cache_dir.glob("*.crl")) if self.cache_dir.exists() else []


def start_crl_server(directory: Path) -> CrlServer:
    (directory / "crl").mkdir(parents=True, exist_ok=True)
    server = CrlServer(directory)
    server.start()
    return server


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback only: an environment proxy must not see the test downloads."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CrlServer, Path]]:
    root = tmp_path_factory.mktemp("www")
    server = start_crl_server(root)
    try:
        yield server, root / "crl"
    finally:
        server.stop()


@pytest.fixture
def lab(tmp_path: Path, shared_server: tuple[CrlServer, Path]) -> Lab:
    server, crl_root = shared_server
    crl_dir = crl_root / tmp_path.name
    crl_dir.mkdir()
    built = Lab(server, crl_dir, TestPki(f"{server.base_url}/{tmp_path.name}"), tmp_path / "crl")
    built.publish()
    return built


@pytest.fixture
def lab_own(tmp_path: Path) -> Iterator[Lab]:
    server = start_crl_server(tmp_path / "www")
    crl_dir = tmp_path / "www" / "crl"
    built = Lab(server, crl_dir, TestPki(server.base_url), tmp_path / "crl", own_server=True)
    built.publish()
    try:
        yield built
    finally:
        built.stop()


def make_crl(
    authority: Authority,
    *,
    number: int | None = 1,
    last_update: datetime | None = None,
    next_update: datetime | None = None,
    revoked: Sequence[int] = (),
    extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
) -> x509.CertificateRevocationList:
    now = datetime.now(UTC).replace(microsecond=0)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(last_update or now - timedelta(minutes=5))
        .next_update(next_update or now + timedelta(days=7))
    )
    if number is not None:
        builder = builder.add_extension(x509.CRLNumber(number), critical=False)
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(now - timedelta(hours=1))
            .build()
        )
    return builder.sign(authority.issued.key, hashes.SHA256())


@functools.cache
def _leaf_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def leaf_with_cdp(authority: Authority, urls: Sequence[str]) -> x509.Certificate:
    """A leaf issued by ``authority`` whose CRL distribution point lists exactly ``urls``."""
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(authority.certificate.subject)
        .public_key(_leaf_key().public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
    )
    if urls:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(u) for u in urls],
            relative_name=None,
            reasons=None,
            crl_issuer=None,
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return builder.sign(authority.issued.key, hashes.SHA256())


def closed_port_url(path: str = "/crl/organisations.crl") -> str:
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}{path}"


def crl_number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


# -- valid, revoked -------------------------------------------------------------------------


def test_valid_crl_passes_and_is_cached_under_the_issuer_hash(lab: Lab) -> None:
    leaf = lab.pki.server([HOST]).certificate
    cache = lab.cache()
    cache.check_not_revoked(leaf, lab.pki.organisations.certificate)
    crl = cache.crl_for(leaf, lab.pki.organisations.certificate)
    assert crl.issuer == lab.pki.organisations.certificate.subject
    files = lab.cached_files()
    assert len(files) == 1
    name = files[0].name
    assert len(name) == len("0" * 64 + ".crl")
    assert "organisations" not in name
    assert parse_crl(files[0].read_bytes()) == crl


def test_revoked_certificate_is_refused_with_serial_and_date(lab: Lab) -> None:
    revoked = lab.pki.revoked_server([HOST]).certificate
    lab.publish()
    with pytest.raises(CertificateRevokedError) as caught:
        lab.cache().check_not_revoked(revoked, lab.pki.organisations.certificate)
    detail = str(caught.value)
    assert f"{revoked.serial_number:X}" in detail
    assert lab.pki.organisations.revoked[revoked.serial_number].date().isoformat() in detail
    assert caught.value.user_message.startswith("Certificat refusé")


def test_pem_crl_is_accepted(lab: Lab) -> None:
    lab.publish_body(
        lab.pki.organisations,
        lab.pki.organisations.crl().public_bytes(serialization.Encoding.PEM),
    )
    lab.cache().check_not_revoked(
        lab.pki.server([HOST]).certificate, lab.pki.organisations.certificate
    )


def test_revocation_in_a_crl_without_number_is_seen(lab: Lab) -> None:
    leaf = lab.pki.server([HOST]).certificate
    lab.publish_crl(
        lab.pki.organisations,
        make_crl(lab.pki.organisations, number=None, revoked=[leaf.serial_number]),
    )
    with pytest.raises(CertificateRevokedError):
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)


# -- invalid downloads ------------------------------------------------------------------------


def test_expired_crl_is_refused(lab: Lab) -> None:
    now = datetime.now(UTC)
    lab.publish_crl(
        lab.pki.organisations,
        make_crl(
            lab.pki.organisations,
            last_update=now - timedelta(days=10),
            next_update=now - timedelta(minutes=1),
        ),
    )
    leaf = lab.pki.server([HOST]).certificate
    with pytest.raises(RevocationUnknownError, match="expired on"):
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)
    assert lab.cached_files() == []


def test_crl_expired_by_the_clock_is_refused(lab: Lab) -> None:
    lab.clock.advance(timedelta(days=31))  # TestPki CRLs are valid 30 days
    leaf = lab.pki.server([HOST]).certificate
    with pytest.raises(RevocationUnknownError, match="expired on"):
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)


def test_crl_from_the_future_is_refused_but_small_skew_is_tolerated(lab: Lab) -> None:
    leaf = lab.pki.server([HOST]).certificate
    now = datetime.now(UTC)
    lab.publish_crl(
        lab.pki.organisations, make_crl(lab.pki.organisations, last_update=now + timedelta(hours=1))
    )
    with pytest.raises(RevocationUnknownError, match="in the future"):
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)
    lab.publish_crl(
        lab.pki.organisations,
        make_crl(lab.pki.organisations, last_update=now + timedelta(minutes=2)),
    )
    lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)


@pytest.mark.parametrize("label", ["OTHER", "TEST"], ids=["other-name", "same-name-other-key"])
def test_crl_of_another_authority_is_refused(lab: Lab, label: str) -> None:
    impostor = TestPki(lab.server.base_url, label=label)
    leaf = lab.pki.server([HOST]).certificate
    impostor.write_crls(lab.crl_dir)
    expected = "bad signature" if label == "TEST" else "not by the certificate's issuer"
    with pytest.raises(RevocationUnknownError, match=expected):
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)
    assert lab.cached_files() == []


def test_delta_and_partial_crls_are_refused(lab: Lab) -> None:
    leaf = lab.pki.server([HOST]).certificate
    issuer = lab.pki.organisations.certificate
    lab.publish_crl(
        lab.pki.organisations,
        make_crl(lab.pki.organisations, extensions=[(x509.DeltaCRLIndicator(1), True)]),
    )
    with pytest.raises(RevocationUnknownError, match="delta CRL"):
        lab.cache().check_not_revoked(leaf, issuer)
    ca_only = x509.IssuingDistributionPoint(
        full_name=None,
        relative_name=None,
        only_contains_user_certs=False,
        only_contains_ca_certs=True,
        only_some_reasons=None,
        indirect_crl=False,
        only_contains_attribute_certs=False,
    )
    lab.publish_crl(
        lab.pki.organisations, make_crl(lab.pki.organisations, extensions=[(ca_only, True)])
    )
    with pytest.raises(RevocationUnknownError, match="CA certificates only"):
        lab.cache().check_not_revoked(leaf, issuer)


def _truncated_der(lab: Lab) -> bytes:
    der = lab.pki.organisations.crl().public_bytes(serialization.Encoding.DER)
    return der[: len(der) // 2]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda lab: b"", id="empty"),
        pytest.param(
            lambda lab: b"<!DOCTYPE html><html><body><h1>Erreur 500</h1></body></html>",
            id="html-error-page",
        ),
        pytest.param(_truncated_der, id="truncated-der"),
        pytest.param(
            lambda lab: b"-----BEGIN X509 CRL-----\nnot base64 at all\n-----END X509 CRL-----\n",
            id="broken-pem",
        ),
        pytest.param(lambda lab: bytes(range(256)) * 40, id="binary-noise"),
        pytest.param(
            lambda lab: lab.pki.organisations.certificate.public_bytes(serialization.Encoding.DER),
            id="a-certificate",
        ),
    ],
)
def test_garbage_body_is_an_invalid_download(lab: Lab, body: Callable[[Lab], bytes]) -> None:
    lab.publish_body(lab.pki.organisations, body(lab))
    leaf = lab.pki.server([HOST]).certificate
    with pytest.raises(RevocationUnknownError, match="not a CRL"):
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)
    assert lab.cached_files() == []


def test_http_error_is_an_invalid_download(lab: Lab) -> None:
    (lab.crl_dir / "organisations.crl").unlink()
    leaf = lab.pki.server([HOST]).certificate
    with pytest.raises(RevocationUnknownError, match="HTTP 404"):
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)


@pytest.mark.parametrize("path", ["/huge-declared", "/huge-stream"])
def test_huge_body_is_refused(lab: Lab, misbehaving: str, path: str) -> None:
    leaf = leaf_with_cdp(lab.pki.organisations, [misbehaving + path])
    with pytest.raises(RevocationUnknownError, match="too large"):
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)


def test_body_over_the_limit_is_refused_while_reading(lab: Lab) -> None:
    def small(url: str, timeout: float) -> bytes:
        return http_get(url, timeout, max_bytes=100)

    leaf = lab.pki.server([HOST]).certificate
    with pytest.raises(RevocationUnknownError, match="too large"):
        lab.cache(small).check_not_revoked(leaf, lab.pki.organisations.certificate)


class _Misbehaving(http.server.BaseHTTPRequestHandler):
    """Redirects (``/redirect?to=URL``) and oversized bodies, for the download limits."""

    def do_GET(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        try:
            if parsed.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", urllib.parse.parse_qs(parsed.query)["to"][0])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif parsed.path == "/huge-declared":
                self.send_response(200)
                self.send_header("Content-Length", str(MAX_CRL_BYTES + 1))
                self.end_headers()
                self.wfile.write(b"\0" * 1024)
            elif parsed.path == "/huge-stream":  # no Content-Length: the body ends at close
                self.send_response(200)
                self.end_headers()
                chunk = b"\0" * 65536
                for _ in range(MAX_CRL_BYTES // len(chunk) + 2):
                    self.wfile.write(chunk)
            else:
                self.send_error(404)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what is expected

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def misbehaving() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def redirect(base: str, target: str) -> str:
    return f"{base}/redirect?to={urllib.parse.quote(target, safe='')}"


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "ftp://127.0.0.1/organisations.crl", "data:,x"]
)
def test_redirect_to_another_scheme_is_refused(lab: Lab, misbehaving: str, target: str) -> None:
    leaf = leaf_with_cdp(lab.pki.organisations, [redirect(misbehaving, target)])
    with pytest.raises(RevocationUnknownError, match="refused"):
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)


def test_redirect_to_http_is_followed(lab: Lab, misbehaving: str) -> None:
    leaf = leaf_with_cdp(lab.pki.organisations, [redirect(misbehaving, lab.crl_url)])
    lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x.crl", "data:,hello", "/relative.crl"]
)
def test_http_get_refuses_other_schemes(url: str) -> None:
    with pytest.raises(ValueError, match="only http and https"):
        http_get(url, 1.0)


def test_fetch_errors_of_any_kind_end_as_invalid_downloads(lab: Lab) -> None:
    def incomplete(url: str, timeout: float) -> bytes:
        raise http.client.IncompleteRead(b"partial")

    def timeout_error(url: str, timeout: float) -> bytes:
        raise TimeoutError

    leaf = lab.pki.server([HOST]).certificate
    for fetch in (incomplete, timeout_error, failing_fetch):
        with pytest.raises(RevocationUnknownError, match="download failed"):
            lab.cache(fetch).check_not_revoked(leaf, lab.pki.organisations.certificate)


# -- distribution points ----------------------------------------------------------------------


def test_certificate_without_distribution_point_is_unknown(tmp_path: Path) -> None:
    pki = TestPki(None)
    leaf = pki.server([HOST]).certificate
    with pytest.raises(NoRevocationListError, match="no CRL distribution point") as caught:
        CrlCache(tmp_path, failing_fetch).check_not_revoked(leaf, pki.organisations.certificate)
    assert not caught.value.retryable  # said plainly, and not "try again later"
    assert f"« {HOST} » n'est pas révoqué : il n'indique aucune liste" in caught.value.user_message


@pytest.mark.parametrize("base", ["ldap://127.0.0.1/crl", "file:///tmp/crl"])
def test_non_http_distribution_points_are_not_fetched(tmp_path: Path, base: str) -> None:
    pki = TestPki(base)
    leaf = pki.server([HOST]).certificate
    assert crl_urls(leaf) == []
    fetch = CountingFetch(failing_fetch)
    with pytest.raises(NoRevocationListError, match=r"no http\(s\) CRL distribution point") as e:
        CrlCache(tmp_path, fetch).check_not_revoked(leaf, pki.organisations.certificate)
    assert fetch.urls == []
    assert "aucune liste de révocation téléchargeable" in e.value.user_message


def test_the_next_distribution_point_is_tried(lab: Lab) -> None:
    down = closed_port_url()
    good = lab.crl_url
    leaf = leaf_with_cdp(lab.pki.organisations, ["ldap://127.0.0.1/x", down, good])
    assert crl_urls(leaf) == [down, good]
    fetch = CountingFetch()
    lab.cache(fetch).check_not_revoked(leaf, lab.pki.organisations.certificate)
    assert fetch.urls == [down, good]


def test_error_detail_names_the_urls_without_credentials(lab: Lab) -> None:
    url = closed_port_url().replace("http://", "http://user:s3cret@")
    leaf = leaf_with_cdp(lab.pki.organisations, [url])
    with pytest.raises(RevocationUnknownError) as caught:
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)
    detail = str(caught.value)
    assert "s3cret" not in detail
    assert "user" not in detail
    assert url.replace("user:s3cret@", "") in detail
    assert "download failed" in detail


# -- cache: ECO.1.1.7 -------------------------------------------------------------------------


def test_server_down_with_a_valid_cache_passes(lab_own: Lab) -> None:
    lab = lab_own
    leaf = lab.pki.server([HOST]).certificate
    issuer = lab.pki.organisations.certificate
    lab.cache().check_not_revoked(leaf, issuer)
    lab.stop()
    fresh = lab.cache()  # nothing in memory: the disk copy answers
    fresh.check_not_revoked(leaf, issuer)
    lab.clock.advance(timedelta(days=20))  # still before the CRL's nextUpdate (30 days)
    fresh.check_not_revoked(leaf, issuer)


def test_server_down_keeps_a_cached_revocation(lab_own: Lab) -> None:
    lab = lab_own
    revoked = lab.pki.revoked_server([HOST]).certificate
    lab.publish()
    with pytest.raises(CertificateRevokedError):
        lab.cache().check_not_revoked(revoked, lab.pki.organisations.certificate)
    lab.stop()
    with pytest.raises(CertificateRevokedError):
        lab.cache().check_not_revoked(revoked, lab.pki.organisations.certificate)


def test_server_down_without_cache_is_unknown(lab_own: Lab) -> None:
    lab = lab_own
    leaf = lab.pki.server([HOST]).certificate
    lab.stop()
    with pytest.raises(RevocationUnknownError) as caught:
        lab.cache().check_not_revoked(leaf, lab.pki.organisations.certificate)
    assert f"{lab.crl_url}: download failed" in str(caught.value)
    assert "no cached CRL" in str(caught.value)
    assert caught.value.retryable


def test_server_down_with_an_expired_cache_is_unknown(lab_own: Lab) -> None:
    lab = lab_own
    leaf = lab.pki.server([HOST]).certificate
    issuer = lab.pki.organisations.certificate
    cache = lab.cache()
    cache.check_not_revoked(leaf, issuer)
    lab.stop()
    lab.clock.advance(timedelta(days=31))
    with pytest.raises(RevocationUnknownError, match="cached CRL unusable"):
        lab.cache().check_not_revoked(leaf, issuer)
    with pytest.raises(RevocationUnknownError):  # nor the copy in memory
        cache.check_not_revoked(leaf, issuer)


def test_cache_survives_a_new_instance(lab: Lab) -> None:
    leaf = lab.pki.server([HOST]).certificate
    issuer = lab.pki.organisations.certificate
    first = lab.cache().crl_for(leaf, issuer)
    fetch = CountingFetch(failing_fetch)
    again = CrlCache(lab.cache_dir, fetch, now=lab.clock).crl_for(leaf, issuer)
    assert again == first
    assert fetch.urls == [lab.crl_url]


def test_corrupted_cache_file_is_ignored_then_replaced(lab: Lab) -> None:
    leaf = lab.pki.server([HOST]).certificate
    issuer = lab.pki.organisations.certificate
    lab.cache().check_not_revoked(leaf, issuer)
    (cached,) = lab.cached_files()
    cached.write_bytes(b"\x30\x82garbage")
    with pytest.raises(RevocationUnknownError):
        lab.cache(failing_fetch).check_not_revoked(leaf, issuer)
    lab.cache().check_not_revoked(leaf, issuer)
    assert parse_crl(cached.read_bytes()).issuer == issuer.subject


def test_newer_crl_replaces_the_cached_one(lab: Lab) -> None:
    org = lab.pki.organisations
    leaf = lab.pki.server([HOST]).certificate
    lab.publish_crl(org, make_crl(org, number=5))
    lab.cache().check_not_revoked(leaf, org.certificate)
    lab.publish_crl(org, make_crl(org, number=6, revoked=[leaf.serial_number]))
    with pytest.raises(CertificateRevokedError):
        lab.cache().check_not_revoked(leaf, org.certificate)
    (cached,) = lab.cached_files()
    assert crl_number(parse_crl(cached.read_bytes())) == 6


def test_older_crl_does_not_replace_the_cached_one(lab: Lab) -> None:
    org = lab.pki.organisations
    leaf = lab.pki.server([HOST]).certificate
    lab.publish_crl(org, make_crl(org, number=6, revoked=[leaf.serial_number]))
    with pytest.raises(CertificateRevokedError):
        lab.cache().check_not_revoked(leaf, org.certificate)
    lab.publish_crl(org, make_crl(org, number=5))  # a stale mirror, still within its dates
    with pytest.raises(CertificateRevokedError):  # the newer cached CRL wins
        lab.cache().check_not_revoked(leaf, org.certificate)
    (cached,) = lab.cached_files()
    assert crl_number(parse_crl(cached.read_bytes())) == 6


def test_without_crl_numbers_last_update_decides(lab: Lab) -> None:
    org = lab.pki.organisations
    leaf = lab.pki.server([HOST]).certificate
    now = datetime.now(UTC).replace(microsecond=0)
    lab.publish_crl(org, make_crl(org, number=None, last_update=now - timedelta(hours=1)))
    lab.cache().crl_for(leaf, org.certificate)
    lab.publish_crl(org, make_crl(org, number=None, last_update=now - timedelta(hours=2)))
    assert lab.cache().crl_for(leaf, org.certificate).last_update_utc == now - timedelta(hours=1)
    lab.publish_crl(org, make_crl(org, number=None, last_update=now - timedelta(minutes=1)))
    assert lab.cache().crl_for(leaf, org.certificate).last_update_utc == now - timedelta(minutes=1)
    (cached,) = lab.cached_files()
    assert parse_crl(cached.read_bytes()).last_update_utc == now - timedelta(minutes=1)


def test_an_expired_cached_crl_is_replaced_even_by_a_lower_number(lab: Lab) -> None:
    org = lab.pki.organisations
    leaf = lab.pki.server([HOST]).certificate
    now = datetime.now(UTC).replace(microsecond=0)
    lab.publish_crl(org, make_crl(org, number=9, next_update=now + timedelta(days=1)))
    lab.cache().crl_for(leaf, org.certificate)
    lab.clock.advance(timedelta(days=2))
    lab.publish_crl(org, make_crl(org, number=1, next_update=now + timedelta(days=10)))
    lab.cache().crl_for(leaf, org.certificate)
    (cached,) = lab.cached_files()
    assert crl_number(parse_crl(cached.read_bytes())) == 1


# -- cache: memory ----------------------------------------------------------------------------


def test_crl_is_kept_in_memory_for_an_hour(lab: Lab) -> None:
    leaf = lab.pki.server([HOST]).certificate
    issuer = lab.pki.organisations.certificate
    fetch = CountingFetch()
    cache = lab.cache(fetch)
    cache.check_not_revoked(leaf, issuer)
    cache.check_not_revoked(lab.pki.server([HOST]).certificate, issuer)  # same issuer
    lab.clock.advance(timedelta(minutes=59))
    cache.check_not_revoked(leaf, issuer)
    assert len(fetch.urls) == 1
    lab.clock.advance(timedelta(minutes=2))
    cache.check_not_revoked(leaf, issuer)
    assert len(fetch.urls) == 2


def test_crl_is_downloaded_again_at_its_next_update(lab: Lab) -> None:
    org = lab.pki.organisations
    leaf = lab.pki.server([HOST]).certificate
    now = datetime.now(UTC).replace(microsecond=0)
    lab.publish_crl(org, make_crl(org, number=1, next_update=now + timedelta(minutes=10)))
    fetch = CountingFetch()
    cache = lab.cache(fetch)
    cache.check_not_revoked(leaf, org.certificate)
    lab.publish_crl(org, make_crl(org, number=2, revoked=[leaf.serial_number]))
    lab.clock.advance(timedelta(minutes=9))
    cache.check_not_revoked(leaf, org.certificate)
    assert len(fetch.urls) == 1
    lab.clock.advance(timedelta(minutes=2))
    with pytest.raises(CertificateRevokedError):
        cache.check_not_revoked(leaf, org.certificate)
    assert len(fetch.urls) == 2


def test_after_a_failed_download_the_cache_answers_for_a_while(lab: Lab) -> None:
    leaf = lab.pki.server([HOST]).certificate
    issuer = lab.pki.organisations.certificate
    lab.cache().check_not_revoked(leaf, issuer)
    fetch = CountingFetch(failing_fetch)
    cache = lab.cache(fetch)
    cache.check_not_revoked(leaf, issuer)
    cache.check_not_revoked(leaf, issuer)
    assert len(fetch.urls) == 1
    lab.clock.advance(FAILURE_RETRY + timedelta(seconds=1))
    cache.check_not_revoked(leaf, issuer)
    assert len(fetch.urls) == 2


def test_concurrent_checks_share_one_download(lab: Lab) -> None:
    leaf = lab.pki.server([HOST]).certificate
    issuer = lab.pki.organisations.certificate
    fetch = CountingFetch()
    cache = lab.cache(fetch)
    errors: list[Exception] = []

    def check() -> None:
        try:
            cache.check_not_revoked(leaf, issuer)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=check) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(fetch.urls) == 1


# -- chains -----------------------------------------------------------------------------------


def test_chain_with_a_revoked_intermediate_is_refused(tmp_path: Path, lab: Lab) -> None:
    pki = lab.pki
    leaf = pki.server([HOST]).certificate
    chain = [leaf, pki.organisations.certificate, pki.root.certificate]
    lab.cache().check_chain(chain)

    pki.root.revoke(pki.organisations.certificate)
    lab.publish()
    with pytest.raises(CertificateRevokedError) as caught:
        CrlCache(tmp_path / "other-cache").check_chain(chain)
    assert f"{pki.organisations.certificate.serial_number:X}" in str(caught.value)
    # the leaf alone is still fine: only the intermediate is revoked
    CrlCache(tmp_path / "other-cache").check_not_revoked(leaf, pki.organisations.certificate)


def test_chain_shape_is_checked(lab: Lab) -> None:
    pki = lab.pki
    leaf = pki.server([HOST]).certificate
    cache = lab.cache()
    with pytest.raises(ValueError, match="empty"):
        cache.check_chain([])
    with pytest.raises(ValueError, match="self-signed root"):
        cache.check_chain([leaf, pki.organisations.certificate])
    with pytest.raises(CertificateUntrustedError):
        cache.check_chain([leaf, pki.personnes.certificate, pki.root.certificate])
    assert cache.check_chain([pki.root.certificate]) == 0  # a lone root: nothing to check


def test_wrong_issuer_is_refused_before_any_download(lab: Lab) -> None:
    other = TestPki(lab.server.base_url)  # same names, other keys
    leaf = lab.pki.server([HOST]).certificate
    fetch = CountingFetch()
    with pytest.raises(CertificateUntrustedError):
        lab.cache(fetch).check_not_revoked(leaf, other.organisations.certificate)
    assert fetch.urls == []
